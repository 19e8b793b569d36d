"""Timers in Cosmos DB: one small item each, its own partition (`/id`). A claim is a
read and a replace with the read's ETag (If-Match), so of two instances exactly one
wins; the other's replace fails with 412 and it leaves the timer alone."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime

from azure.core import MatchConditions
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from referrals.timers import Timer
from storage.codec import sortable_time
from storage.cosmos_database import CosmosDatabase, query, read_or_none
from storage.timer_docs import timer_from_doc, timer_to_doc


class CosmosTimerStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._container = database.timers

    async def schedule(self, timer: Timer) -> None:
        with contextlib.suppress(CosmosResourceExistsError):  # kept as it is
            await self._container.create_item(timer_to_doc(timer))

    async def cancel(self, timer_id: str) -> None:
        item = await read_or_none(self._container, timer_id, timer_id)
        if item is None or item.get("fired_at"):
            return
        with contextlib.suppress(CosmosResourceNotFoundError, CosmosAccessConditionFailedError):
            await self._container.delete_item(
                timer_id,
                partition_key=timer_id,
                etag=item["_etag"],
                match_condition=MatchConditions.IfNotModified,
            )

    async def due(self, now: datetime, limit: int = 100) -> list[Timer]:
        # Unfired items only, then the lease and the time checked here (the loopback
        # server's SQL is small, and the due set is a handful of items).
        items = await query(
            self._container,
            "SELECT * FROM c WHERE c.fired_at = null AND c.due_at <= @now",
            now=sortable_time(now),
        )
        due = [t for t in map(timer_from_doc, items) if t.is_due(now)]
        return sorted(due, key=lambda t: (t.due_at, t.id))[:limit]

    async def claim(self, timer_id: str, owner: str, lease_until: datetime, now: datetime) -> bool:
        item = await read_or_none(self._container, timer_id, timer_id)
        if item is None or not timer_from_doc(item).is_due(now):
            return False
        claimed = replace(timer_from_doc(item), claimed_by=owner, lease_until=lease_until)
        try:
            await self._container.replace_item(
                timer_id,
                timer_to_doc(claimed),
                etag=item["_etag"],
                match_condition=MatchConditions.IfNotModified,
            )
        except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
            return False
        return True

    async def mark_fired(self, timer_id: str, owner: str, at: datetime) -> None:
        item = await read_or_none(self._container, timer_id, timer_id)
        if item is None:
            return
        fired = replace(timer_from_doc(item), fired_at=at, claimed_by=owner)
        await self._container.upsert_item(timer_to_doc(fired))

    async def get(self, timer_id: str) -> Timer | None:
        item = await read_or_none(self._container, timer_id, timer_id)
        return timer_from_doc(item) if item is not None else None

    async def forget(self, subject_id: str) -> None:
        items = await query(
            self._container, "SELECT c.id FROM c WHERE c.subject_id = @subject", subject=subject_id
        )
        for item in items:
            with contextlib.suppress(CosmosResourceNotFoundError):
                await self._container.delete_item(item["id"], partition_key=item["id"])
