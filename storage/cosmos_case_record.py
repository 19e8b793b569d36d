"""The case record in Cosmos DB: one sealed item per entry in the `case_record` container,
partitioned by the referral's id, so a long case never grows the referral's document
towards the 2 MB item limit and reading a record is a single-partition query.

Cosmos DB writes one item atomically and nothing more across items of two containers
(and the loopback test server has no transactional batch at all), so the order of writes
is what keeps this safe:

1. the new entries are written first (each is its own item, and a retry rewrites it);
2. then the referral, ETag-guarded, whose history names every entry it added.

A reader shows only the entries the referral's history names. If the referral write
fails (a concurrent change, a crash), the entries written in step 1 are named nowhere, so
they are never shown, counted or acted on; they hold no more than a shown entry would
(sealed), and go with the rest when the referral is erased. Erasing runs the other way
round: the referral (erased) is written first, then its entries are deleted; a crash
between the two leaves sealed entries that no reader shows (the referral is erased), and
the retention purge, which saves the referral again, deletes them.
"""

from __future__ import annotations

import contextlib

from azure.cosmos.exceptions import CosmosResourceNotFoundError

from referrals.case_record import CaseEntry
from referrals.referral import Referral
from storage.cosmos_database import CosmosDatabase, query, without_system_properties
from storage.entry_codec import open_entry, seal_entry


async def write_entries(database: CosmosDatabase, referral: Referral) -> None:
    """Step 1, before the referral is written."""
    for entry in referral.new_entries:
        await database.case_record.upsert_item(seal_entry(entry, database.cipher))


async def erase_entries(database: CosmosDatabase, referral: Referral) -> None:
    """After an erased referral is written: its whole case record goes."""
    if not referral.is_erased:
        return
    ids = await query(
        database.case_record,
        "SELECT VALUE c.id FROM c WHERE c.referral_id = @referral",
        referral=referral.id,
    )
    for entry_id in ids:
        with contextlib.suppress(CosmosResourceNotFoundError):  # deleted meanwhile
            await database.case_record.delete_item(str(entry_id), partition_key=referral.id)


class CosmosCaseRecordStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._db = database

    async def entries(self, referral: Referral) -> list[CaseEntry]:
        if referral.is_erased:
            return []
        order = {entry_id: n for n, entry_id in enumerate(referral.record_ids())}
        items = await query(
            self._db.case_record,
            "SELECT * FROM c WHERE c.referral_id = @referral",
            referral=referral.id,
        )
        named = [
            open_entry(without_system_properties(item), self._db.cipher)
            for item in items
            if item["id"] in order  # written by a save that then failed: never shown
        ]
        return sorted(named, key=lambda entry: order[entry.id])
