"""Timers: reminders and escalations, counted in working days, kept as domain data.

A timer is derived, never remembered by hand: `timers_for(referral, …)` reads the
referral's state and history and says which timers it should have now, each with an id
made of the referral, the kind, the stage and the moment that started the wait (the
submission, the offer, the acceptance). So

- every use case gets its timers without scheduling any itself: whatever saves a
  referral schedules what this function says (`referrals.services.reminders`);
- a timer still *pending* is simply one the current referral would still derive: an item
  done, withdrawn or given to someone else derives a different id or none, so its timer
  is dropped when it falls due, never sent late;
- scheduling is idempotent (the same id), and a fired timer stays recorded, so deriving
  it again never sends it twice.

Each kind is a `TimerRule`: when its wait started and for whom (`anchor`), and its
stages, each a period in working days and what happens then (`Step`). A new kind is a
new `TimerKind` member and a rule in `RULES`; a timer about something other than a
referral (a monthly check-in of an advocate) uses `subject_id` for that thing and its own
deriving function, and the same store and scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from referrals.case_record import ENTRY_ADDED, EntryKind, parse_event, retracted_ids
from referrals.notifications import NotificationKind
from referrals.people import Advocate
from referrals.referral import Referral
from referrals.referral_base import REMINDER_SENT
from referrals.states import ReferralState
from referrals.working_days import WorkingCalendar

S = ReferralState
SMLOS = ""  # the holder of an item that waits for the SMLOs, not one person


class TimerKind(StrEnum):
    NOT_TRIAGED = "not_triaged"
    NOT_ALLOCATED = "not_allocated"
    OFFER_UNANSWERED = "offer_unanswered"
    NO_FIRST_CONTACT = "no_first_contact"
    CASE_QUIET = "case_quiet"  # nothing added to an open case's record for a while


class Action(StrEnum):
    NUDGE_HOLDER = "nudge_holder"  # the holder (the SMLOs instead if they are away)
    TELL_SMLOS = "tell_smlos"
    LAPSE_OFFER = "lapse_offer"  # a real transition: the offer goes back to the SMLOs


@dataclass(frozen=True)
class Timer:
    id: str
    kind: TimerKind
    subject_id: str  # the referral (or, for other kinds, whatever the timer is about)
    due_at: datetime
    stage: int  # 1, 2 …: its place among its rule's steps
    holder: str  # who the item waits for; SMLOS for the service leads
    claimed_by: str = ""  # the scheduler instance firing it, while its lease lasts
    lease_until: datetime | None = None
    fired_at: datetime | None = None  # fired (or dropped): never due again

    def is_due(self, now: datetime) -> bool:
        return (
            self.fired_at is None
            and self.due_at <= now
            and (self.lease_until is None or self.lease_until <= now)
        )


@dataclass(frozen=True)
class Periods:
    """Working days from the start of each wait (README: the reminder settings)."""

    triage: int = 1
    allocation: int = 2
    offer_reminder: int = 2
    offer_lapse: int = 3
    first_contact_reminder: int = 2
    first_contact_escalation: int = 5
    quiet_case: int = 30  # calendar days, not working days


@dataclass(frozen=True)
class Step:
    days: Callable[[Periods], int]
    action: Action
    notice: NotificationKind | None  # None: the action sends its own (a lapse)
    working_days: bool = True  # False: calendar days, then the next working moment

    def due(self, calendar: WorkingCalendar, start: datetime, periods: Periods) -> datetime:
        if self.working_days:
            return calendar.add_working_days(start, self.days(periods))
        return calendar.next_working_moment(start + timedelta(days=self.days(periods)))


@dataclass(frozen=True)
class Anchor:
    at: datetime  # when the wait started
    holder: str


@dataclass(frozen=True)
class TimerRule:
    kind: TimerKind
    anchor: Callable[[Referral], Anchor | None]  # None: nothing is waiting
    steps: tuple[Step, ...]


def _last(referral: Referral, name: str) -> tuple[datetime, str] | None:
    for event in reversed(referral.history):
        if event.name == name:
            return event.at, (event.detail or event.actor_id)
    return None


def _not_triaged(r: Referral) -> Anchor | None:
    triaged = r.triage is not None or any(e.name == "ReferralTriaged" for e in r.history)
    waiting = r.state in (S.SUBMITTED, S.AWAITING_ALLOCATION) and not triaged
    return Anchor(r.submitted_at, SMLOS) if waiting and r.submitted_at else None


def _not_allocated(r: Referral) -> Anchor | None:
    never_taken = not any(e.name == "AllocationAccepted" for e in r.history)
    waiting = r.state in (S.SUBMITTED, S.AWAITING_ALLOCATION, S.OFFERED) and never_taken
    return Anchor(r.submitted_at, SMLOS) if waiting and r.submitted_at else None


def _offer_unanswered(r: Referral) -> Anchor | None:
    offered = _last(r, "AllocationOffered")
    if r.state is not S.OFFERED or offered is None or offered[1] != r.offered_to:
        return None
    return Anchor(offered[0], r.offered_to)


def _no_first_contact(r: Referral) -> Anchor | None:
    """Waiting from the acceptance until the advocate logs a contact (reached or tried)."""
    accepted = _last(r, "AllocationAccepted")
    if r.state is not S.ACTIVE or accepted is None or not r.advocate_id:
        return None
    lines = [(e.at, parse_event(e.detail)) for e in r.history if e.name == ENTRY_ADDED]
    retracted = retracted_ids([line for _, line in lines])
    contacted = any(
        at >= accepted[0] and line.kind is EntryKind.CONTACT and line.id not in retracted
        for at, line in lines
    )
    return None if contacted else Anchor(accepted[0], r.advocate_id)


def _case_quiet(r: Referral) -> Anchor | None:
    """Waiting from the latest entry in the case record (or the acceptance, if none)."""
    if r.state is not S.ACTIVE or not r.advocate_id:
        return None
    for event in reversed(r.history):
        if event.name in (ENTRY_ADDED, "AllocationAccepted"):
            return Anchor(event.at, r.advocate_id)
    return None


K = NotificationKind
RULES: dict[TimerKind, TimerRule] = {
    rule.kind: rule
    for rule in (
        TimerRule(
            TimerKind.NOT_TRIAGED,
            _not_triaged,
            (Step(lambda p: p.triage, Action.TELL_SMLOS, K.NOT_TRIAGED),),
        ),
        TimerRule(
            TimerKind.NOT_ALLOCATED,
            _not_allocated,
            (Step(lambda p: p.allocation, Action.TELL_SMLOS, K.NOT_ALLOCATED),),
        ),
        TimerRule(
            TimerKind.OFFER_UNANSWERED,
            _offer_unanswered,
            (
                Step(lambda p: p.offer_reminder, Action.NUDGE_HOLDER, K.OFFER_REMINDER),
                Step(lambda p: p.offer_lapse, Action.LAPSE_OFFER, None),
            ),
        ),
        TimerRule(
            TimerKind.NO_FIRST_CONTACT,
            _no_first_contact,
            (
                Step(lambda p: p.first_contact_reminder, Action.NUDGE_HOLDER, K.CONTACT_REMINDER),
                Step(lambda p: p.first_contact_escalation, Action.TELL_SMLOS, K.CONTACT_OVERDUE),
            ),
        ),
        TimerRule(
            TimerKind.CASE_QUIET,
            _case_quiet,
            (Step(lambda p: p.quiet_case, Action.NUDGE_HOLDER, K.CASE_QUIET, working_days=False),),
        ),
    )
}


def stage_key(kind: TimerKind, stage: int, anchor: Anchor) -> str:
    """What the history records of a fired timer: no content, only kind, stage and time."""
    return f"{kind}:{stage}:{anchor.at.isoformat()}"


def timers_for(referral: Referral, calendar: WorkingCalendar, periods: Periods) -> list[Timer]:
    """Every timer the referral should have now, fired or not (see the module's note)."""
    found: list[Timer] = []
    for rule in RULES.values():
        anchor = rule.anchor(referral)
        if anchor is None:
            continue
        for stage, step in enumerate(rule.steps, start=1):
            key = stage_key(rule.kind, stage, anchor)
            due = step.due(calendar, anchor.at, periods)
            found.append(
                Timer(f"{referral.id}:{key}", rule.kind, referral.id, due, stage, anchor.holder)
            )
    return found


def step_of(timer: Timer) -> Step:
    return RULES[timer.kind].steps[timer.stage - 1]


def still_pending(
    timer: Timer, referral: Referral, calendar: WorkingCalendar, periods: Periods
) -> bool:
    """The item is still undone, by the same holder, and this stage was not sent before."""
    if any(
        e.name == REMINDER_SENT and timer.id == f"{referral.id}:{e.detail}"
        for e in referral.history
    ):
        return False
    return any(t.id == timer.id for t in timers_for(referral, calendar, periods))


def is_away(advocate: Advocate | None, on: date) -> bool:
    """AVAILABILITY HOOK: whether a nudge for this advocate goes to the SMLOs instead.

    The availability branch provides `referrals.availability.is_away(advocate, on)`; once
    it is merged, this returns that. Until then nobody is ever away."""
    return False


def nudge_recipients(
    timer: Timer, advocate: Advocate | None, smlo_ids: Iterable[str], on: date
) -> list[str]:
    """Who a stage's notice goes to: the holder, unless the step is for the SMLOs, or the
    holder is away (then their item goes to the SMLOs instead)."""
    step = step_of(timer)
    if step.action is Action.NUDGE_HOLDER and timer.holder and not is_away(advocate, on):
        return [timer.holder]
    return list(dict.fromkeys(smlo_ids))
