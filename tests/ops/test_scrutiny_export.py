"""`python -m ops.scrutiny_export` against a real SQLite store: the demo service's two
years of history and closed cases with a canary in every name, contact detail and text
(some purged). The file, read back with openpyxl, holds no canary, no reference, no demo
person, and every row shared by at least five cases; the command prints counts only."""

from __future__ import annotations

import asyncio
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from devtools.seed import history
from exports.scrutiny import CASES, HOW
from ops.scrutiny_export import main as scrutiny_export_main
from referrals.anonymity import K
from referrals.people import Advocate
from referrals.referral import Referral
from referrals.scrutiny_words import HEADINGS
from storage.sqlite import SqliteStores
from tests.ops.test_recount import ENVIRONMENT
from tests.storage.conftest import CIPHER
from tests.unit.scrutiny_builders import AFTER, CANARY, PERIOD, Case, closed_case

# The demo history's reviews run June to November and December to May from 2024-06.
ENV = ENVIRONMENT | {"SMA_SERVICE_START": "2024-06"}
NEVER_SHOWN = (CANARY, "SMA-", "DEMO", "Demo person", "Demo advocate")


def canary_cases() -> list[Referral]:
    """Thirty closed cases in the review, every fifth one purged."""
    made = []
    for n in range(30):
        case = Case(month=n % 6, signposted=n % 7 == 0, onward=(n % 2 == 0,) * (n % 3))
        referral = closed_case(case, 1000 + n)
        if n % 5 == 0:
            referral.purge(AFTER)
        made.append(referral)
    return made


def fill(path: Path) -> None:
    advocates = [Advocate(f"demo-advocate-{n}", f"Demo advocate {n}") for n in range(4)]

    async def saved() -> None:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            for referral in [*history(AFTER, advocates), *canary_cases()]:
                referral.new_notifications.clear()
                await sqlite.stores.referrals.save(referral)

    asyncio.run(saved())


def test_the_written_file_holds_no_canary_and_every_row_is_one_of_five(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "referrals.db", tmp_path / "scrutiny.xlsx"
    fill(path)

    argv = ["--sqlite", str(path), "--out", str(out), "--review", PERIOD.first]
    assert scrutiny_export_main(argv, ENV) == 0

    printed = capsys.readouterr().out
    workbook = load_workbook(out, read_only=True)
    sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}
    heading, *rows = sheets[CASES]
    assert heading == tuple(HEADINGS.values())
    assert len(rows) > 30, "the demo review's cases and the canary ones"
    assert all(n >= K for n in Counter(rows).values())
    cells = " ".join(str(v) for sheet in sheets.values() for row in sheet for v in row)
    with zipfile.ZipFile(out) as packed:  # the XML itself, not only what openpyxl reads
        raw = b"".join(packed.read(name) for name in packed.namelist())
    for secret in NEVER_SHOWN:
        assert secret not in cells
        assert secret.encode() not in raw
    assert HOW in sheets
    assert "from December 2025 to May 2026" in printed
    assert f"rows written: {len(rows)}" in printed
    assert CANARY not in printed
    assert "DEMO" not in printed


def test_the_command_refuses_a_running_review_a_missing_file_and_no_keys(
    tmp_path: Path,
) -> None:
    path, out = tmp_path / "referrals.db", tmp_path / "scrutiny.xlsx"
    fill(path)

    running = ["--sqlite", str(path), "--out", str(out), "--review", "2999-06"]
    missing = ["--sqlite", str(tmp_path / "no.db"), "--out", str(out)]
    assert scrutiny_export_main(running, ENV) == 2
    assert scrutiny_export_main(missing, ENV) == 2
    assert scrutiny_export_main(["--sqlite", str(path), "--out", str(out)], {}) == 2
    assert not out.exists()
    assert scrutiny_export_main(["--sqlite", str(path), "--out", str(out)], ENV) == 0
    assert load_workbook(out, read_only=True).sheetnames == [CASES, HOW]
