"""Turn benchmark: our bot against a bare botbuilder echo bot, over real HTTP on loopback.

    .venv/bin/python -m bench.turns [--layout worker|all] [--concurrency 20] [--turns 200]
                                    [--warmup 20] [--profile bench-turns.prof]

Each bot runs in subprocesses of its own (this process is the load generator and the Bot
Connector stand-in; on a 2-core machine sharing one interpreter would bill our CPU to the
bot). N simulated Teams clients post Teams-shaped activities with aiohttp; every kind
first runs a warm-up, then a fixed number of timed turns spread over N lanes, each lane one
conversation at a time (a closed loop: N turns in flight).

Our bot's layout (docs/deploy.md, "Instances and the worker"):
  worker   the default, as production runs it: a web process (`SMA_ROLE=web`) answers
           the turns and wakes a worker process (`SMA_ROLE=worker`, `SMA_WORKER_URL`,
           `SMA_WAKE_KEY`) that delivers the outbox; both on one SQLite file
  all      one process does both (`SMA_ROLE=all`, as `make run`): the earlier figures
Each process's CPU (user + system, all threads) is read from /proc over each phase; for
card turns the phase lasts until the notifications they caused have arrived. This
process's own CPU over the turns is shown too (client cpu), so a ceiling the harness sets
is not mistaken for the bot's.

A turn's latency runs from sending the request to receiving the bot's reply:
  message          the reply's POST arriving at the Bot Connector stand-in
  submit/allocate/accept   the invoke's HTTP response, which carries the card
The proactive notification each card turn causes (the SMLO's new-referral card, the
advocate's offer, the referrer's note) is timed separately, to its arrival at the stand-in.

Our message turns compare with the echo bot's messages, our card turns with its invokes,
measured in the same run. The goals (issue 16), at 20 concurrent conversations: each card
turn's p95 ≤ 3× the echo invoke's and its throughput ≥ 0.33× the echo invoke's; the web
process's CPU per card turn ≤ 5× the echo invoke's (in layout all the one process's, its
deliveries included); the advocate's offer and the referrer's note delivered with a p95
≤ 2 s. The SMLO's new-referral cards are paced by Teams' per-chat limit (two SMLO chats
take every new referral), so they are reported apart, with no goal. It prints each goal
with PASS or MISS and the machine's load average before and after; figures only, it never
fails.

How the people are laid out (so lanes never share a conversation):
  message  N people saying "hi", one per lane
  submit   one referrer per referral (a person has one draft at a time), their intake
           filled in beforehand, untimed; referral k belongs to lane k mod N
  allocate two SMLOs, each with their one chat (as in Teams; production has one or two,
           and every new referral goes to each), so the N lanes are N/2 turns in flight
           per SMLO chat; these turns leave the dialog state unchanged, so they do not
           contend on it. Each click names the SMLO's real new-referral card.
  accept   a roster of A advocates, A a multiple of N large enough that none is offered
           more than OFFERS_EACH referrals in the phase (a few seconds): referral k is
           offered to advocate k mod A, who accepts it from the offer card in their chat.
           More offers than that to one chat within a second or two would wait for Teams'
           per-chat pace, as the SMLOs' cards do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import logging
import math
import os
import secrets
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
LAYOUTS = ("worker", "all")
# The goals (issue 16), each against the echo invoke measured in the same run.
GOAL_P95, GOAL_THROUGHPUT, GOAL_WEB_CPU = 3.0, 0.33, 5.0
GOAL_DELIVERY_MS = 2000.0  # the advocate's offer and the referrer's note
# Offers to one advocate within the allocate phase: fewer than Teams' per-chat burst
# (bot/outbox/policy.py TEAMS_SEND_LIMITS: 5 a second), so none waits for the pace.
OFFERS_EACH = 4
DELIVERY_GOALS = ("allocate", "accept")  # the SMLO's cards are paced by Teams: no goal
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
async def bot_process(*argv: str, env: dict[str, str] | None = None) -> AsyncIterator[BotProcess]:
    """`python -m <argv>` from the repo root, with `env` added to this process's
    environment; it announces its port as "PORT <n>"."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *argv,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
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


def sma_argv(
    connector_url: str,
    folder: str,
    advocates: int,
    profile: str = "",
    role: str = "all",
    worker_url: str = "",
) -> list[str]:
    """Our bot in `role` on the one SQLite file in `folder`; a web role wakes the worker
    at `worker_url` with the key in the subprocess's SMA_WAKE_KEY (`our_bots`)."""
    argv = ["bench.turns", "--serve", connector_url, "--db", f"{folder}/bench.sqlite3"]
    argv += ["--advocates", str(advocates), "--role", role]
    argv += ["--worker-url", worker_url] if worker_url else []
    return [*argv, "--profile", profile] if profile else argv


@dataclass
class Bots:
    """Our bot's processes: `web` answers the turns (in layout all it also delivers),
    `worker` delivers the outbox (layout worker only)."""

    web: BotProcess
    worker: BotProcess | None = None


@contextlib.asynccontextmanager
async def our_bots(
    connector_url: str, folder: str, advocates: int, layout: str, profile: str = ""
) -> AsyncIterator[Bots]:
    """Layout all: one process. Layout worker: the worker first, then the web process
    that wakes it; a fresh wake key for the run, passed in the environment."""
    if layout == "all":
        async with bot_process(*sma_argv(connector_url, folder, advocates, profile)) as bot:
            yield Bots(bot)
        return
    key = {"SMA_WAKE_KEY": secrets.token_urlsafe(32)}
    worker_argv = sma_argv(connector_url, folder, advocates, role="worker")
    async with bot_process(*worker_argv, env=key) as worker:
        web_argv = sma_argv(connector_url, folder, advocates, profile, "web", worker.url)
        async with bot_process(*web_argv, env=key) as web_bot:
            yield Bots(web_bot, worker)


def _serve_sma(
    connector_url: str, db: str, advocates: int, profile: str, role: str, worker_url: str
) -> None:
    """The subprocess: our real app (create_app) in development mode, as the protocol
    tests configure it, with `advocates` advocates on the roster, in `role`."""
    from app import create_app
    from bench.echo_bot import serve
    from config.settings import Role, Settings
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
        role=Role(role),
        worker_url=worker_url,
        wake_key=os.environ.get("SMA_WAKE_KEY", ""),
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
    cpu_seconds: float = 0.0  # the process answering the turns (layout all: the only one)
    worker_cpu_seconds: float | None = None  # the worker process (layout worker only)
    # This process over the turns alone: the clients and the stand-in, so a ceiling the
    # harness itself sets shows (echo turns are cheap to send; our cards cost to read).
    client_cpu_seconds: float = 0.0
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

    @property
    def client_cpu_ms_per_turn(self) -> float:
        return self.client_cpu_seconds * 1000 / self.turns if self.turns else 0.0

    @property
    def worker_cpu_ms_per_turn(self) -> float | None:
        if self.worker_cpu_seconds is None:
            return None
        return self.worker_cpu_seconds * 1000 / self.turns if self.turns else 0.0


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
    cpu, client_cpu = bot.cpu_seconds(), time.process_time()
    latencies, seconds = await run_lanes(lanes)
    figures = Figures(kind, latencies, seconds)
    figures.client_cpu_seconds = time.process_time() - client_cpu
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

    def __init__(
        self,
        h: Harness,
        bot: BotProcess,
        concurrency: int,
        advocates: int,
        worker: BotProcess | None = None,
    ) -> None:
        self.h, self.bot, self.n, self.worker = h, bot, concurrency, worker
        self.smlos = [h.user(aad, f"a:smlo-{i}", f"29:smlo-{i}") for i, aad in enumerate(SMLO_IDS)]
        self.advocates = [
            h.user(advocate_id(i), f"a:advocate-{i}", f"29:advocate-{i}") for i in range(advocates)
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

            inputs = {"advocate_id": advocate_id(r.n % len(self.advocates))}
            ask = button("smlo.allocate", r.referral_id)
            jobs.append(self.h.invoke_turn(smlo, message_id, ask, inputs, done))
        return split(jobs, self.n)

    def acceptances(self, referrals: Sequence[Referral], errors: list[str]) -> list[Lane]:
        jobs = []
        for r in referrals:
            advocate = self.advocates[r.n % len(self.advocates)]
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
            advocate = self.advocates[r.n % len(self.advocates)].conversation_id
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
    http: aiohttp.ClientSession,
    concurrency: int,
    turns: int,
    warmup: int,
    profile: str = "",
    layout: str = "worker",
) -> dict[str, Figures]:
    connector = SignallingConnector()
    await connector.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            if profile:
                await asyncio.to_thread(Path(profile).unlink, missing_ok=True)
            advocates = roster_size(concurrency, turns)
            async with our_bots(connector.url, folder, advocates, layout, profile) as bots:
                h = Harness(bots.web.url, connector, http)
                ours = Ours(h, bots.web, concurrency, advocates, bots.worker)
                return await _our_phases(ours, turns, warmup, profile)
    finally:
        await connector.stop()


def roster_size(concurrency: int, turns: int) -> int:
    """Advocates enough that none is offered more than OFFERS_EACH of the timed referrals,
    a multiple of the lanes so that each advocate's chat is in one lane only."""
    return concurrency * max(1, math.ceil(turns / (concurrency * OFFERS_EACH)))


def _worker_cpu(ours: Ours) -> float | None:
    return ours.worker.cpu_seconds() if ours.worker is not None else None


def _minus(after: float | None, before: float | None) -> float | None:
    return after - before if after is not None and before is not None else None


async def _our_phases(ours: Ours, turns: int, warmup: int, profile: str) -> dict[str, Figures]:
    bot = ours.bot
    await ours.everyone_says_hi()
    results: dict[str, Figures] = {}
    await measure("message", bot, ours.messages(warmup))
    worker_cpu = _worker_cpu(ours)
    results["message"] = await measure("message", bot, ours.messages(turns))
    results["message"].worker_cpu_seconds = _minus(_worker_cpu(ours), worker_cpu)
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
        cpu, worker_cpu = bot.cpu_seconds(), _worker_cpu(ours)
        figures = await measure(kind, bot, lanes_of(timed, errors))
        drain_started = time.perf_counter()
        figures.delivery_ms = await ours.drain(kind, timed)
        figures.drain_seconds = time.perf_counter() - drain_started
        # The turns and their notifications (layout worker: wakes here, posts there).
        figures.cpu_seconds = bot.cpu_seconds() - cpu
        figures.worker_cpu_seconds = _minus(_worker_cpu(ours), worker_cpu)
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

WHAT = {"submit": "SMLO's new card", "allocate": "advocate's offer", "accept": "referrer's note"}
DESCRIBED = {
    "worker": "a web process answers the turns and wakes a worker process that delivers, "
    "on one SQLite file",
    "all": "one process answers the turns and delivers",
}


@dataclass
class Run:
    """One run's figures: our bot's kinds and the echo bot's, and the machine's load."""

    layout: str
    concurrency: int
    ours: dict[str, Figures]
    echo: dict[str, Figures]
    load_before: str = ""
    load_after: str = ""


def _ratio(ours: float, echo: float) -> float:
    """How many times the echo bot's figure; a floor too small to read (a CPU reading
    below the clock tick, at a smoke test's size) makes any cost of ours infinite."""
    if not echo:
        return math.inf if ours else 0.0
    return ours / echo


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def report(run: Run) -> str:
    """The table, each goal with PASS or MISS, the deliveries, and the load."""
    lines = [
        f"load average before: {run.load_before} (cores: {os.cpu_count()})",
        f"layout {run.layout}: {DESCRIBED[run.layout]}",
        f"N = {run.concurrency} concurrent conversations",
        *_table(run),
        "",
        *_goals(run),
        "",
        *_deliveries(run),
        f"load average after:  {run.load_after}",
    ]
    return "\n".join(lines)


def _table(run: Run) -> list[str]:
    head = (
        f"{'kind':<14} {'turns':>5} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'web cpu ms/turn':>15} {'worker cpu ms/turn':>18} {'client cpu ms/turn':>18} "
        f"{'errors':>6} "
        f"{'× echo tput':>11} {'× echo p95':>10} {'× echo cpu':>10}"
    )

    def row(name: str, f: Figures, base: Figures | None) -> str:
        worker = f.worker_cpu_ms_per_turn
        ratios = (
            f"{_ratio(f.throughput, base.throughput):>11.2f} "
            f"{_ratio(f.percentile(95), base.percentile(95)):>10.2f} "
            f"{_ratio(f.cpu_ms_per_turn, base.cpu_ms_per_turn):>10.2f}"
            if base
            else ""
        )
        return (
            f"{name:<14} {f.turns:>5} {f.throughput:>8.1f} {f.percentile(50):>8.1f} "
            f"{f.percentile(95):>8.1f} {f.percentile(99):>8.1f} {f.cpu_ms_per_turn:>15.2f} "
            f"{'' if worker is None else f'{worker:.2f}':>18} {f.client_cpu_ms_per_turn:>18.2f} "
            f"{f.errors:>6} {ratios}"
        ).rstrip()

    rows = [row(f"echo {kind}", run.echo[kind], None) for kind in ("message", "invoke")]
    for kind in KINDS:
        rows.append(
            row(kind, run.ours[kind], run.echo["message" if kind == "message" else "invoke"])
        )
    return [
        head,
        *rows,
        "cpu ms/turn: each process's CPU (all threads) over the phase; for card turns until "
        "the notifications they caused arrived"
        + ("" if run.layout == "worker" else " (layout all: the one process, deliveries too)"),
        "client cpu ms/turn: the load generator and the Bot Connector stand-in, over the "
        "turns alone",
    ]


def _goals(run: Run) -> list[str]:
    echo = run.echo["invoke"]
    cpu_name = "web CPU/turn" if run.layout == "worker" else "bot CPU/turn"
    lines = [f"goals at N = {run.concurrency}, each card turn against the echo invoke:"]
    for kind in CARD_KINDS:
        f = run.ours[kind]
        p95 = _ratio(f.percentile(95), echo.percentile(95))
        tput = _ratio(f.throughput, echo.throughput)
        cpu = _ratio(f.cpu_ms_per_turn, echo.cpu_ms_per_turn)
        for name, figure, goal, passed in (
            ("p95", p95, f"≤ {GOAL_P95:g}×", p95 <= GOAL_P95),
            ("throughput", tput, f"≥ {GOAL_THROUGHPUT:g}×", tput >= GOAL_THROUGHPUT),
            (cpu_name, cpu, f"≤ {GOAL_WEB_CPU:g}×", cpu <= GOAL_WEB_CPU),
        ):
            lines.append(
                f"  {kind:<9} {name:<13} {figure:>7.2f}× echo  goal {goal:<7} {_verdict(passed)}"
            )
    return lines


def _deliveries(run: Run) -> list[str]:
    lines = ["proactive notification delivery (turn sent → arrival at the stand-in):"]
    for kind in CARD_KINDS:
        f = run.ours[kind]
        d = f.delivery_ms
        p95 = f.percentile(95, d)
        if kind in DELIVERY_GOALS:  # every one delivered, the p95 within the goal
            passed = len(d) == f.turns and p95 <= GOAL_DELIVERY_MS
            goal = f"goal p95 ≤ {GOAL_DELIVERY_MS:.0f} ms  {_verdict(passed)}"
        else:
            goal = "paced by Teams' per-chat limit: no goal"
        lines.append(
            f"  {kind:<9} {WHAT[kind]:<17} delivered {len(d):>4}/{f.turns:<4} "
            f"p50 {f.percentile(50, d):>8.1f} ms  p95 {p95:>8.1f} ms  "
            f"last one {f.drain_seconds:.1f} s after the last turn  {goal}"
        )
    return lines


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def main(
    concurrency: int, turns: int, warmup: int, profile: str = "", layout: str = "worker"
) -> Run:
    """Both bots, measured one after the other in this run: the echo bot, then ours."""
    run = Run(layout, concurrency, {}, {}, load_before=load_average())
    limits = aiohttp.TCPConnector(limit=concurrency * 4)
    async with aiohttp.ClientSession(connector=limits) as http:
        run.echo = await run_echo(http, concurrency, turns, warmup)
        run.ours = await run_ours(http, concurrency, turns, warmup, profile, layout)
    run.load_after = load_average()
    return run


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layout", choices=LAYOUTS, default="worker", help="our bot's processes")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--turns", type=int, default=200, help="timed turns per kind")
    parser.add_argument("--warmup", type=int, default=20, help="untimed turns per kind first")
    parser.add_argument(
        "--profile", default="", help="cProfile the card turns in the process answering them"
    )
    parser.add_argument("--serve", default="", help=argparse.SUPPRESS)  # the subprocess
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    parser.add_argument("--advocates", type=int, default=20, help=argparse.SUPPRESS)
    parser.add_argument("--role", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--worker-url", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    options = _options()
    if options.serve:
        _serve_sma(
            options.serve,
            options.db,
            options.advocates,
            options.profile,
            options.role,
            options.worker_url,
        )
    else:
        profile = str(Path(options.profile).resolve()) if options.profile else ""
        run = asyncio.run(
            main(options.concurrency, options.turns, options.warmup, profile, options.layout)
        )
        print(report(run))
        if profile:
            print(f"profile of the card turns: {profile} (python -m pstats)")
