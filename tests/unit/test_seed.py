"""The demo history `make run` seeds: through the real domain, clearly demo data, once,
telling nobody anything, and enough that the latest six-month review shows figures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from devtools.demo import demo_advocates
from devtools.seed import DEMO_TEXT, seed, service_start
from referrals.periods import offered_periods
from referrals.states import ReferralState
from referrals.statistics import Measure, Result
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def test_the_demo_history_is_seeded_once_and_the_latest_review_has_figures(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dev.sqlite3"

    written = await seed(path, NOW, demo_advocates())
    again = await seed(path, NOW, demo_advocates())

    assert written > 100
    assert again == 0, "seeded once: the store already holds its history"
    async with await SqliteStores.open(path, FieldCipher(development_key_ring())) as sqlite:
        stores = sqlite.stores
        assert await stores.outbox.pending() == [], "demo history tells nobody anything"
        ended = await stores.referrals.list_in_states(list(ReferralState))
        assert all(r.reference.startswith("DEMO-") for r in ended)
        assert all(r.answers.account in (DEMO_TEXT, "") for r in ended)
        latest = offered_periods(NOW, service_start(NOW))[0]
        tallies = await stores.referrals.statistics(latest.months)
    received = sum(t.get((Measure.RECEIVED, ""), 0) for t in tallies.values())
    closed = sum(t.get((Measure.RESULT, Result.CLOSED), 0) for t in tallies.values())
    assert received >= 20
    assert closed >= 5


def test_the_demo_service_started_two_years_ago() -> None:
    assert service_start(NOW) == "2024-12"
