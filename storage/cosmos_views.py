"""Messages that show a referral's details, in Cosmos DB: one small item per message, keyed
by the message's key (its own partition), read whole by a fan-out query.

The item holds ids, a kind and a time only, never content; the chat, message and person
are sealed (`storage.sealing.seal_view`), as the outbox's are.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from azure.core import MatchConditions
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceNotFoundError,
)

from referrals.views import ShownView
from storage import codec, sealing
from storage.cosmos_database import CosmosDatabase, query, read_or_none


class CosmosShownViewStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._container, self._cipher = database.views, database.cipher

    async def remember(self, view: ShownView) -> None:
        sealed = sealing.seal_view(codec.view_to_doc(view), self._cipher)
        await self._container.upsert_item(sealed)

    async def forget(self, key: str, shown_at: datetime | None = None) -> None:
        """With `shown_at`, deleted only if unchanged since read (an ETag match): a newer
        showing of the message written meanwhile stays."""
        with contextlib.suppress(CosmosResourceNotFoundError, CosmosAccessConditionFailedError):
            if shown_at is None:
                await self._container.delete_item(key, partition_key=key)
                return
            item = await read_or_none(self._container, key, key)
            if item is None:
                return
            view = codec.view_from_doc(sealing.open_view(item, self._cipher))
            if view.shown_at != shown_at:
                return
            await self._container.delete_item(
                key,
                partition_key=key,
                etag=item["_etag"],
                match_condition=MatchConditions.IfNotModified,
            )

    async def list_views(self) -> list[ShownView]:
        items = await query(self._container, "SELECT * FROM c")
        views = [codec.view_from_doc(sealing.open_view(item, self._cipher)) for item in items]
        return sorted(views, key=lambda v: (v.shown_at, v.key))
