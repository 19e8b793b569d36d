"""The SMLO's figures: referrals month by month and what the service is measured by.

Everything here comes from a `StatisticsReport`, which carries no suppressed value, so
this card cannot show one by mistake: a count from 1 to 4 reads "fewer than 5", a
figure held back so that a small one cannot be worked out reads "hidden", and a breakdown
where everyone gave the same answer is hidden as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Element, card, facts, heading, para
from referrals.intake import AgeBand, Employment, Gender, Route, Wish
from referrals.statistics import NOT_GIVEN, Breakdown, Measure, Result, StatisticsReport
from referrals.suppression import SMALL_CELL_LIMIT, Cell, Shown

FEWER = f"fewer than {SMALL_CELL_LIMIT}"
HIDDEN = "hidden"
NOTE = (
    f"To protect people, we never show a number from 1 to {SMALL_CELL_LIMIT - 1}. "
    f"It says {FEWER} instead. A few more are hidden, so a small one cannot be worked out."
)
WHOLE_YEARS = (
    "These figures are for a whole year that has ended. A new referral does not change them."
)
ALIKE = "Hidden. Too few different answers were given to show them safely."
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


def month_name(month: str) -> str:
    """ "2026-06" -> "June 2026"."""
    return f"{MONTHS[int(month[5:7]) - 1]} {month[:4]}"


def period_name(months: Sequence[str]) -> str:
    """A calendar year as "2026", any other run of months as "May 2026 to April 2027"."""
    first, last = months[0], months[-1]
    if len(months) == 12 and first.endswith("-01") and last.endswith("-12"):
        return first[:4]
    return f"{month_name(first)} to {month_name(last)}"


def shown(cell: Cell) -> str:
    if cell.shown is Shown.EXACT:
        return str(cell.value)
    return FEWER if cell.shown is Shown.FEWER_THAN else HIDDEN


def _category(name: str) -> str:
    return CATEGORIES.get(name, name.replace("_", " ").capitalize())


def _title(title: str) -> Element:
    return {**para(title), "weight": "Bolder", "spacing": "Medium"}


def _section(title: str, rows: Sequence[tuple[str, str]]) -> list[Element]:
    return [_title(title), facts(rows)]


def _breakdown(b: Breakdown) -> list[Element]:
    if b.all_hidden:
        return [_title(TITLES[b.measure]), para(ALIKE)]
    return _section(TITLES[b.measure], [(_category(c.category), shown(c)) for c in b.cells])


def statistics_card(report: StatisticsReport) -> Element:
    months = report.months
    total = report.received.total
    body: list[Element] = [
        heading(f"Figures for {period_name(months)}"),
        para(f"From {month_name(months[0])} to {month_name(months[-1])}.", subtle=True),
        para(WHOLE_YEARS, subtle=True),
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
        for breakdown in report.answers:
            body += _breakdown(breakdown)
    results = [(_category(c.category), shown(c)) for c in report.results.cells]
    body += _section("What happened, in the month it happened", results)
    body.append(facts([("Advocates who took a case on", shown(report.advocates_deployed))]))
    return card(body)
