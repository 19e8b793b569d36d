"""The advocate roster and people's conversation references in SQLite.

The roster is staff names and teams, kept in clear (as in Cosmos DB), one row per
advocate, listed in name order by SQL.

A conversation reference is sealed whole with the person's id (`storage.sealing`) and
stored under the blind index of that id; it is looked up under every key's index in the
ring, which still finds references written before a key rotation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from referrals.people import Advocate
from storage import codec, sealing
from storage.sqlite_database import SqliteDatabase, dumps, marks


class SqliteRosterStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def list_advocates(self) -> list[Advocate]:
        rows = await self._db.fetch_all(
            "SELECT document FROM advocates ORDER BY display_name, user_id"
        )
        return [codec.advocate_from_doc(json.loads(row[0])) for row in rows]

    async def get_advocate(self, user_id: str) -> Advocate | None:
        row = await self._db.fetch_one(
            "SELECT document FROM advocates WHERE user_id = ?", (user_id,)
        )
        return codec.advocate_from_doc(json.loads(row[0])) if row else None

    async def put_advocate(self, advocate: Advocate) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO advocates (user_id, display_name, document) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, "
                "document = excluded.document",
                (advocate.user_id, advocate.display_name, dumps(codec.advocate_to_doc(advocate))),
            )


class SqliteConversationStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def put_reference(self, user_id: str, reference: Mapping[str, Any]) -> None:
        """The reference must be JSON-serialisable (a `ConversationReference.serialize()`).
        A copy still keyed under a retired key's index is replaced, not left behind."""
        cipher = self._db.cipher
        sealed = sealing.seal_reference(user_id, reference, cipher)
        keys = sealing.indexes_of(user_id, sealing.CONVERSATION_USER, cipher)
        async with self._db.transaction() as connection:
            await connection.execute(
                f"DELETE FROM conversation_references WHERE user_key IN ({marks(keys)})",  # noqa: S608
                keys,
            )
            await connection.execute(
                "INSERT INTO conversation_references (user_key, document) VALUES (?, ?)",
                (sealed["user_key"], sealed["sealed"]),
            )

    async def get_reference(self, user_id: str) -> dict[str, Any] | None:
        keys = sealing.indexes_of(user_id, sealing.CONVERSATION_USER, self._db.cipher)
        rows = await self._db.fetch_all(
            "SELECT user_key, document FROM conversation_references "  # noqa: S608
            f"WHERE user_key IN ({marks(keys)})",
            keys,
        )
        for user_key, document in rows:
            found_id, reference = sealing.open_reference(
                {"user_key": user_key, "sealed": document}, self._db.cipher
            )
            if found_id == user_id:  # belt and braces: the sealed id is the one asked for
                return reference
        return None
