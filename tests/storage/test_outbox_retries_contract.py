"""Delivery retries in the outbox, held to one behaviour for every store adapter.

Part of the contract suite (the `stores` fixture runs each test on memory, SQLite and
Cosmos): a failed attempt is counted and put off, a parked notification leaves the queue
until someone retries it, and a message already posted is remembered before it is sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from referrals.notifications import DeliveryStatus, Notification
from referrals.ports import Stores
from tests.storage.conftest import Scenario


async def _due(stores: Stores, now: datetime) -> list[Notification]:
    """What the notifier may send at `now` (bot.outbox.due_in_order reads it so)."""
    return [n for n in await stores.outbox.pending(limit=500) if n.is_due(now)]


async def _one_pending(stores: Stores, scenario: Scenario) -> Notification:
    await scenario.submitted()
    return (await stores.outbox.pending())[0]


async def test_a_failed_attempt_is_counted_and_not_due_until_its_retry_time(
    stores: Stores, scenario: Scenario
) -> None:
    n = await _one_pending(stores, scenario)
    now = scenario.tick()
    assert n.id in {d.id for d in await _due(stores, now)}

    await stores.outbox.record_failure(n.id, "429", now + timedelta(seconds=30), now)

    assert n.id not in {d.id for d in await _due(stores, now + timedelta(seconds=29))}
    due = {d.id: d for d in await _due(stores, now + timedelta(seconds=30))}
    assert n.id in due
    again = due[n.id]
    assert (again.attempts, again.last_error, again.failing_since) == (1, "429", now)
    assert again.next_attempt_at == now + timedelta(seconds=30)
    assert again.status is DeliveryStatus.PENDING
    # A second failure keeps the time it first failed.
    later = now + timedelta(minutes=1)
    await stores.outbox.record_failure(n.id, "503", later + timedelta(seconds=5), later)
    (stored,) = [p for p in await stores.outbox.pending() if p.id == n.id]
    assert (stored.attempts, stored.last_error, stored.failing_since) == (2, "503", now)


async def test_pending_is_oldest_first_and_honours_the_limit(
    stores: Stores, scenario: Scenario
) -> None:
    await scenario.submitted()
    await scenario.submitted()

    pending = await stores.outbox.pending()

    assert len(pending) > 1
    assert pending == sorted(pending, key=lambda n: (n.created_at, n.id))
    assert await stores.outbox.pending(limit=1) == pending[:1]


async def test_a_parked_notification_leaves_the_queue_until_it_is_retried(
    stores: Stores, scenario: Scenario
) -> None:
    n = await _one_pending(stores, scenario)
    now = scenario.tick()

    await stores.outbox.park(n.id, "403", now)

    assert n.id not in {p.id for p in await stores.outbox.pending()}
    assert n.id not in {d.id for d in await _due(stores, now + timedelta(days=1))}
    (parked,) = await stores.outbox.parked()
    assert (parked.id, parked.status, parked.last_error) == (n.id, DeliveryStatus.PARKED, "403")
    assert (parked.attempts, parked.failing_since) == (1, now)

    retried = await stores.outbox.retry_parked(n.id)

    assert retried is not None
    assert (retried.status, retried.attempts, retried.next_attempt_at) == (
        DeliveryStatus.PENDING,
        0,
        None,
    )
    assert await stores.outbox.parked() == []
    assert n.id in {d.id for d in await _due(stores, now)}
    # Retrying twice (two SMLOs pressing at once) puts it back only once.
    assert await stores.outbox.retry_parked(n.id) is None
    assert await stores.outbox.retry_parked("no-such-notification") is None


async def test_a_posted_message_is_remembered_while_still_pending(
    stores: Stores, scenario: Scenario
) -> None:
    n = await _one_pending(stores, scenario)

    await stores.outbox.record_posted(n.id, "conv-9", "act-9")

    (stored,) = [p for p in await stores.outbox.pending() if p.id == n.id]
    assert (stored.conversation_id, stored.activity_id) == ("conv-9", "act-9")
    await stores.outbox.mark_sent(n.id, "conv-9", "act-9", scenario.tick())
    assert n.id not in {p.id for p in await stores.outbox.pending()}
    found = await stores.outbox.find_sent(n.referral_id, n.recipient_id, n.kind)
    assert found is not None
    assert found.activity_id == "act-9"
