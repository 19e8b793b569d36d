"""Every store keeps timers alike: scheduled once, due in order, claimed by exactly one
owner at a time (a lease), fired once, cancelled only before they fire."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from referrals.ports import Stores
from referrals.timers import Timer, TimerKind

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def a_timer(name: str, minutes: int = 0, stage: int = 1) -> Timer:
    return Timer(
        f"r-{name}:offer_unanswered:{stage}:t",
        TimerKind.OFFER_UNANSWERED,
        f"r-{name}",
        AT + timedelta(minutes=minutes),
        stage,
        "u-adv-1",
    )


async def test_a_timer_is_due_from_its_time_and_kept_exactly_as_scheduled(stores: Stores) -> None:
    timer = a_timer("a", minutes=10)

    await stores.timers.schedule(timer)

    assert await stores.timers.due(AT) == []
    assert await stores.timers.due(AT + timedelta(minutes=10)) == [timer]
    assert await stores.timers.get(timer.id) == timer


async def test_scheduling_the_same_timer_again_changes_nothing(stores: Stores) -> None:
    timer = a_timer("a")
    await stores.timers.schedule(timer)
    await stores.timers.claim(timer.id, "one", AT + LEASE, AT)
    await stores.timers.mark_fired(timer.id, "one", AT)

    await stores.timers.schedule(timer)

    fired = await stores.timers.get(timer.id)
    assert fired is not None
    assert fired.fired_at == AT
    assert await stores.timers.due(AT + timedelta(days=1)) == []


async def test_due_timers_come_earliest_first_up_to_the_limit(stores: Stores) -> None:
    for name, minutes in (("late", 5), ("early", 1), ("middle", 3)):
        await stores.timers.schedule(a_timer(name, minutes))

    due = await stores.timers.due(AT + timedelta(hours=1), limit=2)

    assert [t.subject_id for t in due] == ["r-early", "r-middle"]


async def test_only_one_owner_claims_a_timer_until_its_lease_runs_out(stores: Stores) -> None:
    timer = a_timer("a")
    await stores.timers.schedule(timer)

    first = await stores.timers.claim(timer.id, "one", AT + LEASE, AT)
    second = await stores.timers.claim(timer.id, "two", AT + LEASE, AT + timedelta(minutes=1))
    hidden = await stores.timers.due(AT + timedelta(minutes=1))
    after_lease = await stores.timers.claim(timer.id, "two", AT + 2 * LEASE, AT + LEASE)

    assert (first, second, hidden, after_lease) == (True, False, [], True)
    claimed = await stores.timers.get(timer.id)
    assert claimed is not None
    assert claimed.claimed_by == "two"


async def test_claims_at_the_same_moment_have_exactly_one_winner(stores: Stores) -> None:
    timer = a_timer("a")
    await stores.timers.schedule(timer)

    won = await asyncio.gather(
        *(stores.timers.claim(timer.id, f"owner-{n}", AT + LEASE, AT) for n in range(4))
    )

    assert sorted(won) == [False, False, False, True]


async def test_a_fired_timer_is_never_due_or_claimed_again(stores: Stores) -> None:
    timer = a_timer("a")
    await stores.timers.schedule(timer)
    await stores.timers.claim(timer.id, "one", AT + LEASE, AT)

    await stores.timers.mark_fired(timer.id, "one", AT + timedelta(seconds=5))

    later = AT + timedelta(days=2)
    assert await stores.timers.due(later) == []
    assert not await stores.timers.claim(timer.id, "two", later + LEASE, later)


async def test_a_timer_cancelled_before_it_fires_is_gone_and_a_fired_one_stays(
    stores: Stores,
) -> None:
    waiting, fired = a_timer("a"), a_timer("b")
    for timer in (waiting, fired):
        await stores.timers.schedule(timer)
    await stores.timers.mark_fired(fired.id, "one", AT)

    await stores.timers.cancel(waiting.id)
    await stores.timers.cancel(fired.id)
    await stores.timers.cancel("never-scheduled")

    assert await stores.timers.get(waiting.id) is None
    assert await stores.timers.get(fired.id) is not None
    assert not await stores.timers.claim(waiting.id, "one", AT + LEASE, AT)


async def test_forgetting_a_subject_deletes_its_timers_fired_or_not_and_no_others(
    stores: Stores,
) -> None:
    mine_waiting, mine_fired, other = a_timer("a"), a_timer("a", stage=2), a_timer("b")
    for timer in (mine_waiting, mine_fired, other):
        await stores.timers.schedule(timer)
    await stores.timers.mark_fired(mine_fired.id, "one", AT)

    await stores.timers.forget("r-a")
    await stores.timers.forget("r-never")

    assert await stores.timers.get(mine_waiting.id) is None
    assert await stores.timers.get(mine_fired.id) is None
    assert await stores.timers.get(other.id) == other
