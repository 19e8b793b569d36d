"""Soak: 10,000 turns through our bot, and its resident memory before and after.

    .venv/bin/python -m bench.soak [--turns 10000] [--concurrency 20] [--warmup 500]

The bot runs in a subprocess as in bench/turns.py. N lanes each repeat the whole journey
with a new referrer every time: "hi", start, five intake steps, submit, the SMLO allocates,
the advocate accepts (ten turns, plus the notifications they cause). Nobody waits for a
notification: at this pace the SMLOs' chats are held to Teams' per-chat send limits and
the outbox falls behind, so the advocate accepts as soon as the offer is made (from the
offer card if it has arrived). The bot's RSS (VmRSS from /proc/<pid>/status) is read
after the warm-up and at the end, and sampled on the way; the goal is flat within 10%.
Figures only; it never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass, field

import aiohttp

from bench.turns import (
    Harness,
    Ours,
    Referral,
    SignallingConnector,
    bot_process,
    fill_in_intake,
    load_average,
    referrer_id,
    sma_argv,
)

TURNS_PER_JOURNEY = 10
GOAL_GROWTH = 0.10


@dataclass
class Soak:
    turns: int = 0
    seconds: float = 0.0
    start_kib: int = 0
    end_kib: int = 0
    errors: int = 0
    samples: list[tuple[int, int]] = field(default_factory=list)  # (turns so far, RSS KiB)

    @property
    def growth(self) -> float:
        return (self.end_kib - self.start_kib) / self.start_kib if self.start_kib else 0.0


async def journey(ours: Ours, n: int, errors: list[str]) -> None:
    """One referral from first "hi" to the advocate accepting it: ten turns."""
    r = Referral(n, ours.h.user(referrer_id(1_000_000 + n)))
    await fill_in_intake(r.referrer)
    for lanes_of in (ours.submits, ours.allocations, ours.acceptances):
        for lane in lanes_of([r], errors):
            for turn in lane:
                await turn()


async def run_soak(ours: Ours, turns: int, warmup: int) -> Soak:
    result, errors = Soak(), list[str]()
    journeys_run = [0] * ours.n  # per lane: referral n = lane + N × k stays in its lane
    done = 0

    async def lane(index: int, journeys: int) -> None:
        nonlocal done
        for _ in range(journeys):
            await journey(ours, index + ours.n * journeys_run[index], errors)
            journeys_run[index] += 1
            done += TURNS_PER_JOURNEY
            if done % 1000 < TURNS_PER_JOURNEY:
                result.samples.append((done, ours.bot.rss_kib()))

    async def run(total: int) -> None:
        journeys = -(-total // (TURNS_PER_JOURNEY * ours.n))  # per lane, rounded up
        await asyncio.gather(*(lane(i, journeys) for i in range(ours.n)))

    await ours.everyone_says_hi()
    await run(warmup)
    await asyncio.sleep(1)  # let the last notifications go out
    result.start_kib, done, result.samples = ours.bot.rss_kib(), 0, []
    started = time.perf_counter()
    await run(turns)
    result.seconds = time.perf_counter() - started
    result.turns = done
    await asyncio.sleep(1)
    result.end_kib, result.errors = ours.bot.rss_kib(), len(errors)
    return result


async def main(concurrency: int, turns: int, warmup: int) -> Soak:
    connector = SignallingConnector()
    await connector.start()
    try:
        limits = aiohttp.TCPConnector(limit=concurrency * 4)
        async with aiohttp.ClientSession(connector=limits) as http:
            with tempfile.TemporaryDirectory() as folder:
                argv = sma_argv(connector.url, folder, concurrency)
                async with bot_process(*argv) as bot:
                    ours = Ours(Harness(bot.url, connector, http), bot, concurrency, concurrency)
                    return await run_soak(ours, turns, warmup)
    finally:
        await connector.stop()


def report(s: Soak) -> str:
    verdict = "PASS" if abs(s.growth) <= GOAL_GROWTH else "MISS"
    rate = s.turns / s.seconds if s.seconds else 0.0
    trail = ", ".join(f"{t}: {kib / 1024:.1f}" for t, kib in s.samples)
    return "\n".join(
        [
            f"soak: {s.turns} turns in {s.seconds:.0f} s ({rate:.1f} turns/s), errors {s.errors}",
            f"bot RSS at start (after warm-up) {s.start_kib / 1024:.1f} MiB, "
            f"at end {s.end_kib / 1024:.1f} MiB, change {s.growth:+.1%} "
            f"(goal: within ±{GOAL_GROWTH:.0%}) {verdict}",
            f"RSS MiB by turns: {trail}",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=500)
    options = parser.parse_args()
    print(f"load average before: {load_average()}")
    print(report(asyncio.run(main(options.concurrency, options.turns, options.warmup))))
    print(f"load average after:  {load_average()}")
