"""Rebuild the anonymous statistics from the referrals themselves.

    python -m ops.recount --sqlite var/sma.sqlite3
    python -m ops.recount --cosmos

Every store keeps the figures up to date as referrals change (see
`referrals/statistics.py`); this works them out again from every referral document and
puts right anything that differs: SQLite's month records are rebuilt in one transaction
(the bot's writes wait for it), and Cosmos DB documents whose embedded contribution is
missing or wrong are rewritten (their version and write time stay as they were). Safe to
run while the bot runs, and any number of times.

The data keys (`SMA_DATA_KEYS`, `SMA_DATA_KEY_ID`) and, for `--cosmos`, the connection
(`SMA_COSMOS_ENDPOINT`, `SMA_COSMOS_DATABASE`, `SMA_COSMOS_KEY` or Entra ID …) come from
the environment, as for the bot. It prints how many months it counted and whether the
kept figures matched; never a figure. Exit codes: 0 they matched, 1 they differed and
are now put right, 2 refused.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from ops.environment import cosmos_settings, store_parser
from referrals.clock import SystemClock
from referrals.ports import ReferralStore
from referrals.statistics import MonthTallies, last_months
from storage.cosmos import CosmosStores
from storage.crypto import FieldCipher
from storage.keys import KeyConfigError, load_key_ring
from storage.sqlite import SqliteStores

# Compared before and after: further back than any referral this service will hold.
COMPARED_MONTHS = 12 * 50


@runtime_checkable
class Recountable(Protocol):
    async def recount_statistics(self) -> MonthTallies:
        """Work every month out again from the referrals, put the kept figures right,
        and return them."""


async def recount(store: ReferralStore) -> tuple[int, bool]:
    """(months counted, whether the kept figures already matched the recount)."""
    if not isinstance(store, Recountable):
        raise TypeError(f"{type(store).__name__} cannot recount its statistics")
    months = last_months(SystemClock().now(), COMPARED_MONTHS)
    before = await store.statistics(months)
    after = await store.recount_statistics()
    return len(after), before == {m: t for m, t in after.items() if m in set(months)}


async def run(sqlite: Path | None, env: Mapping[str, str]) -> int:
    """Recount SQLite's statistics (`sqlite` given) or Cosmos DB's; the exit code."""
    try:
        cipher = FieldCipher(load_key_ring(env))
        settings = None if sqlite else cosmos_settings(env)
    except (KeyConfigError, ValueError) as problem:
        sys.stderr.write(f"refused: {problem}\n")
        return 2
    if settings is not None:
        async with await CosmosStores.open(settings, cipher) as cosmos:
            months, matched = await recount(cosmos.stores.referrals)
    else:
        assert sqlite is not None
        if not await asyncio.to_thread(sqlite.is_file):
            sys.stderr.write(f"refused: no SQLite file at {sqlite}\n")
            return 2
        async with await SqliteStores.open(sqlite, cipher) as opened:
            months, matched = await recount(opened.stores.referrals)
    sys.stdout.write(f"statistics recounted from the referrals: {months} months\n")
    if matched:
        sys.stdout.write("the kept figures matched the recount\n")
        return 0
    sys.stdout.write("the kept figures differed from the recount and are now put right\n")
    return 1


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    parser = store_parser("python -m ops.recount", __doc__)
    arguments = parser.parse_args(argv)
    return asyncio.run(run(arguments.sqlite, os.environ if env is None else env))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
