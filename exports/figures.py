"""The SMLO's figures as a spreadsheet (.xlsx): what the figures card shows, table by
table in the card's own words, and the referrals of each month with a bar chart.

Everything comes from a `StatisticsReport`, which carries no suppressed value: a count
from 1 to 4 reads "fewer than 5" and a figure held back reads "hidden", as on the card.
Such a month has no bar in the chart (its cell is left empty, and Excel draws a gap), so
no bar ever stands for a count the card would not show. The file holds no name, no text
anyone wrote and no reference.

The same report gives the same bytes (`exports.workbook`): the file is dated the end of
the period throughout.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from cards.statistics import NOTE, month_name, period_name, shown, statistics_card
from exports.workbook import workbook_bytes
from referrals.periods import month_at, month_index
from referrals.statistics import StatisticsReport
from referrals.suppression import Shown

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURES_SHEET = "Figures"
MONTHS_SHEET = "Referrals each month"
MONTH, REFERRALS, DRAWN = "Month", "Referrals", "Drawn in the chart"
IN_TOTAL = "In total"
NO_BAR = (
    "A month with fewer than 5 referrals, or hidden, has no bar in the chart, so the chart "
    "never shows a number the table does not."
)
_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_SUBTLE = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")

Row = tuple[str, Any, Font | None]  # first column, second (a count or words), its font


def file_name(report: StatisticsReport) -> str:
    """ "SMA figures 2025-06 to 2025-11.xlsx": the period, nothing else."""
    return f"SMA figures {report.months[0]} to {report.months[-1]}.xlsx"


def description(report: StatisticsReport) -> str:
    """What the file is, for the consent card: its period only, never a figure."""
    return (
        f"The service's figures for {period_name(report.months)}, as a spreadsheet. Small "
        "numbers are not shown."
    )


def figures_file(report: StatisticsReport) -> bytes:
    """The workbook's bytes: the card's tables, then each month's referrals and a chart."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = FIGURES_SHEET
    _write_rows(sheet, _card_rows(report))
    _months_sheet(book.create_sheet(MONTHS_SHEET), report)
    at = _end_of(report)
    title = f"SMA figures for {period_name(report.months)}"
    book.properties.title = title
    return workbook_bytes(book, at)


def _card_rows(report: StatisticsReport) -> list[Row]:
    """The figures card, read back as rows: its headings and notes, each table's title and
    its lines. Reading the card (built without a choice of periods) rather than the report
    keeps one set of words and one layout for both."""
    return list(_rows_of(statistics_card(report, ())["body"]))


def _rows_of(elements: list[dict[str, Any]]) -> Iterator[Row]:
    for element in elements:
        kind = element.get("type")
        if kind == "TextBlock":
            text = str(element["text"])
            if element.get("size") == "Medium":
                yield (text, None, _TITLE)
            elif element.get("weight") == "Bolder":
                yield (text, None, _BOLD)
            else:
                yield (text, None, _SUBTLE if element.get("isSubtle") else None)
        elif kind == "FactSet":
            for fact in element["facts"]:
                yield (str(fact["title"]), _count_or_words(str(fact["value"])), None)
        elif kind in ("Container", "Column"):
            yield from _rows_of(element.get("items", []))
        elif kind == "ColumnSet":
            yield from _rows_of(element.get("columns", []))
        # Anything else (a choice of periods, a chart the card draws) is not a table.


def _count_or_words(value: str) -> int | str:
    """A count shown exactly becomes a number the spreadsheet can add; words stay words."""
    return int(value) if value.isdigit() else value


def _write_rows(sheet: Worksheet, rows: list[Row]) -> None:
    for number, (first, second, font) in enumerate(rows, start=1):
        cell = sheet.cell(number, 1, first)
        cell.alignment = _WRAP
        if font is not None:
            cell.font = font
        if second is not None:
            sheet.cell(number, 2, second).alignment = Alignment(horizontal="right")
    sheet.column_dimensions["A"].width = 70
    sheet.column_dimensions["B"].width = 16


def _months_sheet(sheet: Worksheet, report: StatisticsReport) -> None:
    """Each month's referrals as the card shows them, a column of what the chart draws
    (empty where the count is not shown), the total, and the chart."""
    header = 5
    top: list[Row] = [
        (f"{MONTHS_SHEET} in {period_name(report.months)}", None, _TITLE),
        (NOTE, None, _SUBTLE),
        (NO_BAR, None, _SUBTLE),
    ]
    _write_rows(sheet, top)
    for column, words in enumerate((MONTH, REFERRALS, DRAWN), start=1):
        sheet.cell(header, column, words).font = _BOLD
    cells = report.received.cells
    for row, cell in enumerate(cells, start=header + 1):
        sheet.cell(row, 1, month_name(cell.category))
        sheet.cell(row, 2, _count_or_words(shown(cell)))
        if cell.shown is Shown.EXACT:
            sheet.cell(row, 3, cell.value)
    last = header + len(cells)
    if report.received.total is not None:
        sheet.cell(last + 1, 1, IN_TOTAL).font = _BOLD
        sheet.cell(last + 1, 2, _count_or_words(shown(report.received.total)))
    sheet.column_dimensions["C"].width = 20
    chart = BarChart()
    chart.type = "col"
    chart.title = MONTHS_SHEET
    chart.y_axis.title = REFERRALS
    chart.x_axis.title = MONTH
    chart.legend = None
    chart.display_blanks = "gap"
    chart.add_data(Reference(sheet, min_col=3, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
    sheet.add_chart(chart, "E5")


def _end_of(report: StatisticsReport) -> datetime:
    """The first moment after the period (UTC, as openpyxl writes it): the file's time."""
    following = month_at(month_index(report.months[-1]) + 1)
    return datetime(int(following[:4]), int(following[5:7]), 1, tzinfo=UTC)
