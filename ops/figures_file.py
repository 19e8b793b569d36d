"""Write the SMLO's figures for an ended six-month review as a spreadsheet: the same file
the SMLO can ask for in Teams (`stats file`; exports/figures.py).

    python -m ops.figures_file --sqlite var/sma.sqlite3 --out figures.xlsx
    python -m ops.figures_file --cosmos --period window-2025-12 --out figures.xlsx

The latest review that has ended, or `--period`, one on offer named as the figures card
names it (`window-` and its first month). Reviews are aligned to `SMA_SERVICE_START`
(default 2025-06), as for the bot. The figures come through the SMLO's own use case, every
small number suppressed, and the run is written to the audit trail as the system saving
the figures. The data keys and, for `--cosmos`, the connection come from the environment,
as for `ops.recount`. It prints the period and where the file went; never a figure. Exit
codes: 0 written, 2 refused (nothing written).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from exports.figures import figures_file
from ops.environment import cosmos_settings, store_parser
from referrals import errors
from referrals.audit import AuditLog
from referrals.clock import SystemClock
from referrals.people import Actor
from referrals.periods import DEFAULT_SERVICE_START, Period, month_index, parse_period_id
from referrals.ports import Clock, Stores
from referrals.referral_base import SYSTEM
from referrals.services.administration import Administration
from referrals.services.steps import Steps
from solving.highs import HighsSolver
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.crypto import FieldCipher
from storage.keys import KeyConfigError, load_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog

# Whoever runs this holds the data keys and could read every figure anyway: they act as
# an SMLO would, recorded in the trail as the system.
OPERATOR = Actor(SYSTEM, is_smlo=True)


class Refused(Exception):
    """Why nothing was written, in words safe to print."""


async def write_figures(
    stores: Stores, audit: AuditLog, start: str, period: Period | None, out: Path, clock: Clock
) -> tuple[str, ...]:
    """Write the figures file of `period` (or the latest ended review) to `out`; its months."""
    steps = Steps(stores, clock, frozenset(), audit)
    try:
        figures = await Administration(
            steps, service_start=start, solver=HighsSolver()
        ).export_statistics(OPERATOR, period)
    except errors.PeriodNotOffered:
        raise Refused("that is not a review, quarter or year that has ended") from None
    if figures.report is None:
        raise Refused("no six-month review has ended yet")
    await asyncio.to_thread(out.write_bytes, figures_file(figures.report))
    return figures.report.months


async def run(
    sqlite: Path | None,
    period_id: str | None,
    out: Path,
    env: Mapping[str, str],
    clock: Clock | None = None,
) -> int:
    """Write the file from SQLite (`sqlite` given) or Cosmos DB; the exit code."""
    try:
        start = env.get("SMA_SERVICE_START", "").strip() or DEFAULT_SERVICE_START
        month_index(start)
        period = parse_period_id(period_id) if period_id is not None else None
        if period_id is not None and period is None:
            raise Refused(f"name a review as the figures card does, like window-{start}")
        if not await asyncio.to_thread(out.parent.is_dir):
            raise Refused(f"no folder {out.parent} to write into")
        cipher = FieldCipher(load_key_ring(env))
        settings = None if sqlite else cosmos_settings(env)
        if sqlite is not None and not await asyncio.to_thread(sqlite.is_file):
            raise Refused(f"no SQLite file at {sqlite}")
        clock = clock or SystemClock()
        if settings is not None:
            async with await CosmosStores.open(settings, cipher) as cosmos:
                audit: AuditLog = CosmosAuditLog(cosmos.database)
                months = await write_figures(cosmos.stores, audit, start, period, out, clock)
        else:
            assert sqlite is not None
            async with await SqliteStores.open(sqlite, cipher) as opened:
                audit = SqliteAuditLog(opened.database)
                months = await write_figures(opened.stores, audit, start, period, out, clock)
    except (Refused, KeyConfigError, ValueError) as problem:
        sys.stderr.write(f"refused: {problem}\n")
        return 2
    sys.stdout.write(f"the figures for {months[0]} to {months[-1]} are written to {out}\n")
    return 0


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    parser = store_parser("python -m ops.figures_file", __doc__)
    parser.add_argument(
        "--period",
        help="like window-2025-12, quarter-2026-03 or year-2025-06 (default: the latest review)",
    )
    parser.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    arguments = parser.parse_args(argv)
    environment = os.environ if env is None else env
    return asyncio.run(run(arguments.sqlite, arguments.period, arguments.out, environment))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
