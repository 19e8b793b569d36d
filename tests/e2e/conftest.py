"""The real bot in-process, three Agents Playgrounds (referrer, SMLO, advocate) and headless
Chromium, all on 127.0.0.1 and all stopped in teardown, even when the test fails.

Needs the system Chromium (`apt-get install chromium`) and the Playground (`npm ci`).
Playwright must never download a browser: it is launched from CHROMIUM below.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import AsyncExitStack, ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    ViewportSize,
    async_playwright,
)
from playwright.async_api import (
    Error as PlaywrightError,
)

from app import RUNTIME, Runtime, create_app
from config.settings import load_settings
from devtools.demo import BY_KEY, Persona, bot_environment, demo_advocates
from devtools.playground import CLI, REPO, Playground
from devtools.seed import seed, service_start

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOT_LOOPBACK = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?(?:/|$))")
ARTIFACTS = REPO / "test-artifacts" / "e2e"
VIEWPORT: ViewportSize = {"width": 1280, "height": 1400}  # tall: the chat scrolls inside the page

# The Playground's page (Fluent UI + Lexical); see .scratch-playground/REPORT.md.
COMPOSE = 'div[role="textbox"][data-lexical-editor="true"]'
BOT_MESSAGE = ".fai-OutputCard"


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Note a failed test body, so that teardown can take a last screenshot of each page."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


def _require_tools() -> None:
    """Fail, never skip, when a tool is missing: a skipped e2e test proves nothing."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. Install it with "
            "`sudo apt-get install chromium` (Playwright must not download its own browser).",
            pytrace=False,
        )
    if not CLI.is_file():
        pytest.fail(
            f"The Agents Playground is not installed ({CLI} is missing). "
            "Run `npm ci` in the repository root.",
            pytrace=False,
        )


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open while choosing, so none repeats)."""
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


@dataclass
class RunningBot:
    endpoint: str
    runtime: Runtime


@pytest.fixture
async def bot(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[RunningBot]:
    _require_tools()
    store = tmp_path / "sma.sqlite3"
    environment = bot_environment(str(store))
    if request.node.get_closest_marker("seeded"):  # as `make run` does
        now = datetime.now(UTC)
        await seed(store, now, demo_advocates())
        environment["SMA_SERVICE_START"] = service_start(now)
    # Nothing arrives on its own in the middle of a journey: no monthly check-in card, no
    # Monday digest (each has a test of its own; `make run` keeps them on).
    environment |= {"SMA_CHECKIN_DAY": "0", "SMA_DIGEST_DAY": "off"}
    settings = load_settings(environment)
    assert settings.development_mode, "the e2e test runs the bot without authentication"
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        (port,) = free_ports(1)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield RunningBot(f"http://127.0.0.1:{port}/api/messages", app[RUNTIME])
    finally:
        await runner.cleanup()


@dataclass
class Person:
    """One demo person: their own Playground and their own browser page."""

    persona: Persona
    playground: Playground
    page: Page


@dataclass
class People:
    referrer: Person
    smlo: Person
    advocate: Person


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    _require_tools()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _abort(route: Route) -> None:
    await route.abort()


@pytest.fixture
async def people(
    bot: RunningBot,
    browser: Browser,
    shots: Shots,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[People]:
    """Each person's Playground is running and their page is open, so the bot knows their chat."""
    async with AsyncExitStack() as stack:
        keys = ("referrer", "smlo", "advocate")
        playgrounds = {
            key: Playground(BY_KEY[key], port, bot.endpoint, tmp_path / "pg" / key)
            for key, port in zip(keys, free_ports(len(keys)), strict=True)
        }
        for playground in playgrounds.values():  # stopping one never started does nothing
            stack.push_async_callback(asyncio.to_thread, playground.stop)
        # In threads: the bot shares this event loop and must answer each CLI's probe.
        # Wait for every start to end before raising, so that teardown stops all of them.
        outcomes = await asyncio.gather(
            *(asyncio.to_thread(p.start) for p in playgrounds.values()), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        started: dict[str, Person] = {}
        for key, playground in playgrounds.items():
            context: BrowserContext = await browser.new_context(viewport=VIEWPORT)
            stack.push_async_callback(context.close)
            await context.route(NOT_LOOPBACK, _abort)
            started[key] = Person(playground.persona, playground, await context.new_page())
        # Open all pages together: each page load greets its person with a welcome card.
        await asyncio.gather(
            *(
                p.page.goto(p.playground.url, wait_until="domcontentloaded")
                for p in started.values()
            )
        )
        yield People(started["referrer"], started["smlo"], started["advocate"])
        if request.node.stash.get(FAILED, False):
            for key, person in started.items():
                with suppress(PlaywrightError):
                    await shots.take(person.page, f"failed-{key}")


class Shots:
    """Full-page screenshots, numbered in the order taken, in one folder per test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken = 0

    async def take(self, page: Page, step: str) -> Path:
        self.taken += 1
        path = self.folder / f"{self.taken:02d}-{step}.png"
        await page.screenshot(path=path, full_page=True, animations="disabled")
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Shots]:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"\nscreenshots: {folder}")  # noqa: T201 - the path is what a failed run needs
    yield Shots(folder)
    print(f"\nscreenshots ({len(list(folder.glob('*.png')))}): {folder}")  # noqa: T201
