"""Teams messaging to people other than the current speaker: open (or find) their 1:1
chat, install the app for staff who never opened it, post, and update in place.

Every call goes only to an allowed Bot Connector host, paced under Teams' per-chat limits
and bounded in time; a connector error is raised to the caller (the outbox decides what
it means).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from collections.abc import Set as AbstractSet
from typing import Any, Protocol

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.outbox.policy import ConversationPacer, classify
from bot.references import reference_of
from common.hosts import TEAMS_PUBLIC_CLOUD_HOST, service_url_allowed
from referrals.ports import ConversationStore, RosterStore

# Teams' answers to opening a chat with someone who does not have the app.
APP_NOT_INSTALLED = frozenset({"403", "404"})


class NotReachableYet(Exception):
    """No chat with this person yet and no way to open one: try again when they write."""


class AppInstallPending(Exception):
    """The app was just installed for this person but Teams does not yet let the bot open
    a chat with them: retried with backoff like any passing failure."""


class ServiceHostNotAllowed(Exception):
    """The Bot Connector URL is not on SMA_ALLOWED_SERVICE_HOSTS: nothing is sent there,
    since every call would carry the bot's token (and a message) to that host."""


class Installer(Protocol):
    """Installs the app in someone's personal scope (entra/install.py, through Graph)."""

    async def install_for(self, user_id: str) -> bool: ...


class TeamsMessenger:
    def __init__(
        self,
        adapter: BotAdapter,
        conversations: ConversationStore,
        roster: RosterStore,
        app_id: str,
        service_url: str,
        tenant_id: str,
        smlo_ids: AbstractSet[str],
        allowed_service_hosts: frozenset[str] = frozenset({TEAMS_PUBLIC_CLOUD_HOST}),
        *,
        pacer: ConversationPacer | None = None,
        send_timeout: float = 30.0,
        installer: Installer | None = None,
    ) -> None:
        self._adapter, self._conversations, self._roster = adapter, conversations, roster
        self._app_id, self._service_url, self._tenant_id = app_id, service_url, tenant_id
        self._smlo_ids = smlo_ids
        self._allowed_hosts = allowed_service_hosts
        self._pacer = pacer or ConversationPacer()
        # The SDK's HTTP client waits 100 s; a stuck call must not hold up the whole queue.
        self.send_timeout = send_timeout
        self._installer = installer  # None: Graph is not used

    async def send(
        self,
        user_id: str,
        activity: Activity,
        posted: Callable[[str, str], Awaitable[None]] | None = None,
    ) -> tuple[str, str]:
        """Send to a person's 1:1 chat; returns (conversation id, activity id). `posted` is
        awaited with them the moment Teams answers, before botbuilder unwinds the turn, so
        the caller can record the post as early as it can be known."""
        sent: dict[str, str] = {}

        async def send_it(tc: TurnContext) -> None:
            response = await tc.send_activity(activity)
            sent["conversation"] = tc.activity.conversation.id
            sent["activity"] = response.id if response else ""
            if posted is not None:
                await posted(sent["conversation"], sent["activity"])

        await self._in_conversation(user_id, send_it)
        return sent["conversation"], sent["activity"]

    async def update(self, user_id: str, activity: Activity) -> None:
        """Replace the message `activity.id` in the person's chat."""
        await self._in_conversation(user_id, lambda tc: tc.update_activity(activity))

    async def _in_conversation(
        self, user_id: str, callback: Callable[[TurnContext], Awaitable[Any]]
    ) -> None:
        """Run `callback` in the person's chat; a connector error is raised here."""
        failed: list[Exception] = []

        async def keeping_the_error(tc: TurnContext) -> None:
            # The adapter hands a callback's error to on_turn_error and carries on, so
            # the outbox would never see a 429; catch it here and raise it below.
            try:
                await callback(tc)
            except Exception as error:
                failed.append(error)

        await self._open_conversation(user_id, keeping_the_error)
        if failed:
            raise failed[0]

    async def _open_conversation(
        self, user_id: str, callback: Callable[[TurnContext], Awaitable[Any]]
    ) -> None:
        stored = await self._conversations.get_reference(user_id)
        if stored is not None:
            reference = ConversationReference().deserialize(stored)
            # Defence in depth: the gate refused unknown hosts before the reference was
            # stored, but a store restored from elsewhere or an old row must not send there.
            self._check_host(reference.service_url)
            # A 1:1 chat per person, so the person's id keys the conversation's pace.
            await self._pacer.wait_turn(user_id)
            async with asyncio.timeout(self.send_timeout):
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
            await self._conversations.put_reference(user_id, reference_of(tc.activity))
            await callback(tc)

        async def create() -> None:
            await self._pacer.wait_turn(user_id)
            async with asyncio.timeout(self.send_timeout):
                await self._adapter.create_conversation(
                    self._app_id, remember_then, parameters, "msteams", self._service_url, None
                )

        await self._create_installing_if_needed(user_id, create)

    async def _create_installing_if_needed(
        self, user_id: str, create: Callable[[], Awaitable[None]]
    ) -> None:
        """Open the chat; if Teams refuses because the person does not have the app, install
        it for them through Graph and try once more. Only for staff (an SMLO or an active
        advocate): an app that appears unasked must never hint that someone was referred."""
        try:
            await create()
            return
        except Exception as error:
            if self._installer is None or classify(error).code not in APP_NOT_INSTALLED:
                raise
            advocate = await self._roster.get_advocate(user_id)
            staff = user_id in self._smlo_ids or (advocate is not None and advocate.active)
            if not staff or not await self._installer.install_for(user_id):
                raise
        try:
            await create()
        except Exception as error:
            if classify(error).code in APP_NOT_INSTALLED:
                raise AppInstallPending(user_id) from error
            raise

    def _check_host(self, service_url: str | None) -> None:
        if not service_url_allowed(service_url or "", self._allowed_hosts):
            raise ServiceHostNotAllowed()
