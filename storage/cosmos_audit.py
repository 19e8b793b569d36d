"""The audit trail in Cosmos DB: append-only, one item per entry.

Entries are only ever created (`create_item`, never upsert): this module has no path
that changes or removes one, and a duplicate id is refused by the server. In production
the application's identity should hold a custom data-plane role on this container
without replace, upsert and delete (docs/storage.md), so even a mistaken code path
cannot edit the trail. Partitioned by referral: one referral's trail is one partition.
Entries hold ids, roles, actions and outcomes only, never content.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from storage.cosmos_database import CosmosDatabase, query

WIDER = timedelta(days=1)  # more than any UTC offset


class CosmosAuditLog:
    """Build it with `CosmosStores.database`, as `SqliteAuditLog` takes `SqliteStores.database`."""

    def __init__(self, database: CosmosDatabase) -> None:
        self._container = database.audit
        self._last_seq = 0

    async def append(self, entry: AuditEntry) -> None:
        # Entries read back in the order they were written (as SQLite's rowid gives):
        # `at` can repeat, so each carries a fixed-width, increasing write sequence.
        self._last_seq = max(time.time_ns(), self._last_seq + 1)
        await self._container.create_item(
            {
                "id": uuid.uuid4().hex,
                "referral_id": entry.referral_id,
                "seq": f"{self._last_seq:020d}",
                "at": entry.at.isoformat(),
                "actor_id": entry.actor_id,
                "actor_role": entry.actor_role.value,
                "action": entry.action.value,
                "outcome": entry.outcome.value,
            }
        )

    async def for_referral(self, referral_id: str) -> list[AuditEntry]:
        """Oldest first. The filter fixes the partition key: one partition is read."""
        items = await query(
            self._container,
            "SELECT * FROM c WHERE c.referral_id = @referral ORDER BY c.seq",
            referral=referral_id,
        )
        return self._entries(items)

    async def between(self, start: datetime, end: datetime) -> list[AuditEntry]:
        """Across every partition (the auditor's monthly report, the operator's subject
        access request). `at` is ISO text: its string order is time order for the UTC times
        the service writes; the window is widened by a day each side and then cut exactly,
        so an entry written with another offset is still found. A container made before
        `/at` was indexed answers by scanning (`enable_scan_in_query`): slower, still right."""
        bound: list[dict[str, object]] = [
            {"name": "@start", "value": (start - WIDER).isoformat()},
            {"name": "@end", "value": (end + WIDER).isoformat()},
        ]
        items = [
            item
            async for item in self._container.query_items(
                "SELECT * FROM c WHERE c.at >= @start AND c.at < @end",
                parameters=bound,
                enable_scan_in_query=True,
            )
        ]
        found = [e for e in self._entries(items) if start <= e.at < end]
        return sorted(found, key=lambda e: e.at)

    @staticmethod
    def _entries(items: Iterable[Mapping[str, Any]]) -> list[AuditEntry]:
        return [
            AuditEntry(
                datetime.fromisoformat(item["at"]),
                item["referral_id"],
                item["actor_id"],
                ActorRole(item["actor_role"]),
                AuditAction(item["action"]),
                Outcome(item["outcome"]),
            )
            for item in items
        ]
