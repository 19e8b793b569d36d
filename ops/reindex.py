"""Recompute the blind index of whom referrals name, under the blind index key now set.

    python -m ops.reindex --sqlite var/sma.sqlite3
    python -m ops.reindex --cosmos

For rotating `SMA_BLIND_INDEX_KEY` (docs/security.md): the index has no key id, since
equal identifiers must give equal indexes across referrals, so a new key means every
referral's rows are worked out again from its sealed answers. Stop the bot, set the new
key, run this, start the bot with the same key. Until it has run, referrals sent under the
old key match nothing sent under the new one. Safe to run any number of times.

The data keys, the blind index key and, for `--cosmos`, the connection come from the
environment, as for the bot. It prints how many referrals were indexed; never what they
name. Exit codes: 0 done, 2 refused.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ops.environment import cosmos_settings, store_parser
from referrals.audit import AuditLog
from referrals.clock import SystemClock
from referrals.ports import Stores
from referrals.services import Services
from referrals.subjects import BlindIndex
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.crypto import FieldCipher
from storage.keys import BLIND_INDEX_VARIABLE, KeyConfigError, load_blind_index_key, load_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog


async def reindex(stores: Stores, audit: AuditLog, blind: BlindIndex) -> int:
    services = Services.build(stores, SystemClock(), frozenset(), audit, blind_index=blind)
    return await services.subjects.reindex_all()


async def run(sqlite: Path | None, env: Mapping[str, str]) -> int:
    try:
        cipher = FieldCipher(load_key_ring(env))
        key = load_blind_index_key(env)
        settings = None if sqlite else cosmos_settings(env)
    except (KeyConfigError, ValueError) as problem:
        sys.stderr.write(f"refused: {problem}\n")
        return 2
    if key is None:
        sys.stderr.write(f"refused: {BLIND_INDEX_VARIABLE} is not set\n")
        return 2
    if settings is not None:
        async with await CosmosStores.open(settings, cipher) as cosmos:
            naming = await reindex(cosmos.stores, CosmosAuditLog(cosmos.database), BlindIndex(key))
    else:
        assert sqlite is not None
        if not await asyncio.to_thread(sqlite.is_file):
            sys.stderr.write(f"refused: no SQLite file at {sqlite}\n")
            return 2
        async with await SqliteStores.open(sqlite, cipher) as opened:
            audit = SqliteAuditLog(opened.database)
            naming = await reindex(opened.stores, audit, BlindIndex(key))
    sys.stdout.write(f"re-indexed: {naming} referrals name someone\n")
    return 0


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    parser = store_parser("python -m ops.reindex", __doc__)
    arguments = parser.parse_args(argv)
    return asyncio.run(run(arguments.sqlite, os.environ if env is None else env))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
