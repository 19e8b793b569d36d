"""`python -m ops.recount`: the statistics worked out again from the referrals, on SQLite
and on Cosmos DB, printing no figure."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path

import pytest

from ops import recount
from ops.recount import main as recount_main
from referrals import statistics
from referrals.clock import FakeClock
from referrals.referral import Referral
from storage.cosmos import CosmosStores
from storage.sqlite import SqliteStores
from tests.storage.conftest import CIPHER, Scenario, a_few_referrals, every_month
from tests.storage.cosmos_server import EMULATOR_KEY, CosmosTestServer

ENVIRONMENT = {
    "SMA_DATA_KEYS": "test:" + base64.b64encode(hashlib.sha256(b"test key test").digest()).decode(),
    "SMA_DATA_KEY_ID": "test",
}


def test_the_recount_command_puts_drifted_figures_right_and_prints_no_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "referrals.db"

    async def fill_then_drift() -> list[Referral]:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            written = await a_few_referrals(Scenario(sqlite.stores, FakeClock()))
            async with sqlite.database.transaction() as connection:
                await connection.execute("DELETE FROM statistics_months")
        return written

    written = asyncio.run(fill_then_drift())

    assert recount_main(["--sqlite", str(path)], ENVIRONMENT) == 1
    assert "differed from the recount and are now put right" in capsys.readouterr().out
    assert recount_main(["--sqlite", str(path)], ENVIRONMENT) == 0
    printed = capsys.readouterr().out
    assert "statistics recounted from the referrals: 1 months" in printed
    assert "the kept figures matched the recount" in printed
    assert recount_main(["--sqlite", str(tmp_path / "missing.db")], ENVIRONMENT) == 2

    async def figures() -> statistics.MonthTallies:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            return await sqlite.stores.referrals.statistics(every_month(written))

    assert asyncio.run(figures()) == statistics.recount(written)


async def test_the_recount_command_runs_against_cosmos(
    cosmos_server: CosmosTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    env = ENVIRONMENT | {
        "SMA_COSMOS_ENDPOINT": cosmos_server.endpoint,
        "SMA_COSMOS_DATABASE": "recounted",
        "SMA_COSMOS_KEY": EMULATOR_KEY,
        "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY": "true",
    }
    async with await CosmosStores.open(cosmos_server.settings("recounted"), CIPHER) as cosmos:
        await a_few_referrals(Scenario(cosmos.stores, FakeClock()))

    assert await recount.run(None, env) == 0
    assert "the kept figures matched the recount" in capsys.readouterr().out
    assert await recount.run(None, {}) == 2, "no keys: refused"
