"""Move every encrypted value still under an older key to the current key.

    python -m ops.reencrypt --sqlite var/sma.sqlite3 [--batch-size 200]

Keys come from `SMA_DATA_KEYS` / `SMA_DATA_KEY_ID` (see `storage.keys`): the ring must
hold the current key and every key the data may still be under. Each batch is one
transaction that reads, re-encrypts and writes its rows, so the bot may keep running:
a row it writes meanwhile is already under the current key and is simply skipped.
Running again changes nothing. Blind indexes move with the values they stand for.
It prints counts per table, never content. Once it reports nothing left to move, the
old key can leave the ring.

Re-encrypting changes no referral: versions, e-tags and write times stay as they were.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from storage import entry_codec, sealing, statistics_records
from storage.bot_state_codec import STATE_FIELD
from storage.crypto import FieldCipher, UndecryptableValue
from storage.keys import KeyConfigError, load_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_database import SqliteDatabase, dumps

# Re-encrypts one row if it is under an older key; says whether it did.
Reseal = Callable[[aiosqlite.Connection, sqlite3.Row, FieldCipher], Awaitable[bool]]


@dataclass
class Counts:
    checked: int = 0
    moved: int = 0


async def reencrypt_sqlite(database: SqliteDatabase, batch_size: int = 200) -> dict[str, Counts]:
    """Table name -> how many rows were checked and how many moved to the current key.
    Raises `UndecryptableValue` for a value whose key is not in the ring."""
    tables: dict[str, tuple[str, Reseal]] = {
        "referrals": ("id, document", _referral),
        "outbox": ("id, document", _notification),
        "conversation_references": ("user_key, document", _reference),
        "bot_state": ("key, document", _state),
        "statistics_months": ("month, document", _month),
        "case_entries": ("id, document", _entry),
    }
    return {
        table: await _in_batches(database, table, columns, reseal, batch_size)
        for table, (columns, reseal) in tables.items()
    }


async def _in_batches(
    database: SqliteDatabase, table: str, columns: str, reseal: Reseal, batch_size: int
) -> Counts:
    counts, after = Counts(), 0
    while True:
        async with database.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? "  # noqa: S608
                    "ORDER BY rowid LIMIT ?",
                    (after, batch_size),
                )
            )
            for row in rows:
                counts.moved += await reseal(connection, row, database.cipher)
        counts.checked += len(rows)
        if len(rows) < batch_size:
            return counts
        after = rows[-1][0]


def _sealed_document(
    table: str,
    index_column: str,
    field: str,
    open_: Callable[[dict[str, Any], FieldCipher], dict[str, Any]],
    seal: Callable[[dict[str, Any], FieldCipher], dict[str, Any]],
) -> Reseal:
    """Reseals a row whose document holds one sealed value beside a blind index (a
    referral and its referrer, a notification and its recipient)."""

    async def reseal(
        connection: aiosqlite.Connection, row: sqlite3.Row, cipher: FieldCipher
    ) -> bool:
        stored = json.loads(row["document"])
        if cipher.is_current(stored["sealed"], field):
            return False
        resealed = seal(open_(stored, cipher), cipher)
        await connection.execute(
            f"UPDATE {table} SET {index_column} = ?, document = ? WHERE id = ?",  # noqa: S608
            (resealed[index_column], dumps(resealed), row["id"]),
        )
        return True

    return reseal


_referral = _sealed_document(
    "referrals",
    "referrer_key",
    sealing.REFERRAL_FIELD,
    sealing.open_referral,
    sealing.seal_referral,
)
_notification = _sealed_document(
    "outbox",
    "recipient_key",
    sealing.NOTIFICATION_FIELD,
    sealing.open_notification,
    sealing.seal_notification,
)


async def _entry(connection: aiosqlite.Connection, row: sqlite3.Row, cipher: FieldCipher) -> bool:
    stored = json.loads(row["document"])
    if cipher.is_current(stored["sealed"], entry_codec.ENTRY_FIELD):
        return False
    resealed = entry_codec.seal_entry(entry_codec.open_entry(stored, cipher), cipher)
    await connection.execute(
        "UPDATE case_entries SET document = ? WHERE id = ?", (dumps(resealed), row["id"])
    )
    return True


async def _reference(
    connection: aiosqlite.Connection, row: sqlite3.Row, cipher: FieldCipher
) -> bool:
    if cipher.is_current(row["document"], sealing.REFERENCE_FIELD):
        return False
    stored = {"user_key": row["user_key"], "sealed": row["document"]}
    resealed = sealing.seal_reference(*sealing.open_reference(stored, cipher), cipher)
    # The row's key is the blind index, which changes with the key. A row already under
    # the new index was written since, by the bot: it is newer, so it wins.
    await connection.execute("DELETE FROM conversation_references WHERE rowid = ?", (row[0],))
    await connection.execute(
        "INSERT INTO conversation_references (user_key, document) VALUES (?, ?) "
        "ON CONFLICT (user_key) DO NOTHING",
        (resealed["user_key"], resealed["sealed"]),
    )
    return True


async def _state(connection: aiosqlite.Connection, row: sqlite3.Row, cipher: FieldCipher) -> bool:
    if cipher.is_current(row["document"], STATE_FIELD):
        return False
    plain = cipher.decrypt(row["document"], STATE_FIELD, row["key"])
    await connection.execute(
        "UPDATE bot_state SET document = ? WHERE key = ?",
        (cipher.encrypt(plain, STATE_FIELD, row["key"]), row["key"]),
    )
    return True


async def _month(connection: aiosqlite.Connection, row: sqlite3.Row, cipher: FieldCipher) -> bool:
    if cipher.is_current(row["document"], statistics_records.MONTH_FIELD):
        return False
    tally = statistics_records.open_month(row["month"], row["document"], cipher)
    await connection.execute(
        "UPDATE statistics_months SET document = ? WHERE month = ?",
        (statistics_records.seal_month(row["month"], tally, cipher), row["month"]),
    )
    return True


async def _run(path: Path, cipher: FieldCipher, batch_size: int) -> None:
    async with await SqliteStores.open(path, cipher) as sqlite:
        counts = await reencrypt_sqlite(sqlite.database, batch_size)
    current = cipher.ring.current
    for table, count in counts.items():
        sys.stdout.write(f"{table}: {count.checked} checked, {count.moved} moved to {current}\n")


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.reencrypt",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sqlite", type=Path, required=True, help="the database file")
    parser.add_argument("--batch-size", type=int, default=200, help="rows per transaction")
    arguments = parser.parse_args(argv)
    if not arguments.sqlite.is_file():
        sys.stderr.write(f"no database file at {arguments.sqlite}\n")
        return 2
    if arguments.batch_size < 1:
        sys.stderr.write("--batch-size must be at least 1\n")
        return 2
    try:
        cipher = FieldCipher(load_key_ring(os.environ if env is None else env))
    except KeyConfigError as problem:
        sys.stderr.write(f"{problem}\n")
        return 2
    try:
        asyncio.run(_run(arguments.sqlite, cipher, arguments.batch_size))
    except UndecryptableValue as problem:
        sys.stderr.write(f"stopped: {problem}; batches before it are done\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
