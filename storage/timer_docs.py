"""A timer as a stored document (SQLite row or Cosmos DB item): ids, a kind and times
only, never content. Times are fixed-width UTC text, so string order is time order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from referrals.timers import Timer, TimerKind
from storage.codec import sortable_time


def timer_to_doc(timer: Timer) -> dict[str, Any]:
    return {
        "id": timer.id,
        "kind": timer.kind.value,
        "subject_id": timer.subject_id,
        "due_at": sortable_time(timer.due_at),
        "stage": timer.stage,
        "holder": timer.holder,
        "claimed_by": timer.claimed_by,
        "lease_until": _time_or_none(timer.lease_until),
        "fired_at": _time_or_none(timer.fired_at),
    }


def timer_from_doc(doc: Mapping[str, Any]) -> Timer:
    return Timer(
        id=str(doc["id"]),
        kind=TimerKind(doc["kind"]),
        subject_id=str(doc["subject_id"]),
        due_at=datetime.fromisoformat(str(doc["due_at"])),
        stage=int(doc["stage"]),
        holder=str(doc["holder"]),
        claimed_by=str(doc["claimed_by"] or ""),
        lease_until=_parse_or_none(doc["lease_until"]),
        fired_at=_parse_or_none(doc["fired_at"]),
    )


def _time_or_none(moment: datetime | None) -> str | None:
    return sortable_time(moment) if moment is not None else None


def _parse_or_none(text: object) -> datetime | None:
    return datetime.fromisoformat(str(text)) if text else None
