"""Leases and replay answers in Cosmos DB: small items in the `leases` container, each its
own partition (`/id`). Taking one is a create, or when the item exists a point read and
a replace with the read's ETag (If-Match), so of two instances exactly one wins; the
other's write fails with 409 or 412 and it leaves the item alone.

Replay items are keyed by a blind index of the activity's key and hold the answer
sealed (`storage.sealing.seal_answer`); each carries a `ttl` so Cosmos DB deletes it
when it expires (the container has TTL on, with no default), and every read checks
`expires_at` too, since Cosmos DB deletes expired items in the background."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.cosmos.aio import ContainerProxy
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from storage.codec import sortable_time
from storage.cosmos_database import CosmosDatabase, Item, read_or_none
from storage.sealing import answer_key, open_answer, seal_answer

LEASE_PREFIX = "lease:"
ANSWER_PREFIX = "answer:"


class CosmosLeaseStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._container = database.leases

    async def acquire(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        item_id = LEASE_PREFIX + name
        lease = {"id": item_id, "owner": owner, "until": sortable_time(until)}
        return await _take(
            self._container,
            lease,
            lambda held: held["owner"] == owner or held["until"] <= sortable_time(now),
        )

    async def release(self, name: str, owner: str) -> None:
        await _delete_if(self._container, LEASE_PREFIX + name, lambda held: held["owner"] == owner)


class CosmosAnswerStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._container, self._cipher = database.leases, database.cipher

    async def claim(self, key: str, owner: str, until: datetime, now: datetime) -> bool:
        mark = {
            "id": self._id(key),
            "owner": owner,
            "expires_at": sortable_time(until),
            "sealed": None,
            "ttl": _seconds_until(until, now),
        }
        return await _take(
            self._container,
            mark,
            lambda kept: (
                kept["expires_at"] <= sortable_time(now)
                or (kept["sealed"] is None and kept["owner"] == owner)
            ),
        )

    async def answer(self, key: str, now: datetime) -> tuple[int, bytes | None] | None:
        item_id = self._id(key)
        kept = await read_or_none(self._container, item_id, item_id)
        if kept is None or kept["sealed"] is None or kept["expires_at"] <= sortable_time(now):
            return None
        return open_answer(item_id, kept["sealed"], self._cipher)

    async def keep(
        self, key: str, status: int, body: bytes | None, expires: datetime, now: datetime
    ) -> None:
        item_id = self._id(key)
        await self._container.upsert_item(
            {
                "id": item_id,
                "owner": "",
                "expires_at": sortable_time(expires),
                "sealed": seal_answer(item_id, status, body, self._cipher),
                "ttl": _seconds_until(expires, now),
            }
        )

    async def release(self, key: str, owner: str) -> None:
        await _delete_if(
            self._container,
            self._id(key),
            lambda kept: kept["sealed"] is None and kept["owner"] == owner,
        )

    def _id(self, key: str) -> str:
        return ANSWER_PREFIX + answer_key(key, self._cipher)


async def _take(container: ContainerProxy, item: Item, free: Callable[[Item], bool]) -> bool:
    """Write `item` if there is none with its id, or the one there is `free`; False if
    another writer got there first. Created first, without a read: most activities are
    new, so a first delivery costs one request (a renewal: a create refused, a read and
    a replace, every half-minute)."""
    item_id = item["id"]
    try:
        await container.create_item(item)
        return True
    except CosmosResourceExistsError:
        pass
    found = await read_or_none(container, item_id, item_id)
    if found is None or not free(found):
        return False  # gone meanwhile (a release, a TTL): the next try creates it
    try:
        await container.replace_item(
            item_id, item, etag=found["_etag"], match_condition=MatchConditions.IfNotModified
        )
    except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
        return False
    return True


async def _delete_if(container: ContainerProxy, item_id: str, mine: Callable[[Any], bool]) -> None:
    found = await read_or_none(container, item_id, item_id)
    if found is None or not mine(found):
        return
    with contextlib.suppress(CosmosResourceNotFoundError, CosmosAccessConditionFailedError):
        await container.delete_item(
            item_id,
            partition_key=item_id,
            etag=found["_etag"],
            match_condition=MatchConditions.IfNotModified,
        )


def _seconds_until(moment: datetime, now: datetime) -> int:
    """An item's `ttl`: whole seconds, at least one (Cosmos DB refuses 0)."""
    return max(1, math.ceil((moment - now).total_seconds()))
