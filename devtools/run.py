"""`make run`: the bot on SQLite in development mode, plus one Agents Playground per person.

Open a person's URL in your browser to be that person; open another to switch. Everyone's
chat is live at once, so a referral made as the referrer arrives in the SMLO's tab.
`make run WHO=smlo` starts only that person's Playground. Ctrl+C stops everything.
`python -m devtools.run --two-instances` runs the bot as production does: a web process
on 3978 that wakes a worker on 3979, on the same SQLite file (README, "Two instances").
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from devtools.demo import BY_KEY, bot_environment, demo_advocates
from devtools.playground import REPO, Playground
from devtools.seed import seed_now, service_start

BOT_PORT = 3978
WORKER_PORT = 3979
FIRST_PLAYGROUND_PORT = 56150
EVERYONE = ("referrer", "smlo", "advocate", "advocate2")


def _wait_for_bot(
    process: subprocess.Popen[bytes], port: int = BOT_PORT, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("The bot stopped while starting: see the messages above.")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("The bot did not start within 30 s.")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as", dest="who", choices=sorted(BY_KEY), help="only this person")
    parser.add_argument(
        "--two-instances", action="store_true", help=f"a worker on {WORKER_PORT} as well"
    )
    arguments = parser.parse_args()
    who = arguments.who
    people = [who] if who else list(EVERYONE)
    store = REPO / "var" / "dev.sqlite3"
    seeded = seed_now(store, demo_advocates())
    if seeded:
        print(f"Seeded the demo store with {seeded} made-up referrals (DEMO DATA).")
    env = dict(os.environ, **bot_environment(str(store)))
    env.setdefault("SMA_SERVICE_START", service_start(datetime.now(UTC)))
    with ExitStack() as stack:
        if arguments.two_instances:
            env.update(_two_instances())
            worker = _start(dict(env, SMA_ROLE="worker"), WORKER_PORT)
            stack.callback(_stop, worker)
            _wait_for_bot(worker, WORKER_PORT)
            print(f"The worker delivers from http://127.0.0.1:{WORKER_PORT} (SMA_ROLE=worker).")
        bot = _start(env, BOT_PORT)
        stack.callback(_stop, bot)
        _wait_for_bot(bot)
        endpoint = f"http://127.0.0.1:{BOT_PORT}/api/messages"
        print("\nSMA Referral Bot is running (INSECURE DEVELOPMENT MODE, this machine only).\n")
        for offset, key in enumerate(people):
            persona = BY_KEY[key]
            workdir = Path(REPO / "var" / "playground" / key)
            playground = stack.enter_context(
                Playground(persona, FIRST_PLAYGROUND_PORT + offset, endpoint, workdir)
            )
            print(f"  {persona.name:<12} ({persona.role:<8}) {playground.url}")
        print("\nOpen a URL to be that person. Ctrl+C stops everything.")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            bot.wait()
        except KeyboardInterrupt:
            print("\nStopping.")


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(REPO / "app.py")]
    return subprocess.Popen(command, cwd=REPO, env=dict(env, PORT=str(port)))  # noqa: S603


def _two_instances() -> dict[str, str]:
    """The web role's settings; the worker takes the same with SMA_ROLE=worker."""
    return {
        "SMA_ROLE": "web",
        "SMA_WORKER_URL": f"http://127.0.0.1:{WORKER_PORT}",
        "SMA_WAKE_KEY": secrets.token_urlsafe(32),
    }


if __name__ == "__main__":
    main()
