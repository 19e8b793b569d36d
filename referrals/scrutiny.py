"""The scrutiny panel's export: the cases closed in one ended six-month review, one row
per case, in categories only, generalised until every row is shared by at least five
cases (`referrals.anonymity`). Standard library only. docs/scrutiny.md says why.

A row holds what the history says of a case, never what anyone wrote: how they came to
us, whether they are an officer or staff, the month it closed, what they asked for,
onward referrals (inside the force or outside it: never which service), the service
lead's escalation decisions (to which team, and the consent), how it ended, and the two
waits banded as the figures band them (`referrals.statistics`). The history survives the
retention purge, so purged cases are rows too. No reference, no id, no name, no date
finer than a month.

Only history written before the review ended is read, so an ended review's export never
changes (a decision recorded on a closed case later does not reach back), and reviews
never overlap, so no two exports on offer can be compared to single out a case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from referrals.anonymity import ANY, K, Row, anonymise
from referrals.case_record import CloseOutcome
from referrals.escalation import Consent
from referrals.intake import Employment, Route, Wish
from referrals.periods import Period, month_at, month_index
from referrals.referral import Referral
from referrals.scrutiny_words import (
    ANOTHER_ANSWER,
    ANYTHING_ELSE,
    CONSENTS,
    DESTINATIONS,
    EMPLOYMENTS,
    INSIDE,
    MONTHS,
    NO_ADVOCATE,
    NONE,
    NONE_GIVEN,
    NOT_REACHED,
    OUTCOMES,
    OUTSIDE,
    ROUTES,
    SIGNPOSTED,
    WAITS,
    WISHES,
)
from referrals.statistics import NOT_GIVEN, Measure, Onward, Result, Wait, facts_of


class Field(StrEnum):
    ROUTE = "route"
    EMPLOYMENT = "employment"
    MONTH_CLOSED = "month_closed"
    WISHES = "wishes"
    ONWARD = "onward"
    ESCALATIONS = "escalations"
    OUTCOME = "outcome"
    TIME_TO_ALLOCATION = "time_to_allocation"
    TIME_TO_FIRST_CONTACT = "time_to_first_contact"


FIELDS = tuple(Field)
# When two steps of the search are equally good, the panel loses these first.
GIVE_UP_FIRST = (
    Field.MONTH_CLOSED,
    Field.EMPLOYMENT,
    Field.ROUTE,
    Field.WISHES,
    Field.ESCALATIONS,
    Field.ONWARD,
    Field.TIME_TO_FIRST_CONTACT,
    Field.TIME_TO_ALLOCATION,
    Field.OUTCOME,
)


@dataclass(frozen=True)
class ScrutinyExport:
    """What the panel is given: no value of a withheld row, and no count of them from 1
    to 4 (`withheld` is None then: "some")."""

    period: Period
    levels: tuple[int, ...]  # per field of FIELDS, the rung of its ladder shown
    rows: tuple[Row, ...]  # in FIELDS order, sorted; each row occurs at least K times
    withheld: int | None


def scrutiny_export(referrals: Iterable[Referral], period: Period) -> ScrutinyExport:
    """The export of the cases closed in `period` (referrals in any state may be given)."""
    ladders = [ladder for r in referrals if (ladder := case_ladders(r, period)) is not None]
    order = [FIELDS.index(f) for f in GIVE_UP_FIRST]
    done = anonymise(ladders, order)
    withheld = done.withheld if done.withheld == 0 or done.withheld >= K else None
    return ScrutinyExport(period, done.levels, done.rows, withheld)


def period_end(period: Period) -> datetime:
    following = month_at(month_index(period.first) + len(period.months))
    return datetime(int(following[:4]), int(following[5:]), 1, tzinfo=UTC)


def case_ladders(referral: Referral, period: Period) -> tuple[tuple[str, ...], ...] | None:
    """Per field, the case's value from finest to ANY; None unless it closed in `period`."""
    seen = referral.copy()
    seen.history = [e for e in referral.history if e.at < period_end(period)]
    facts = facts_of(seen)
    closed = [at for result, at in facts.results if result is Result.CLOSED] if facts else []
    month = f"{closed[0].astimezone(UTC):%Y-%m}" if closed else ""
    if facts is None or month not in period.months:
        return None
    record = [key for key, _ in facts.record]
    signposted = any(result is Result.SIGNPOSTED for result, _ in facts.results)
    waits = dict(key for key, _ in facts.waits)
    allocated = bool(facts.accepted_by)
    onward = [category for measure, category in record if measure is Measure.ONWARD_REFERRAL]
    outcome = next((c for m, c in record if m is Measure.CLOSED_AS), NOT_GIVEN)
    decisions = sorted(
        f"{DESTINATIONS[d.destination]}: {_consent(d.consent, d.consent_withdrawn)}"
        for d in seen.escalations
    )
    return (
        _ladder(ROUTES.get(facts.route, ANOTHER_ANSWER), _route_kind(facts.route)),
        _ladder(
            EMPLOYMENTS.get(facts.employment, ANOTHER_ANSWER), _employment_kind(facts.employment)
        ),
        _ladder(month_name(month), _three_months(month, period)),
        _wishes(facts.wishes),
        _onward(onward.count(Onward.INTERNAL), onward.count(Onward.EXTERNAL)),
        _ladder("; ".join(decisions) or NONE, "At least one" if decisions else NONE),
        _outcome(SIGNPOSTED if signposted else OUTCOMES.get(outcome, ANOTHER_ANSWER)),
        _wait(waits.get(Measure.TIME_TO_ALLOCATION), NO_ADVOCATE),
        _wait(waits.get(Measure.TIME_TO_FIRST_CONTACT), NOT_REACHED if allocated else NO_ADVOCATE),
    )


def _ladder(*rungs: str) -> tuple[str, ...]:
    return (*rungs, ANY)


def _route_kind(route: str) -> str:
    return ROUTES[Route.EXPERIENCED] if route == Route.EXPERIENCED else ANYTHING_ELSE


def _employment_kind(employment: str) -> str:
    inside = employment in (Employment.OFFICER, Employment.STAFF)
    return "Police officer or staff" if inside else ANYTHING_ELSE


def _three_months(month: str, period: Period) -> str:
    """The half of the review the month is in: "June to August 2025"."""
    index = period.months.index(month)
    first, last = period.months[0 if index < 3 else 3], period.months[2 if index < 3 else 5]
    start = month_name(first) if first[:4] != last[:4] else MONTHS[int(first[5:]) - 1]
    return f"{start} to {month_name(last)}"


def _wishes(wishes: tuple[str, ...]) -> tuple[str, ...]:
    chosen = [WISHES[w] for w in Wish if w.value in wishes]
    if not chosen:
        return _ladder(NONE_GIVEN, NONE_GIVEN)
    return _ladder("; ".join(chosen), "1 thing" if len(chosen) == 1 else f"{len(chosen)} things")


def _onward(internal: int, external: int) -> tuple[str, ...]:
    def some(n: int) -> str:
        return "2 or more" if n > 1 else str(n)

    parts = [f"{some(n)} {where}" for n, where in ((internal, INSIDE), (external, OUTSIDE)) if n]
    return _ladder("; ".join(parts) or NONE, "At least one" if parts else NONE)


def _outcome(words: str) -> tuple[str, ...]:
    completed = OUTCOMES[CloseOutcome.SUPPORT_COMPLETED]
    return _ladder(words, completed if words == completed else "Ended another way")


def _wait(band: str | None, missing: str) -> tuple[str, ...]:
    if band is None:
        return _ladder(missing, missing)
    quick = band in (Wait.WITHIN_A_DAY, Wait.DAYS_1_TO_2, Wait.DAYS_3_TO_7)
    return _ladder(
        WAITS.get(band, ANOTHER_ANSWER), "Within a week" if quick else "More than a week"
    )


def _consent(consent: Consent, withdrawn: bool) -> str:
    return CONSENTS[consent] + (", later withdrawn" if withdrawn else "")


def month_name(month: str) -> str:
    """ "2026-06" -> "June 2026"."""
    return f"{MONTHS[int(month[5:]) - 1]} {month[:4]}"
