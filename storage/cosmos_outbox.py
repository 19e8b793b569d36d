"""The outbox in Cosmos DB: the notifications embedded in each referral document (and in
each check-in notice document, `NOTICES`, written by `storage.cosmos_checkins`).

`pending` and `parked` fan out to every partition for entries in that status (the
outbox drains within seconds, so few are); `find_sent` is a point read of the referral.
Every delivery update (`mark_sent`, `record_failure`, `park` …) rewrites one entry of the
referral document under its ETag, re-reading and trying again if a save of the referral
landed in between, so neither write is lost.

A claim (the lease an instance takes before sending, `Notification.claimed`) is such an
update: of two instances claiming at once, the second's replace fails its ETag check, and
on reading the document again it finds the entry leased to the first and leaves it.
`pending` reads the leases in the entries and leaves out what others hold (the loopback
server's SQL is small, and the pending set is a handful of entries).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import datetime

from azure.core import MatchConditions
from azure.cosmos.exceptions import CosmosAccessConditionFailedError, CosmosResourceNotFoundError

from referrals import errors
from referrals.notifications import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    free_to_deliver,
)
from storage import codec, sealing
from storage.cosmos_database import (
    WRITE_ATTEMPTS,
    CosmosDatabase,
    Item,
    query,
    read_or_none,
    without_system_properties,
)
from storage.outbox_changes import OutboxChanges

# Notices about no referral (the advocates' check-ins) are held in documents of their own
# in the referrals container, so the outbox reads and updates them as it does a referral's.
NOTICES = "notices"


class CosmosOutboxStore(OutboxChanges):
    def __init__(self, database: CosmosDatabase) -> None:
        self._db = database
        self._container = database.referrals
        # Which referral holds each notification `pending` handed out, and to whom it goes,
        # so that marking it sent is a point read rather than another fan-out query.
        self._holders: dict[str, tuple[str, str]] = {}

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
            for n in await self._in_status(DeliveryStatus.PENDING)
            if n.recipient_id not in leaving_out
        ]
        if now is not None:
            waiting = free_to_deliver(waiting, owner, now)
        chosen = waiting[:limit]
        # The latest batch, and what earlier ones handed out to the people left out of it
        # (their lanes are still delivering those).
        self._holders = {
            notification_id: held
            for notification_id, held in self._holders.items()
            if held[1] in leaving_out
        } | {n.id: (n.referral_id, n.recipient_id) for n in chosen}
        return chosen

    async def mark_sent(
        self, notification_id: str, conversation_id: str, activity_id: str, at: datetime
    ) -> None:
        """Raises `KeyError` for an unknown notification, as the in-memory fake does."""
        await self._change(notification_id, lambda n: n.sent(conversation_id, activity_id), at)

    async def parked(self, limit: int = 50) -> list[Notification]:
        return (await self._in_status(DeliveryStatus.PARKED))[:limit]

    async def _in_status(self, status: DeliveryStatus) -> list[Notification]:
        entries = await query(
            self._container,
            "SELECT VALUE o FROM c JOIN o IN c.outbox "
            "WHERE (c.type = 'referral' OR c.type = @notices) AND o.status = @status",
            notices=NOTICES,
            status=status.value,
        )
        return sorted((self._open(e) for e in entries), key=lambda n: (n.created_at, n.id))

    async def _change(
        self,
        notification_id: str,
        change: Callable[[Notification], Notification | None],
        sent_at: datetime | None = None,
    ) -> Notification | None:
        """Rewrite one entry under the referral's ETag; `change` returning None leaves it
        alone. Raises `KeyError` for an unknown notification."""
        held = self._holders.get(notification_id)
        referral_id = held[0] if held else await self._holder_of(notification_id)
        for _ in range(WRITE_ATTEMPTS):
            current = await read_or_none(self._container, referral_id, referral_id)
            outbox: list[Item] = current["outbox"] if current else []
            index = next((i for i, e in enumerate(outbox) if e["id"] == notification_id), None)
            if current is None or index is None:
                raise KeyError(notification_id)
            changed = change(self._open(outbox[index]))
            if changed is None:
                return None
            entry = sealing.seal_notification(codec.notification_to_doc(changed), self._db.cipher)
            stamp = codec.sortable_time(sent_at) if sent_at else outbox[index].get("sent_at")
            outbox[index] = entry | ({"sent_at": stamp} if stamp else {})
            try:
                await self._container.replace_item(
                    referral_id,
                    without_system_properties(current),
                    etag=current["_etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
                if changed.status is not DeliveryStatus.PENDING:
                    self._holders.pop(notification_id, None)
                return changed
            except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
                continue
        raise errors.ConcurrentUpdate(referral_id)

    async def find_sent(
        self, referral_id: str, recipient_id: str, kind: NotificationKind
    ) -> Notification | None:
        if not referral_id:
            return None
        current = await read_or_none(self._container, referral_id, referral_id)
        if current is None:
            return None
        keys = set(sealing.indexes_of(recipient_id, sealing.RECIPIENT, self._db.cipher))
        sent = [
            self._open(e)
            for e in current.get("outbox", [])
            if e["recipient_key"] in keys
            and e["kind"] == NotificationKind(kind).value
            and e["status"] == DeliveryStatus.SENT.value
        ]
        return max(sent, key=lambda n: (n.created_at, n.id)) if sent else None

    async def _holder_of(self, notification_id: str) -> str:
        found = await query(
            self._container,
            "SELECT VALUE c.id FROM c WHERE (c.type = 'referral' OR c.type = @notices) AND "
            "EXISTS(SELECT VALUE o FROM o IN c.outbox WHERE o.id = @id)",
            id=notification_id,
            notices=NOTICES,
        )
        if not found:
            raise KeyError(notification_id)
        return str(found[0])

    def _open(self, entry: Item) -> Notification:
        sealed = {k: v for k, v in entry.items() if k != "sent_at"}
        return codec.notification_from_doc(sealing.open_notification(sealed, self._db.cipher))
