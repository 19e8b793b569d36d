"""The anonymous statistics the service is measured by, month by month.

A referral's *facts* are a pure function of the referral: the month it was received, its
closed-set answers (route, employment, gender, age band, wishes; "not given" where
skipped), and its outcomes with the time each happened (sent to another service, an
advocate took it, withdrawn, closed) and the advocate who took it. Withdrawal and the
retention purge keep all of this (`IntakeAnswers.statistical_only`, and the history keeps
its events), so the figures survive them.

The advocate's case record adds what the history says of each entry (`case_record.
entry_event`: kind and category, never text): contacts (the first that reached the
person, later ones, and tries that did not), onward referrals (internal or external) and
their outcomes, risk assessments by level and updates by kind; and how each case closed
(the `ReferralClosed` event's outcome). Each counts at the time it was written down, the
time of its history line: the dates inside an entry are stored apart from the referral
and erased with it at the purge. An entry a later correction retracts counts for nothing,
and neither does the outcome of an onward referral that was retracted.

What a referral became (`referrals.pathway`) counts each referral once per kind: it
became a misconduct investigation, or a criminal investigation, in the month of the
earliest such step's own date (the step is a history line, so the date survives the
purge). The SMLO's escalation decisions count by destination, each passed on (not one the
person declined) at the time it was written down, from its history line like the case
record's; a retracted one counts for nothing.

Two waits the service is judged by are counted in bands of whole days (`Wait`), each in
the month its later event happened: *time to allocation*, from the referral being sent to
the first advocate accepting it; and *time to first contact*, from that first acceptance
to the case record's first contact that reached the person (the history line of the
live entry marked "first": a retracted one counts for nothing, and the next contact that
reaches them becomes the first). A case given to another advocate is still timed from
its first acceptance: the person was with an advocate from then on. The contact counts
when it was written down, as every case record figure does.

A referral *contributes* to each month something happened in: one received, its answers,
in the month it was sent; each outcome in the month it happened. Stores keep, per month,
the sum of every referral's contribution (a `Tally`), updated with the change in a
referral's contribution in the same write as the referral itself, so reading a year's
figures costs twelve records however many referrals there have ever been; and they can
always recount them from the referrals (`python -m ops.recount`).

Months are calendar months in UTC, written "2026-06". A report covers one of the
service's six-month reviews that has ended (`referrals.periods`): its figures never change
once shown (but for a case record entry corrected later, or a pathway step dated in an
earlier month), and no two reports on offer share a month, so comparing reports cannot
show what a new referral answered (docs/statistics.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from referrals import case_record
from referrals.case_record import (
    CloseOutcome,
    ContactHow,
    EntryKind,
    OnwardOutcome,
    RiskLevel,
    UpdateKind,
)
from referrals.escalation import Consent, Destination
from referrals.intake import AgeBand, Employment, Gender, Route, Wish
from referrals.pathway import PATHWAY_STEP, PathwayStep, StepKind
from referrals.referral import Referral
from referrals.referral_base import CaseEvent
from referrals.suppression import Cell, Shown, protect_breakdown, protect_counts


class Measure(StrEnum):
    RECEIVED = "received"
    ROUTE = "route"
    EMPLOYMENT = "employment"
    GENDER = "gender"
    AGE_BAND = "age_band"
    WISH = "wish"
    RESULT = "result"
    ADVOCATE = "advocate"  # accepts by each advocate (id), for "advocates deployed"
    # From the case record, each in the month it was written down:
    CONTACT = "contact"  # a `Contact`
    ONWARD_REFERRAL = "onward_referral"  # an `Onward`: to a service inside the force or not
    ONWARD_OUTCOME = "onward_outcome"  # an `OnwardOutcome`
    RISK = "risk"  # a risk assessment, by `RiskLevel`
    UPDATE = "update"  # an `UpdateKind`
    CLOSED_AS = "closed_as"  # a `CloseOutcome`; NOT_GIVEN closed without one (signposted)
    BECAME = "became"  # a referral that became a `COUNTED_STEPS` kind, once per kind
    ESCALATED_TO = "escalated_to"  # an escalation passed on, by `Destination`
    # Waits, by `Wait` band, each in the month it ended:
    TIME_TO_ALLOCATION = "time_to_allocation"  # sent -> first accepted
    TIME_TO_FIRST_CONTACT = "time_to_first_contact"  # first accepted -> first reached


class Result(StrEnum):
    """What became of a referral, counted in the month it happened."""

    SIGNPOSTED = "signposted"  # outside the remit: sent to another service
    ALLOCATED = "allocated"  # an advocate accepted it (an advocate deployed)
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Contact(StrEnum):
    FIRST = "first"  # the first contact that reached the person
    AGAIN = "again"  # a later one that reached them
    NOT_REACHED = "not_reached"  # tried, and did not reach them


class Onward(StrEnum):
    """Where an onward referral went, as `case_record.entry_event` names it."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class Wait(StrEnum):
    """How long something took, in whole days of 24 hours (30 hours is one day). The
    bands follow how an SMLO reviews the service: the next day, within the working week,
    within a fortnight, and longer, which needs explaining."""

    WITHIN_A_DAY = "within_a_day"  # under 24 hours
    DAYS_1_TO_2 = "1_to_2_days"
    DAYS_3_TO_7 = "3_to_7_days"
    DAYS_8_TO_14 = "8_to_14_days"
    OVER_14_DAYS = "over_14_days"


# (fewer than this many whole days, band), in order; longer is OVER_14_DAYS.
_WAIT_BANDS = (
    (1, Wait.WITHIN_A_DAY),
    (3, Wait.DAYS_1_TO_2),
    (8, Wait.DAYS_3_TO_7),
    (15, Wait.DAYS_8_TO_14),
)


def wait_band(start: datetime, end: datetime) -> Wait:
    """The band of the time from `start` to `end` (never less than none)."""
    days = max(end - start, timedelta(0)) // timedelta(days=1)
    return next((band for below, band in _WAIT_BANDS if days < below), Wait.OVER_14_DAYS)


NOT_GIVEN = "not_given"
# What "referrals converted into misconduct" and into a criminal investigation count.
COUNTED_STEPS = (StepKind.MISCONDUCT, StepKind.CRIMINAL)
_RESULT_EVENTS = {
    "ReferralSignposted": Result.SIGNPOSTED,
    "AllocationAccepted": Result.ALLOCATED,
    "ReferralWithdrawn": Result.WITHDRAWN,
    "ReferralClosed": Result.CLOSED,
}

Key = tuple[Measure, str]  # (measure, category); RECEIVED's category is ""
Tally = dict[Key, int]
MonthTallies = dict[str, Tally]  # "2026-06" -> tally


@dataclass(frozen=True)
class ReferralFacts:
    received: datetime
    route: str
    employment: str
    gender: str
    age_band: str
    wishes: tuple[str, ...]
    results: tuple[tuple[Result, datetime], ...]
    # Who accepted it, and when: one advocate, or more if it was given to someone else.
    accepted_by: tuple[tuple[str, datetime], ...]
    record: tuple[tuple[Key, datetime], ...]  # what the case record counts, and each close
    waits: tuple[tuple[Key, datetime], ...]  # each wait's band, when the wait ended


def facts_of(referral: Referral) -> ReferralFacts | None:
    """None for a draft: it has not been received."""
    if referral.submitted_at is None:
        return None
    a = referral.answers
    results = tuple(
        (_RESULT_EVENTS[e.name], e.at) for e in referral.history if e.name in _RESULT_EVENTS
    )
    return ReferralFacts(
        received=referral.submitted_at,
        route=_given(a.route),
        employment=_given(a.employment),
        gender=_given(a.gender),
        age_band=_given(a.age_band),
        wishes=tuple(dict.fromkeys(w.value for w in a.wishes)),
        results=results,
        accepted_by=tuple(
            (e.actor_id, e.at) for e in referral.history if e.name == "AllocationAccepted"
        ),
        record=_record_counts(referral.history),
        waits=_waits(referral.submitted_at, referral.history),
    )


def _entry_lines(
    history: Sequence[CaseEvent],
) -> tuple[list[tuple[datetime, case_record.EntryLine]], set[str]]:
    """The case record's history lines with the time each was written, and the ids of
    those no correction retracted."""
    lines = [
        (e.at, case_record.parse_event(e.detail))
        for e in history
        if e.name == case_record.ENTRY_ADDED
    ]
    retracted = case_record.retracted_ids([line for _, line in lines])
    return lines, {line.id for _, line in lines} - retracted


def _record_counts(history: Sequence[CaseEvent]) -> tuple[tuple[Key, datetime], ...]:
    """What the case record counts, at the time each entry was written, leaving out
    retracted entries; and each close, by its outcome."""
    lines, live = _entry_lines(history)
    counted = [(key, at) for at, line in lines if line.id in live and (key := _counted(line, live))]
    closes = [e for e in history if e.name == "ReferralClosed"]
    counted += [((Measure.CLOSED_AS, e.detail or NOT_GIVEN), e.at) for e in closes]
    counted += [
        ((Measure.ESCALATED_TO, line.extra[0]), at)
        for at, line in lines
        if line.id in live
        and line.kind is EntryKind.ESCALATION
        and line.extra[1] != Consent.DECLINED
    ]
    return (*counted, *_became(history))


def _became(history: Sequence[CaseEvent]) -> list[tuple[Key, datetime]]:
    """Each counted kind of step once, on the earliest date any of its steps gives."""
    steps = [PathwayStep.from_detail(e.detail) for e in history if e.name == PATHWAY_STEP]
    found = []
    for kind in COUNTED_STEPS:
        days = [s.on for s in steps if s.kind is kind]
        if days:
            first = min(days)
            at = datetime(first.year, first.month, first.day, tzinfo=UTC)
            found.append(((Measure.BECAME, kind.value), at))
    return found


_FIRST: Key = (Measure.CONTACT, Contact.FIRST)


def _waits(sent: datetime, history: Sequence[CaseEvent]) -> tuple[tuple[Key, datetime], ...]:
    """Time to allocation and to first contact, each banded, at the time it ended."""
    accepted = next((e.at for e in history if e.name == "AllocationAccepted"), None)
    if accepted is None:
        return ()
    waits = [((Measure.TIME_TO_ALLOCATION, wait_band(sent, accepted).value), accepted)]
    lines, live = _entry_lines(history)
    reached = next(
        (at for at, line in lines if line.id in live and _counted(line, live) == _FIRST), None
    )
    if reached is not None:
        band = wait_band(accepted, reached)
        waits.append(((Measure.TIME_TO_FIRST_CONTACT, band.value), reached))
    return tuple(waits)


_COUNTED_KINDS = {
    EntryKind.ONWARD_REFERRAL: Measure.ONWARD_REFERRAL,
    EntryKind.RISK_ASSESSMENT: Measure.RISK,
    EntryKind.UPDATE: Measure.UPDATE,
}


def _counted(line: case_record.EntryLine, live: set[str]) -> Key | None:
    """The figure one live entry adds to, if any (an agreement, a correction or a closing
    note adds to none: the close itself is counted from `ReferralClosed`)."""
    if line.kind is EntryKind.CONTACT:
        if line.extra[0] == "first":
            return Measure.CONTACT, Contact.FIRST
        if line.extra[0] == ContactHow.ATTEMPT:
            return Measure.CONTACT, Contact.NOT_REACHED
        return Measure.CONTACT, Contact.AGAIN
    if line.kind is EntryKind.ONWARD_OUTCOME:
        onward_id, outcome = line.extra[:2]
        return (Measure.ONWARD_OUTCOME, outcome) if onward_id in live else None
    measure = _COUNTED_KINDS.get(line.kind)
    return (measure, line.extra[0]) if measure is not None else None


def _given(value: StrEnum | None) -> str:
    return NOT_GIVEN if value is None else value.value


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def last_months(now: datetime, count: int) -> list[str]:
    """The `count` calendar months up to and including now's, oldest first."""
    if count < 1:
        raise ValueError("ask for at least one month")
    utc = now.astimezone(UTC)
    index = utc.year * 12 + utc.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def contribution(facts: ReferralFacts | None) -> MonthTallies:
    """What one referral adds to each month's figures."""
    months: MonthTallies = {}
    if facts is None:
        return months

    def count(moment: datetime, measure: Measure, category: str = "") -> None:
        tally = months.setdefault(month_of(moment), {})
        tally[(measure, category)] = tally.get((measure, category), 0) + 1

    count(facts.received, Measure.RECEIVED)
    count(facts.received, Measure.ROUTE, facts.route)
    count(facts.received, Measure.EMPLOYMENT, facts.employment)
    count(facts.received, Measure.GENDER, facts.gender)
    count(facts.received, Measure.AGE_BAND, facts.age_band)
    for wish in facts.wishes:
        count(facts.received, Measure.WISH, wish)
    for result, at in facts.results:
        count(at, Measure.RESULT, result)
    for advocate, at in facts.accepted_by:
        count(at, Measure.ADVOCATE, advocate)
    for (measure, category), at in (*facts.record, *facts.waits):
        count(at, measure, category)
    return months


def contribution_of(referral: Referral | None) -> MonthTallies:
    return contribution(facts_of(referral)) if referral is not None else {}


def add(into: MonthTallies, other: Mapping[str, Mapping[Key, int]], sign: int = 1) -> None:
    """`into += sign * other`, month by month, dropping what comes to zero."""
    for month, tally in other.items():
        target = into.setdefault(month, {})
        for key, n in tally.items():
            value = target.get(key, 0) + sign * n
            if value:
                target[key] = value
            else:
                target.pop(key, None)
        if not target:
            del into[month]


def change(old: Referral | None, new: Referral | None) -> MonthTallies:
    """How a referral's move from `old` to `new` changes each month's figures."""
    delta = contribution_of(new)
    add(delta, contribution_of(old), -1)
    return delta


def recount(referrals: Iterable[Referral]) -> MonthTallies:
    """Every month's figures, from the referrals themselves."""
    total: MonthTallies = {}
    for referral in referrals:
        add(total, contribution_of(referral))
    return total


# -- the report ------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    measure: Measure
    cells: tuple[Cell, ...]
    total: Cell | None = None  # where the cells add up to a total shown with them

    @property
    def all_hidden(self) -> bool:
        """Nothing of it can be shown: too few referrals, or everyone answered alike."""
        return bool(self.cells) and all(c.shown is Shown.HIDDEN for c in self.cells)


@dataclass(frozen=True)
class StatisticsReport:
    """A period's figures with every small cell suppressed: nothing here can identify
    anyone, and no suppressed value is carried (it cannot leak from a card)."""

    months: tuple[str, ...]
    received: Breakdown  # by month, with the period's total
    answers: tuple[Breakdown, ...]  # route, employment, gender, age band, wishes
    results: Breakdown  # outcomes that happened in the period
    advocates_deployed: Cell  # distinct advocates who accepted a referral in the period
    reached: Breakdown  # contacts that reached the person: first or again, with the total
    not_reached: Cell  # tries that did not reach them
    case_work: tuple[Breakdown, ...]  # onward referrals, their outcomes, risk, updates
    closed_as: Breakdown  # the period's closes by outcome; the total is RESULT's "closed"
    waits: tuple[Breakdown, ...]  # time to allocation, to first contact: bands and total
    pathway: tuple[Breakdown, ...] = ()  # what referrals became; escalations by destination

    @property
    def too_few_to_break_down(self) -> bool:
        return self.received.total is not None and self.received.total.shown is Shown.FEWER_THAN


_CATEGORIES: dict[Measure, tuple[str, ...]] = {
    Measure.ROUTE: (*(v.value for v in Route), NOT_GIVEN),
    Measure.EMPLOYMENT: (*(v.value for v in Employment), NOT_GIVEN),
    Measure.GENDER: (*(v.value for v in Gender), NOT_GIVEN),
    Measure.AGE_BAND: (*(v.value for v in AgeBand), NOT_GIVEN),
    Measure.WISH: tuple(v.value for v in Wish),
    Measure.RESULT: tuple(v.value for v in Result),
    Measure.CONTACT: tuple(v.value for v in Contact),
    Measure.ONWARD_REFERRAL: tuple(v.value for v in Onward),
    Measure.ONWARD_OUTCOME: tuple(v.value for v in OnwardOutcome),
    Measure.RISK: tuple(v.value for v in RiskLevel),
    Measure.UPDATE: tuple(v.value for v in UpdateKind),
    Measure.CLOSED_AS: (*(v.value for v in CloseOutcome), NOT_GIVEN),
    Measure.BECAME: tuple(k.value for k in COUNTED_STEPS),
    Measure.ESCALATED_TO: tuple(v.value for v in Destination),
    Measure.TIME_TO_ALLOCATION: tuple(v.value for v in Wait),
    Measure.TIME_TO_FIRST_CONTACT: tuple(v.value for v in Wait),
}


def build_report(
    months: Sequence[str], tallies: Mapping[str, Mapping[Key, int]]
) -> StatisticsReport:
    """The report for `months` (oldest first) from the stores' month tallies."""
    period: Tally = {}
    advocates: set[str] = set()
    for month in months:
        for (measure, category), n in tallies.get(month, {}).items():
            period[(measure, category)] = period.get((measure, category), 0) + n
            if measure is Measure.ADVOCATE and n > 0:
                advocates.add(category)
    by_month = [(m, tallies.get(m, {}).get((Measure.RECEIVED, ""), 0)) for m in months]
    # The SMLO is told of each referral as it arrives, so "all of them came in March"
    # tells them nothing about anyone: months may show one holding everyone.
    received = Breakdown(Measure.RECEIVED, *protect_breakdown(by_month, of_answers=False))
    population = sum(n for _, n in by_month)
    answers = [
        Breakdown(m, *protect_breakdown(_counts(period, m)))
        for m in (Measure.ROUTE, Measure.EMPLOYMENT, Measure.GENDER, Measure.AGE_BAND)
    ]
    # Each wish splits the referrals in two (chose it, did not), so it is protected as a
    # breakdown of two cells: otherwise "all but one wanted X" would show a single person,
    # and "all wanted X" or "none did" would show everyone's answer.
    wishes = tuple(
        protect_breakdown([(wish, n), ("", max(population - n, 0))])[0][0]
        for wish, n in _counts(period, Measure.WISH)
    )
    answers.append(Breakdown(Measure.WISH, wishes))
    results = Breakdown(Measure.RESULT, protect_counts(_counts(period, Measure.RESULT)))
    (deployed,) = protect_counts([("advocates", len(advocates))])
    # Each referral's wait falls in one band, so the bands add up to the total shown with
    # them: protected as a breakdown, no small band to be worked out. A wait is the
    # service's speed, not anything the person answered, and the SMLO sees each
    # acceptance and may read each case record, so all in one band may be shown.
    waits = tuple(
        Breakdown(m, *protect_breakdown(_counts(period, m), of_answers=False))
        for m in (Measure.TIME_TO_ALLOCATION, Measure.TIME_TO_FIRST_CONTACT)
    )
    # Referrals that became an investigation, and escalations, are counted like the case
    # work: few, and none adds up to a total shown, so each small one is hidden on its own.
    pathway = tuple(
        Breakdown(m, protect_counts(_counts(period, m)))
        for m in (Measure.BECAME, Measure.ESCALATED_TO)
    )
    return StatisticsReport(
        tuple(months),
        received,
        tuple(answers),
        results,
        deployed,
        *_case_figures(period),
        waits,
        pathway,
    )


def _case_figures(period: Tally) -> tuple[Breakdown, Cell, tuple[Breakdown, ...], Breakdown]:
    """What the case records add: contacts that reached the person, tries that did not,
    the other case work, and how cases closed."""
    # Contacts, referrals on, risk assessments and updates are events, many to a case,
    # adding up to nothing the report shows: each small one is hidden on its own. The
    # contacts that reached the person are shown with their total, so first and later
    # ones are protected as a breakdown of it.
    contacts = dict(_counts(period, Measure.CONTACT))
    (not_reached,) = protect_counts([(Contact.NOT_REACHED, contacts.pop(Contact.NOT_REACHED))])
    reached = protect_breakdown(list(contacts.items()), of_answers=False)
    work = tuple(
        Breakdown(m, protect_counts(_counts(period, m)))
        for m in (Measure.ONWARD_REFERRAL, Measure.ONWARD_OUTCOME, Measure.RISK, Measure.UPDATE)
    )
    # Each close has one outcome, so they add up to the "closed" shown with the results,
    # and an outcome every case shared would tell each person's: protected as answers.
    closed_as = protect_breakdown(_counts(period, Measure.CLOSED_AS))
    return (
        Breakdown(Measure.CONTACT, *reached),
        not_reached,
        work,
        Breakdown(Measure.CLOSED_AS, *closed_as),
    )


def _counts(period: Tally, measure: Measure) -> list[tuple[str, int]]:
    """Every known category in order (zeros too), then any others the data holds."""
    known = _CATEGORIES[measure]
    others = sorted({c for m, c in period if m is measure} - set(known))
    return [(c, period.get((measure, c), 0)) for c in (*known, *others)]
