"""A real Cosmos DB-protocol server on loopback for the storage tests.

`@vercel/cosmosdb-server` (npm, a dev dependency) runs in-memory over HTTPS with its
bundled self-signed certificate, so clients connect with TLS verification off, which
`CosmosSettings` allows for loopback endpoints only. It is started through
`cosmos_server.js`, which corrects one wrong status code (see there). Port 0 lets the
server pick a free port and print it, so two test runs never collide.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, Any
from uuid import uuid4

from storage.cosmos import CosmosSettings

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).with_name("cosmos_server.js")
# Any key works with this server; this is the public Cosmos DB emulator key, no secret.
EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
READY = re.compile(r"Ready to accept HTTPS connections at 127\.0\.0\.1:(\d+)")
START_TIMEOUT_S = 20.0


class CosmosTestServer:
    """One server process; `start()` it, hand out `settings()`, `stop()` it at the end."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    def start(self) -> CosmosTestServer:
        if not (ROOT / "node_modules" / "@vercel" / "cosmosdb-server").is_dir():
            raise RuntimeError("@vercel/cosmosdb-server is not installed: run `make setup`")
        self._process = subprocess.Popen(  # noqa: S603  # fixed arguments, no shell
            ["node", str(LAUNCHER), "--host", "127.0.0.1", "-p", "0"],  # noqa: S607
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.port = _wait_for_port(self._process, START_TIMEOUT_S)
        # Keep reading what it prints, so a full pipe can never stall the server.
        threading.Thread(target=_drain, args=(self._process.stdout,), daemon=True).start()
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def settings(self, database: str | None = None, **overrides: Any) -> CosmosSettings:
        """Settings for a fresh database of its own (isolation between tests)."""
        settings = CosmosSettings(
            endpoint=self.endpoint,
            key=EMULATOR_KEY,
            database=database or f"test-{uuid4().hex}",
            verify_tls=False,  # the server's bundled self-signed certificate
        )
        return replace(settings, **overrides)


def _wait_for_port(process: subprocess.Popen[str], timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    stdout: IO[str] | None = process.stdout
    assert stdout is not None
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = stdout.readline()
        if not line:
            break  # the process ended
        seen.append(line)
        found = READY.search(line)
        if found:
            return int(found.group(1))
    process.kill()
    process.wait(timeout=5)
    raise RuntimeError("the Cosmos DB test server did not start: " + "".join(seen)[-500:])


def _drain(stream: IO[str] | None) -> None:
    if stream is not None:
        with stream:
            for _ in stream:
                pass
