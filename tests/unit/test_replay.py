"""The replay guard: a repeat gets the first answer, in this process or from the store; a
failure is not remembered; a mark whose instance died lapses with its lease."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from bot.ingress.replay import BUSY, LEASE, WINDOW, Answer, ReplayGuard
from referrals.clock import FakeClock
from storage.memory_coordination import MemoryAnswerStore

KEY = ("msteams", "a:chat", "act-1")
STORED_KEY = '["msteams", "a:chat", "act-1"]'
CREATED = Answer(201)
BOUND_S = 10.0  # generous: the tests wait on the thing itself


def counted(runs: list[int], answer: Answer = CREATED) -> Callable[[], Awaitable[Answer]]:
    async def turn() -> Answer:
        runs.append(1)
        return answer

    return turn


async def test_a_repeat_waits_for_the_first_and_gets_its_answer_without_running() -> None:
    guard, runs = ReplayGuard(MemoryAnswerStore(), FakeClock()), list[int]()
    release = asyncio.Event()

    async def turn() -> Answer:
        runs.append(1)
        await release.wait()
        return Answer(200, f'{{"card": {len(runs)}}}'.encode())

    first = asyncio.create_task(guard.once(KEY, turn))
    repeat = asyncio.create_task(guard.once(KEY, turn))
    await asyncio.sleep(0)
    release.set()

    assert await first == await repeat == Answer(200, b'{"card": 1}')
    assert runs == [1]
    assert guard.repeats == 1


async def test_a_repeat_reaching_another_instance_gets_the_kept_answer() -> None:
    store, clock, runs = MemoryAnswerStore(), FakeClock(), list[int]()
    one, other = ReplayGuard(store, clock), ReplayGuard(store, clock)

    first = await one.once(KEY, counted(runs, Answer(200, b'{"card": 1}')))
    repeat = await other.once(KEY, counted(runs, Answer(200, b'{"card": 2}')))

    assert first == repeat == Answer(200, b'{"card": 1}')
    assert runs == [1]
    assert other.repeats == 1


async def test_a_repeat_on_another_instance_waits_for_the_first_to_answer() -> None:
    store, clock, runs = MemoryAnswerStore(), FakeClock(), list[int]()
    one, other = ReplayGuard(store, clock), ReplayGuard(store, clock, poll_s=0.01)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> Answer:
        runs.append(1)
        started.set()
        await release.wait()
        return Answer(200, b"{}")

    first = asyncio.create_task(one.once(KEY, slow))
    async with asyncio.timeout(BOUND_S):
        await started.wait()
    repeat = asyncio.create_task(other.once(KEY, counted(runs)))
    await asyncio.sleep(0.05)  # it polls meanwhile; the answer is not there yet
    assert not repeat.done()
    release.set()

    async with asyncio.timeout(BOUND_S):
        assert await first == await repeat == Answer(200, b"{}")
    assert runs == [1]


async def test_a_repeat_gives_up_waiting_within_the_bound_and_runs_nothing() -> None:
    store, clock, runs = MemoryAnswerStore(), FakeClock(), list[int]()
    await store.claim(STORED_KEY, "a-slow-instance", clock.now() + LEASE, clock.now())
    guard = ReplayGuard(store, clock, wait_s=0.05, poll_s=0.01)

    assert await guard.once(KEY, counted(runs)) == BUSY
    assert runs == []


async def test_a_mark_left_by_an_instance_that_died_lapses_with_its_lease() -> None:
    store, clock, runs = MemoryAnswerStore(), FakeClock(), list[int]()
    await store.claim(STORED_KEY, "a-dead-instance", clock.now() + LEASE, clock.now())
    clock.advance(LEASE)
    guard = ReplayGuard(store, clock)

    assert await guard.once(KEY, counted(runs)) == Answer(201)
    assert runs == [1]


async def test_a_delivery_that_failed_is_run_again_when_it_comes_back() -> None:
    store, clock = MemoryAnswerStore(), FakeClock()
    one, other, runs = ReplayGuard(store, clock), ReplayGuard(store, clock), list[str]()

    async def failing() -> Answer:
        runs.append("failed")
        raise ConnectionError("store down")

    async def working() -> Answer:
        runs.append("ran")
        return Answer(201)

    with pytest.raises(ConnectionError):
        await one.once(KEY, failing)
    assert await other.once(KEY, working) == Answer(201)  # the mark went with the failure
    assert runs == ["failed", "ran"]


async def test_an_answer_is_forgotten_after_the_window() -> None:
    store, clock, runs = MemoryAnswerStore(), FakeClock(), list[int]()
    guard = ReplayGuard(store, clock)

    await guard.once(KEY, counted(runs))
    clock.advance(WINDOW - timedelta(seconds=1))
    await guard.once(KEY, counted(runs))
    assert runs == [1]
    clock.advance(timedelta(seconds=1))
    await guard.once(KEY, counted(runs))
    for n in range(5):
        await guard.once(("msteams", "a:chat", f"other-{n}"), counted(runs))

    assert runs == [1] * 7
    clock.advance(WINDOW)
    await guard.once(("msteams", "a:chat", "last"), counted(runs))
    assert len(store) == 1  # expired answers are deleted, not only ignored


async def test_an_activity_without_an_id_always_runs() -> None:
    guard, runs = ReplayGuard(MemoryAnswerStore(), FakeClock()), list[int]()

    await guard.once(None, counted(runs))
    await guard.once(None, counted(runs))
    assert len(runs) == 2


class Unreachable(MemoryAnswerStore):
    async def claim(self, key: str, owner: str, until: datetime, now: datetime) -> bool:
        raise ConnectionError("store unreachable")


async def test_when_the_store_is_out_of_reach_the_turn_runs_unguarded() -> None:
    guard, runs = ReplayGuard(Unreachable(), FakeClock()), list[int]()

    assert await guard.once(KEY, counted(runs)) == CREATED
    assert runs == [1], "the turn's own handling tells the person"
