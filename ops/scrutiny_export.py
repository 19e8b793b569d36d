"""Write the scrutiny panel's spreadsheet of closed cases for an ended six-month review.

    python -m ops.scrutiny_export --sqlite var/sma.sqlite3 --out scrutiny.xlsx
    python -m ops.scrutiny_export --cosmos --out scrutiny.xlsx --review 2025-12

One row per case closed in the review, in categories only, generalised until every row is
shared by at least five cases (docs/scrutiny.md); the same file the SMLO is given in
Teams. `--review` names a review by its first month; without it, the latest that has
ended. Reviews follow `SMA_SERVICE_START` as the bot's do; one still running, or from
before the start, is refused.

The data keys and, for `--cosmos`, the connection come from the environment, as for
`ops.recount`. It prints the review, how many rows were written and whether any case was
left out (a number only from 5 up); never a row. An existing file at `--out` is replaced.
Exit codes: 0 written, 2 refused.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from exports.scrutiny import scrutiny_workbook
from ops.environment import cosmos_settings, store_parser
from referrals.clock import SystemClock
from referrals.periods import DEFAULT_SERVICE_START, Period, offered_periods
from referrals.ports import ReferralStore
from referrals.scrutiny import ScrutinyExport, month_name, scrutiny_export
from referrals.states import ReferralState
from storage.cosmos import CosmosStores
from storage.crypto import FieldCipher
from storage.keys import KeyConfigError, load_key_ring
from storage.sqlite import SqliteStores


def chosen_review(review: str | None, env: Mapping[str, str], now: datetime) -> Period:
    """The review asked for, or the latest ended; ValueError if it is not on offer."""
    start = env.get("SMA_SERVICE_START", "").strip() or DEFAULT_SERVICE_START
    offered = offered_periods(now, start)
    if review is None:
        if not offered:
            raise ValueError(f"no six-month review from {start} has ended yet")
        return offered[0]
    if Period(review) not in offered:
        firsts = ", ".join(p.first for p in offered) or "none yet"
        raise ValueError(f"{review} is not an ended review (ended reviews start: {firsts})")
    return Period(review)


async def export_from(store: ReferralStore, period: Period) -> ScrutinyExport:
    return scrutiny_export(await store.list_in_states({ReferralState.CLOSED}), period)


async def run(
    sqlite: Path | None, out: Path, review: str | None, env: Mapping[str, str], now: datetime
) -> int:
    try:
        period = chosen_review(review, env, now)
        cipher = FieldCipher(load_key_ring(env))
        settings = None if sqlite else cosmos_settings(env)
    except (KeyConfigError, ValueError) as problem:
        sys.stderr.write(f"refused: {problem}\n")
        return 2
    if settings is not None:
        async with await CosmosStores.open(settings, cipher) as cosmos:
            export = await export_from(cosmos.stores.referrals, period)
    else:
        assert sqlite is not None
        if not await asyncio.to_thread(sqlite.is_file):
            sys.stderr.write(f"refused: no SQLite file at {sqlite}\n")
            return 2
        async with await SqliteStores.open(sqlite, cipher) as opened:
            export = await export_from(opened.stores.referrals, period)
    await asyncio.to_thread(out.write_bytes, scrutiny_workbook(export))
    months = f"{month_name(period.months[0])} to {month_name(period.months[-1])}"
    left_out = {None: "some, fewer than 5", 0: "none"}.get(export.withheld, str(export.withheld))
    sys.stdout.write(f"scrutiny export for the cases closed from {months}\n")
    sys.stdout.write(f"rows written: {len(export.rows)}; cases left out: {left_out}\n")
    sys.stdout.write(f"written to {out}\n")
    return 0


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    parser = store_parser("python -m ops.scrutiny_export", __doc__)
    parser.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    parser.add_argument("--review", help="the review's first month, like 2025-12")
    arguments = parser.parse_args(argv)
    environment = os.environ if env is None else env
    now = SystemClock().now()
    return asyncio.run(run(arguments.sqlite, arguments.out, arguments.review, environment, now))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
