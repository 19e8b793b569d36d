"""Reminders and escalations: keeping each referral's timers, and firing those due.

Timers are scheduled in one place: `TimerKeepingReferrals` wraps the referral store, so
every save by every use case schedules what `referrals.timer_rules.timers_for` derives
from the referral as saved (nothing can forget to), reading the case record when the
save added to it (review dates). Should that scheduling fail after the
save, `Reminders.reconcile` (at start-up and every hour) derives them all again.

Firing (`fire_due`): a due timer is claimed with a lease (one instance wins), the
referral is read afresh and asked whether the item is still pending; if so the stage's
content-free notice is queued on the referral and saved with it (through the outbox, in
one write), or the offer lapses. The history records the stage, so a restart between
saving and marking the timer fired never sends it twice; a timer whose item was done,
withdrawn or given to someone else is marked fired without a word.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from referrals import errors
from referrals.people import Actor
from referrals.ports import CaseRecordStore, Clock, ReferralStore, Stores, TimerStore
from referrals.referral import Referral
from referrals.referral_base import SYSTEM
from referrals.states import OPEN_STATES, ReferralState
from referrals.timer_rules import (
    nudge_recipients,
    reads_record,
    step_of,
    still_pending,
    timers_for,
)
from referrals.timers import Action, Entries, Periods, Timer
from referrals.working_days import NoBankHolidays, WorkingCalendar

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # long enough to send one reminder; a crash frees it after
SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class TimerPlan:
    """The calendar the periods are counted on, and the periods (README: reminders)."""

    calendar: WorkingCalendar = field(default_factory=lambda: WorkingCalendar(NoBankHolidays()))
    periods: Periods = field(default_factory=Periods)

    def timers_for(self, referral: Referral, entries: Entries = None) -> list[Timer]:
        return timers_for(referral, self.calendar, self.periods, entries)


class TimerKeepingReferrals:
    """The referral store, scheduling each saved referral's timers after the save."""

    def __init__(
        self, inner: ReferralStore, timers: TimerStore, records: CaseRecordStore, plan: TimerPlan
    ) -> None:
        self._inner, self._timers, self._records, self.plan = inner, timers, records, plan

    def __getattr__(self, name: str) -> Any:  # every other method is the store's own
        return getattr(self._inner, name)

    async def save(self, referral: Referral) -> None:
        added_entries = bool(referral.new_entries)
        await self._inner.save(referral)
        try:
            entries = await self._records.entries(referral) if added_entries else None
            await keep_timers(self._timers, self.plan, referral, entries)
        except Exception as error:  # the change is saved; reconcile schedules them later
            log.warning(
                "timers not scheduled: referral=%s error=%s", referral.id, type(error).__name__
            )


async def keep_timers(
    timers: TimerStore, plan: TimerPlan, referral: Referral, entries: Entries = None
) -> None:
    for timer in plan.timers_for(referral, entries):
        await timers.schedule(timer)


class Reminders:
    def __init__(
        self, stores: Stores, clock: Clock, smlo_ids: AbstractSet[str], plan: TimerPlan
    ) -> None:
        self._stores, self._clock, self._smlo_ids, self.plan = stores, clock, smlo_ids, plan

    async def reconcile(self) -> int:
        """Schedule every open referral's timers (already scheduled ones are unchanged)."""
        open_referrals = await self._stores.referrals.list_in_states(OPEN_STATES)
        for referral in open_referrals:
            entries = await self._entries(referral, referral.state is ReferralState.ACTIVE)
            await keep_timers(self._stores.timers, self.plan, referral, entries)
        return len(open_referrals)

    async def fire_due(self, owner: str, limit: int = 100) -> list[str]:
        """Fire what is due now, within working hours only (a nudge never lands at night:
        it waits for the morning); returns the ids of the timers this owner fired."""
        now = self._clock.now()
        if not self.plan.calendar.is_working_moment(now):
            return []
        fired: list[str] = []
        for timer in await self._stores.timers.due(now, limit):
            if await self._stores.timers.claim(timer.id, owner, now + LEASE, now):
                await self._fire(timer, owner)
                fired.append(timer.id)
        return fired

    async def _fire(self, timer: Timer, owner: str) -> None:
        for _ in range(SAVE_ATTEMPTS):
            now = self._clock.now()
            try:
                referral = await self._stores.referrals.get(timer.subject_id)
            except errors.ReferralNotFound:
                break
            entries = await self._entries(referral, reads_record(timer))
            plan = self.plan
            if not still_pending(timer, referral, plan.calendar, plan.periods, now, entries):
                log.info("reminder dropped: timer kind=%s stage=%s", timer.kind, timer.stage)
                break
            await self._act(timer, referral, now)
            try:
                await self._stores.referrals.save(referral)
            except errors.ConcurrentUpdate:  # changed meanwhile: look again
                continue
            await keep_timers(self._stores.timers, self.plan, referral, entries)
            log.info(
                "reminder sent: referral=%s kind=%s stage=%s", referral.id, timer.kind, timer.stage
            )
            break
        await self._stores.timers.mark_fired(timer.id, owner, self._clock.now())

    async def _entries(self, referral: Referral, needed: bool) -> Entries:
        return await self._stores.records.entries(referral) if needed else None

    async def _act(self, timer: Timer, referral: Referral, now: datetime) -> None:
        step = step_of(timer)
        key = timer.id.removeprefix(f"{referral.id}:")
        if step.action is Action.LAPSE_OFFER:
            referral.lapse_offer(Actor(SYSTEM), key, self._smlo_ids, now)
            return
        assert step.notice is not None  # only a lapse sends its own notice
        nudge = step.action is Action.NUDGE_HOLDER and timer.holder
        advocate = await self._stores.roster.get_advocate(timer.holder) if nudge else None
        on = now.astimezone(self.plan.calendar.zone).date()
        recipients: Collection[str] = nudge_recipients(timer, advocate, self._smlo_ids, on)
        referral.record_reminder(key, recipients, step.notice, now)


def keeping_timers(stores: Stores, plan: TimerPlan) -> Stores:
    """`stores` whose referral store schedules each saved referral's timers."""
    referrals = TimerKeepingReferrals(stores.referrals, stores.timers, stores.records, plan)
    return replace(stores, referrals=referrals)
