"""The outbox's lanes: one per person, side by side, in order, and nothing sent twice.

Fast tests of the scheduling alone, on the in-memory stores, with the Teams post replaced
by a short sleep; tests/protocol/test_delivery_faults.py covers the real path.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.outbox import scheduler
from bot.outbox.messenger import TeamsMessenger
from bot.outbox.policy import due_in_order
from bot.outbox.scheduler import OutboxDelivery
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.notifications import Notification, NotificationKind
from referrals.people import Actor
from referrals.ports import Stores
from referrals.services import Services
from referrals.support import SupportDirectory
from storage.memory import MemoryAuditLog, MemoryOutboxStore, memory_stores
from telemetry import measures

SMLO = Actor("smlo-1", "Sam", is_smlo=True)


async def no_names() -> dict[str, str]:
    return {}


START = datetime(2026, 5, 20, 9, tzinfo=UTC)


class PostsBySleeping(OutboxDelivery):
    """The real scheduling; the Teams post is a 30 ms sleep, then marked sent."""

    def __init__(self, stores: Stores, clock: FakeClock) -> None:
        smlo_ids = frozenset({SMLO.user_id})
        messenger = TeamsMessenger(None, stores.conversations, stores.roster, "", "", "", smlo_ids)
        super().__init__(stores, clock, messenger, smlo_ids, no_names, support=SupportDirectory())
        self.posted: list[str] = []

    async def _deliver(self, n: Notification) -> None:
        await asyncio.sleep(0.03)
        self.posted.append(n.id)
        await self._stores.outbox.mark_sent(n.id, "chat", f"message-{len(self.posted)}", START)


async def a_submitted_referral(
    stores: Stores, clock: FakeClock, referrer_id: str = "referrer-1"
) -> None:
    service = Services.build(stores, clock, frozenset({SMLO.user_id}), MemoryAuditLog())
    referrer = Actor(referrer_id)
    draft = await service.intake.start_draft(referrer)
    answers = IntakeAnswers(route=Route.EXPERIENCED, consent=True)
    await service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await service.intake.submit(referrer, draft.id)


async def test_a_message_sent_while_the_next_pass_reads_the_queue_is_not_sent_again() -> None:
    stores, clock = memory_stores(), FakeClock(START)
    await a_submitted_referral(stores, clock)
    notifier = PostsBySleeping(stores, clock)
    read = stores.outbox.pending

    async def slow_answer(limit: int = 50, **leases: Any) -> list[Notification]:
        found = await read(limit, **leases)  # the rows are read now…
        await asyncio.sleep(0.05)  # …and the answer arrives later (a Cosmos fan-out query)
        return found

    await notifier._start_pass()  # the SMLO's lane starts posting
    stores.outbox.pending = slow_answer  # type: ignore[method-assign]
    await notifier.deliver_pending()  # its read began before the lane marked it sent

    assert len(notifier.posted) == 1
    assert await stores.outbox.pending() == []


async def test_a_lost_claim_stops_the_lane_so_no_later_message_overtakes_it() -> None:
    stores, clock = memory_stores(), FakeClock(START)
    await a_submitted_referral(stores, clock, "r-1")
    clock.advance(timedelta(seconds=1))
    await a_submitted_referral(stores, clock, "r-2")
    notifier = PostsBySleeping(stores, clock)
    read = stores.outbox.pending

    async def another_instance_claims_first(limit: int = 50, **leases: Any) -> list[Notification]:
        found = await read(limit, **leases)  # both are free when read…
        now = clock.now()  # …and the other instance claims the older one before this lane
        await stores.outbox.claim(found[0].id, "other", now + timedelta(minutes=5), now)
        return found

    stores.outbox.pending = another_instance_claims_first  # type: ignore[method-assign]
    await notifier._start_pass()
    await asyncio.gather(*notifier._lanes.values())

    assert notifier.posted == [], "the newer one waits for the older, held elsewhere"


async def test_a_slow_delivery_renews_its_claim_so_no_other_instance_takes_it_over() -> None:
    stores, clock = memory_stores(), FakeClock(START)
    await a_submitted_referral(stores, clock)
    lease, half = timedelta(seconds=0.3), timedelta(seconds=0.2)
    renewed = asyncio.Event()
    claim = stores.outbox.claim
    taken_over: list[Notification | None] = []

    class SlowPost(PostsBySleeping):
        async def _deliver(self, n: Notification) -> None:
            clock.advance(half)
            async with asyncio.timeout(30):  # generous: ends on the renewal itself
                await renewed.wait()
            clock.advance(half)  # the first claim has run out by now, the renewed one not
            taken_over.append(await claim(n.id, "other", clock.now() + lease, clock.now()))
            await super()._deliver(n)

    async def counted(
        notification_id: str, owner: str, lease_until: datetime, now: datetime
    ) -> Notification | None:
        held = await claim(notification_id, owner, lease_until, now)
        if now > START:  # a claim after the delivery began: a renewal
            renewed.set()
        return held

    notifier = SlowPost(stores, clock)
    notifier._lease = lease
    stores.outbox.claim = counted  # type: ignore[method-assign]
    await notifier._start_pass()
    await asyncio.gather(*notifier._lanes.values())

    assert taken_over == [None], "another instance took over a delivery still going on"
    assert len(notifier.posted) == 1


def notification(person: str, minute: int, retry_in: int | None = None) -> Notification:
    at = START + timedelta(minutes=minute)
    later = START + timedelta(minutes=retry_in) if retry_in is not None else None
    kind = NotificationKind.NEW_REFERRAL
    return Notification(f"{person}-{minute}", "r", person, kind, at, next_attempt_at=later)


def test_a_later_message_never_overtakes_one_waiting_to_be_retried() -> None:
    waiting = [
        notification("smlo", 2),
        notification("smlo", 1, retry_in=30),  # throttled: its retry is not due yet
        notification("referrer", 3),
        notification("referrer", 1),
    ]

    queues = due_in_order(waiting, START + timedelta(minutes=5))

    assert "smlo" not in queues
    assert [n.id for n in queues["referrer"]] == ["referrer-1", "referrer-3"]


async def test_the_delivery_loop_carries_on_after_a_store_outage() -> None:
    stores, clock = memory_stores(), FakeClock(START)
    await a_submitted_referral(stores, clock)
    notifier = PostsBySleeping(stores, clock)
    read, failures = stores.outbox.pending, [ConnectionError("store down")]

    async def down_once(limit: int = 50, **leases: Any) -> Any:
        if failures:
            raise failures.pop()
        return await read(limit, **leases)

    stores.outbox.pending = down_once  # type: ignore[method-assign]
    loop = asyncio.create_task(notifier.run())
    notifier.wake()
    async with asyncio.timeout(30):  # generous: waits on the events, not on the clock
        while failures:  # noqa: ASYNC110 - the first pass fails (nothing to await)
            await asyncio.sleep(0.01)
        notifier.wake()
        while not notifier.posted:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    loop.cancel()
    await asyncio.gather(loop, return_exceptions=True)

    assert len(notifier.posted) == 1


async def test_a_long_backlog_in_one_chat_never_hides_anyone_elses_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stores, clock = memory_stores(), FakeClock(START + timedelta(hours=1))
    outbox = stores.outbox
    assert isinstance(outbox, MemoryOutboxStore)
    backlog = [notification("smlo", minute) for minute in range(3)]
    outbox.add_all([*backlog, notification("referrer", 3)])
    monkeypatch.setattr(scheduler, "DUE_PER_PASS", 2)  # the SMLO's backlog fills one read
    smlo_chat_free = asyncio.Event()

    class PacedSmloChat(PostsBySleeping):
        async def _deliver(self, n: Notification) -> None:
            if n.recipient_id == "smlo":
                await smlo_chat_free.wait()  # Teams' per-chat pace holds the SMLO's lane
            await super()._deliver(n)

    notifier = PacedSmloChat(stores, clock)
    await notifier._start_pass()  # reads only the SMLO's oldest two, and starts their lane
    await notifier._start_pass()  # leaves the running lane out, so reaches the referrer
    async with asyncio.timeout(30):  # generous: ends when the referrer's lane does
        await notifier._lanes["referrer"]

    assert notifier.posted == ["referrer-3"], "the note went while the SMLO's chat was busy"
    smlo_chat_free.set()
    await notifier.deliver_pending()
    assert notifier.posted == ["referrer-3", "smlo-0", "smlo-1", "smlo-2"]


async def test_the_outbox_lag_still_counts_what_a_running_lane_has_not_sent() -> None:
    stores, clock = memory_stores(), FakeClock(START + timedelta(hours=1))
    outbox = stores.outbox
    assert isinstance(outbox, MemoryOutboxStore)
    outbox.add_all([notification("smlo", 0)])  # an hour old, its chat busy
    smlo_chat_free = asyncio.Event()

    class PacedSmloChat(PostsBySleeping):
        async def _deliver(self, n: Notification) -> None:
            await smlo_chat_free.wait()
            await super()._deliver(n)

    notifier = PacedSmloChat(stores, clock)
    await notifier._start_pass()  # the SMLO's lane starts, and waits for their chat
    await notifier._start_pass()  # a pass that leaves them out of its read

    assert measures._Lag.seconds == 3600.0, "the lag forgot the message still being sent"
    smlo_chat_free.set()
    await notifier.deliver_pending()
    assert measures._Lag.seconds == 0.0
