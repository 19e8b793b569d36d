"""The advocate roster and people's conversation references in Cosmos DB.

The roster is staff names and teams, kept in clear (as in SQLite) and read whole: it is
one small partition per advocate, listed by a fan-out query and sorted here.

A conversation reference is sealed whole with the person's id (`storage.sealing`) and
stored under the blind index of that id, so it is found by point reads only: one per
key in the ring, current key first, which still finds references written before a key
rotation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from azure.cosmos.exceptions import CosmosResourceNotFoundError

from referrals.people import Advocate
from storage import codec, sealing
from storage.cosmos_database import CosmosDatabase, query, read_or_none, without_system_properties


class CosmosRosterStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._container = database.roster

    async def list_advocates(self) -> list[Advocate]:
        items = await query(self._container, "SELECT * FROM c")
        advocates = [self._open(item) for item in items]
        return sorted(advocates, key=lambda a: (a.display_name, a.user_id))

    async def get_advocate(self, user_id: str) -> Advocate | None:
        if not user_id:
            return None
        found = await read_or_none(self._container, user_id, user_id)
        return self._open(found) if found else None

    async def put_advocate(self, advocate: Advocate) -> None:
        await self._container.upsert_item(
            codec.advocate_to_doc(advocate) | {"id": advocate.user_id}
        )

    @staticmethod
    def _open(item: Mapping[str, Any]) -> Advocate:
        return codec.advocate_from_doc(without_system_properties(item, "id"))


class CosmosConversationStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._container = database.conversations
        self._cipher = database.cipher

    async def put_reference(self, user_id: str, reference: Mapping[str, Any]) -> None:
        """The reference must be JSON-serialisable (a `ConversationReference.serialize()`).
        A copy still keyed under a retired key's index is removed after the new one is
        written, so a failure in between leaves a duplicate, never nothing."""
        sealed = sealing.seal_reference(user_id, reference, self._cipher)
        await self._container.upsert_item({"id": sealed["user_key"], "sealed": sealed["sealed"]})
        for retired in sealing.indexes_of(user_id, sealing.CONVERSATION_USER, self._cipher)[1:]:
            with contextlib.suppress(CosmosResourceNotFoundError):
                await self._container.delete_item(retired, partition_key=retired)

    async def get_reference(self, user_id: str) -> dict[str, Any] | None:
        for key in sealing.indexes_of(user_id, sealing.CONVERSATION_USER, self._cipher):
            found = await read_or_none(self._container, key, key)
            if found is None:
                continue
            found_id, reference = sealing.open_reference(
                {"user_key": found["id"], "sealed": found["sealed"]}, self._cipher
            )
            if found_id == user_id:  # belt and braces: the sealed id is the one asked for
                return reference
        return None
