"""In-memory fakes of every storage port, for fast unit tests.

They keep copies, never the caller's objects, so a test sees exactly what a real store
would give back. They pass the same contract suite as the real adapters.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any

from referrals import errors, statistics
from referrals.audit import AuditEntry
from referrals.case_record import CaseEntry
from referrals.checkins import Checkin
from referrals.notifications import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    free_to_deliver,
)
from referrals.people import Advocate
from referrals.ports import Stores
from referrals.referral import Referral
from referrals.states import HELD_BY_ADVOCATE, OPEN_STATES, ReferralState
from referrals.statistics import MonthTallies
from referrals.views import ShownView
from storage.memory_subjects import MemorySubjectIndexStore
from storage.memory_timers import MemoryTimerStore
from storage.outbox_changes import OutboxChanges


def _snapshot(referral: Referral) -> Referral:
    stored = copy.deepcopy(referral)
    stored.new_notifications, stored.new_entries = [], []
    return stored


class MemoryReferralStore:
    def __init__(self, outbox: MemoryOutboxStore) -> None:
        self._referrals: dict[str, Referral] = {}
        self._counters: dict[int, int] = {}
        self._outbox = outbox
        self._months: MonthTallies = {}  # the statistics, kept as SQLite keeps them
        self.entries: dict[str, list[CaseEntry]] = {}  # the case records, by referral id

    async def save(self, referral: Referral) -> None:
        stored = self._referrals.get(referral.id)
        stored_version = stored.version if stored else 0
        if (stored is None) != (referral.version == 0) or stored_version != referral.version:
            raise errors.ConcurrentUpdate(referral.id)
        referral.version += 1
        self._referrals[referral.id] = _snapshot(referral)
        statistics.add(self._months, statistics.change(stored, referral))
        self._outbox.add_all(referral.new_notifications)
        self.entries.setdefault(referral.id, []).extend(referral.new_entries)
        if referral.is_erased:
            self.entries.pop(referral.id, None)
        referral.new_notifications, referral.new_entries = [], []

    async def get(self, referral_id: str) -> Referral:
        try:
            return _snapshot(self._referrals[referral_id])
        except KeyError:
            raise errors.ReferralNotFound(referral_id) from None

    async def find_by_reference(self, reference: str) -> Referral | None:
        found = [r for r in self._referrals.values() if r.reference and r.reference == reference]
        return _snapshot(found[0]) if found else None

    async def find_draft(self, referrer_id: str) -> Referral | None:
        drafts = [
            r
            for r in self._referrals.values()
            if r.referrer_id == referrer_id and r.state is ReferralState.DRAFT
        ]
        return _snapshot(max(drafts, key=lambda r: r.updated_at)) if drafts else None

    async def delete_draft(self, referral_id: str) -> None:
        stored = self._referrals.get(referral_id)
        if stored is not None and stored.state is ReferralState.DRAFT:
            del self._referrals[referral_id]

    async def list_in_states(self, states: Collection[ReferralState]) -> list[Referral]:
        chosen = [r for r in self._referrals.values() if r.state in states]
        return [_snapshot(r) for r in sorted(chosen, key=_submitted_order)]

    async def list_for_referrer(self, referrer_id: str) -> list[Referral]:
        chosen = [
            r
            for r in self._referrals.values()
            if referrer_id and r.referrer_id == referrer_id and r.state is not ReferralState.DRAFT
        ]
        return [_snapshot(r) for r in sorted(chosen, key=_submitted_order)]

    async def list_for_advocate(self, advocate_id: str) -> list[Referral]:
        if not advocate_id:  # "" is the offered_to of every unallocated referral
            return []
        chosen = [
            r
            for r in self._referrals.values()
            if r.state in OPEN_STATES and advocate_id in (r.advocate_id, r.offered_to)
        ]
        return [_snapshot(r) for r in sorted(chosen, key=_submitted_order)]

    async def list_ended_before(self, before: datetime) -> list[Referral]:
        ended = (ReferralState.CLOSED, ReferralState.WITHDRAWN)
        chosen = [r for r in self._referrals.values() if r.state in ended and r.updated_at < before]
        return [_snapshot(r) for r in sorted(chosen, key=_submitted_order)]

    async def list_drafts_before(self, before: datetime) -> list[Referral]:
        chosen = [
            r
            for r in self._referrals.values()
            if r.state is ReferralState.DRAFT and r.updated_at < before
        ]
        return [_snapshot(r) for r in sorted(chosen, key=_submitted_order)]

    async def caseloads(self) -> dict[str, int]:
        loads: dict[str, int] = {}
        for r in self._referrals.values():
            if r.state in HELD_BY_ADVOCATE and r.advocate_id:
                loads[r.advocate_id] = loads.get(r.advocate_id, 0) + 1
        return loads

    async def next_reference_number(self, year: int) -> int:
        self._counters[year] = self._counters.get(year, 0) + 1
        return self._counters[year]

    async def statistics(self, months: Collection[str]) -> MonthTallies:
        return {m: dict(self._months[m]) for m in months if m in self._months}

    async def recount_statistics(self) -> MonthTallies:
        self._months = statistics.recount(self._referrals.values())
        return copy.deepcopy(self._months)


class MemoryCaseRecordStore:
    def __init__(self, referrals: MemoryReferralStore) -> None:
        self._referrals = referrals

    async def entries(self, referral: Referral) -> list[CaseEntry]:
        if referral.is_erased:
            return []
        return list(self._referrals.entries.get(referral.id, []))  # frozen: no copies needed


def _submitted_order(referral: Referral) -> tuple[datetime, str]:
    return (referral.submitted_at or referral.created_at, referral.id)


class MemoryRosterStore:
    def __init__(self) -> None:
        self._advocates: dict[str, Advocate] = {}

    async def list_advocates(self) -> list[Advocate]:
        return sorted(self._advocates.values(), key=lambda a: (a.display_name, a.user_id))

    async def get_advocate(self, user_id: str) -> Advocate | None:
        return self._advocates.get(user_id)

    async def put_advocate(self, advocate: Advocate) -> None:
        self._advocates[advocate.user_id] = advocate


class MemoryOutboxStore(OutboxChanges):
    def __init__(self) -> None:
        self._items: dict[str, Notification] = {}

    def add_all(self, notifications: list[Notification]) -> None:
        for n in notifications:
            self._items[n.id] = n

    async def pending(
        self,
        limit: int = 50,
        *,
        now: datetime | None = None,
        owner: str = "",
        leaving_out: AbstractSet[str] = frozenset(),
    ) -> list[Notification]:
        waiting = [
            n
            for n in self._items.values()
            if n.status is DeliveryStatus.PENDING and n.recipient_id not in leaving_out
        ]
        if now is not None:
            waiting = free_to_deliver(waiting, owner, now)
        return sorted(waiting, key=lambda n: (n.created_at, n.id))[:limit]

    async def mark_sent(
        self, notification_id: str, conversation_id: str, activity_id: str, at: datetime
    ) -> None:
        n = self._items[notification_id]
        self._items[notification_id] = n.sent(conversation_id, activity_id)

    async def parked(self, limit: int = 50) -> list[Notification]:
        parked = [n for n in self._items.values() if n.status is DeliveryStatus.PARKED]
        return sorted(parked, key=lambda n: (n.created_at, n.id))[:limit]

    async def _change(
        self,
        notification_id: str,
        change: Callable[[Notification], Notification | None],
        sent_at: datetime | None = None,
    ) -> Notification | None:
        changed = change(self._items[notification_id])
        if changed is not None:
            self._items[notification_id] = changed
        return changed

    async def find_sent(
        self, referral_id: str, recipient_id: str, kind: NotificationKind
    ) -> Notification | None:
        sent = [
            n
            for n in self._items.values()
            if (n.referral_id, n.recipient_id, n.kind) == (referral_id, recipient_id, kind)
            and n.status is DeliveryStatus.SENT
        ]
        return max(sent, key=lambda n: (n.created_at, n.id)) if sent else None


class MemoryConversationStore:
    def __init__(self) -> None:
        self._references: dict[str, dict[str, Any]] = {}

    async def put_reference(self, user_id: str, reference: Mapping[str, Any]) -> None:
        self._references[user_id] = copy.deepcopy(dict(reference))

    async def get_reference(self, user_id: str) -> dict[str, Any] | None:
        found = self._references.get(user_id)
        return copy.deepcopy(found) if found is not None else None


class MemoryShownViewStore:
    def __init__(self) -> None:
        self._views: dict[str, ShownView] = {}

    async def remember(self, view: ShownView) -> None:
        self._views[view.key] = view

    async def forget(self, key: str, shown_at: datetime | None = None) -> None:
        found = self._views.get(key)
        if found is not None and (shown_at is None or found.shown_at == shown_at):
            del self._views[key]

    async def list_views(self) -> list[ShownView]:
        return sorted(self._views.values(), key=lambda v: (v.shown_at, v.key))


class MemoryCheckinStore:
    def __init__(self, outbox: MemoryOutboxStore) -> None:
        self._outbox = outbox
        self._checkins: dict[tuple[str, str], Checkin] = {}  # (advocate id, month) -> answer
        self._sent: set[tuple[str, str]] = set()  # (month, advocate id)

    async def get(self, advocate_id: str, month: str) -> Checkin | None:
        return self._checkins.get((advocate_id, month))

    async def latest(self) -> dict[str, Checkin]:
        found: dict[str, Checkin] = {}
        for (advocate_id, _), checkin in sorted(self._checkins.items(), key=lambda i: i[0][1]):
            found[advocate_id] = checkin
        return found

    async def record(self, checkin: Checkin, notifications: Sequence[Notification]) -> None:
        self._checkins[(checkin.advocate_id, checkin.month)] = checkin
        self._outbox.add_all(list(notifications))

    async def mark_sent(self, month: str, advocate_id: str, notification: Notification) -> bool:
        if (month, advocate_id) in self._sent:
            return False
        self._sent.add((month, advocate_id))
        self._outbox.add_all([notification])
        return True

    async def sent_to(self, month: str) -> set[str]:
        return {advocate_id for sent_month, advocate_id in self._sent if sent_month == month}


class MemoryAuditLog:
    """Append-only, like the real one: there is no way to change or remove an entry."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []

    async def append(self, entry: AuditEntry) -> None:
        self._entries.append(entry)

    async def for_referral(self, referral_id: str) -> list[AuditEntry]:
        return [e for e in self._entries if e.referral_id == referral_id]

    async def between(self, start: datetime, end: datetime) -> list[AuditEntry]:
        return sorted((e for e in self._entries if start <= e.at < end), key=lambda e: e.at)


def memory_stores() -> Stores:
    outbox = MemoryOutboxStore()
    referrals = MemoryReferralStore(outbox)
    return Stores(
        referrals=referrals,
        roster=MemoryRosterStore(),
        outbox=outbox,
        conversations=MemoryConversationStore(),
        views=MemoryShownViewStore(),
        records=MemoryCaseRecordStore(referrals),
        checkins=MemoryCheckinStore(outbox),
        timers=MemoryTimerStore(),
        subjects=MemorySubjectIndexStore(),
    )
