"""The figures as a spreadsheet: the card's tables in the card's words, suppressed cells
as words, a chart with no bar for a month the card would not count, the same bytes for the
same report."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import openpyxl
from openpyxl.chart import BarChart

from cards.statistics import FEWER, HIDDEN, NOTE, statistics_card
from exports.figures import (
    DRAWN,
    FIGURES_SHEET,
    MONTHS_SHEET,
    figures_file,
    file_name,
)
from referrals.intake import Gender, Route
from referrals.periods import offered_periods
from referrals.statistics import Measure, MonthTallies, Result, StatisticsReport, build_report

MONTHS = offered_periods(datetime(2026, 3, 2, tzinfo=UTC), "2025-06")[0].months  # Jun-Nov 2025
m = Measure


def report_of(received: tuple[int, ...]) -> StatisticsReport:
    tallies: MonthTallies = {}
    for month, n in zip(MONTHS, received, strict=True):
        if n:
            tallies[month] = {
                (m.RECEIVED, ""): n,
                (m.ROUTE, Route.EXPERIENCED): n,
                (m.GENDER, Gender.WOMAN): n,
                (m.RESULT, Result.ALLOCATED): n,
            }
    return build_report(MONTHS, tallies)


def rows(data: bytes, sheet: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def card_facts(report: StatisticsReport) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for element in statistics_card(report, ())["body"]:
        if element.get("type") == "FactSet":
            found += [(f["title"], f["value"]) for f in element["facts"]]
    return found


def test_the_file_has_every_table_of_the_card_in_its_words_and_suppressed_cells_as_words() -> None:
    report = report_of((6, 0, 2, 7, 5, 9))
    data = figures_file(report)
    figures = rows(data, FIGURES_SHEET)

    assert figures[0][0] == "Figures for the six-month review June to November 2025"
    assert NOTE in [row[0] for row in figures[:4]], "the protection note under the title"
    written = [(str(a), str(b)) for a, b in figures if b is not None]
    assert written == card_facts(report), "every line of every table, as the card says it"
    assert ("August 2025", FEWER) in written
    assert HIDDEN in {b for _, b in written}
    assert ("September 2025", 7) in figures, "a count shown exactly is a number"


def test_a_month_the_card_does_not_count_has_no_bar_in_the_chart() -> None:
    data = figures_file(report_of((6, 0, 2, 7, 5, 9)))
    months = rows(data, MONTHS_SHEET)
    header = next(i for i, row in enumerate(months) if row[2] == DRAWN)

    assert months[0][0] == "Referrals each month in the six-month review June to November 2025"
    assert months[1][0] == NOTE
    by_month = {row[0]: row[1:3] for row in months[header + 1 : header + 7]}
    assert by_month["October 2025"] == (HIDDEN, None), "5 hidden so that August's 2 stays so"
    assert by_month["August 2025"] == (FEWER, None)
    assert by_month["July 2025"] == (0, 0)
    assert by_month["June 2025"] == (6, 6)
    assert months[header + 7][:2] == ("In total", 29)
    sheet = openpyxl.load_workbook(io.BytesIO(data))[MONTHS_SHEET]
    (chart,) = sheet._charts  # type: ignore[attr-defined]  # read back, not in the stubs
    assert isinstance(chart, BarChart)
    assert chart.display_blanks == "gap", "an empty cell is a gap, not a bar of 0"


def test_too_few_referrals_show_every_month_hidden_and_draw_nothing() -> None:
    months = rows(figures_file(report_of((0, 0, 3, 0, 0, 0))), MONTHS_SHEET)
    header = next(i for i, row in enumerate(months) if row[2] == DRAWN)

    assert [row[1:3] for row in months[header + 1 : header + 7]] == [(HIDDEN, None)] * 6
    assert months[header + 7][:2] == ("In total", FEWER)


def test_the_same_report_gives_the_same_bytes_and_a_name_of_its_period_only() -> None:
    report = report_of((6, 0, 2, 7, 5, 9))

    assert figures_file(report) == figures_file(report_of((6, 0, 2, 7, 5, 9)))
    assert figures_file(report) != figures_file(report_of((6, 0, 2, 7, 5, 8)))
    assert file_name(report) == "SMA figures 2025-06 to 2025-11.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(figures_file(report)))
    assert book.properties.created == datetime(2025, 12, 1)
    assert book.properties.creator == "SMA Referral Bot"
