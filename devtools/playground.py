"""Start and stop Microsoft 365 Agents Playground instances, one per demo person.

Each instance gets its own working folder, config file (its `currentUser`), log file and
port, and listens on 127.0.0.1 only (a preload fixes the Playground's all-interfaces
listen). Its mock Bot Connector is at `service_url`: the bot replies there, so each person
sees only what is sent to their own chat.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from devtools.demo import Persona, playground_config

REPO = Path(__file__).resolve().parent.parent
CLI = REPO / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PRELOAD = Path(__file__).resolve().parent / "listen_localhost.js"
_LISTENING = re.compile(r"Listening on (\d+)")


class PlaygroundError(RuntimeError):
    pass


@dataclass
class Playground:
    persona: Persona
    port: int
    bot_endpoint: str
    workdir: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/_connector"

    def start(self, timeout: float = 30.0) -> Playground:
        if not CLI.is_file():
            raise PlaygroundError("The Agents Playground is not installed: run `npm ci` first.")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / ".m365agentsplayground.yml"
        config.write_text(playground_config(self.persona), encoding="utf-8")
        stdout = self.workdir / "stdout.txt"
        env = dict(
            os.environ,
            M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(config),
            M365_AGENTS_PLAYGROUND_LOGFILE=str(self.workdir / "playground.log"),
            TEAMSAPPTESTER_BROWSER="none",
            NODE_OPTIONS=f"--require {PRELOAD}",
        )
        command = [
            "node",
            str(CLI),
            "-p",
            str(self.port),
            "-e",
            self.bot_endpoint,
            "-c",
            "msteams",
            "--su",
            self.service_url,
            "--dt",
        ]
        with stdout.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command of our own
                command,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_listening(stdout, timeout)
        return self

    def _wait_until_listening(self, stdout: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.search(stdout.read_text(errors="replace"))
            if found:
                if int(found.group(1)) != self.port:  # it quietly moves when the port is busy
                    self.stop()
                    raise PlaygroundError(f"port {self.port} is in use; stop what holds it")
                return
            if self.process is not None and self.process.poll() is not None:
                raise PlaygroundError(f"the Playground stopped: see {stdout}")
            time.sleep(0.05)
        self.stop()
        raise PlaygroundError(f"the Playground did not start within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
