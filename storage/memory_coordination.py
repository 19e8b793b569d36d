"""Leases and replay answers in memory (tests, and the fake every adapter is held to).

Nothing here is sealed or hashed: it never leaves the process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class _Held:
    owner: str
    until: datetime


class MemoryLeaseStore:
    def __init__(self) -> None:
        self._leases: dict[str, _Held] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        async with self._lock:
            held = self._leases.get(name)
            if held is not None and held.owner != owner and held.until > now:
                return False
            self._leases[name] = _Held(owner, until)
            return True

    async def release(self, name: str, owner: str) -> None:
        async with self._lock:
            held = self._leases.get(name)
            if held is not None and held.owner == owner:
                del self._leases[name]


@dataclass(frozen=True)
class _Kept:
    owner: str  # "" once answered
    expires: datetime  # the mark's lease, or the answer's expiry
    answer: tuple[int, bytes | None] | None


class MemoryAnswerStore:
    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}
        self._lock = asyncio.Lock()

    async def claim(self, key: str, owner: str, until: datetime, now: datetime) -> bool:
        async with self._lock:
            self._forget_expired(now)
            kept = self._kept.get(key)
            if kept is not None and (kept.answer is not None or kept.owner != owner):
                return False
            self._kept[key] = _Kept(owner, until, None)
            return True

    async def answer(self, key: str, now: datetime) -> tuple[int, bytes | None] | None:
        kept = self._kept.get(key)
        return kept.answer if kept is not None and kept.expires > now else None

    async def keep(
        self, key: str, status: int, body: bytes | None, expires: datetime, now: datetime
    ) -> None:
        async with self._lock:
            self._kept[key] = _Kept("", expires, (status, body))

    async def release(self, key: str, owner: str) -> None:
        async with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept.answer is None and kept.owner == owner:
                del self._kept[key]

    def __len__(self) -> int:
        return len(self._kept)

    def _forget_expired(self, now: datetime) -> None:
        for key in [k for k, kept in self._kept.items() if kept.expires <= now]:
            del self._kept[key]
