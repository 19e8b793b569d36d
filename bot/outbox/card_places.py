"""Where each SMLO's chat shows a referral's card, besides the card it arrived as.

An SMLO also meets a referral's card by typing `referral SMA-…` or opening it from the
inbox, and may act on it there (find an advocate, say it is outside our remit). Those
messages must follow the referral as it moves on, just like the card it arrived as (which
the outbox finds through its delivered notification): otherwise an SMLO who offered a case
from the inbox reads "Waiting to hear back" long after the advocate said yes.

Kept in the bot state store (the same database, sealed, shared by every instance), one
small document per SMLO: message -> the referral its card shows. Only ids; no content.
A message that comes to show something else (the inbox, the roster) is dropped; the
newest `KEPT_AT_MOST` are kept; state left untouched is purged with abandoned dialog
state (`bot/retention.py`).
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import Storage

KEPT_AT_MOST = 100
_PREFIX = "sma/smlo-card-places/"


class CardPlaces:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def shown(
        self, smlo_id: str, conversation_id: str, activity_id: str, referral_id: str
    ) -> None:
        """The message now shows this referral's card ("" : something else)."""
        if not (smlo_id and conversation_id and activity_id):
            return
        places = await self._read(smlo_id)
        place = f"{conversation_id}\n{activity_id}"
        if places.get(place, "") == referral_id:
            return
        places.pop(place, None)
        if referral_id:
            places[place] = referral_id
        kept = dict(list(places.items())[-KEPT_AT_MOST:])
        # Last writer wins: two clicks of one SMLO at the same moment may drop a place, and
        # a card that is not updated is harmless (every click is checked against the store).
        await self._storage.write({_PREFIX + smlo_id: {"places": kept}})

    async def of(self, smlo_id: str, referral_id: str) -> list[tuple[str, str]]:
        """(conversation id, message id) of every message showing this referral's card."""
        found = []
        for place, shown in (await self._read(smlo_id)).items():
            conversation_id, _, activity_id = place.partition("\n")
            if shown == referral_id:
                found.append((conversation_id, activity_id))
        return found

    async def _read(self, smlo_id: str) -> dict[str, str]:
        key = _PREFIX + smlo_id
        stored: Any = (await self._storage.read([key])).get(key)
        places = stored.get("places") if isinstance(stored, dict) else None
        if not isinstance(places, dict):
            return {}
        return {str(k): str(v) for k, v in places.items()}
