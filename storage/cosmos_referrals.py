"""Referrals in Cosmos DB: one document per referral, its outbox embedded.

Cosmos DB writes one item atomically and nothing more (the loopback test server has no
transactional batch either), so a referral and the notifications its change queued are
one document: the change and its messages are stored together or not at all, which is
what the transactional outbox needs. Each outbox entry is sealed like an SQLite outbox
row and carries its own status; `storage.cosmos_outbox` reads and updates them.

A save is a read-modify-write guarded by the item's ETag (If-Match): the stored version
must be the one the caller read, and nobody may have written in between. Losing a race
to a delivery receipt (same version) is retried; losing it to another change is the
domain's `ConcurrentUpdate`. Drafts carry a `ttl`, removed on submit.

Queries fan out across partitions and are sorted here, by the same key as the fake:
the test server cannot sort on two fields, and these lists are short.

Statistics: each sent referral's document carries its own contribution to the figures
(`statistics`, sealed), written in the same single-item write as the change that causes
it, for the reason the outbox is embedded: a separate month document would be a second
write in another partition, with a crash window between the two and every save of the
month contending for one ETag. Reading a period sums the contributions of the referrals
changed since it began (`updated_key`, already indexed): it grows with the referrals of
that period, never with all there have been. Documents written before statistics existed,
or before they counted the case record, are counted once by `ensure_statistics` (at
start-up) or `python -m ops.recount`.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from referrals import errors, statistics
from referrals.referral import Referral
from referrals.states import HELD_BY_ADVOCATE, OPEN_STATES, ReferralState
from referrals.statistics import MonthTallies
from storage import codec, cosmos_case_record, sealing
from storage.cosmos_database import (
    WRITE_ATTEMPTS,
    CosmosDatabase,
    Item,
    query,
    read_or_none,
    without_system_properties,
)
from storage.statistics_records import open_contribution, seal_contribution

REFERRAL_TYPE = "referral"
COUNTER_TYPE = "reference_counter"
MARKER_TYPE = "statistics_marker"
# Present once every referral document carries its contribution to the statistics as
# this code counts it: v2 counts the case record too, v3 time to allocation and to first
# contact, v4 what referrals became and escalations by destination, so a database marked
# v1, v2 or v3 is counted once more.
STATISTICS_MARKER = "statistics-counted-v4"
# Ours, not the codec's: stripped before a document is opened.
_STORE_FIELDS = ("type", "updated_key", "outbox", "ttl", "statistics")
_SELECT = "SELECT * FROM c WHERE c.type = 'referral' AND "
_DRAFT = ReferralState.DRAFT.value


class CosmosReferralStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._db = database
        self._container = database.referrals

    async def save(self, referral: Referral) -> None:
        stored = replace(referral, version=referral.version + 1, new_notifications=[])
        document = self._document(stored)
        queued = [self._seal_notification(n) for n in referral.new_notifications]
        # Entries first, the referral naming them second (storage.cosmos_case_record).
        await cosmos_case_record.write_entries(self._db, referral)
        if referral.version == 0:
            try:
                await self._container.create_item(document | {"outbox": queued})
            except CosmosResourceExistsError:  # saved by someone else first
                raise errors.ConcurrentUpdate(referral.id) from None
        else:
            await self._replace(referral, document, queued)
        await cosmos_case_record.erase_entries(self._db, stored)
        referral.version, referral.new_notifications, referral.new_entries = stored.version, [], []

    async def _replace(self, referral: Referral, document: Item, queued: list[Item]) -> None:
        for _ in range(WRITE_ATTEMPTS):
            current = await read_or_none(self._container, referral.id, referral.id)
            if current is None or current.get("version") != referral.version:
                raise errors.ConcurrentUpdate(referral.id)
            try:
                await self._container.replace_item(
                    referral.id,
                    document | {"outbox": [*current["outbox"], *queued]},
                    etag=current["_etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                return
            except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
                continue  # written or deleted since the read: look again
        raise errors.ConcurrentUpdate(referral.id)

    async def get(self, referral_id: str) -> Referral:
        found = await read_or_none(self._container, referral_id, referral_id)
        if found is None or found.get("type") != REFERRAL_TYPE:
            raise errors.ReferralNotFound(referral_id)
        return self._open(found)

    async def find_by_reference(self, reference: str) -> Referral | None:
        if not reference:
            return None
        found = await self._many("c.reference = @reference", reference=reference)
        return found[0] if found else None

    async def find_draft(self, referrer_id: str) -> Referral | None:
        keys = sealing.indexes_of(referrer_id, sealing.REFERRER, self._db.cipher)
        if not keys:
            return None
        drafts = await self._many(
            "ARRAY_CONTAINS(@keys, c.referrer_key) AND c.state = @draft", keys=keys, draft=_DRAFT
        )
        return max(drafts, key=lambda r: r.updated_at) if drafts else None

    async def delete_draft(self, referral_id: str) -> None:
        """ETag-guarded, so a draft submitted meanwhile is never deleted."""
        for _ in range(WRITE_ATTEMPTS):
            current = await read_or_none(self._container, referral_id, referral_id)
            if current is None or current.get("state") != _DRAFT:
                return
            try:
                await self._container.delete_item(
                    referral_id,
                    partition_key=referral_id,
                    etag=current["_etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                return
            except CosmosResourceNotFoundError:
                return
            except CosmosAccessConditionFailedError:
                continue
        raise errors.ConcurrentUpdate(referral_id)

    async def list_in_states(self, states: Collection[ReferralState]) -> list[Referral]:
        chosen = sorted(ReferralState(s).value for s in states)
        return await self._many("ARRAY_CONTAINS(@states, c.state)", states=chosen) if chosen else []

    async def list_for_referrer(self, referrer_id: str) -> list[Referral]:
        keys = sealing.indexes_of(referrer_id, sealing.REFERRER, self._db.cipher)
        if not keys:
            return []
        return await self._many(
            "ARRAY_CONTAINS(@keys, c.referrer_key) AND c.state != @draft", keys=keys, draft=_DRAFT
        )

    async def list_for_advocate(self, advocate_id: str) -> list[Referral]:
        if not advocate_id:  # "" is every unallocated referral's offered_to
            return []
        return await self._many(
            "ARRAY_CONTAINS(@open, c.state) AND (c.advocate_id = @who OR c.offered_to = @who)",
            open=sorted(s.value for s in OPEN_STATES),
            who=advocate_id,
        )

    async def list_ended_before(self, before: datetime) -> list[Referral]:
        ended = [ReferralState.CLOSED.value, ReferralState.WITHDRAWN.value]
        return await self._many(
            "ARRAY_CONTAINS(@ended, c.state) AND c.updated_key < @before",
            ended=ended,
            before=codec.sortable_time(before),
        )

    async def list_drafts_before(self, before: datetime) -> list[Referral]:
        return await self._many(
            "c.state = @draft AND c.updated_key < @before",
            draft=_DRAFT,
            before=codec.sortable_time(before),
        )

    async def caseloads(self) -> dict[str, int]:
        # No GROUP BY on the test server; the ids of held cases are few and small.
        held = await query(
            self._container,
            "SELECT VALUE c.advocate_id FROM c WHERE c.type = 'referral' "
            "AND ARRAY_CONTAINS(@held, c.state) AND c.advocate_id != ''",
            held=sorted(s.value for s in HELD_BY_ADVOCATE),
        )
        return dict(Counter(str(advocate_id) for advocate_id in held))

    async def next_reference_number(self, year: int) -> int:
        """An atomic server-side increment (patch `incr`) of the year's counter item."""
        counter_id = f"reference-counter-{year}"
        for _ in range(WRITE_ATTEMPTS):
            try:
                counter = await self._container.patch_item(
                    counter_id,
                    partition_key=counter_id,
                    patch_operations=[{"op": "incr", "path": "/value", "value": 1}],
                )
                return int(counter["value"])
            except CosmosResourceNotFoundError:
                pass  # the year's first number
            try:
                first = {"id": counter_id, "type": COUNTER_TYPE, "year": year, "value": 1}
                await self._container.create_item(first)
                return 1
            except CosmosResourceExistsError:
                continue  # someone else took number 1; increment theirs
        raise errors.ConcurrentUpdate(counter_id)

    # -- statistics --------------------------------------------------------------------

    async def statistics(self, months: Collection[str]) -> MonthTallies:
        if not months:
            return {}
        first = min(months)
        # Every contribution is dated no later than the write that made it, so the
        # referrals changed since the period began hold all of the period's figures.
        since = codec.sortable_time(datetime(int(first[:4]), int(first[5:7]), 1, tzinfo=UTC))
        items = await query(
            self._container,
            "SELECT c.id, c.statistics FROM c WHERE c.type = 'referral' "
            "AND c.state != @draft AND c.updated_key >= @since",
            draft=_DRAFT,
            since=since,
        )
        total: MonthTallies = {}
        for item in items:
            if item.get("statistics"):  # missing only until `ensure_statistics` has run
                found = open_contribution(item["id"], item["statistics"], self._db.cipher)
                statistics.add(total, {m: t for m, t in found.items() if m in months})
        return total

    async def recount_statistics(self) -> MonthTallies:
        """Work out every sent referral's contribution from the referral itself, write
        it where the stored one differs (or is missing), and return the sums."""
        total: MonthTallies = {}
        items = self._container.query_items(
            _SELECT + "c.state != @draft", parameters=[{"name": "@draft", "value": _DRAFT}]
        )
        async for item in items:
            months = statistics.contribution_of(self._open(dict(item)))
            statistics.add(total, months)
            stored = item.get("statistics")
            if not stored or open_contribution(item["id"], stored, self._db.cipher) != months:
                await self._heal(dict(item), months)
        return total

    async def _heal(self, item: Item, months: MonthTallies) -> None:
        sealed = seal_contribution(item["id"], months, self._db.cipher)
        # A 412 or 404: saved (or gone) meanwhile, by a save that worked out its own.
        with contextlib.suppress(CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
            await self._container.replace_item(
                item["id"],
                without_system_properties(item) | {"statistics": sealed},
                etag=item["_etag"],
                match_condition=MatchConditions.IfNotModified,
            )

    async def ensure_statistics(self) -> None:
        """Count documents written before statistics existed, or before they counted the
        case record, the waits or the pathway, once per database (and once per
        `STATISTICS_MARKER`)."""
        if await read_or_none(self._container, STATISTICS_MARKER, STATISTICS_MARKER):
            return
        await self.recount_statistics()
        with contextlib.suppress(CosmosResourceExistsError):  # another instance was first
            await self._container.create_item({"id": STATISTICS_MARKER, "type": MARKER_TYPE})

    # -- migration ---------------------------------------------------------------------

    async def import_referral(self, referral: Referral, outbox: list[Any]) -> None:
        """Copy a referral from another store as it stands (version, history and its
        notifications with their delivery status); refuses one that already exists."""
        document = self._document(referral) | {
            "outbox": [self._seal_notification(n) for n in outbox]
        }
        await self._container.create_item(document)

    async def import_counter(self, year: int, value: int) -> None:
        """Carry a year's last reference number over, so numbering goes on, not again."""
        counter_id = f"reference-counter-{year}"
        counter = {"id": counter_id, "type": COUNTER_TYPE, "year": year, "value": value}
        await self._container.create_item(counter)

    # -- documents ---------------------------------------------------------------------

    def _document(self, referral: Referral) -> Item:
        document: Item = sealing.seal_referral(codec.referral_to_doc(referral), self._db.cipher)
        document["type"] = REFERRAL_TYPE
        # Fixed-width UTC: string order is time order, whatever offset the caller used.
        document["updated_key"] = codec.sortable_time(referral.updated_at)
        if referral.state is ReferralState.DRAFT and self._db.draft_ttl_seconds:
            document["ttl"] = self._db.draft_ttl_seconds  # from the last write (_ts)
        if referral.submitted_at is not None:  # a draft counts for nothing
            months = statistics.contribution_of(referral)
            document["statistics"] = seal_contribution(referral.id, months, self._db.cipher)
        return document  # a replace without `ttl` clears it: submitted ones never expire

    def _seal_notification(self, notification: Any) -> Item:
        return sealing.seal_notification(codec.notification_to_doc(notification), self._db.cipher)

    def _open(self, item: Item) -> Referral:
        document = without_system_properties(item, *_STORE_FIELDS)
        return codec.referral_from_doc(sealing.open_referral(document, self._db.cipher))

    async def _many(self, where: str, **parameters: object) -> list[Referral]:
        items = await query(self._container, _SELECT + where, **parameters)
        found = [self._open(item) for item in items]
        return sorted(found, key=lambda r: (r.submitted_at or r.created_at, r.id))
