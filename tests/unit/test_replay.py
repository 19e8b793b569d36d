"""The replay guard: a repeat gets the first answer; a failure is not remembered."""

from __future__ import annotations

import asyncio

import pytest

from bot.ingress.replay import Answer, ReplayGuard

KEY = ("msteams", "a:chat", "act-1")


async def test_a_repeat_waits_for_the_first_and_gets_its_answer_without_running() -> None:
    guard, runs = ReplayGuard(), []
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


async def test_a_delivery_that_failed_is_run_again_when_it_comes_back() -> None:
    guard, runs = ReplayGuard(), []

    async def failing() -> Answer:
        runs.append("failed")
        raise ConnectionError("store down")

    async def working() -> Answer:
        runs.append("ran")
        return Answer(201)

    with pytest.raises(ConnectionError):
        await guard.once(KEY, failing)
    assert await guard.once(KEY, working) == Answer(201)
    assert runs == ["failed", "ran"]


async def test_an_old_answer_is_forgotten_after_the_window_and_the_memory_is_bounded() -> None:
    now = [0.0]
    guard, runs = ReplayGuard(window_s=60, capacity=3, clock=lambda: now[0]), []

    async def turn() -> Answer:
        runs.append(1)
        return Answer(201)

    await guard.once(KEY, turn)
    now[0] = 61
    await guard.once(KEY, turn)
    for n in range(10):
        await guard.once(("msteams", "a:chat", f"other-{n}"), turn)

    assert len(runs) == 12
    assert len(guard._answers) <= 4  # capacity, plus the one just added


async def test_an_activity_without_an_id_always_runs() -> None:
    guard, runs = ReplayGuard(), []

    async def turn() -> Answer:
        runs.append(1)
        return Answer(201)

    await guard.once(None, turn)
    await guard.once(None, turn)
    assert len(runs) == 2
