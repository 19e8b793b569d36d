"""`python -m ops.figures_file`: the SMLO's figures file written from a real store, the
same file the SMLO gets in Teams, audited, printing no figure."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from exports.figures import FIGURES_SHEET, MONTHS_SHEET
from ops import figures_file
from ops.figures_file import main as figures_file_main
from referrals.audit import STATISTICS, ActorRole, AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.referral_base import SYSTEM
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from tests.ops.test_recount import ENVIRONMENT
from tests.storage.conftest import CIPHER, FULL_ANSWERS, Scenario, a_few_referrals

JULY_2026 = FakeClock(datetime(2026, 7, 1, tzinfo=UTC))  # December to May has ended
FREE_TEXT = (FULL_ANSWERS.account, FULL_ANSWERS.avoid, FULL_ANSWERS.behalf_name)


def a_store(path: Path) -> None:
    async def fill() -> None:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            await a_few_referrals(Scenario(sqlite.stores, FakeClock()))  # March 2026

    asyncio.run(fill())


def test_the_command_writes_the_figures_file_of_the_review_from_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "sma.sqlite3", tmp_path / "figures.xlsx"
    a_store(path)

    code = asyncio.run(figures_file.run(path, "window-2025-12", out, ENVIRONMENT, JULY_2026))

    assert code == 0
    assert capsys.readouterr().out == (
        f"the figures for 2025-12 to 2026-05 are written to {out}\n"
    ), "the period and the place; never a figure"
    data = out.read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [FIGURES_SHEET, MONTHS_SHEET]
    months = {row[0]: row[1] for row in book[MONTHS_SHEET].iter_rows(values_only=True)}
    assert months["March 2026"] == "hidden", "2 referrals: every month hidden"
    assert months["In total"] == "fewer than 5"
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        written = "".join(parts.read(name).decode("utf-8") for name in parts.namelist())
    for words in (*FREE_TEXT, "SMA-2026"):
        assert str(words) not in written
    latest = tmp_path / "latest.xlsx"
    assert asyncio.run(figures_file.run(path, None, latest, ENVIRONMENT, JULY_2026)) == 0
    assert latest.read_bytes() == data, "the latest ended review, byte for byte the same"

    async def trail() -> list[tuple[str, ActorRole, AuditAction, Outcome]]:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            entries = await SqliteAuditLog(sqlite.database).for_referral(STATISTICS)
        return [(e.actor_id, e.actor_role, e.action, e.outcome) for e in entries]

    export = (SYSTEM, ActorRole.SYSTEM, AuditAction.EXPORT_STATISTICS, Outcome.ALLOWED)
    assert asyncio.run(trail()) == [export, export]


@pytest.mark.parametrize(
    ("period", "problem"),
    [
        ("window-2026-06", "not a review, quarter or year that has ended"),
        ("year-2026", "name a review as the figures card does"),
    ],
)
def test_a_period_not_on_offer_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], period: str, problem: str
) -> None:
    path, out = tmp_path / "sma.sqlite3", tmp_path / "figures.xlsx"
    a_store(path)

    assert asyncio.run(figures_file.run(path, period, out, ENVIRONMENT, JULY_2026)) == 2
    assert problem in capsys.readouterr().err
    assert not out.exists()


def test_the_command_refuses_a_missing_store_folder_or_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "sma.sqlite3", tmp_path / "figures.xlsx"
    assert figures_file_main(["--sqlite", str(path), "--out", str(out)], ENVIRONMENT) == 2
    assert "no SQLite file" in capsys.readouterr().err
    a_store(path)
    elsewhere = str(tmp_path / "missing" / "f.xlsx")
    assert figures_file_main(["--sqlite", str(path), "--out", elsewhere], ENVIRONMENT) == 2
    assert figures_file_main(["--sqlite", str(path), "--out", str(out)], {}) == 2
    assert not out.exists()
