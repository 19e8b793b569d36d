"""The web role's side of delivery: after a turn, wake the worker with a small POST.

Fire and forget. A wake never delays or fails a turn: it is started, not awaited; at
most one is in flight, and whatever turns ask for meanwhile goes in the next one (a burst
of turns is one or two wakes). A failure is logged by error type only, once per spell of
failures, and costs nothing else: the worker looks at the outbox every few seconds
regardless (`bot.outbox.scheduler.TICK_SECONDS`), so a lost wake only delays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager

import aiohttp

from bot.outbox.scheduler import OutboxDelivery
from bot.roles.wake_message import MOST_REFRESHES, WAKE_PATH, CardRefresh, Wake, wake_body
from common.tasks import stop_if_cancelled

log = logging.getLogger(__name__)
# A wake the worker does not answer within this long is given up: polling covers it.
WAKE_TIMEOUT_SECONDS = 3.0


class WakeClient:
    """Wakes the worker at `worker_url` (its base URL) with the shared `key`; "" for
    either (development mode only) sends nothing, and the worker finds work by polling."""

    def __init__(self, worker_url: str, key: str) -> None:
        self._url = f"{worker_url}{WAKE_PATH}" if worker_url and key else ""
        self._headers = {"Authorization": f"Bearer {key}"}
        self._session: aiohttp.ClientSession | None = None
        self._refreshes: dict[str, tuple[str, str]] = {}  # referral id -> clicked message
        self._answered: dict[tuple[str, str], None] = {}  # messages turns answered, in order
        self._due = False
        self._sending: asyncio.Task[None] | None = None
        self._failing = False

    async def open(self) -> None:
        if self._url:
            timeout = aiohttp.ClientTimeout(total=WAKE_TIMEOUT_SECONDS)
            self._session = aiohttp.ClientSession(timeout=timeout)

    async def close(self) -> None:
        if self._sending is not None:
            self._sending.cancel()
            await asyncio.gather(self._sending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def wake(self) -> None:
        """Ask the worker to deliver now; returns at once."""
        if self._session is None:
            return
        self._due = True
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send_while_due(), name="wake-worker")

    def refresh_cards_later(self, referral_id: str, clicked: tuple[str, str]) -> None:
        """The worker brings the SMLOs' cards for this referral up to date (best effort)."""
        self._refreshes.pop(referral_id, None)  # the latest click last
        self._refreshes[referral_id] = clicked
        while len(self._refreshes) > MOST_REFRESHES:  # the oldest go stale: harmless
            del self._refreshes[next(iter(self._refreshes))]
        self.wake()

    def answered(self, conversation_id: str, message_id: str) -> None:
        """A turn answered a click on this message: the worker's detail-view sweep leaves it
        as the turn left it (sent with the next wake; the turn wakes as it ends)."""
        if self._session is None or not message_id:
            return
        self._answered[(conversation_id, message_id)] = None
        while len(self._answered) > MOST_REFRESHES:
            del self._answered[next(iter(self._answered))]

    async def _send_while_due(self) -> None:
        while self._due and self._session is not None:
            self._due = False
            refreshes = [CardRefresh(r, *clicked) for r, clicked in self._refreshes.items()]
            wake = Wake(refreshes, list(self._answered))
            self._refreshes.clear()
            self._answered.clear()
            await self._send(self._session, wake)

    async def _send(self, session: aiohttp.ClientSession, wake: Wake) -> None:
        try:
            async with session.post(
                self._url, data=wake_body(wake), headers=self._headers
            ) as response:
                ok = response.status < 300
                failure = "" if ok else f"status={response.status}"
        except Exception as error:
            stop_if_cancelled()
            failure = f"error={type(error).__name__}"
        self._report(failure)

    def _report(self, failure: str) -> None:
        """Once per spell of failures, so a worker that is down does not flood the log."""
        if failure and not self._failing:
            log.warning("worker not woken, it will find the work by polling: %s", failure)
        elif failure:
            log.debug("worker not woken: %s", failure)
        elif self._failing:
            log.info("worker woken again")
        self._failing = bool(failure)


class WorkerOutbox:
    """The outbox as a turn in the web role sees it (`bot.handler.Outbox`): the worker
    delivers and refreshes cards, so waking and refreshing go to it; where an SMLO's card
    is shown is written to the store here, as in one process."""

    def __init__(self, local: OutboxDelivery, client: WakeClient) -> None:
        self._local, self._client = local, client

    def wake(self) -> None:
        self._client.wake()

    def answering(self, conversation_id: str, message_id: str) -> AbstractContextManager[None]:
        """The detail-view sweep runs in the worker, which hears of the answer with the
        wake that follows the turn. A sweep already under way there may still overtake it
        and fold or clear that card: only what the chat shows, never what is stored."""
        return _answering(self._client, conversation_id, message_id)

    def refresh_cards_later(self, referral_id: str, clicked: tuple[str, str]) -> None:
        self._client.refresh_cards_later(referral_id, clicked)

    async def card_shown(self, smlo_id: str, place: tuple[str, str], referral_id: str) -> None:
        await self._local.card_shown(smlo_id, place, referral_id)


@contextlib.contextmanager
def _answering(client: WakeClient, conversation_id: str, message_id: str) -> Iterator[None]:
    try:
        yield
    finally:
        client.answered(conversation_id, message_id)
