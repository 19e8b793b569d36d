"""Outbox leases, held to one behaviour for every store adapter.

Part of the contract suite (the `stores` fixture runs each test on memory, SQLite and
Cosmos): an instance claims a notification before sending it; nobody else may while the
lease lasts, `pending` leaves it (and what follows it for the same person) out for them,
and once the lease runs out (the instance was killed) another takes it over, with the
post the first one recorded. Sending, failing and parking end the lease.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from referrals.notifications import Notification
from referrals.ports import Stores
from tests.storage.conftest import SMLO_IDS, Scenario

LEASE = timedelta(minutes=5)


async def _two_to_the_smlo(stores: Stores, scenario: Scenario) -> tuple[Notification, ...]:
    """Two referrals' notifications to the first SMLO, oldest first."""
    await scenario.submitted()
    await scenario.submitted()
    pending = await stores.outbox.pending(limit=100)
    first, second = [n for n in pending if n.recipient_id == SMLO_IDS[0]]
    return first, second


async def _claim(stores: Stores, n: Notification, owner: str, now: datetime) -> Notification | None:
    return await stores.outbox.claim(n.id, owner, now + LEASE, now)


async def _free_ids(stores: Stores, owner: str, now: datetime) -> list[str]:
    return [n.id for n in await stores.outbox.pending(limit=100, now=now, owner=owner)]


async def test_a_claim_leases_the_notification_to_one_instance(
    stores: Stores, scenario: Scenario
) -> None:
    first, _ = await _two_to_the_smlo(stores, scenario)
    now = scenario.tick()

    claimed = await _claim(stores, first, "one", now)

    assert claimed is not None
    assert (claimed.id, claimed.claimed_by, claimed.lease_until) == (first.id, "one", now + LEASE)
    assert await _claim(stores, first, "two", now + LEASE - timedelta(seconds=1)) is None
    renewed = await _claim(stores, first, "one", now + timedelta(minutes=1))
    assert renewed is not None, "the holder renews its own lease"
    assert renewed.lease_until == now + timedelta(minutes=1) + LEASE


async def test_pending_leaves_out_what_another_instance_holds_and_what_follows_it(
    stores: Stores, scenario: Scenario
) -> None:
    first, second = await _two_to_the_smlo(stores, scenario)
    now = scenario.tick()
    everything = await _free_ids(stores, "two", now)
    assert {first.id, second.id} <= set(everything)

    await _claim(stores, first, "one", now)

    free_for_two = await _free_ids(stores, "two", now)
    assert first.id not in free_for_two
    assert second.id not in free_for_two, "a later message never overtakes one in flight"
    assert set(free_for_two) == set(everything) - {first.id, second.id}
    assert await _free_ids(stores, "one", now) == everything, "the holder still sees its own"
    assert {n.id for n in await stores.outbox.pending(limit=100)} == set(everything)
    assert await _free_ids(stores, "two", now + LEASE) == everything, "an expired lease holds none"


async def test_an_expired_lease_is_taken_over_with_the_post_already_recorded(
    stores: Stores, scenario: Scenario
) -> None:
    first, _ = await _two_to_the_smlo(stores, scenario)
    now = scenario.tick()
    await _claim(stores, first, "killed", now)
    await stores.outbox.record_posted(first.id, "chat-1", "message-1")  # then SIGKILL

    assert await _claim(stores, first, "survivor", now + LEASE - timedelta(seconds=1)) is None
    taken = await _claim(stores, first, "survivor", now + LEASE)

    assert taken is not None
    assert (taken.claimed_by, taken.conversation_id, taken.activity_id) == (
        "survivor",
        "chat-1",
        "message-1",
    )
    assert await _claim(stores, first, "killed", now + LEASE) is None, "it lost its lease"


async def test_sending_failing_and_parking_end_the_lease(
    stores: Stores, scenario: Scenario
) -> None:
    first, second = await _two_to_the_smlo(stores, scenario)
    third = next(n for n in await stores.outbox.pending() if n.recipient_id == SMLO_IDS[1])
    now = scenario.tick()
    for n in (first, second, third):
        assert await _claim(stores, n, "one", now) is not None

    await stores.outbox.mark_sent(first.id, "chat-1", "message-1", now)
    await stores.outbox.record_failure(second.id, "503", now, now)
    await stores.outbox.park(third.id, "403", now)

    free = {n.id: n for n in await stores.outbox.pending(limit=100, now=now, owner="two")}
    assert second.id in free, "due again at once, for any instance"
    assert (free[second.id].claimed_by, free[second.id].lease_until) == ("", None)
    assert await _claim(stores, second, "two", now) is not None
    sent = await stores.outbox.find_sent(first.referral_id, first.recipient_id, first.kind)
    assert sent is not None
    assert (sent.claimed_by, sent.lease_until) == ("", None)
    (parked,) = await stores.outbox.parked()
    assert (parked.claimed_by, parked.lease_until) == ("", None)


async def test_what_is_no_longer_due_or_unknown_cannot_be_claimed(
    stores: Stores, scenario: Scenario
) -> None:
    first, second = await _two_to_the_smlo(stores, scenario)
    now = scenario.tick()
    await stores.outbox.mark_sent(first.id, "chat-1", "message-1", now)
    await stores.outbox.record_failure(second.id, "429", now + timedelta(seconds=30), now)

    assert await _claim(stores, first, "one", now) is None, "sent already"
    assert await _claim(stores, second, "one", now) is None, "put off by a retry"
    assert await _claim(stores, second, "one", now + timedelta(seconds=30)) is not None
    assert await stores.outbox.claim("no-such-notification", "one", now + LEASE, now) is None


async def test_of_two_instances_claiming_at_once_exactly_one_wins(
    stores: Stores, scenario: Scenario
) -> None:
    first, second = await _two_to_the_smlo(stores, scenario)
    now = scenario.tick()

    for n in (first, second):
        won = await asyncio.gather(_claim(stores, n, "one", now), _claim(stores, n, "two", now))
        assert len([w for w in won if w is not None]) == 1


async def test_a_referral_saved_while_its_notification_is_leased_keeps_the_lease(
    stores: Stores, scenario: Scenario
) -> None:
    referral = await scenario.submitted()
    (n, *_) = [p for p in await stores.outbox.pending(limit=100) if p.referral_id == referral.id]
    now = scenario.tick()
    await _claim(stores, n, "one", now)

    await scenario.offer(referral)  # the referral document is written again, outbox and all

    assert await _claim(stores, n, "two", now) is None
    assert n.id not in await _free_ids(stores, "two", now)


async def test_pending_can_leave_out_the_people_already_being_delivered_to(
    stores: Stores, scenario: Scenario
) -> None:
    await _two_to_the_smlo(stores, scenario)
    now = scenario.tick()
    everything = await stores.outbox.pending(limit=100, now=now, owner="one")

    busy = frozenset({SMLO_IDS[0]})
    without = await stores.outbox.pending(limit=100, now=now, owner="one", leaving_out=busy)
    unclaimed = await stores.outbox.pending(limit=100, leaving_out=busy)

    expected = [n.id for n in everything if n.recipient_id != SMLO_IDS[0]]
    assert expected, "the scenario also tells others"
    assert [n.id for n in without] == expected
    assert [n.id for n in unclaimed] == expected
    one_only = await stores.outbox.pending(limit=1, now=now, owner="one", leaving_out=busy)
    assert [n.id for n in one_only] == expected[:1], "their rows do not use up the limit"
