"""The scrutiny panel's spreadsheet: a sheet of the cases, one row each, in plain words,
and a sheet saying how the rows were made safe to share (docs/scrutiny.md).

Everything written comes from a `ScrutinyExport`, which holds no withheld row and no
count of them from 1 to 4, so this file cannot show one by mistake. The same export gives
the same bytes: the file is dated the end of its review, not the moment it was written.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from exports.workbook import workbook_bytes
from referrals.anonymity import ANY, K
from referrals.scrutiny import FIELDS, ScrutinyExport, month_name, period_end
from referrals.scrutiny_words import HEADINGS, RUNGS

CASES = "Cases"
HOW = "How this was made"
BOLD = Font(bold=True)
WRAPPED = Alignment(wrap_text=True, vertical="top")


def scrutiny_workbook(export: ScrutinyExport) -> bytes:
    """The .xlsx file for the panel."""
    workbook = Workbook()
    cases = workbook.active
    assert cases is not None  # a new workbook has one sheet
    cases.title = CASES
    cases.append([HEADINGS[f] for f in FIELDS])
    for row in export.rows:
        cases.append(list(row))
    for index, cell in enumerate(cases[1], start=1):
        cell.font, cell.alignment = BOLD, WRAPPED
        cases.column_dimensions[get_column_letter(index)].width = 28
    cases.freeze_panes = "A2"
    how = workbook.create_sheet(HOW)
    how.column_dimensions["A"].width = 48
    how.column_dimensions["B"].width = 90
    for line in explanation(export):
        how.append(list(line))
    for row in how.iter_rows():
        for cell in row:
            cell.alignment = WRAPPED
    for cell in how["A"]:
        cell.font = BOLD
    return workbook_bytes(workbook, period_end(export.period))


def file_name(export: ScrutinyExport) -> str:
    """ "scrutiny-2025-12.xlsx": the review's first month."""
    return f"scrutiny-{export.period.first}.xlsx"


def description(export: ScrutinyExport) -> str:
    """What the file is, for the consent card: its review only, never a row."""
    months = export.period.months
    return (
        f"Cases closed from {month_name(months[0])} to {month_name(months[-1])}, for the "
        f"scrutiny panel. Each row is shared by at least {K} cases, and holds no names."
    )


def explanation(export: ScrutinyExport) -> list[tuple[str, str]]:
    """The second sheet, as (heading, words) lines."""
    months = export.period.months
    lines = [
        (
            "What this is",
            f"Cases closed from {month_name(months[0])} to {month_name(months[-1])}, "
            "one row for each case, for the scrutiny panel.",
        ),
        (
            "What it never holds",
            "No names, no contact details, no references, nothing anyone "
            "wrote, no dates finer than a month, and never which service someone was referred to.",
        ),
        (
            "The rule",
            f"Every row is exactly the same as at least {K - 1} other rows, in every "
            f"column. So no row can point to fewer than {K} cases, even for someone who already "
            "knows some facts about a case.",
        ),
        (
            "How",
            f"Where too few cases were alike, a column was made less detailed for every row "
            f"(for example a month becomes three months), one step at a time, until every row was "
            f'one of at least {K}. "{ANY}" means the column could not be shown at all. A few '
            "cases that still stood out were left out, rather than make every other row less "
            "detailed.",
        ),
        ("Cases left out", _withheld(export)),
        ("Rows", str(len(export.rows))),
        ("Order", "Rows are sorted by their words, not by when cases closed."),
    ]
    lines += [
        (HEADINGS[f], f"Shown as: {RUNGS[f][level]}")
        for f, level in zip(FIELDS, export.levels, strict=True)
    ]
    lines.append(
        (
            "What you cannot learn",
            "Which row is which person, or anything about a "
            f"case that stood out from the rest. If you know something about a case, "
            f"you can narrow it down to a group of at least {K}, never to one row.",
        )
    )
    lines.append(
        (
            "Please note",
            "If every case in such a group shares something, you learn "
            "it about each of them. Do not try to work out who anyone is.",
        )
    )
    return lines


def _withheld(export: ScrutinyExport) -> str:
    if export.withheld is None:
        return f"Some cases, fewer than {K}, were left out: they stood out too much to show."
    if export.withheld == 0:
        return "None."
    return f"{export.withheld} cases were left out: they stood out too much to show."
