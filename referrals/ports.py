"""The ports the domain needs from the outside world.

Each port has an in-memory fake (`storage/memory.py`) and two real adapters (SQLite, the
embedded default, and Azure Cosmos DB, the production store); `tests/storage/test_contract.py`
holds every adapter to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from referrals.case_record import CaseEntry
from referrals.checkins import Checkin
from referrals.notifications import Notification, NotificationKind
from referrals.people import Advocate
from referrals.referral import Referral
from referrals.states import ReferralState
from referrals.statistics import MonthTallies
from referrals.subjects import SubjectMark
from referrals.timers import Timer
from referrals.views import ShownView


class ReferralStore(Protocol):
    async def save(self, referral: Referral) -> None:
        """Insert (version 0) or update (matching version) the referral, together with its
        `new_notifications` and `new_entries` (the case record), in one atomic write; then
        bump `version` and clear both queues. Saving an erased referral deletes its case
        record (entries are kept apart from the referral: see `CaseRecordStore`).

        Raises `ConcurrentUpdate` if the stored version differs (or, on insert, exists).
        """

    async def get(self, referral_id: str) -> Referral:
        """Raises `ReferralNotFound`."""

    async def find_by_reference(self, reference: str) -> Referral | None: ...

    async def find_draft(self, referrer_id: str) -> Referral | None: ...

    async def delete_draft(self, referral_id: str) -> None:
        """Delete a referral that is still a draft; anything else is left alone."""

    async def list_in_states(self, states: Collection[ReferralState]) -> list[Referral]:
        """Oldest submitted first."""

    async def list_for_referrer(self, referrer_id: str) -> list[Referral]:
        """The referrer's sent referrals (not drafts, not erased ones), oldest first."""

    async def list_for_advocate(self, advocate_id: str) -> list[Referral]:
        """Open referrals offered to or held by this advocate, oldest first."""

    async def list_ended_before(self, before: datetime) -> list[Referral]:
        """Closed or withdrawn referrals last changed before `before` (retention)."""

    async def list_drafts_before(self, before: datetime) -> list[Referral]:
        """Drafts last changed before `before` (abandoned)."""

    async def caseloads(self) -> dict[str, int]:
        """Advocate id -> number of active referrals they hold."""

    async def next_reference_number(self, year: int) -> int:
        """1, 2, 3 … within a year, never the same number twice."""

    async def statistics(self, months: Collection[str]) -> MonthTallies:
        """Month ("2026-06") -> the sum of every referral's contribution to it
        (`referrals.statistics`), for each month asked that has any. `save` keeps it in
        step with the referrals; it must always equal a recount from them."""


class CaseRecordStore(Protocol):
    """Reading the case record. Entries are written by `ReferralStore.save`, with the
    referral change that adds them (one transaction), and kept apart from the referral
    document so a long case never grows it without bound (Cosmos DB's 2 MB item limit)."""

    async def entries(self, referral: Referral) -> list[CaseEntry]:
        """The entries saved with `referral` (its history names each one), oldest first;
        none once it is erased."""


class RosterStore(Protocol):
    async def list_advocates(self) -> list[Advocate]: ...

    async def get_advocate(self, user_id: str) -> Advocate | None: ...

    async def put_advocate(self, advocate: Advocate) -> None: ...


class OutboxStore(Protocol):
    """The outbox, delivered once however many instances run: an instance claims a
    notification (a lease, `Notification.claimed`) before it sends it, and sending,
    failing or parking it ends the lease."""

    async def pending(
        self,
        limit: int = 50,
        *,
        now: datetime | None = None,
        owner: str = "",
        leaving_out: AbstractSet[str] = frozenset(),
    ) -> list[Notification]:
        """Undelivered notifications, oldest first. Given `now`, only those free for
        `owner` to deliver (`notifications.free_to_deliver`): none another instance holds
        a lease on past `now`, nor any of the same person's behind one. None to the people
        in `leaving_out` (those already being delivered to), so that a long backlog of
        theirs never fills the `limit` and hides everyone else's."""

    async def claim(
        self, notification_id: str, owner: str, lease_until: datetime, now: datetime
    ) -> Notification | None:
        """Atomically lease a due notification to `owner` until `lease_until`, and return it
        as stored then (a post an earlier holder recorded included); None if another owner
        holds an unexpired lease, it is no longer due (sent, parked, put off) or it is gone.
        The holder claiming again renews its lease."""

    async def mark_sent(
        self, notification_id: str, conversation_id: str, activity_id: str, at: datetime
    ) -> None:
        """Delivered: never pending again; the lease ends."""

    async def find_sent(
        self, referral_id: str, recipient_id: str, kind: NotificationKind
    ) -> Notification | None:
        """The latest delivered notification of that kind, to update its card in place."""

    async def record_posted(
        self, notification_id: str, conversation_id: str, activity_id: str
    ) -> None:
        """Remember where a message was posted before marking it sent, so a crash in
        between leads to an update in place, not a second message. Stays pending."""

    async def record_failure(
        self, notification_id: str, error_code: str, retry_at: datetime, at: datetime
    ) -> None:
        """Count a failed attempt and put the next one off until `retry_at`; the lease
        ends, so whichever instance is free then tries again."""

    async def park(self, notification_id: str, error_code: str, at: datetime) -> None:
        """Stop trying: it waits in `parked()` until someone retries it; the lease ends."""

    async def parked(self, limit: int = 50) -> list[Notification]:
        """Notifications that could not be delivered, oldest first."""

    async def retry_parked(self, notification_id: str) -> Notification | None:
        """Put a parked notification back in the queue, due now, with a fresh retry
        budget; returns it, or None if it is not (or no longer) parked."""


class ConversationStore(Protocol):
    """Where to reach each person proactively: an opaque, channel-specific reference."""

    async def put_reference(self, user_id: str, reference: Mapping[str, Any]) -> None: ...

    async def get_reference(self, user_id: str) -> dict[str, Any] | None: ...


class ShownViewStore(Protocol):
    """Messages that show a referral's details or its thread (`referrals.views`): ids, kinds
    and times only."""

    async def remember(self, view: ShownView) -> None:
        """Record the view; a view of the same message replaces the earlier record."""

    async def forget(self, key: str, shown_at: datetime | None = None) -> None:
        """Drop the record of the message with this key, if there is one; with `shown_at`,
        only if it is still the record of that showing (not a newer one of the message)."""

    async def list_views(self) -> list[ShownView]:
        """Every view recorded, oldest first."""


class CheckinStore(Protocol):
    """The advocates' monthly check-ins (`referrals.checkins`) and which month's check-in
    each was sent. The notifications a change queues go to the outbox in the same write,
    so an answer is never kept without its notice to the SMLOs, nor sent twice."""

    async def get(self, advocate_id: str, month: str) -> Checkin | None: ...

    async def latest(self) -> dict[str, Checkin]:
        """Advocate id -> their latest answered check-in."""

    async def record(self, checkin: Checkin, notifications: Sequence[Notification]) -> None:
        """Keep the answer, replacing any earlier one of the same advocate and month, and
        queue `notifications` with it."""

    async def mark_sent(self, month: str, advocate_id: str, notification: Notification) -> bool:
        """Record that `month`'s check-in went to the advocate and queue `notification`,
        once: False (and nothing queued) if it was already sent that month."""

    async def sent_to(self, month: str) -> set[str]:
        """The advocates `month`'s check-in was sent to."""


class TimerStore(Protocol):
    """Reminders and escalations (`referrals.timers`), durable, fired once however many
    instances run: a timer is claimed (a lease) before it fires and marked fired after."""

    async def schedule(self, timer: Timer) -> None:
        """Keep `timer` unless one with its id is stored already (fired or not): deriving
        the same timers again changes nothing."""

    async def cancel(self, timer_id: str) -> None:
        """Forget a timer that has not fired; unknown ids are ignored."""

    async def due(self, now: datetime, limit: int = 100) -> list[Timer]:
        """Unfired timers due by `now` and not leased to anyone past `now`, earliest first."""

    async def claim(self, timer_id: str, owner: str, lease_until: datetime, now: datetime) -> bool:
        """Atomically lease a due, unfired timer to `owner` until `lease_until`; False if
        someone else holds an unexpired lease, or it fired, or it is gone."""

    async def mark_fired(self, timer_id: str, owner: str, at: datetime) -> None:
        """It fired (or was dropped as no longer pending): never due again."""

    async def get(self, timer_id: str) -> Timer | None: ...

    async def forget(self, subject_id: str) -> None:
        """Delete every timer of this subject, fired or not (retention: a purged referral
        or a deleted draft leaves no ids behind)."""


class SubjectIndexStore(Protocol):
    """The blind indexes of whom referrals name (`referrals.subjects`): referral id, index,
    referrer index. Nothing in clear; a referral's rows go when its personal data does."""

    async def put(self, referral_id: str, marks: Sequence[SubjectMark]) -> None:
        """Keep `marks` as the rows of `referral_id`, replacing any it had."""

    async def sharing(self, referral_id: str) -> list[SubjectMark]:
        """The referral's own rows and every row sharing an index with one of them."""

    async def find(self, index: str) -> list[SubjectMark]:
        """Every row with this index (a search by subject for a data protection request)."""

    async def forget(self, referral_id: str) -> None:
        """Delete the referral's rows; unknown ids are ignored."""


class LeaseStore(Protocol):
    """Named leases, so a job meant to run once across instances (retention, the directory
    refresh, the reminder loop) runs on one of them at a time, and on another when that
    one dies. A domain port, beside `TimerStore`'s claims, because "once, whoever runs
    it" is a rule of the service, not of a store; the use cases never take leases
    themselves (the app's background runner does, `bot/singleton.py`), so `Stores` does
    not carry one: the opened store hands it to the composition root."""

    async def acquire(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        """Atomically hold lease `name` for `owner` until `until`: True if it was free, its
        holder's `until` had passed by `now`, or `owner` held it already (a renewal)."""

    async def release(self, name: str, owner: str) -> None:
        """Give the lease up if `owner` holds it, so another instance need not wait for it
        to expire; anyone else's lease is left alone."""


@dataclass(frozen=True)
class Stores:
    referrals: ReferralStore
    roster: RosterStore
    outbox: OutboxStore
    conversations: ConversationStore
    views: ShownViewStore
    records: CaseRecordStore
    checkins: CheckinStore
    timers: TimerStore
    subjects: SubjectIndexStore


class Clock(Protocol):
    def now(self) -> datetime: ...
