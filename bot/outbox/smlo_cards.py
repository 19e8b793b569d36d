"""The SMLO's card for each referral, kept current in place as the referral moves on (best
effort: a stale card is harmless, since every click is checked against the stored state).

A referral's card is in the message it arrived as (its delivered NEW_REFERRAL
notification) and in any message where the SMLO opened it since (`card_places.py`);
every one of them is updated, except the one whose click made the change (Teams already
shows that click's answer there)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from collections.abc import Set as AbstractSet

from bot.activities import card_message
from bot.outbox.card_places import CardPlaces
from bot.outbox.messenger import TeamsMessenger
from cards import smlo
from common.tasks import stop_if_cancelled
from referrals.notifications import NotificationKind
from referrals.ports import Stores
from referrals.referral import Referral
from referrals.support import SupportDirectory

log = logging.getLogger(__name__)


class SmloCards:
    def __init__(
        self,
        stores: Stores,
        messenger: TeamsMessenger,
        smlo_ids: AbstractSet[str],
        advocate_names: Callable[[], Awaitable[dict[str, str]]],
        support: SupportDirectory,
        places: CardPlaces | None = None,
    ) -> None:
        self._stores, self._messenger = stores, messenger
        self._smlo_ids, self._names = smlo_ids, advocate_names
        self._support = support  # names the service an out-of-remit referral went to
        self._places = places

    async def refresh(self, smlo_id: str, referral_id: str, clicked: tuple[str, str]) -> None:
        try:
            referral = await self._stores.referrals.get(referral_id)
            names = await self._names()
        except Exception as error:  # gone (purged), or the store is down: it is best effort
            stop_if_cancelled()
            log.warning(
                "card refresh skipped: referral=%s error=%s", referral_id, type(error).__name__
            )
            return
        await self.update(referral, smlo_id, names, clicked)

    async def update(
        self, r: Referral, recipient: str, names: dict[str, str], skip: tuple[str, str] = ("", "")
    ) -> None:
        """Update the SMLO's cards of `r` in place where we can; a card we cannot update
        (deleted, say) must never hold back the others or the note that follows."""
        try:
            places = await self._places_of(r.id, recipient)
        except Exception as error:
            stop_if_cancelled()
            log.warning("card update failed: referral=%s error=%s", r.id, type(error).__name__)
            return
        for place in places:
            if place == skip:
                continue  # the click that changed it already shows the new state there
            try:
                await self._update_in_place(r, recipient, names, place[1])
            except Exception as error:
                stop_if_cancelled()
                log.warning("card update failed: referral=%s error=%s", r.id, type(error).__name__)

    async def _places_of(self, referral_id: str, recipient: str) -> list[tuple[str, str]]:
        original = await self._stores.outbox.find_sent(
            referral_id, recipient, NotificationKind.NEW_REFERRAL
        )
        places = []
        if original is not None and original.activity_id:
            places.append((original.conversation_id, original.activity_id))
        if self._places is not None:
            places += await self._places.of(recipient, referral_id)
        return list(dict.fromkeys(places))

    async def _update_in_place(
        self, r: Referral, recipient: str, names: dict[str, str], activity_id: str
    ) -> None:
        update = card_message(
            smlo.referral_card(r, names, smlo_ids=self._smlo_ids, support=self._support)
        )
        update.id = activity_id
        await self._messenger.update(recipient, update)
