"""The SMLO's card for each referral, kept current in place as the referral moves on (best
effort: a stale card is harmless, since every click is checked against the stored state)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from collections.abc import Set as AbstractSet

from bot.activities import card_message
from bot.outbox.messenger import TeamsMessenger
from cards import smlo
from common.tasks import stop_if_cancelled
from referrals.notifications import NotificationKind
from referrals.ports import Stores
from referrals.referral import Referral

log = logging.getLogger(__name__)


class SmloCards:
    def __init__(
        self,
        stores: Stores,
        messenger: TeamsMessenger,
        smlo_ids: AbstractSet[str],
        advocate_names: Callable[[], Awaitable[dict[str, str]]],
    ) -> None:
        self._stores, self._messenger = stores, messenger
        self._smlo_ids, self._names = smlo_ids, advocate_names

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
        """Update the SMLO's card in place if we can; a card we cannot update (deleted, say)
        must never hold back the note that follows or the other SMLOs' cards."""
        try:
            await self._update_in_place(r, recipient, names, skip)
        except Exception as error:
            stop_if_cancelled()
            log.warning("card update failed: referral=%s error=%s", r.id, type(error).__name__)

    async def _update_in_place(
        self, r: Referral, recipient: str, names: dict[str, str], skip: tuple[str, str]
    ) -> None:
        original = await self._stores.outbox.find_sent(
            r.id, recipient, NotificationKind.NEW_REFERRAL
        )
        if original is None or not original.activity_id:
            return
        if (original.conversation_id, original.activity_id) == skip:
            return  # the click that changed it already shows the new state there
        update = card_message(smlo.referral_card(r, names, smlo_ids=self._smlo_ids))
        update.id = original.activity_id
        await self._messenger.update(recipient, update)
