"""The SMLO's figures: referrals month by month and what the service is measured by.

Everything here comes from a `StatisticsReport`, which carries no suppressed value, so
this card cannot show one by mistake: a count from 1 to 4 reads "fewer than 5", a
figure held back so that a small one cannot be worked out reads "hidden", and a breakdown
where everyone gave the same answer is hidden as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from cards.chart import month_chart
from cards.elements import Element, action, card, choice_input, facts, heading, para
from cards.verbs import Verb
from cards.wording import label
from referrals.case_record import CloseOutcome, OnwardOutcome, RiskLevel, UpdateKind
from referrals.escalation import Destination
from referrals.intake import AgeBand, Employment, Gender, Route, Wish
from referrals.pathway import StepKind
from referrals.periods import WINDOW_MONTHS, Period
from referrals.statistics import (
    NOT_GIVEN,
    Breakdown,
    Contact,
    Measure,
    Onward,
    Result,
    StatisticsReport,
    Wait,
)
from referrals.suppression import SMALL_CELL_LIMIT, Cell, Shown

FEWER = f"fewer than {SMALL_CELL_LIMIT}"
HIDDEN = "hidden"
NOTE = (
    f"To protect people, we never show a number from 1 to {SMALL_CELL_LIMIT - 1}. "
    f"It says {FEWER} instead. A few more are hidden, so a small one cannot be worked out."
)
WHOLE_PERIOD = "These figures are for a time that has ended. A new referral does not change them."
NONE_YET = (
    "No six-month review has ended yet. The first figures come when the service has run "
    "for six whole months."
)
CHOOSE = "See another review, quarter or year"
SHOW = "Show these figures"
AS_FILE = "Get this as a spreadsheet"
FOR_PANEL = "Closed cases for the scrutiny panel"
ALIKE = "Hidden. Too few different answers were given to show them safely."
CASE_WORK = "From the advocates' case records"
CASE_WORK_NOTE = (
    "Each is counted in the month it was written down. Anything an advocate later marked "
    "as wrong is left out."
)
WAITS = "How long it took"
WAITS_NOTE = (
    "Each wait is counted in the month it ended. A day here is a full 24 hours. If a case "
    "was given to a new advocate, we count from when the first one took it on."
)
PATHWAY = "What referrals became"
PATHWAY_NOTE = (
    "Each referral is counted once for each kind, in the month it began. Each time a "
    "service lead passed something on is counted in the month it was written down."
)
CASES_ALIKE = "Hidden. Too many cases ended the same way to show them safely."
FEW_CLOSED = f"Hidden. There were {FEWER} closed, too few to show them safely."
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
TITLES = {
    Measure.ROUTE: "How they came to us",
    Measure.EMPLOYMENT: "Who they are",
    Measure.GENDER: "Gender",
    Measure.AGE_BAND: "Age",
    Measure.WISH: "What they asked for. Some asked for more than one thing.",
    Measure.CONTACT: "Contact with the person",
    Measure.ONWARD_REFERRAL: "Referred on to other services",
    Measure.ONWARD_OUTCOME: "What those services said",
    Measure.RISK: "Risk assessments, by level",
    Measure.UPDATE: "Updates, by kind",
    Measure.CLOSED_AS: "How cases were closed",
    Measure.BECAME: "Referrals that were looked into",
    Measure.ESCALATED_TO: "Passed on by the service lead, by team",
    Measure.TIME_TO_ALLOCATION: "From being sent to an advocate taking it on",
    Measure.TIME_TO_FIRST_CONTACT: "From an advocate taking it on to first reaching the person",
}
CATEGORIES: dict[str, str] = {
    NOT_GIVEN: "Not given",
    Route.EXPERIENCED: "It happened to them",
    Route.WITNESSED: "They saw it happen",
    Route.CONCERN: "Worried about a colleague",
    Route.ON_BEHALF: "Sent in as part of a job",
    Employment.OFFICER: "Police officer",
    Employment.STAFF: "Police staff",
    Employment.VOLUNTEER: "Volunteer",
    Employment.FORMER: "Used to work here",
    Gender.WOMAN: "Woman",
    Gender.MAN: "Man",
    Gender.NON_BINARY: "Non-binary",
    Gender.OTHER: "Another word",
    Gender.PREFER_NOT: "Prefer not to say",  # AgeBand.PREFER_NOT is the same value
    AgeBand.UNDER_25: "Under 25",
    AgeBand.FROM_25_TO_34: "25 to 34",
    AgeBand.FROM_35_TO_44: "35 to 44",
    AgeBand.FROM_45_TO_54: "45 to 54",
    AgeBand.OVER_55: "55 or over",
    Wish.TALK_TO_ADVOCATE: "Talk to an advocate",
    Wish.INFORMATION: "Know their options",
    Wish.FORMAL_REPORT: "Make a formal report",
    Wish.SPECIALIST_HELP: "Help from a support service",
    Wish.JUST_RECORD: "Just note what happened",
    Result.SIGNPOSTED: "Sent to another service",
    Result.ALLOCATED: "An advocate took it on",
    Result.WITHDRAWN: "Taken back by the person",
    Result.CLOSED: "Closed",
}


def _labels(enum: type[StrEnum]) -> dict[str, str]:
    return {member.value: label(member) for member in enum}


WAIT_BANDS: dict[str, str] = {
    Wait.WITHIN_A_DAY: "Within a day",
    Wait.DAYS_1_TO_2: "1 to 2 days",
    Wait.DAYS_3_TO_7: "3 to 7 days",
    Wait.DAYS_8_TO_14: "8 to 14 days",
    Wait.OVER_14_DAYS: "More than 14 days",
}
# The categories of the case records and the waits, per measure: two case record
# categories share the value "other".
CASE_CATEGORIES: dict[Measure, dict[str, str]] = {
    Measure.CONTACT: {Contact.FIRST: "Reached for the first time", Contact.AGAIN: "Reached again"},
    Measure.ONWARD_REFERRAL: {
        Onward.INTERNAL: "To a service inside the force",
        Onward.EXTERNAL: "To a service outside the force",
    },
    Measure.ONWARD_OUTCOME: _labels(OnwardOutcome),
    Measure.RISK: _labels(RiskLevel),
    Measure.UPDATE: _labels(UpdateKind),
    Measure.CLOSED_AS: {**_labels(CloseOutcome), NOT_GIVEN: "Closed with no outcome given"},
    Measure.BECAME: {
        StepKind.MISCONDUCT: "As misconduct",
        StepKind.CRIMINAL: "As a crime",
    },
    Measure.ESCALATED_TO: _labels(Destination),
    Measure.TIME_TO_ALLOCATION: WAIT_BANDS,
    Measure.TIME_TO_FIRST_CONTACT: WAIT_BANDS,
}
REACHED_IN_ALL = "Reached, in all"
NOT_REACHED = "Tried but did not reach them"
IN_ALL = "In all"


def month_name(month: str) -> str:
    """ "2026-06" -> "June 2026"."""
    return f"{MONTHS[int(month[5:7]) - 1]} {month[:4]}"


KINDS = {3: "the quarter", 6: "the six-month review", 12: "the year"}


def period_name(months: Sequence[str]) -> str:
    """ "the six-month review June to November 2026", "the year December 2024 to November
    2025", "the quarter June to August 2026"."""
    first, last = months[0], months[-1]
    kind = KINDS.get(len(months), "")
    if first[:4] == last[:4]:
        span = f"{MONTHS[int(first[5:7]) - 1]} to {month_name(last)}"
    else:
        span = f"{month_name(first)} to {month_name(last)}"
    return f"{kind} {span}" if kind else span


# The drop-down offers the latest few of each kind (two years' reviews, quarters and
# years), in short words, so the card stays within Teams' size as the service grows
# older. Every ended period stays on offer to the use case and `python -m ops.figures_file`.
MOST_CHOICES = {3: 8, 6: 4, 12: 2}
CHOICE_KINDS = {3: "Quarter", 6: "Review", 12: "Year"}


def choice_name(months: Sequence[str]) -> str:
    """ "Review: Jun to Nov 2026", "Year: Dec 2025 to Nov 2026"."""
    first, last = months[0], months[-1]
    start = MONTHS[int(first[5:7]) - 1][:3] + ("" if first[:4] == last[:4] else f" {first[:4]}")
    end = f"{MONTHS[int(last[5:7]) - 1][:3]} {last[:4]}"
    return f"{CHOICE_KINDS.get(len(months), 'Months')}: {start} to {end}"


def _recent(offered: Sequence[Period], chosen: str) -> list[Period]:
    kept: list[Period] = []
    for period in offered:  # each kind the latest first
        same = [p for p in kept if len(p.months) == len(period.months)]
        if len(same) < MOST_CHOICES.get(len(period.months), 0) or period.id == chosen:
            kept.append(period)
    return kept


def shown(cell: Cell) -> str:
    if cell.shown is Shown.EXACT:
        return str(cell.value)
    return FEWER if cell.shown is Shown.FEWER_THAN else HIDDEN


def _category(name: str, measure: Measure) -> str:
    words = CASE_CATEGORIES.get(measure, CATEGORIES)
    return words.get(name, name.replace("_", " ").capitalize())


def _title(title: str) -> Element:
    return {**para(title), "weight": "Bolder", "spacing": "Medium"}


def _section(title: str, rows: Sequence[tuple[str, str]]) -> list[Element]:
    return [_title(title), facts(rows)]


def _breakdown(b: Breakdown, alike: str = ALIKE, few: str = "") -> list[Element]:
    """`few` says why every cell is hidden when the total is small (`alike` otherwise)."""
    if b.all_hidden:
        small = b.total is not None and b.total.shown is Shown.FEWER_THAN
        return [_title(TITLES[b.measure]), para(few if few and small else alike)]
    return _section(TITLES[b.measure], _rows(b))


def _rows(b: Breakdown) -> list[tuple[str, str]]:
    return [(_category(c.category, b.measure), shown(c)) for c in b.cells]


def _waits(report: StatisticsReport) -> list[Element]:
    """Time to allocation and to first contact, by band, each with its total: a small
    total hides every band."""
    body = [heading(WAITS), para(WAITS_NOTE, subtle=True)]
    for breakdown in report.waits:
        rows = [] if breakdown.all_hidden else _rows(breakdown)
        if breakdown.total is not None:
            rows.append((IN_ALL, shown(breakdown.total)))
        body += _section(TITLES[breakdown.measure], rows)
    return body


def _case_work(report: StatisticsReport) -> list[Element]:
    """The contacts, onward referrals, risk assessments, updates and closes of the period."""
    body = [heading(CASE_WORK), para(CASE_WORK_NOTE, subtle=True)]
    reached, total = report.reached, report.reached.total
    rows = [] if reached.all_hidden else _rows(reached)
    if total is not None:
        rows.append((REACHED_IN_ALL, shown(total)))
    body += _section(TITLES[Measure.CONTACT], [*rows, (NOT_REACHED, shown(report.not_reached))])
    for breakdown in report.case_work:
        body += _breakdown(breakdown)
    return body + _breakdown(report.closed_as, CASES_ALIKE, FEW_CLOSED)


def _pathway(report: StatisticsReport) -> list[Element]:
    """Referrals that became an investigation, and escalations by destination."""
    body = [heading(PATHWAY), para(PATHWAY_NOTE, subtle=True)]
    for breakdown in report.pathway:
        body += _breakdown(breakdown)
    return body


def statistics_card(report: StatisticsReport | None, offered: Sequence[Period] = ()) -> Element:
    """The figures for one ended review, with a choice of the others on offer."""
    if report is None:
        return card([heading("Figures"), para(NONE_YET)])
    months = report.months
    total = report.received.total
    body: list[Element] = [
        heading(f"Figures for {period_name(months)}"),
        para(WHOLE_PERIOD, subtle=True),
        para(NOTE, subtle=True),
    ]
    if total is not None and total.value == 0:
        body.append(para("No referrals came in during this time."))
    elif report.too_few_to_break_down:
        body.append(para(f"There were {FEWER} referrals, so we do not break them down."))
    else:
        rows = [(month_name(c.category), shown(c)) for c in report.received.cells]
        if total is not None:
            rows.append(("In total", shown(total)))
        body += _section("Referrals each month", rows)
        body += month_chart(report.received.cells, month_name)
        for breakdown in report.answers:
            body += _breakdown(breakdown)
    body += _section("What happened, in the month it happened", _rows(report.results))
    body.append(facts([("Advocates who took a case on", shown(report.advocates_deployed))]))
    body += _waits(report)
    body += _case_work(report)
    body += _pathway(report)
    chosen = next((p.id for p in offered if p.months == months), "")
    # The figures shown, as a file: this card's review, whatever the chooser says now.
    files = [action(AS_FILE, Verb.FIGURES_FILE, {"period": chosen}, validate=False)]
    if len(months) == WINDOW_MONTHS:  # the panel's rows are a review's closed cases
        files.append(action(FOR_PANEL, Verb.SCRUTINY_FILE, {"period": chosen}, validate=False))
    others = [p for p in offered if p.months != months]
    if not others:
        return card(body, files)
    choices = [(p.id, choice_name(p.months)) for p in _recent(offered, chosen)]
    body += choice_input("period", CHOOSE, choices, value=chosen, dropdown=CHOOSE)
    return card(body, [action(SHOW, Verb.STATISTICS), *files])
