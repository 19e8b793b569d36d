"""Check-ins in Cosmos DB, in the `checkins` container: one item per advocate and month
(the answer sealed, `storage.checkin_codec`) and one marker per check-in sent.

The outbox lives in the referrals container (`storage.cosmos_outbox`), so a check-in's
notifications are held there in a notices document of their own, written before the
answer: a crash in between tells the SMLOs of an answer the advocate must give again,
never keeps an answer without telling them. The check-in sent to an advocate is held in a
notices document named for the month and the advocate, created once (a conflict means it
was already sent), so two app instances sending at once send it once.
"""

from __future__ import annotations

from collections.abc import Sequence

from azure.cosmos.exceptions import CosmosResourceExistsError

from referrals.checkins import Checkin
from referrals.notifications import Notification
from storage import checkin_codec, codec, sealing
from storage.cosmos_database import CosmosDatabase, query, read_or_none, without_system_properties
from storage.cosmos_outbox import NOTICES


class CosmosCheckinStore:
    def __init__(self, database: CosmosDatabase) -> None:
        self._db = database
        self._container, self._cipher = database.checkins, database.cipher

    async def get(self, advocate_id: str, month: str) -> Checkin | None:
        item_id = checkin_codec.checkin_id(advocate_id, month)
        item = await read_or_none(self._container, item_id, item_id)
        return self._open(item) if item else None

    async def latest(self) -> dict[str, Checkin]:
        items = await query(self._container, "SELECT * FROM c WHERE c.type = 'checkin'")
        found: dict[str, Checkin] = {}
        for checkin in sorted((self._open(i) for i in items), key=lambda c: c.month):
            found[checkin.advocate_id] = checkin
        return found

    async def record(self, checkin: Checkin, notifications: Sequence[Notification]) -> None:
        if notifications:
            await self._hold(notifications)
        await self._container.upsert_item(checkin_codec.seal_checkin(checkin, self._cipher))

    async def mark_sent(self, month: str, advocate_id: str, notification: Notification) -> bool:
        try:
            await self._hold([notification])
            sent = True
        except CosmosResourceExistsError:
            sent = False  # already sent; make sure the marker says so
        marker = {"id": f"sent:{month}:{advocate_id}", "type": "sent", "month": month}
        await self._container.upsert_item(marker | {"advocate_id": advocate_id})
        return sent

    async def sent_to(self, month: str) -> set[str]:
        found = await query(
            self._container,
            "SELECT VALUE c.advocate_id FROM c WHERE c.type = 'sent' AND c.month = @month",
            month=month,
        )
        return {str(a) for a in found}

    async def _hold(self, notifications: Sequence[Notification]) -> None:
        """One notices document holding these notifications (all with one holder id)."""
        holder = notifications[0].referral_id
        outbox = [
            sealing.seal_notification(codec.notification_to_doc(n), self._cipher)
            for n in notifications
        ]
        await self._db.referrals.create_item({"id": holder, "type": NOTICES, "outbox": outbox})

    def _open(self, item: dict[str, object]) -> Checkin:
        return checkin_codec.open_checkin(without_system_properties(item), self._cipher)
