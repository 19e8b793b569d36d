"""The advocates' monthly wellbeing check-ins: sending them, answering, and the SMLO's
view of the latest answers (`referrals.checkins` holds the rules).

Whatever runs the clock (the durable timers) calls `send_checkins(now)` as often as it
likes: each advocate is sent one month's check-in once, from `checkin_day` of the month.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from referrals import checkins
from referrals.audit import CHECKINS, AuditAction, Outcome
from referrals.checkins import DEFAULT_CHECKIN_DAY, Checkin
from referrals.errors import NotPermitted
from referrals.notifications import CHECKIN_NOTICE_PREFIX, Notification, NotificationKind
from referrals.people import Actor, Advocate
from referrals.referral_base import SYSTEM
from referrals.services.steps import Steps

A, K = AuditAction, NotificationKind


def sent_notice_id(month: str, advocate_id: str) -> str:
    """The outbox holder of one month's check-in to one advocate: at most one each."""
    return f"{CHECKIN_NOTICE_PREFIX}{month}:{advocate_id}"


@dataclass(frozen=True)
class Checkins:
    steps: Steps
    checkin_day: int = DEFAULT_CHECKIN_DAY  # SMA_CHECKIN_DAY

    async def due_checkins(self, now: datetime) -> list[Advocate]:
        """The active advocates who should get this month's check-in now and have not."""
        if not checkins.is_due(now, self.checkin_day):
            return []
        sent = await self.steps.stores.checkins.sent_to(checkins.month_of(now))
        advocates = await self.steps.stores.roster.list_advocates()
        return [a for a in advocates if a.active and a.user_id not in sent]

    async def send_checkins(self, now: datetime) -> list[str]:
        """Queue this month's check-in card to each advocate `due_checkins` names; returns
        the ids of those it went to. Idempotent: a second call in the month (or a second
        app instance) sends nothing twice."""
        month, sent = checkins.month_of(now), []
        for advocate in await self.due_checkins(now):
            notice = Notification.new(
                sent_notice_id(month, advocate.user_id), advocate.user_id, K.CHECKIN_DUE, now
            )
            if await self.steps.stores.checkins.mark_sent(month, advocate.user_id, notice):
                sent.append(advocate.user_id)
        if sent:
            await self.steps.record(Actor(SYSTEM), CHECKINS, None, A.SEND_CHECKINS, Outcome.ALLOWED)
        return sent

    async def open_checkin(self, actor: Actor) -> str:
        """The month an advocate's check-in card answers for (advocates only)."""
        if not actor.is_advocate:
            await self._refused(actor, A.ANSWER_CHECKIN)
            raise checkins.NotAnAdvocateForCheckin(actor.user_id)
        return checkins.month_of(self.steps.clock.now())

    async def answer(
        self, actor: Actor, month: str, feeling: str, capacity: str, hours: str = ""
    ) -> Checkin:
        """Keep the advocate's answer for this month (replacing an earlier one); "would like
        to talk" tells every SMLO, content-free. The same answer again changes nothing."""
        now = self.steps.clock.now()
        try:
            checkin = checkins.answer(actor, month, feeling, capacity, hours, now)
        except NotPermitted:
            await self._refused(actor, A.ANSWER_CHECKIN)
            raise
        store = self.steps.stores.checkins
        previous = await store.get(actor.user_id, checkin.month)
        if previous is not None and checkin.same_answer(previous):
            return previous
        notices = []
        if checkins.asks_to_talk(previous, checkin):
            # One holder per ask, named by nothing that says who asked.
            holder = f"{CHECKIN_NOTICE_PREFIX}talk:{uuid.uuid4().hex}"
            notices = [
                Notification.new(holder, smlo_id, K.ONE_TO_ONE_ASKED, now)
                for smlo_id in sorted(self.steps.smlo_ids)
            ]
        await store.record(checkin, notices)
        await self.steps.record(actor, CHECKINS, None, A.ANSWER_CHECKIN, Outcome.ALLOWED)
        return checkin

    async def latest(self, actor: Actor) -> dict[str, Checkin]:
        """Each advocate's latest check-in, for the roster card: the SMLO's only."""
        if not checkins.may_read(actor):
            await self._refused(actor, A.VIEW_CHECKINS)
            raise checkins.MayNotReadCheckins(actor.user_id)
        found = await self.steps.stores.checkins.latest()
        await self.steps.record(actor, CHECKINS, None, A.VIEW_CHECKINS, Outcome.ALLOWED)
        return found

    async def _refused(self, actor: Actor, action: AuditAction) -> None:
        await self.steps.record(actor, CHECKINS, None, action, Outcome.REFUSED)
