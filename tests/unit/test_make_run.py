"""`make run` starts everyone's Playground unless WHO= names one person."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_command(*variables: str) -> str:
    """The command `make run` would start (dry run: nothing is executed)."""
    shown = subprocess.run(  # noqa: S603 - a fixed command of our own
        ["make", "-n", "-W", "requirements.txt", "run", *variables],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(line for line in shown.splitlines() if "devtools.run" in line)


def test_plain_make_run_starts_everyone() -> None:
    assert run_command().rstrip().endswith("-m devtools.run")


def test_make_run_who_starts_only_that_person() -> None:
    assert run_command("WHO=smlo").rstrip().endswith("-m devtools.run --as smlo")
