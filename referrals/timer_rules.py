"""The timer rules, and deriving a referral's timers from them (`referrals.timers`).

A new kind of timer plugs in like this:
1. a `TimerKind` member (`referrals.timers`), and for each stage's message a
   `NotificationKind` with its words and card (`cards/reminders.py`);
2. an anchor function: given the referral (and its case record, if `reads_record`),
   when the wait started and for whom, or None when nothing is waiting;
3. a `TimerRule` in `RULES` with its steps: each a period (a field of `Periods`, with
   its setting in `config/environment.PERIOD_SETTINGS` and the README) and an action.
Scheduling, claiming, the re-check before sending, working hours, the away hook and the
outbox then come for free. A timer about something other than a referral (an advocate's
monthly check-in) stores its subject's id in `Timer.subject_id`, derives its timers in
its own function and needs its own firing step beside `Reminders._fire`; the store and the
loop are shared.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from referrals import timers
from referrals.case_record import ENTRY_ADDED, EntryKind, parse_event, retracted_ids
from referrals.notifications import NotificationKind
from referrals.people import Advocate
from referrals.referral import Referral
from referrals.referral_base import REMINDER_SENT
from referrals.review_timers import REVIEW_RULES
from referrals.states import ReferralState
from referrals.timers import (
    SMLOS,
    Action,
    Anchor,
    Entries,
    Periods,
    Step,
    Timer,
    TimerKind,
    TimerRule,
    stage_key,
)
from referrals.working_days import WorkingCalendar

S = ReferralState
K = NotificationKind


def _last(referral: Referral, name: str) -> tuple[str, Anchor] | None:
    for event in reversed(referral.history):
        if event.name == name:
            return event.detail or event.actor_id, Anchor(event.at, "")
    return None


def _not_triaged(r: Referral, _: Entries) -> Anchor | None:
    triaged = r.triage is not None or any(e.name == "ReferralTriaged" for e in r.history)
    waiting = r.state in (S.SUBMITTED, S.AWAITING_ALLOCATION) and not triaged
    return Anchor(r.submitted_at, SMLOS) if waiting and r.submitted_at else None


def _not_allocated(r: Referral, _: Entries) -> Anchor | None:
    never_taken = not any(e.name == "AllocationAccepted" for e in r.history)
    waiting = r.state in (S.SUBMITTED, S.AWAITING_ALLOCATION, S.OFFERED) and never_taken
    return Anchor(r.submitted_at, SMLOS) if waiting and r.submitted_at else None


def _offer_unanswered(r: Referral, _: Entries) -> Anchor | None:
    offered = _last(r, "AllocationOffered")
    if r.state is not S.OFFERED or offered is None or offered[0] != r.offered_to:
        return None
    return Anchor(offered[1].at, r.offered_to)


def _no_first_contact(r: Referral, _: Entries) -> Anchor | None:
    """Waiting from the acceptance until the advocate logs a contact (reached or tried)."""
    accepted = _last(r, "AllocationAccepted")
    if r.state is not S.ACTIVE or accepted is None or not r.advocate_id:
        return None
    since = accepted[1].at
    lines = [(e.at, parse_event(e.detail)) for e in r.history if e.name == ENTRY_ADDED]
    retracted = retracted_ids([line for _, line in lines])
    contacted = any(
        at >= since and line.kind is EntryKind.CONTACT and line.id not in retracted
        for at, line in lines
    )
    return None if contacted else Anchor(since, r.advocate_id)


def _case_quiet(r: Referral, _: Entries) -> Anchor | None:
    """Waiting from the latest entry in the case record (or the acceptance, if none)."""
    if r.state is not S.ACTIVE or not r.advocate_id:
        return None
    for event in reversed(r.history):
        if event.name in (ENTRY_ADDED, "AllocationAccepted"):
            return Anchor(event.at, r.advocate_id)
    return None


def _draft_expiring(r: Referral, _: Entries) -> Anchor | None:
    """Waiting from the draft's last change until it is sent, or deleted."""
    if r.state is not S.DRAFT or not r.referrer_id:
        return None
    return Anchor(r.updated_at, r.referrer_id)


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
        *REVIEW_RULES,
        TimerRule(
            TimerKind.DRAFT_EXPIRING,
            _draft_expiring,
            (
                Step(
                    lambda p: p.draft_warned_after,
                    Action.TELL_REFERRER,
                    K.DRAFT_EXPIRING,
                    working_days=False,
                ),
            ),
        ),
    )
}


def timers_for(
    referral: Referral, calendar: WorkingCalendar, periods: Periods, entries: Entries = None
) -> list[Timer]:
    """Every timer the referral should have now, fired or not (`referrals.timers`)."""
    found: list[Timer] = []
    for rule in RULES.values():
        anchor = rule.anchor(referral, entries)
        if anchor is None:
            continue
        for stage, step in enumerate(rule.steps, start=1):
            key = stage_key(rule.kind, stage, anchor)
            due = step.due(calendar, anchor.at, periods)
            timer_id = f"{referral.id}:{key}"
            found.append(Timer(timer_id, rule.kind, referral.id, due, stage, anchor.holder))
    return found


def step_of(timer: Timer) -> Step:
    return RULES[timer.kind].steps[timer.stage - 1]


def reads_record(timer: Timer) -> bool:
    return RULES[timer.kind].reads_record


def still_pending(
    timer: Timer,
    referral: Referral,
    calendar: WorkingCalendar,
    periods: Periods,
    now: datetime,
    entries: Entries = None,
) -> bool:
    """The item is still undone, by the same holder, this stage was not sent before, and
    no later stage of the same wait is due too (after an outage, or for a date entered
    already past, only the latest stage is sent: no reminder just before its escalation)."""
    key = timer.id.removeprefix(f"{referral.id}:")
    if any(e.name == REMINDER_SENT and e.detail == key for e in referral.history):
        return False
    derived = timers_for(referral, calendar, periods, entries)
    if not any(t.id == timer.id for t in derived):
        return False
    # One rule derives one wait per referral, so the same kind is the same wait.
    return not any(
        t.kind is timer.kind and t.stage > timer.stage and t.due_at <= now for t in derived
    )


def nudge_recipients(
    timer: Timer, advocate: Advocate | None, smlo_ids: Iterable[str], on: date
) -> list[str]:
    """Who a stage's notice goes to: the holder, unless the step is for the SMLOs, or the
    holder is away (then their item goes to the SMLOs instead)."""
    step = step_of(timer)
    if step.action is Action.TELL_REFERRER:
        return [timer.holder]  # whoever they are, only they may know of their draft
    if step.action is Action.NUDGE_HOLDER and timer.holder and not timers.is_away(advocate, on):
        return [timer.holder]
    return list(dict.fromkeys(smlo_ids))
