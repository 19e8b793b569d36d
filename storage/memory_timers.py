"""Timers in memory (tests, and the fake every adapter is held to)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

from referrals.timers import Timer


class MemoryTimerStore:
    def __init__(self) -> None:
        self._timers: dict[str, Timer] = {}
        self._lock = asyncio.Lock()  # claims are checked and set as one step

    async def schedule(self, timer: Timer) -> None:
        async with self._lock:
            self._timers.setdefault(timer.id, timer)

    async def cancel(self, timer_id: str) -> None:
        async with self._lock:
            found = self._timers.get(timer_id)
            if found is not None and found.fired_at is None:
                del self._timers[timer_id]

    async def due(self, now: datetime, limit: int = 100) -> list[Timer]:
        due = [t for t in self._timers.values() if t.is_due(now)]
        return sorted(due, key=lambda t: (t.due_at, t.id))[:limit]

    async def claim(self, timer_id: str, owner: str, lease_until: datetime, now: datetime) -> bool:
        async with self._lock:
            found = self._timers.get(timer_id)
            if found is None or not found.is_due(now):
                return False
            self._timers[timer_id] = replace(found, claimed_by=owner, lease_until=lease_until)
            return True

    async def mark_fired(self, timer_id: str, owner: str, at: datetime) -> None:
        async with self._lock:
            found = self._timers.get(timer_id)
            if found is not None:
                self._timers[timer_id] = replace(found, fired_at=at, claimed_by=owner)

    async def get(self, timer_id: str) -> Timer | None:
        return self._timers.get(timer_id)

    async def forget(self, subject_id: str) -> None:
        async with self._lock:
            for timer_id in [t.id for t in self._timers.values() if t.subject_id == subject_id]:
                del self._timers[timer_id]
