"""The scrutiny spreadsheet, read back with the library that wrote it: the rows as the
export holds them, five alike at least, the explanation, no canary, no reference, and the
same bytes each time."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import replace

from openpyxl import load_workbook

from exports.scrutiny import CASES, HOW, file_name, scrutiny_workbook
from referrals.anonymity import K
from referrals.intake import Employment
from referrals.scrutiny import FIELDS, scrutiny_export
from referrals.scrutiny_words import HEADINGS
from tests.unit.scrutiny_builders import CANARY, PERIOD, Case, closed_case

Sheet = list[tuple[object, ...]]


def read(data: bytes) -> dict[str, Sheet]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


def cases(count: int, **changes: object) -> list[Case]:
    return [replace(Case(), **changes)] * count  # type: ignore[arg-type]


def test_the_cases_sheet_holds_the_rows_under_plain_headings_every_row_five_times() -> None:
    chosen = [*cases(6), *cases(5, employment=Employment.STAFF), *cases(1, month=4)]
    referrals = [closed_case(case, serial) for serial, case in enumerate(chosen)]
    export = scrutiny_export(referrals, PERIOD)

    sheets = read(scrutiny_workbook(export))

    heading, *rows = sheets[CASES]
    assert heading == tuple(HEADINGS[f] for f in FIELDS)
    assert [tuple(row) for row in rows] == list(export.rows)
    assert len(rows) == 11
    assert all(n >= K for n in Counter(rows).values())
    words = str(sheets)
    assert CANARY not in words
    assert "SMA-" not in words
    assert file_name(export) == "scrutiny-2025-12.xlsx"


def test_the_explanation_says_the_rule_each_columns_detail_and_what_was_left_out() -> None:
    referrals = [closed_case(case, n) for n, case in enumerate([*cases(9), *cases(1, month=5)])]

    how = dict(read(scrutiny_workbook(scrutiny_export(referrals, PERIOD))))[HOW]

    said = {str(line[0]): str(line[1]) for line in how}
    assert "at least 4 other rows" in said["The rule"]
    assert said["Cases left out"].startswith("Some cases, fewer than 5")
    assert said[HEADINGS["month_closed"]] == "Shown as: The month"
    assert "December 2025 to May 2026" in said["What this is"]


def test_no_case_closed_gives_a_sheet_of_headings_only() -> None:
    sheets = read(scrutiny_workbook(scrutiny_export([], PERIOD)))

    assert len(sheets[CASES]) == 1
    assert dict((str(a), str(b)) for a, b in sheets[HOW])["Cases left out"] == "None."


def test_the_same_export_gives_the_same_bytes_dated_the_end_of_its_review() -> None:
    referrals = [closed_case(case, serial) for serial, case in enumerate(cases(5))]
    export = scrutiny_export(referrals, PERIOD)

    data = scrutiny_workbook(export)

    assert data == scrutiny_workbook(export)
    with zipfile.ZipFile(io.BytesIO(data)) as packed:
        assert {item.date_time for item in packed.infolist()} == {(2026, 6, 1, 0, 0, 0)}
        core = packed.read("docProps/core.xml").decode()
    assert core.count("2026-06-01T00:00:00Z") == 2, "created and modified: the review's end"
