"""The SMLO's weekly digest (`referrals.digest`): counting, and sending it once a week.

Whatever runs the clock (the reminder loop's hourly pass) calls `send_digests(now)` as
often as it likes: each SMLO is sent one digest a week, from the digest day's working
morning. The notification holds no counts: the card counts afresh when it is delivered,
so a late delivery is never stale.

Once a week each, however many instances run: the digest is queued through the sent ledger
the check-ins use (`CheckinStore.mark_sent`, keyed by "digest:<week>" and the SMLO), one
write that queues the notice only the first time. The ledger is a generic "queued once per
key" record; a port of its own would be the same three adapters again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from referrals import digest
from referrals.digest import DIGEST_WEEKDAY, Digest
from referrals.notifications import Notification, NotificationKind
from referrals.services.reminders import TimerPlan
from referrals.services.steps import Steps
from referrals.services.triage import Triage
from referrals.states import OPEN_STATES, ReferralState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digests:
    steps: Steps
    plan: TimerPlan
    triage: Triage  # its stranded cases wait for an advocate too
    weekday: int = DIGEST_WEEKDAY

    async def counts(self, for_smlo: str = "") -> Digest:
        """The digest as of now: no reference, name or text, only counts. `for_smlo`: the
        SMLO it is for, whose counts leave out referrals about them, as their inbox does
        (one counted that they cannot find would tell them it is there)."""
        stores, now = self.steps.stores, self.steps.clock.now()
        timers = []
        for referral in await stores.referrals.list_in_states(OPEN_STATES):
            if referral.is_subject(for_smlo):
                continue
            active = referral.state is ReferralState.ACTIVE
            entries = await stores.records.entries(referral) if active else None
            timers += self.plan.timers_for(referral, entries)
        stranded = {r.id for r in await self.triage.stranded() if not r.is_subject(for_smlo)}
        return digest.tally(timers, now, stranded)

    async def send_digests(self, now: datetime) -> list[str]:
        """Queue this week's digest to each SMLO not sent it yet, once the digest day's
        working morning has come; returns whom it went to. Idempotent across calls,
        restarts and instances."""
        if not digest.is_due(now, self.plan.calendar, self.weekday):
            return []
        week, sent = digest.week_of(now, self.plan.calendar), []
        for smlo_id in sorted(self.steps.smlo_ids):
            holder = digest.notice_holder(week, smlo_id)
            notice = Notification.new(holder, smlo_id, NotificationKind.WEEKLY_DIGEST, now)
            if await self.steps.stores.checkins.mark_sent(digest.sent_key(week), smlo_id, notice):
                sent.append(smlo_id)
        if sent:
            log.info("weekly digest queued: week=%s smlos=%s", week, len(sent))
        return sent
