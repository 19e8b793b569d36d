"""Messages that show a referral's details, in SQLite: one row per message, by its key.

The row holds ids, a kind and a time only, never content; the chat, message and person
are sealed (`storage.sealing.seal_view`), as the outbox's are.
"""

from __future__ import annotations

import json
from datetime import datetime

from referrals.views import ShownView
from storage import codec, sealing
from storage.sqlite_database import SqliteDatabase, dumps


class SqliteShownViewStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def remember(self, view: ShownView) -> None:
        document = dumps(self._seal(view))
        await self._db.execute_alone(  # one statement: its own transaction
            "INSERT INTO shown_views (key, shown_at, document) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET shown_at = excluded.shown_at, "
            "document = excluded.document",
            (view.key, codec.sortable_time(view.shown_at), document),
        )

    async def forget(self, key: str, shown_at: datetime | None = None) -> None:
        if shown_at is None:
            await self._db.execute_alone("DELETE FROM shown_views WHERE key = ?", (key,))
            return
        await self._db.execute_alone(
            "DELETE FROM shown_views WHERE key = ? AND shown_at = ?",
            (key, codec.sortable_time(shown_at)),
        )

    async def list_views(self) -> list[ShownView]:
        rows = await self._db.fetch_all("SELECT document FROM shown_views ORDER BY shown_at, key")
        cipher = self._db.cipher
        return [codec.view_from_doc(sealing.open_view(json.loads(row[0]), cipher)) for row in rows]

    def _seal(self, view: ShownView) -> dict[str, object]:
        return sealing.seal_view(codec.view_to_doc(view), self._db.cipher)
