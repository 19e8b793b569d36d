"""botbuilder `Storage` for conversation and user state, in Cosmos DB.

Documents are laid out as botbuilder-azure's `CosmosDbPartitionedStorage` lays them out
(`id` the escaped key, `realId` the key, `document` the state; partition key `/id`), with
the state flattened and sealed by `storage.bot_state_codec` exactly as
`storage.sqlite_bot_state` keeps it in SQLite. `updated_key` (the write time) serves the
purge; the container's default TTL, when set, deletes abandoned state without it.

E-tags are the items' own ETags: `read` puts them into each value as `"e_tag"`; `write`
with e-tag `"*"` or none upserts, any other e-tag replaces only if it still matches
(else `StateConflict`), and `""` is refused. Cosmos DB cannot write several items
atomically, so a batch is not all-or-nothing as in SQLite; conditional writes go first,
so a conflict stops the batch before anything unconditional is written. (Bot state
writes one key per turn and state object.)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from datetime import datetime

from azure.core import MatchConditions
from azure.cosmos.exceptions import CosmosAccessConditionFailedError, CosmosResourceNotFoundError
from botbuilder.core import Storage

from referrals.clock import SystemClock
from referrals.ports import Clock
from storage import codec
from storage.bot_state_codec import StateConflict, etag_of, open_state, seal_state
from storage.cosmos_database import CosmosDatabase, Item, query, read_or_none

_log = logging.getLogger(__name__)

# Characters Cosmos DB refuses in an id, escaped as botbuilder-azure does: "*" + ord.
_FORBIDDEN = frozenset("\\?/#\t\n\r*")
MAX_ID_LENGTH = 255


def escape_key(key: str) -> str:
    """botbuilder-azure's `CosmosDbKeyEscape.sanitize_key` in compatibility mode: a key
    too long for an id is cut and ends with the SHA-256 of the whole escaped key."""
    escaped = "".join(f"*{ord(c)}" if c in _FORBIDDEN else c for c in key)
    if len(escaped) <= MAX_ID_LENGTH:
        return escaped
    digest = hashlib.sha256(escaped.encode()).hexdigest()
    return escaped[: MAX_ID_LENGTH - len(digest)] + digest


class CosmosBotStateStorage(Storage):  # type: ignore[misc]  # botbuilder is untyped
    """Bot state in the `bot_state` container of the database the stores use."""

    def __init__(self, database: CosmosDatabase, clock: Clock | None = None) -> None:
        super().__init__()
        self._container = database.bot_state
        self._cipher = database.cipher
        self._clock: Clock = clock or SystemClock()

    async def read(self, keys: list[str]) -> dict[str, object]:
        """The stored values for the keys that exist; missing keys are left out."""
        items = await asyncio.gather(*(self._read_item(key) for key in keys))
        found: dict[str, object] = {}
        for key, item in zip(keys, items, strict=True):
            if item is not None:
                found[key] = open_state(key, item["document"], item["_etag"], self._cipher)
        return found

    async def write(self, changes: dict[str, object]) -> None:
        now = codec.sortable_time(self._clock.now())
        planned = [
            (key, etag_of(value), self._item(key, value, now)) for key, value in changes.items()
        ]
        # Conditional writes first: a conflict then stops the batch before the rest.
        planned.sort(key=lambda change: change[1] in (None, "*"))
        for key, expected, item in planned:
            if expected is None or expected == "*":
                await self._container.upsert_item(item)
                continue
            try:
                await self._container.replace_item(
                    item["id"], item, etag=expected, match_condition=MatchConditions.IfNotModified
                )
            except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
                _log.info("bot state write refused: e-tag conflict")
                raise StateConflict(key) from None

    async def delete(self, keys: list[str]) -> None:
        """Missing keys are ignored."""
        for key in keys:
            await self._delete(escape_key(key))

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete state last written before `cutoff`; returns how many items went."""
        stale = await query(
            self._container,
            "SELECT VALUE c.id FROM c WHERE c.updated_key < @cutoff",
            cutoff=codec.sortable_time(cutoff),
        )
        for item_id in stale:
            await self._delete(str(item_id))
        _log.info("purged %s bot state items", len(stale))
        return len(stale)

    async def _read_item(self, key: str) -> Item | None:
        item_id = escape_key(key)
        item = await read_or_none(self._container, item_id, item_id)
        # Two keys long enough to be cut could share an id; the item names its own key.
        return item if item is not None and item.get("realId") == key else None

    def _item(self, key: str, value: object, now: str) -> Item:
        sealed = seal_state(key, value, self._cipher)
        return {"id": escape_key(key), "realId": key, "document": sealed, "updated_key": now}

    async def _delete(self, item_id: str) -> None:
        with contextlib.suppress(CosmosResourceNotFoundError):  # gone already: fine
            await self._container.delete_item(item_id, partition_key=item_id)
