"""Delivers the outbox: proactive messages to people other than the current speaker.

A notification is rendered when it is sent, from the referral as it is then, so cards are
never stale and the outbox holds no content. The SMLO's referral card is updated in place
as the referral moves on. Retries, backoff and throttling come with the reliability work;
here a failed delivery stays pending and is tried again on the next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.background import stop_if_cancelled
from bot.references import reference_of
from bot.settings import TEAMS_PUBLIC_CLOUD_HOST, service_url_allowed
from cards import advocate, notices, smlo
from cards.elements import plain
from dialogs.turn import card_message
from referrals.notifications import Notification, NotificationKind
from referrals.ports import Clock, Stores
from referrals.referral import Referral

log = logging.getLogger(__name__)
K = NotificationKind
UPDATES_SMLO_CARD = frozenset({K.ACCEPTED, K.DECLINED, K.WITHDRAWN})


def update_words(kind: NotificationKind, r: Referral, names: Mapping[str, str]) -> str:
    """What an update note to the SMLO says: who did what; never content."""
    if kind is K.WITHDRAWN:
        return f"{r.reference} was withdrawn by the person. There is nothing more to do."
    if kind is K.ACCEPTED:
        who = plain(names.get(r.advocate_id, "An advocate"))
        return f"{who} has taken {r.reference}."
    who = plain(names.get(r.declined_by[-1], "The advocate")) if r.declined_by else "The advocate"
    return f"{who} could not take {r.reference}. Please choose someone else."


class NotReachableYet(Exception):
    """No chat with this person yet and no way to open one: try again when they write."""


class ServiceHostNotAllowed(Exception):
    """The Bot Connector URL is not on SMA_ALLOWED_SERVICE_HOSTS: nothing is sent there,
    since every call would carry the bot's token (and a message) to that host."""


class Notifier:
    def __init__(
        self,
        adapter: BotAdapter,
        stores: Stores,
        clock: Clock,
        app_id: str,
        service_url: str,
        tenant_id: str,
        smlo_ids: frozenset[str],
        allowed_service_hosts: frozenset[str] = frozenset({TEAMS_PUBLIC_CLOUD_HOST}),
    ) -> None:
        self._adapter, self._stores, self._clock = adapter, stores, clock
        self._allowed_hosts = allowed_service_hosts
        self._app_id, self._service_url, self._tenant_id = app_id, service_url, tenant_id
        self._smlo_ids = smlo_ids
        # referral id -> (conversation, message) of the click that already shows it
        self._stale_cards: dict[str, tuple[str, str]] = {}
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        """Ask the background loop to deliver now (called after every turn)."""
        self._wake.set()

    async def run(self) -> None:
        """Background loop: deliver whenever woken, and every few seconds regardless."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=5)
            self._wake.clear()
            await self.deliver_pending()

    def refresh_cards_later(self, referral_id: str, clicked: tuple[str, str]) -> None:
        """Bring the other SMLOs' cards for this referral up to date (best effort: a stale
        card is harmless, since every click is checked against the stored state)."""
        self._stale_cards[referral_id] = clicked
        self.wake()

    async def deliver_pending(self) -> int:
        """Deliver everything pending once, then refresh stale cards; returns how many
        notifications were delivered."""
        delivered = 0
        async with self._lock:
            stale, self._stale_cards = self._stale_cards, {}
            for referral_id, clicked in stale.items():
                await self._refresh_smlo_cards(referral_id, clicked)
            for notification in await self._stores.outbox.pending():
                try:
                    await self._deliver(notification)
                    delivered += 1
                except NotReachableYet:
                    # Tried again every pass until they write to us: keep the log quiet.
                    log.debug("waiting for the recipient to open the bot: id=%s", notification.id)
                except Exception as error:  # one failure must not stop the rest
                    stop_if_cancelled()
                    log.warning(
                        "delivery failed: notification=%s kind=%s error=%s",
                        notification.id,
                        notification.kind,
                        type(error).__name__,
                    )
        return delivered

    async def _deliver(self, n: Notification) -> None:
        referral = await self._stores.referrals.get(n.referral_id)
        names = await self._names()
        if n.kind in UPDATES_SMLO_CARD and n.recipient_id in self._smlo_ids:
            await self._best_effort_card_update(referral, n.recipient_id, names)
            card = notices.update_card(referral.reference, update_words(n.kind, referral, names))
        else:
            card = render(n.kind, referral, names, self._smlo_ids)
        conversation_id, activity_id = await self.send(
            n.recipient_id, card_message(card, summary=f"Update on {referral.reference}")
        )
        await self._stores.outbox.mark_sent(n.id, conversation_id, activity_id, self._clock.now())
        log.info("delivered: notification=%s kind=%s", n.id, n.kind)

    async def _refresh_smlo_cards(self, referral_id: str, clicked: tuple[str, str]) -> None:
        referral = await self._stores.referrals.get(referral_id)
        names = await self._names()
        for smlo_id in sorted(self._smlo_ids):
            await self._best_effort_card_update(referral, smlo_id, names, clicked)

    async def _best_effort_card_update(
        self, r: Referral, recipient: str, names: dict[str, str], skip: tuple[str, str] = ("", "")
    ) -> None:
        """Update the SMLO's card in place if we can; a card we cannot update (deleted, say)
        must never hold back the note that follows or the other SMLOs' cards."""
        try:
            await self._update_smlo_card(r, recipient, names, skip)
        except Exception as error:
            stop_if_cancelled()
            log.warning("card update failed: referral=%s error=%s", r.id, type(error).__name__)

    async def _update_smlo_card(
        self, r: Referral, recipient: str, names: dict[str, str], skip: tuple[str, str]
    ) -> None:
        original = await self._stores.outbox.find_sent(r.id, recipient, K.NEW_REFERRAL)
        if original is None or not original.activity_id:
            return
        if (original.conversation_id, original.activity_id) == skip:
            return  # the click that changed it already shows the new state there
        update = card_message(smlo.referral_card(r, names, smlo_ids=self._smlo_ids))
        update.id = original.activity_id
        await self._in_conversation(recipient, lambda tc: tc.update_activity(update))

    async def _names(self) -> dict[str, str]:
        return {a.user_id: a.display_name for a in await self._stores.roster.list_advocates()}

    async def send(self, user_id: str, activity: Activity) -> tuple[str, str]:
        """Send to a person's 1:1 chat; returns (conversation id, activity id)."""
        sent: dict[str, str] = {}

        async def send_it(tc: TurnContext) -> None:
            response = await tc.send_activity(activity)
            sent["conversation"] = tc.activity.conversation.id
            sent["activity"] = response.id if response else ""

        await self._in_conversation(user_id, send_it)
        return sent["conversation"], sent["activity"]

    async def _in_conversation(
        self, user_id: str, callback: Callable[[TurnContext], Awaitable[Any]]
    ) -> None:
        stored = await self._stores.conversations.get_reference(user_id)
        if stored is not None:
            reference = ConversationReference().deserialize(stored)
            # Defence in depth: the gate refused unknown hosts before the reference was
            # stored, but a store restored from elsewhere or an old row must not send there.
            self._check_host(reference.service_url)
            await self._adapter.continue_conversation(reference, callback, self._app_id)
            return
        if not self._service_url:
            raise NotReachableYet(user_id)
        self._check_host(self._service_url)
        # Never spoken to us: open a 1:1 chat (Teams accepts the Entra object id here).
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}" if self._app_id else "bot"),
            members=[ChannelAccount(id=user_id)],
            tenant_id=self._tenant_id or None,
            channel_data={"tenant": {"id": self._tenant_id}} if self._tenant_id else None,
        )

        async def remember_then(tc: TurnContext) -> None:
            await self._stores.conversations.put_reference(user_id, reference_of(tc.activity))
            await callback(tc)

        await self._adapter.create_conversation(
            self._app_id, remember_then, parameters, "msteams", self._service_url, None
        )

    def _check_host(self, service_url: str | None) -> None:
        if not service_url_allowed(service_url or "", self._allowed_hosts):
            raise ServiceHostNotAllowed()


def render(
    kind: NotificationKind, r: Referral, names: dict[str, str], smlo_ids: frozenset[str]
) -> dict[str, Any]:
    """The card a notification shows: never disclosure content on its face."""
    if kind is K.NEW_REFERRAL:
        return smlo.referral_card(r, names, smlo_ids=smlo_ids)
    if kind is K.OFFERED:
        return advocate.offer_card(r)
    if kind is K.ADVOCATE_ALLOCATED:
        return notices.allocated_card(r)
    if kind is K.SIGNPOSTED:
        return notices.signposted_card(r)
    if kind is K.WITHDRAWN:
        return notices.withdrawn_for_advocate_card(r)
    raise ValueError(f"no card for {kind}")
