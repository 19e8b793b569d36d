"""The SMLO's weekly digest: counts of what needs attention and what is overdue.

Counts only: never a reference, a name or a word anyone wrote. Each line is read off the
timers the rules derive (`referrals.timer_rules.timers_for`), so "overdue" means what the
reminders mean by it:

- a wait (triage, an advocate, an answer to an offer, a first contact) needs attention
  from its start and is overdue once its first reminder fell due;
- a date (a risk review, a support agreement's review, an agreed next contact) needs
  attention from the day and is overdue once the SMLOs would be told so;
- a quiet case needs attention (and is overdue) once the advocate would be asked about it.

It goes out once a week (`DIGEST_WEEKDAY`, Monday) from the start of working hours, or the
next working day when that day is a bank holiday.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from referrals.timers import Timer, TimerKind
from referrals.working_days import WorkingCalendar

DIGEST_WEEKDAY = 0  # Monday
DIGEST_NOTICE_PREFIX = "digest-notice:"  # the `referral_id` of a digest notification
T = TimerKind


class Line(StrEnum):
    TRIAGE = "triage"  # sent, not triaged yet
    ADVOCATE = "advocate"  # waiting for an advocate: lapsed offers and stranded cases too
    OFFERS = "offers"  # offered, not answered yet
    FIRST_CONTACT = "first_contact"  # accepted, no contact logged
    REVIEWS = "reviews"  # a review or agreed next contact has come
    QUIET = "quiet"  # nothing added to the case record for a while


LINE_OF: dict[TimerKind, Line] = {
    T.NOT_TRIAGED: Line.TRIAGE,
    T.NOT_ALLOCATED: Line.ADVOCATE,
    T.OFFER_UNANSWERED: Line.OFFERS,
    T.NO_FIRST_CONTACT: Line.FIRST_CONTACT,
    T.RISK_REVIEW: Line.REVIEWS,
    T.AGREEMENT_REVIEW: Line.REVIEWS,
    T.NEXT_CONTACT: Line.REVIEWS,
    T.CASE_QUIET: Line.QUIET,
}
# Kinds that need attention only once their first step is due (a date, or a quiet spell).
FROM_FIRST_STEP = frozenset({T.RISK_REVIEW, T.AGREEMENT_REVIEW, T.NEXT_CONTACT, T.CASE_QUIET})


@dataclass(frozen=True)
class Count:
    waiting: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class Digest:
    counts: dict[Line, Count]

    def count(self, line: Line) -> Count:
        return self.counts.get(line, Count())

    @property
    def nothing_waiting(self) -> bool:
        return all(c.waiting == 0 for c in self.counts.values())


def tally(
    timers: Iterable[Timer], now: datetime, stranded: Collection[str] = frozenset()
) -> Digest:
    """The digest of the open referrals' derived timers (fired or not) as of `now`, with
    the `stranded` referrals (held by someone no longer on the list) waiting for an
    advocate, and for nothing else until they have one.

    Each referral's wait is counted on one line: one waiting for triage is not also
    waiting for an advocate, and one offered is counted under offers."""
    waits: dict[tuple[str, TimerKind], list[Timer]] = {}
    for timer in timers:
        if timer.kind in LINE_OF and timer.subject_id not in stranded:
            waits.setdefault((timer.subject_id, timer.kind), []).append(timer)
    triage = {subject for subject, kind in waits if kind is T.NOT_TRIAGED}
    offered = {subject for subject, kind in waits if kind is T.OFFER_UNANSWERED}
    waiting: dict[Line, int] = {line: 0 for line in Line}
    overdue: dict[Line, int] = {line: 0 for line in Line}
    for (subject, kind), stages in waits.items():
        if kind is T.NOT_ALLOCATED and (subject in triage or subject in offered):
            continue
        stages.sort(key=lambda t: t.stage)
        if kind in FROM_FIRST_STEP and stages[0].due_at > now:
            continue
        line = LINE_OF[kind]
        waiting[line] += 1
        late = stages[-1] if kind in FROM_FIRST_STEP else stages[0]
        overdue[line] += late.due_at <= now
    waiting[Line.ADVOCATE] += len(set(stranded))
    return Digest({line: Count(waiting[line], overdue[line]) for line in Line})


def week_of(moment: datetime, calendar: WorkingCalendar) -> str:
    """The ISO week, London time, like "2026-W49": the key of one week's digest."""
    year, week, _ = moment.astimezone(calendar.zone).isocalendar()
    return f"{year:04d}-W{week:02d}"


def is_due(now: datetime, calendar: WorkingCalendar, weekday: int = DIGEST_WEEKDAY) -> bool:
    """Whether this week's digest may go now: within working hours, from the start of
    working hours on `weekday` (the next working day, when that one is not)."""
    local = now.astimezone(calendar.zone)
    day = local.date() - timedelta(days=local.weekday()) + timedelta(days=weekday)
    start = datetime.combine(day, time(0), tzinfo=calendar.zone)
    return calendar.is_working_moment(now) and calendar.next_working_moment(start) <= now


def sent_key(week: str) -> str:
    """What the sent ledger keeps one week's digests under (`CheckinStore.mark_sent`)."""
    return f"digest:{week}"


def notice_holder(week: str, smlo_id: str) -> str:
    """The outbox holder of one week's digest to one SMLO: at most one each."""
    return f"{DIGEST_NOTICE_PREFIX}{week}:{smlo_id}"
