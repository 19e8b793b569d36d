"""App instances as App Service runs them: each `python app.py` in a process of its own,
configured only by its environment, all on one store.

Each writes its log to a file beside the store (ids and event names only, as the app
logs), which a failing test names so the instance's side can be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

import aiohttp

from storage.cosmos import CosmosSettings
from tests.storage.cosmos_server import EMULATOR_KEY
from tests.support.teams import TENANT

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0  # three interpreters importing botbuilder on two busy cores
STOP_SECONDS = 15.0
# What the instances are told; the test process's own SMA_* and Bot Framework settings
# (or a developer's) never leak into them.
OURS = ("SMA_", "Microsoft", "PORT", "APPLICATIONINSIGHTS_")


class AppInstance:
    """One `python app.py`; `start()`, `kill()` (SIGKILL, no goodbye) or `stop()`."""

    def __init__(self, number: int, env: Mapping[str, str], log_path: Path) -> None:
        self.number = number
        self.port = _free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid if self.process is not None else 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(REPO / "app.py"),
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )
        async with aiohttp.ClientSession() as http:
            try:
                async with asyncio.timeout(START_SECONDS):
                    await self._until_healthy(http)
            except TimeoutError:
                message = f"instance {self.number} did not start: see {self.log_path}"
                raise AssertionError(message) from None

    async def _until_healthy(self, http: aiohttp.ClientSession) -> None:
        """Ask /healthz until it answers (the port opens when start-up is done)."""
        while True:
            if not self.running:
                message = f"instance {self.number} exited at start: see {self.log_path}"
                raise AssertionError(message)
            try:
                async with http.get(f"{self.url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)

    async def kill(self) -> None:
        """SIGKILL: no shutdown runs, whatever it was doing stops where it was."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
        await self._reap()

    async def stop(self) -> None:
        """SIGTERM and wait (the app's clean shutdown); SIGKILL if it does not end."""
        if self.running:
            assert self.process is not None
            self.process.terminate()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_SECONDS):
                    await self.process.wait()
            if self.running:
                self.process.kill()
        await self._reap()

    async def _reap(self) -> None:
        if self.process is not None:
            async with asyncio.timeout(STOP_SECONDS):
                await self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def instance_env(
    smlo_ids: Sequence[str], advocates: Sequence[tuple[str, str]], store: Mapping[str, str]
) -> dict[str, str]:
    """The settings every instance shares: development mode on loopback, the people, one
    store (`sqlite_store` or `cosmos_store`), and the role that does everything."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    seeded = [{"id": aad, "name": name, "team": "Response East"} for aad, name in advocates]
    return {
        **inherited,
        "SMA_INSECURE_DEVELOPMENT_MODE": "true",
        "SMA_ROLE": "all",
        "MicrosoftAppTenantId": TENANT,
        "SMA_SMLO_IDS": ",".join(smlo_ids),
        "SMA_SEED_ADVOCATES": json.dumps(seeded),
        "SMA_CASELOAD_LIMIT": "10",
        "SMA_ALLOWED_SERVICE_HOSTS": "127.0.0.1",  # the Bot Connector stand-in
        "SMA_TEAMS_SERVICE_URL": "",  # everyone says hi first: no chat is opened unasked
        # Nothing arrives on its own in the run: no check-ins, no weekly digest.
        "SMA_CHECKIN_DAY": "0",
        "SMA_DIGEST_DAY": "off",
        # The killed instance's claims are taken over well within the test's waits.
        "SMA_OUTBOX_LEASE_SECONDS": "15",
        **store,
    }


def sqlite_store(path: Path) -> dict[str, str]:
    return {"SMA_STORE": "sqlite", "SMA_SQLITE_PATH": str(path)}


def cosmos_store(settings: CosmosSettings) -> dict[str, str]:
    return {
        "SMA_STORE": "cosmos",
        "SMA_COSMOS_ENDPOINT": settings.endpoint,
        "SMA_COSMOS_KEY": EMULATOR_KEY,
        "SMA_COSMOS_DATABASE": settings.database,
        "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY": "true",  # the loopback server's certificate
    }


@asynccontextmanager
async def running(
    count: int, env: Mapping[str, str], folder: Path
) -> AsyncIterator[list[AppInstance]]:
    """`count` instances on one store, all stopped at the end whatever happened. The
    first starts alone (it makes the schema or the containers), then the rest together."""
    instances = [AppInstance(n, env, folder / f"instance-{n}.log") for n in range(1, count + 1)]
    try:
        await instances[0].start()
        await asyncio.gather(*(i.start() for i in instances[1:]))
        yield instances
    finally:
        await asyncio.gather(*(i.stop() for i in instances), return_exceptions=True)
