"""Blind indexes of whom referrals name, in memory (tests, and the fake every adapter is
held to)."""

from __future__ import annotations

from collections.abc import Sequence

from referrals.subjects import SubjectMark


class MemorySubjectIndexStore:
    def __init__(self) -> None:
        self._rows: dict[str, list[SubjectMark]] = {}

    async def put(self, referral_id: str, marks: Sequence[SubjectMark]) -> None:
        self._rows[referral_id] = list(dict.fromkeys(marks))
        if not marks:
            del self._rows[referral_id]

    async def sharing(self, referral_id: str) -> list[SubjectMark]:
        mine = self._rows.get(referral_id, [])
        indexes = {m.index for m in mine}
        others = [
            m
            for rows in self._rows.values()
            for m in rows
            if m.index in indexes and m.referral_id != referral_id
        ]
        return [*mine, *others]

    async def find(self, index: str) -> list[SubjectMark]:
        return [m for rows in self._rows.values() for m in rows if m.index == index]

    async def forget(self, referral_id: str) -> None:
        self._rows.pop(referral_id, None)
