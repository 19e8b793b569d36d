"""botbuilder `Storage` for conversation and user state, in the referral database.

Values are live Python objects (`DialogState`, `DialogInstance`, prompt options …), so
they are flattened with jsonpickle exactly as botbuilder-azure's Cosmos storage does; a
document written here reads back there and vice versa. The stored JSON names classes
(`py/object`): renaming a dialog class or moving SDK orphans old state, which is one
reason abandoned state is purged (`purge_older_than`).

Decoding uses `Unpickler(safe=True)`, which refuses to `eval` `py/repr` payloads; it still
builds any class a document names, so only this application may write to the database.

Dialog state holds what people typed (names, answers not yet saved to the referral), so
each document is encrypted whole with the database's `FieldCipher`, bound to its key:
a document moved to another conversation's row does not decrypt. The key (channel and
conversation id), e-tag and write time stay in clear for look-up and purge.

E-tags follow botbuilder's contract: `read` puts the stored e-tag into each value as
`"e_tag"`; `write` with e-tag `"*"` or none overwrites, any other e-tag must match the
stored one (else `StateConflict`), and `""` is refused.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

from botbuilder.core import Storage
from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler

from referrals.clock import SystemClock
from referrals.errors import ConcurrentUpdate
from referrals.ports import Clock
from storage import codec
from storage.sqlite import SqliteDatabase, SqliteStores

STATE_FIELD = "bot_state.document"

_log = logging.getLogger(__name__)


class StateConflict(ConcurrentUpdate):
    """Someone wrote this state since it was read: the e-tag no longer matches."""


class SqliteBotStateStorage(Storage):  # type: ignore[misc]  # botbuilder is untyped
    """Bot state in the `bot_state` table of the database the stores use."""

    def __init__(self, database: SqliteDatabase | SqliteStores, clock: Clock | None = None) -> None:
        super().__init__()
        self._db = database.database if isinstance(database, SqliteStores) else database
        self._clock: Clock = clock or SystemClock()

    async def read(self, keys: list[str]) -> dict[str, object]:
        """The stored values for the keys that exist; missing keys are left out."""
        if not keys:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT key, etag, document FROM bot_state WHERE key IN ({_marks(keys)})",  # noqa: S608
            list(keys),
        )
        found: dict[str, object] = {}
        for key, etag, document in rows:
            flattened = json.loads(self._db.cipher.decrypt(document, STATE_FIELD, key))
            if isinstance(flattened, dict):
                flattened["e_tag"] = etag
            found[key] = Unpickler(safe=True).restore(flattened)
        return found

    async def write(self, changes: dict[str, object]) -> None:
        """All changes in one transaction: if one e-tag conflicts, nothing is written."""
        if not changes:
            return
        now = codec.sortable_time(self._clock.now())
        # Flatten and encrypt before taking the database lock: only SQL runs while it is held.
        rows = [
            (
                key,
                _etag_of(value),
                self._db.cipher.encrypt(_dumps(_flatten(value)), STATE_FIELD, key),
            )
            for key, value in changes.items()
        ]
        async with self._db.transaction() as connection:
            for key, expected, document in rows:
                etag = uuid.uuid4().hex
                if expected is None or expected == "*":
                    await connection.execute(
                        "INSERT INTO bot_state (key, etag, document, updated_at) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                        "etag = excluded.etag, document = excluded.document, "
                        "updated_at = excluded.updated_at",
                        (key, etag, document, now),
                    )
                    continue
                cursor = await connection.execute(
                    "UPDATE bot_state SET etag = ?, document = ?, updated_at = ? "
                    "WHERE key = ? AND etag = ?",
                    (etag, document, now, key, expected),
                )
                if cursor.rowcount != 1:
                    _log.info("bot state write refused: e-tag conflict")
                    raise StateConflict(key)

    async def delete(self, keys: list[str]) -> None:
        """Missing keys are ignored."""
        if not keys:
            return
        async with self._db.transaction() as connection:
            await connection.execute(
                f"DELETE FROM bot_state WHERE key IN ({_marks(keys)})",  # noqa: S608
                list(keys),
            )

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete state last written before `cutoff`; returns how many items went."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "DELETE FROM bot_state WHERE updated_at < ?", (codec.sortable_time(cutoff),)
            )
            purged = int(cursor.rowcount)
        _log.info("purged %s bot state items", purged)
        return purged


def _etag_of(value: object) -> Any:
    etag = value.get("e_tag") if isinstance(value, dict) else getattr(value, "e_tag", None)
    if etag == "":
        raise ValueError("bot state: an empty e_tag is not an e-tag; use '*' or none")
    return etag


def _dumps(flattened: Any) -> str:
    return json.dumps(flattened, separators=(",", ":"))


def _flatten(value: object) -> Any:
    flattened = Pickler().flatten(value)
    # The e-tag lives in its own column; keeping a stale copy in the document would
    # hand it back on read.
    if isinstance(flattened, dict):
        flattened.pop("e_tag", None)
    return flattened


def _marks(values: list[str]) -> str:
    return ", ".join("?" * len(values))
