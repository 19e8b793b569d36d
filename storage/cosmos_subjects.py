"""Blind indexes of whom referrals name, in Cosmos DB (`subjects`, pk /referral_id): one
small item per referral and index, `blind` and `referrer` indexed keyed hashes, nothing
sealed because nothing in them is in clear (see `referrals.subjects`)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from azure.cosmos.exceptions import CosmosResourceNotFoundError

from referrals.subjects import SubjectMark
from storage.cosmos_database import CosmosDatabase, query


def _item(mark: SubjectMark) -> dict[str, str]:
    return {
        "id": f"{mark.referral_id}.{mark.index}",
        "referral_id": mark.referral_id,
        "blind": mark.index,
        "referrer": mark.referrer,
    }


def _mark(item: dict[str, Any]) -> SubjectMark:
    return SubjectMark(item["referral_id"], item["blind"], item["referrer"])


class CosmosSubjectIndexStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._container = database.subjects

    async def _rows(self, referral_id: str) -> list[SubjectMark]:
        items = await query(
            self._container, "SELECT * FROM c WHERE c.referral_id = @id", id=referral_id
        )
        return sorted(map(_mark, items), key=lambda m: m.index)

    async def put(self, referral_id: str, marks: Sequence[SubjectMark]) -> None:
        wanted = {m.index: m for m in marks}
        for old in await self._rows(referral_id):
            if old.index not in wanted:
                await self._delete(old)
        for mark in wanted.values():
            await self._container.upsert_item(_item(mark))

    async def sharing(self, referral_id: str) -> list[SubjectMark]:
        mine = await self._rows(referral_id)
        others: dict[str, SubjectMark] = {}
        for index in {m.index for m in mine}:
            for mark in await self.find(index):
                if mark.referral_id != referral_id:
                    others[f"{mark.referral_id}.{mark.index}"] = mark
        return [*mine, *sorted(others.values(), key=lambda m: (m.referral_id, m.index))]

    async def find(self, index: str) -> list[SubjectMark]:
        items = await query(self._container, "SELECT * FROM c WHERE c.blind = @blind", blind=index)
        return sorted(map(_mark, items), key=lambda m: m.referral_id)

    async def forget(self, referral_id: str) -> None:
        for mark in await self._rows(referral_id):
            await self._delete(mark)

    async def _delete(self, mark: SubjectMark) -> None:
        with contextlib.suppress(CosmosResourceNotFoundError):
            await self._container.delete_item(_item(mark)["id"], partition_key=mark.referral_id)
