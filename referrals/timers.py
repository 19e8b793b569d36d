"""Timers: reminders and escalations, counted in working days, kept as domain data.

A timer is derived, never remembered by hand: `referrals.timer_rules.timers_for` reads a
referral (its state, its history, and for review dates its case record) and says which
timers it should have now, each with an id made of the referral, the kind, the stage and
what started the wait (the submission, the offer, the acceptance, a review date). So

- every use case gets its timers without scheduling any itself: whatever saves a
  referral schedules what the rules derive (`referrals.services.reminders`);
- a timer still *pending* is one the current referral would still derive: an item done,
  withdrawn or given to someone else derives a different id or none, so its timer is
  dropped when it falls due, never sent late;
- scheduling is idempotent (the same id), and the referral's history records each stage
  sent, so deriving it again, or a restart mid-send, never sends it twice.

This module holds the types; `timer_rules` the rules on the referral's history, and
`review_timers` those on dates in the case record. How a new kind plugs in is in
`timer_rules`' docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from referrals import availability
from referrals.case_record import CaseEntry
from referrals.notifications import NotificationKind
from referrals.people import Advocate
from referrals.referral import Referral
from referrals.working_days import WorkingCalendar

SMLOS = ""  # the holder of an item that waits for the SMLOs, not one person


class TimerKind(StrEnum):
    NOT_TRIAGED = "not_triaged"
    NOT_ALLOCATED = "not_allocated"
    OFFER_UNANSWERED = "offer_unanswered"
    NO_FIRST_CONTACT = "no_first_contact"
    CASE_QUIET = "case_quiet"  # nothing added to an open case's record for a while
    RISK_REVIEW = "risk_review"  # the latest risk assessment's review date
    AGREEMENT_REVIEW = "agreement_review"  # the latest support agreement's review date
    NEXT_CONTACT = "next_contact"  # the contact the latest contact entry agreed
    DRAFT_EXPIRING = "draft_expiring"  # an unfinished referral will soon be deleted


class Action(StrEnum):
    NUDGE_HOLDER = "nudge_holder"  # the holder (the SMLOs instead if they are away)
    TELL_SMLOS = "tell_smlos"
    TELL_REFERRER = "tell_referrer"  # the holder alone, never redirected: it is private
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
    """Days from the start of each wait (README: the reminder settings); working days
    unless said otherwise."""

    triage: int = 1
    allocation: int = 2
    offer_reminder: int = 2
    offer_lapse: int = 3
    first_contact_reminder: int = 2
    first_contact_escalation: int = 5
    quiet_case: int = 30  # calendar days, not working days
    review_overdue: int = 2  # after a review or agreed contact fell due
    draft_keep: int = 30  # calendar days an untouched draft is kept (SMA_DRAFT_KEEP_DAYS)
    draft_warning: int = 3  # calendar days before then the referrer is told

    @property
    def draft_warned_after(self) -> int:
        return max(self.draft_keep - self.draft_warning, 1)


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
    tag: str = ""  # what else tells this wait from another at the same moment (an entry id)


# What a rule reads: the referral, and its case record when the rule needs it (None when
# it was not read: such rules then derive nothing, and their timers are left as they are).
Entries = Sequence[CaseEntry] | None


@dataclass(frozen=True)
class TimerRule:
    kind: TimerKind
    anchor: Callable[[Referral, Entries], Anchor | None]  # None: nothing is waiting
    steps: tuple[Step, ...]
    reads_record: bool = False


def stage_key(kind: TimerKind, stage: int, anchor: Anchor) -> str:
    """What the history records of a fired timer: no content, only kind, stage, time and
    an entry id."""
    key = f"{kind}:{stage}:{anchor.at.isoformat()}"
    return f"{key}:{anchor.tag}" if anchor.tag else key


def is_away(advocate: Advocate | None, on: date) -> bool:
    """Whether a nudge for this advocate goes to the SMLOs instead: they are away that day
    (`referrals.availability`, where away ends by itself on its date). Nobody known: no."""
    return advocate is not None and availability.is_away(advocate, on)
