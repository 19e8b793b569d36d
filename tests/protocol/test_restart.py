"""Kill the bot (SIGKILL) in the middle of a load, start it again, and count.

Every referral whose receipt reached a referrer must be in the store exactly once, and
the SMLO must have been sent its card once — nothing lost, nothing twice — but for the one
post the kill may catch in flight (Teams took it; the bot had not yet written that down).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from referrals.states import ReferralState
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores
from tests.protocol.conftest import SMLO_ID
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TENANT, TeamsUser, card_texts

REPO = Path(__file__).resolve().parents[2]
REFERRERS = 24
LEASE_SECONDS = 10  # the killed process's claims run out after this
KILL_AFTER = 10  # receipts seen before the kill


class BotProcess:
    def __init__(self, sqlite_path: Path, service_url: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.env = {
            **os.environ,
            "SMA_INSECURE_DEVELOPMENT_MODE": "true",
            "MicrosoftAppTenantId": TENANT,
            "SMA_SMLO_IDS": SMLO_ID,
            "SMA_SQLITE_PATH": str(sqlite_path),
            "SMA_ALLOWED_SERVICE_HOSTS": "127.0.0.1",
            "SMA_TEAMS_SERVICE_URL": "",
            # The killed process's claims on messages it was sending are taken over by the
            # restarted one once they run out: the shortest lease keeps the wait short.
            "SMA_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "PORT": str(self.port),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own app, fixed arguments
            [sys.executable, str(REPO / "app.py")],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        self._spawn()
        deadline = time.monotonic() + 60  # generous: starting on a busy machine
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                try:
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        raise AssertionError("the bot did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
async def bot_process(tmp_path: Path, connector: ConnectorStandIn) -> AsyncIterator[BotProcess]:
    bot = BotProcess(tmp_path / "sma.sqlite3", connector.url)
    await bot.start()
    yield bot
    bot.stop()


async def send_a_referral(user: TeamsUser) -> str | None:
    """The shortest intake; the reference from the receipt, or None if it never came."""
    try:
        await user.say("hi")
        await user.click("Start a referral")
        for _ in range(6):
            await user.click("Skip this step")
        receipt = await user.click("Send my referral", consent="true")
    except (aiohttp.ClientError, AssertionError, ValueError):
        return None  # the bot went away mid-way: not acknowledged
    words = " ".join(card_texts(receipt))
    found = [w for w in words.split() if w.startswith("SMA-")]
    return found[0].rstrip(".") if found else None


async def test_after_a_kill_and_restart_every_acknowledged_referral_is_there_once_and_sent_once(
    bot_process: BotProcess, connector: ConnectorStandIn, tmp_path: Path
) -> None:
    acknowledged: list[str] = []
    async with aiohttp.ClientSession() as http:
        smlo = TeamsUser("Sky Liaison", SMLO_ID, bot_process.url, connector, http)
        assert await smlo.say("hi") == 201
        users = [
            TeamsUser(
                f"Referrer {n}",
                f"00000000-0000-4000-8000-{n:012d}",
                bot_process.url,
                connector,
                http,
            )
            for n in range(REFERRERS)
        ]

        async def one(user: TeamsUser) -> None:
            reference = await send_a_referral(user)
            if reference:
                acknowledged.append(reference)
            if (
                len(acknowledged) >= KILL_AFTER
                and bot_process.process
                and (bot_process.process.poll() is None)
            ):
                bot_process.kill()

        await asyncio.gather(*(one(user) for user in users[: REFERRERS // 2]))
        if bot_process.process is not None and bot_process.process.poll() is None:
            bot_process.kill()  # fewer receipts than expected came back: kill it now anyway
        await bot_process.start()
        for user in users[REFERRERS // 2 :]:
            await one_more(user, acknowledged)
        await smlo.say("hi")  # nudges delivery of anything still waiting

        def every_card_arrived() -> bool:
            shown = " ".join(smlo.texts())
            return all(f"Referral {ref}" in shown for ref in acknowledged)

        # The killed process's claims run out first, then delivery is paced (at most 5 a
        # second to one person): generous beyond both, since it ends on the arrivals.
        wait = LEASE_SECONDS + REFERRERS / 4 + 30
        await connector.wait_until(every_card_arrived, within=wait)
        await asyncio.sleep(1.0)  # anything sent twice would have landed by now

    cards = Counter(
        text.removeprefix("Referral ") for text in smlo.texts() if text.startswith("Referral SMA-")
    )
    assert len(acknowledged) >= KILL_AFTER
    assert all(cards[ref] >= 1 for ref in acknowledged), f"a card never arrived: {cards}"
    # A kill can land between Teams taking a post and the bot writing down that it did
    # (Teams has no way to ask whether a post arrived): that one message is posted again.
    # The SMLO's messages go out one at a time, so at most one can be caught so.
    twice = [ref for ref in acknowledged if cards[ref] > 1]
    assert len(twice) <= 1, f"sent more than once: {cards}"
    assert all(cards[ref] <= 2 for ref in acknowledged), f"sent more than twice: {cards}"
    stores = await SqliteStores.open(tmp_path / "sma.sqlite3", FieldCipher(development_key_ring()))
    try:
        stored = await stores.stores.referrals.list_in_states({ReferralState.SUBMITTED})
    finally:
        await stores.close()
    references = Counter(r.reference for r in stored)
    assert all(references[ref] == 1 for ref in acknowledged), "each once in the store"


async def one_more(user: TeamsUser, acknowledged: list[str]) -> None:
    reference = await send_a_referral(user)
    assert reference, "after the restart every referral is acknowledged"
    acknowledged.append(reference)
