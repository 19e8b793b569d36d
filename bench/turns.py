"""Turn benchmark: our bot against a bare botbuilder echo bot, over real HTTP on loopback.

    .venv/bin/python -m bench.turns [--concurrency 20] [--turns 200] [--warmup 20]
                                    [--profile bench-turns.prof]

Each bot runs in a subprocess of its own (this process is the load generator and the Bot
Connector stand-in; on a 2-core machine sharing one interpreter would bill our CPU to the
bot). N simulated Teams clients post Teams-shaped activities with aiohttp; every kind
first runs a warm-up, then a fixed number of timed turns spread over N lanes, each lane one
conversation at a time (a closed loop: N turns in flight).

A turn's latency runs from sending the request to receiving the bot's reply:
  message          the reply's POST arriving at the Bot Connector stand-in
  submit/allocate/accept   the invoke's HTTP response, which carries the card
The proactive notification each card turn causes (the SMLO's new-referral card, the
advocate's offer, the referrer's note) is timed separately, to its arrival at the stand-in.

Our message turns compare with the echo bot's messages, our card turns with its invokes.
The goal (issue 5): submit/allocate/accept throughput ≥ 0.67× echo and p95 ≤ 1.5× echo at
20 concurrent conversations. It prints PASS or MISS; figures only, it never fails.

How the people are laid out (so lanes never share a conversation):
  message  N people saying "hi", one per lane
  submit   one referrer per referral (a person has one draft at a time), their intake
           filled in beforehand, untimed; referral k belongs to lane k mod N
  allocate two SMLOs, each with their one chat (as in Teams; production has one or two,
           and every new referral goes to each), so the N lanes are N/2 turns in flight
           per SMLO chat; these turns leave the dialog state unchanged, so they do not
           contend on it. Each click names the SMLO's real new-referral card.
  accept   N advocates; referral k is offered to advocate k mod N, who accepts it from
           the offer card in their chat
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.connector import ConnectorStandIn, cards_of
from tests.support.teams import TENANT, TeamsUser, actions_of, card_texts

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("message", "submit", "allocate", "accept")
CARD_KINDS = ("submit", "allocate", "accept")
GOAL_THROUGHPUT, GOAL_P95 = 0.67, 1.5
REPLY_WAIT = 30.0
DRAIN_WAIT = 300.0  # the outbox is one sequential loop: a backlog takes a while
SMLO_IDS = ("00000000-0000-4000-8000-00000000a001", "00000000-0000-4000-8000-00000000a002")
# What the card each kind answers with must say: a turn that ended in an error card is
# counted as an error, so the error path is never mistaken for the work.
EXPECTED = {"submit": "SMA-", "allocate": "Offered to", "accept": "You are supporting"}
Lane = list[Callable[[], Awaitable[float]]]


def advocate_id(n: int) -> str:
    return f"00000000-0000-4000-8000-0000000b{n:04d}"


def referrer_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


# -- the Bot Connector stand-in, telling us when a reply arrives ---------------------------


@dataclass(frozen=True)
class Arrival:
    at: float
    conversation_id: str
    activity_id: str
    referral_ids: frozenset[str]


class SignallingConnector(ConnectorStandIn):
    """The tests' stand-in, plus: the time every sent message arrived, the referrals its
    card's buttons name, and a future per conversation resolved by the next arrival."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[Arrival] = []
        self._waiting: dict[str, asyncio.Future[float]] = {}

    def expect(self, conversation_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[conversation_id] = future
        return future

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        at = time.perf_counter()
        cid = request.match_info["cid"]
        messages = self.chat(cid).messages
        activity_id = next(reversed(messages))
        ids = frozenset(
            str(a["data"]["referral_id"])
            for card in cards_of(messages[activity_id])
            for a in actions_of(card)
            if "referral_id" in a.get("data", {})
        )
        self.arrivals.append(Arrival(at, cid, activity_id, ids))
        future = self._waiting.pop(cid, None)
        if future is not None and not future.done():
            future.set_result(at)
        return response

    def first_arrival(
        self, conversations: set[str], after: float, referral_id: str | None = None
    ) -> Arrival | None:
        for arrival in self.arrivals:
            if (
                arrival.at >= after
                and arrival.conversation_id in conversations
                and (referral_id is None or referral_id in arrival.referral_ids)
            ):
                return arrival
        return None


# -- the bots, each in a subprocess --------------------------------------------------------


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    url: str

    def rss_kib(self) -> int:
        """Resident memory of the bot process (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        """User + system CPU of the bot process (all its threads), in seconds."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def signal(self, number: int) -> None:
        self.process.send_signal(number)


@contextlib.asynccontextmanager
async def bot_process(*argv: str) -> AsyncIterator[BotProcess]:
    """`python -m <argv>` from the repo root; it announces its port as "PORT <n>"."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", *argv, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(60):
            line = (await process.stdout.readline()).decode()
        if not line.startswith("PORT "):
            raise RuntimeError(f"{argv[0]} did not start: {line!r}")
        yield BotProcess(process, f"http://127.0.0.1:{int(line.split()[1])}")
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


def sma_argv(connector_url: str, folder: str, advocates: int, profile: str = "") -> list[str]:
    argv = ["bench.turns", "--serve", connector_url, "--db", f"{folder}/bench.sqlite3"]
    argv += ["--advocates", str(advocates)]
    return [*argv, "--profile", profile] if profile else argv


def _serve_sma(connector_url: str, db: str, advocates: int, profile: str) -> None:
    """The subprocess: our real app (create_app) in development mode, as the protocol
    tests configure it, with `advocates` advocates on the roster."""
    from app import create_app
    from bench.echo_bot import serve
    from config.settings import Settings
    from referrals.people import Advocate

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    settings = Settings(
        development_mode=True,
        sqlite_path=db,
        smlo_ids=frozenset(SMLO_IDS),
        seed_advocates=tuple(
            Advocate(advocate_id(n), f"Advocate {n}", "Response East") for n in range(advocates)
        ),
        teams_service_url=connector_url,
        app_tenant_id=TENANT,
        allowed_service_hosts=frozenset({"127.0.0.1"}),
    )
    profiler = cProfile.Profile()

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(profile)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        if profile:  # the load generator brackets the turns it wants profiled
            loop.add_signal_handler(signal.SIGUSR1, profiler.enable)
            loop.add_signal_handler(signal.SIGUSR2, dump)
        await serve(create_app(settings))

    with contextlib.suppress(asyncio.CancelledError, KeyboardInterrupt):
        asyncio.run(main())


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Figures:
    kind: str
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    errors: int = 0
    delivery_ms: list[float] = field(default_factory=list)  # proactive notifications
    drain_seconds: float = 0.0  # from the last turn's answer to the last notification

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, p: float, samples: Sequence[float] | None = None) -> float:
        ordered = sorted(self.latencies_ms if samples is None else samples)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    @property
    def cpu_ms_per_turn(self) -> float:
        return self.cpu_seconds * 1000 / self.turns if self.turns else 0.0


async def run_lanes(lanes: Sequence[Lane]) -> tuple[list[float], float]:
    """Run every lane at once, each lane's turns one after another; (latencies, seconds)."""
    latencies: list[float] = []

    async def lane(turns: Lane) -> None:
        for turn in turns:
            latencies.append(await turn())

    started = time.perf_counter()
    await asyncio.gather(*(lane(turns) for turns in lanes))
    return latencies, time.perf_counter() - started


async def measure(kind: str, bot: BotProcess, lanes: Sequence[Lane]) -> Figures:
    cpu = bot.cpu_seconds()
    latencies, seconds = await run_lanes(lanes)
    figures = Figures(kind, latencies, seconds)
    figures.cpu_seconds = bot.cpu_seconds() - cpu
    return figures


def split(jobs: Sequence[Callable[[], Awaitable[float]]], n: int) -> list[Lane]:
    return [list(jobs[i::n]) for i in range(n)]


@dataclass
class Harness:
    """The people in Teams, for one bot."""

    bot_url: str
    connector: SignallingConnector
    http: aiohttp.ClientSession
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def user(self, aad: str, conversation_id: str = "", teams_id: str = "") -> TeamsUser:
        n = next(self._names)
        person = TeamsUser(f"Person {n}", aad, self.bot_url, self.connector, self.http)
        person.conversation_id = conversation_id or person.conversation_id
        person.teams_id = teams_id or person.teams_id
        return person

    def message_turn(self, person: TeamsUser) -> Callable[[], Awaitable[float]]:
        async def turn() -> float:
            reply = self.connector.expect(person.conversation_id)
            started = time.perf_counter()
            status = await person.say("hi")
            if status != 201:
                raise RuntimeError(f"a message turn answered {status}")
            async with asyncio.timeout(REPLY_WAIT):
                arrived = await reply
            return (arrived - started) * 1000

        return turn

    def invoke_turn(
        self,
        person: TeamsUser,
        message_id: str,
        button: dict[str, Any],
        inputs: dict[str, str],
        done: Callable[[float, dict[str, Any]], None],
    ) -> Callable[[], Awaitable[float]]:
        async def turn() -> float:
            started = time.perf_counter()
            card = await person.press(message_id, button, inputs)
            elapsed = (time.perf_counter() - started) * 1000
            done(started, card)
            return elapsed

        return turn


def button(verb: str, referral_id: str) -> dict[str, Any]:
    return {"verb": verb, "data": {"verb": verb, "referral_id": referral_id}}


async def fill_in_intake(referrer: TeamsUser) -> None:
    """Everything up to the review card, as tests/protocol/journeys.py does (untimed)."""
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="experienced", employment="officer")
    await referrer.click("Next", wishes="talk_to_advocate,information")
    await referrer.click(
        "Next", account="Something happened at work", when="past_month", colleague="yes"
    )
    await referrer.click("Next")  # whom it is about: left unsaid
    await referrer.click("Next", contact_methods="teams", safe_times="weekday evenings")
    await referrer.click("Next", gender="woman", age_band="25_34")


async def bounded(jobs: Sequence[Awaitable[object]], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Awaitable[object]) -> None:
        async with gate:
            await job

    await asyncio.gather(*(one(job) for job in jobs))


# -- the two runs ----------------------------------------------------------------------------


@dataclass
class Referral:
    n: int
    referrer: TeamsUser
    referral_id: str = ""
    submitted_at: float = 0.0
    allocated_at: float = 0.0
    accepted_at: float = 0.0


async def run_echo(
    http: aiohttp.ClientSession, concurrency: int, turns: int, warmup: int
) -> dict[str, Figures]:
    connector = SignallingConnector()
    await connector.start()
    try:
        async with bot_process("bench.echo_bot") as bot:
            h = Harness(bot.url, connector, http)
            people = [h.user(referrer_id(900_000 + i)) for i in range(concurrency)]
            results: dict[str, Figures] = {}
            for kind in ("message", "invoke"):
                for count, timed in ((warmup, False), (turns, True)):
                    jobs = [
                        h.message_turn(people[i % concurrency])
                        if kind == "message"
                        else h.invoke_turn(
                            people[i % concurrency],
                            f"m-echo-{i}",
                            button("echo.press", "r"),
                            {},
                            lambda _at, _card: None,
                        )
                        for i in range(count)
                    ]
                    figures = await measure(kind, bot, split(jobs, concurrency))
                    if timed:
                        results[kind] = figures
            return results
    finally:
        await connector.stop()


class Ours:
    """Our bot's run: the people, the referrals, and each kind's phase."""

    def __init__(self, h: Harness, bot: BotProcess, concurrency: int) -> None:
        self.h, self.bot, self.n = h, bot, concurrency
        self.smlos = [h.user(aad, f"a:smlo-{i}", f"29:smlo-{i}") for i, aad in enumerate(SMLO_IDS)]
        self.advocates = [
            h.user(advocate_id(i), f"a:advocate-{i}", f"29:advocate-{i}")
            for i in range(concurrency)
        ]
        self.chatters = [h.user(referrer_id(800_000 + i)) for i in range(concurrency)]
        self.smlo_chats = {p.conversation_id for p in self.smlos}

    async def everyone_says_hi(self) -> None:
        await bounded([p.say("hi") for p in [*self.smlos, *self.advocates]], self.n)

    async def prepare(self, first: int, count: int) -> list[Referral]:
        referrals = [Referral(n, self.h.user(referrer_id(first + n))) for n in range(count)]
        await bounded([fill_in_intake(r.referrer) for r in referrals], self.n)
        return referrals

    def messages(self, count: int) -> list[Lane]:
        return split([self.h.message_turn(self.chatters[i % self.n]) for i in range(count)], self.n)

    def submits(self, referrals: Sequence[Referral], errors: list[str]) -> list[Lane]:
        jobs = []
        for r in referrals:
            message_id, send = r.referrer.find_action("Send my referral")
            r.referral_id = str(send["data"]["referral_id"])

            def done(at: float, card: dict[str, Any], r: Referral = r) -> None:
                r.submitted_at = at
                _check(card, "submit", errors)

            jobs.append(self.h.invoke_turn(r.referrer, message_id, send, {"consent": "true"}, done))
        return split(jobs, self.n)

    def allocations(self, referrals: Sequence[Referral], errors: list[str]) -> list[Lane]:
        jobs = []
        for r in referrals:
            smlo = self.smlos[r.n % len(self.smlos)]
            card = self.h.connector.first_arrival(
                {smlo.conversation_id}, r.submitted_at, r.referral_id
            )
            message_id = card.activity_id if card else f"m-smlo-{r.n}"

            def done(at: float, card: dict[str, Any], r: Referral = r) -> None:
                r.allocated_at = at
                _check(card, "allocate", errors)

            inputs = {"advocate_id": advocate_id(r.n % self.n)}
            ask = button("smlo.allocate", r.referral_id)
            jobs.append(self.h.invoke_turn(smlo, message_id, ask, inputs, done))
        return split(jobs, self.n)

    def acceptances(self, referrals: Sequence[Referral], errors: list[str]) -> list[Lane]:
        jobs = []
        for r in referrals:
            advocate = self.advocates[r.n % self.n]
            offer = self.h.connector.first_arrival(
                {advocate.conversation_id}, r.allocated_at, r.referral_id
            )
            message_id = offer.activity_id if offer else f"m-offer-{r.n}"

            def done(at: float, card: dict[str, Any], r: Referral = r) -> None:
                r.accepted_at = at
                _check(card, "accept", errors)

            yes = button("advocate.accept", r.referral_id)
            jobs.append(self.h.invoke_turn(advocate, message_id, yes, {}, done))
        return split(jobs, self.n)

    def delivery(self, kind: str, r: Referral) -> float | None:
        """When this card turn's notification arrived, after the turn was sent (ms)."""
        c = self.h.connector
        if kind == "submit":
            found = c.first_arrival(self.smlo_chats, r.submitted_at, r.referral_id)
            started = r.submitted_at
        elif kind == "allocate":
            advocate = self.advocates[r.n % self.n].conversation_id
            found = c.first_arrival({advocate}, r.allocated_at, r.referral_id)
            started = r.allocated_at
        else:
            found = c.first_arrival({r.referrer.conversation_id}, r.accepted_at)
            started = r.accepted_at
        return (found.at - started) * 1000 if found else None

    async def drain(self, kind: str, referrals: Sequence[Referral]) -> list[float]:
        """Wait for the notifications the turns caused (they cost the bot CPU too)."""
        deadline = time.perf_counter() + DRAIN_WAIT
        while True:
            found = [self.delivery(kind, r) for r in referrals]
            if all(f is not None for f in found) or time.perf_counter() > deadline:
                return [f for f in found if f is not None]
            await asyncio.sleep(0.05)


def _check(card: dict[str, Any], kind: str, errors: list[str]) -> None:
    if not any(EXPECTED[kind] in text for text in card_texts(card)):
        errors.append(kind)


async def run_ours(
    http: aiohttp.ClientSession, concurrency: int, turns: int, warmup: int, profile: str = ""
) -> dict[str, Figures]:
    connector = SignallingConnector()
    await connector.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            if profile:
                await asyncio.to_thread(Path(profile).unlink, missing_ok=True)
            argv = sma_argv(connector.url, folder, concurrency, profile)
            async with bot_process(*argv) as bot:
                return await _our_phases(
                    Ours(Harness(bot.url, connector, http), bot, concurrency),
                    turns,
                    warmup,
                    profile,
                )
    finally:
        await connector.stop()


async def _our_phases(ours: Ours, turns: int, warmup: int, profile: str) -> dict[str, Figures]:
    bot = ours.bot
    await ours.everyone_says_hi()
    results: dict[str, Figures] = {}
    await measure("message", bot, ours.messages(warmup))
    results["message"] = await measure("message", bot, ours.messages(turns))
    warm, timed = await ours.prepare(0, warmup), await ours.prepare(warmup, turns)
    phases = (
        ("submit", ours.submits),
        ("allocate", ours.allocations),
        ("accept", ours.acceptances),
    )
    for kind, lanes_of in phases:  # warm-up: every kind once through, untimed
        await measure(kind, bot, lanes_of(warm, []))
        await ours.drain(kind, warm)
    if profile:
        bot.signal(signal.SIGUSR1)
    for kind, lanes_of in phases:
        errors: list[str] = []
        cpu = bot.cpu_seconds()
        figures = await measure(kind, bot, lanes_of(timed, errors))
        drain_started = time.perf_counter()
        figures.delivery_ms = await ours.drain(kind, timed)
        figures.drain_seconds = time.perf_counter() - drain_started
        figures.cpu_seconds = bot.cpu_seconds() - cpu  # the turns and their notifications
        figures.errors = len(errors)
        results[kind] = figures
    if profile:
        bot.signal(signal.SIGUSR2)
        await asyncio.to_thread(_wait_for_file, Path(profile))
    return results


def _wait_for_file(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


# -- the report ------------------------------------------------------------------------------


def report(ours: dict[str, Figures], echo: dict[str, Figures], concurrency: int) -> str:
    head = (
        f"{'kind':<14} {'turns':>5} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'cpu ms/turn':>11} {'errors':>6} {'× echo tput':>11} {'× echo p95':>10}  goal"
    )
    lines = [f"N = {concurrency} concurrent conversations", head]

    def row(name: str, f: Figures, base: Figures | None, goal: bool) -> str:
        tput = f.throughput / base.throughput if base and base.throughput else 0.0
        p95 = f.percentile(95) / base.percentile(95) if base and base.percentile(95) else 0.0
        verdict = ""
        if goal:
            verdict = "PASS" if tput >= GOAL_THROUGHPUT and p95 <= GOAL_P95 else "MISS"
        ratios = f"{tput:>11.2f} {p95:>10.2f}" if base else f"{'':>11} {'':>10}"
        return (
            f"{name:<14} {f.turns:>5} {f.throughput:>8.1f} {f.percentile(50):>8.1f} "
            f"{f.percentile(95):>8.1f} {f.percentile(99):>8.1f} {f.cpu_ms_per_turn:>11.2f} "
            f"{f.errors:>6} {ratios}  {verdict}"
        ).rstrip()

    for kind in ("message", "invoke"):
        lines.append(row(f"echo {kind}", echo[kind], None, goal=False))
    for kind in KINDS:
        base = echo["message" if kind == "message" else "invoke"]
        lines.append(row(kind, ours[kind], base, goal=kind in CARD_KINDS))
    lines.append(
        "cpu ms/turn: the bot process's CPU (all threads) over the phase; for card turns it "
        "includes the notifications they caused"
    )
    lines.append("")
    lines.append("proactive notification delivery (turn sent → arrival at the stand-in):")
    what = {
        "submit": "SMLO's new card",
        "allocate": "advocate's offer",
        "accept": "referrer's note",
    }
    for kind in CARD_KINDS:
        d = ours[kind].delivery_ms
        f = ours[kind]
        lines.append(
            f"  {kind:<9} {what[kind]:<17} delivered {len(d):>4}/{f.turns:<4} "
            f"p50 {f.percentile(50, d):>8.1f} ms  p95 {f.percentile(95, d):>8.1f} ms  "
            f"last one {f.drain_seconds:.1f} s after the last turn"
        )
    return "\n".join(lines)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def main(
    concurrency: int, turns: int, warmup: int, profile: str = ""
) -> tuple[dict[str, Figures], dict[str, Figures]]:
    """(ours, echo), measured one after the other in this run."""
    limits = aiohttp.TCPConnector(limit=concurrency * 4)
    async with aiohttp.ClientSession(connector=limits) as http:
        echo = await run_echo(http, concurrency, turns, warmup)
        ours = await run_ours(http, concurrency, turns, warmup, profile)
    return ours, echo


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--turns", type=int, default=200, help="timed turns per kind")
    parser.add_argument("--warmup", type=int, default=20, help="untimed turns per kind first")
    parser.add_argument("--profile", default="", help="cProfile the card turns to this file")
    parser.add_argument("--serve", default="", help=argparse.SUPPRESS)  # the subprocess
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    parser.add_argument("--advocates", type=int, default=20, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    options = _options()
    if options.serve:
        _serve_sma(options.serve, options.db, options.advocates, options.profile)
    else:
        print(f"load average before: {load_average()} (cores: {os.cpu_count()})")
        profile = str(Path(options.profile).resolve()) if options.profile else ""
        ours, echo = asyncio.run(main(options.concurrency, options.turns, options.warmup, profile))
        print(report(ours, echo, options.concurrency))
        print(f"load average after:  {load_average()}")
        if profile:
            print(f"profile of the card turns: {profile} (python -m pstats)")
