"""Delivers the outbox: proactive messages to people other than the current speaker.

This is the scheduler: lanes, pacing, retries. What a notification shows is rendered by
`cards/notifications.py` when it is sent, from the referral as it is then, so cards are
never stale and the outbox holds no content; `messenger.py` posts it to Teams, and
`smlo_cards.py` updates the SMLO's referral card in place as the referral moves on.

Reliability (see `policy.py`): a failure the connector may get over (429, 412, 5xx,
connection errors, timeouts) is retried with exponential backoff and full jitter,
honouring Retry-After; any other refusal, or a spent retry budget, parks the notification
for an SMLO to see (`undelivered`) and retry by hand. Each conversation is paced under
Teams' per-thread limits.

Idempotence. Teams assigns activity ids itself (a client-chosen id is ignored), so we
cannot make a resend deduplicate on the service side. Instead the returned id is written
to the outbox (`record_posted`) the moment Teams answers the post (inside the send, before
botbuilder unwinds the turn) and before `mark_sent`. If the
process dies, or `mark_sent` fails, in between, the next pass finds a pending
notification that already has an activity id and *updates that message in place* with a
freshly rendered card, then marks it sent: the chat still shows one card. What remains is
the moment between the connector's answer and that first write; a crash exactly there
resends, and we accept a rare duplicate over a lost safeguarding message.

Several instances deliver from one store (App Service scale-out, a slot swap). Each has
its own `owner` id and claims a notification (a lease, `OutboxStore.claim`) just before
delivering it, so only one of them sends it; `pending` leaves out what others hold. A
lost claim means another instance has it: the lane stops there, as after a failure, so
none of that person's later messages overtakes it. The holder renews its claim while a
delivery lasts; an instance killed mid-delivery leaves its lease to run out (`LEASE`);
then another claims the notification, finds the activity id the killed one recorded,
and updates that message in place as above.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager
from datetime import timedelta
from functools import partial
from typing import Any

from botbuilder.schema import Activity

import telemetry
from bot.activities import card_message
from bot.outbox.card_places import CardPlaces
from bot.outbox.messenger import NotReachableYet, TeamsMessenger
from bot.outbox.policy import Backoff, classify, due_in_order
from bot.outbox.smlo_cards import SmloCards
from bot.outbox.views import ViewSweeper
from cards.digest import DIGEST_PREVIEW, digest_card
from cards.notifications import (
    UPDATES_SMLO_CARD,
    checkin_notice_card,
    checkin_preview,
    notification_card,
    preview_text,
)
from common.tasks import stop_if_cancelled
from referrals.digest import Digest
from referrals.notifications import CHECKIN_KINDS, Notification, NotificationKind
from referrals.ports import Clock, Stores
from referrals.support import SupportDirectory

log = logging.getLogger(__name__)
K = NotificationKind
# Chats delivered to side by side. Each chat keeps its own pace; the bound keeps a burst
# well under Teams' 50 requests a second per app and tenant.
MOST_CHATS_AT_ONCE = 8
# How many due notifications one pass reads. People whose lane is still running are left
# out of the read, so an SMLO's chat working through a backlog at Teams' pace never fills
# it: everyone else's notes are seen, and started, on the next pass.
DUE_PER_PASS = 250
# A burst of turns each wakes the loop; one pass after a short pause serves them all.
GATHER_SECONDS = 0.02
# The loop runs when woken (after every turn) and at least this often regardless.
TICK_SECONDS = 5.0
# How long a claim keeps other instances off a notification. One delivery can take longer
# (up to three Teams calls, each paced under Teams' per-chat limits, up to 31 s in a busy
# chat, and bounded by the messenger's 30 s timeout), so the holder renews its claim every
# third of it while it delivers (`_holding`). The lease itself is then only how long a
# notification waits to be taken over when its instance was killed mid-delivery, and,
# since a person's later messages wait behind it to keep their order, how long that
# person's chat waits. A minute: short for them, long beside a store write's latency.
LEASE = timedelta(seconds=60)


class DigestNotWired(RuntimeError):
    """A weekly digest is queued but this delivery was built without a way to count it."""


class OutboxDelivery:
    def __init__(
        self,
        stores: Stores,
        clock: Clock,
        messenger: TeamsMessenger,
        smlo_ids: AbstractSet[str],
        advocate_names: Callable[[], Awaitable[dict[str, str]]],
        *,
        views: ViewSweeper | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        card_places: CardPlaces | None = None,
        support: SupportDirectory,
        digest: Callable[[str], Awaitable[Digest]] | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self._stores, self._clock, self._messenger = stores, clock, messenger
        self._lease = lease  # settings: SMA_OUTBOX_LEASE_SECONDS
        self.owner = uuid.uuid4().hex  # this instance, in each claim it makes
        # The SMLO's weekly digest is counted when it is delivered, for them
        # (`Digests.counts`), so the outbox holds no counts and a late one is not stale.
        # None: it cannot be sent.
        self._digest = digest
        self._support = support  # where people are sent, and the crisis lines
        self._smlo_ids = smlo_ids
        self._names = advocate_names  # staff names, shown on staff cards
        self._places = card_places
        self._smlo_cards = SmloCards(
            stores, messenger, smlo_ids, advocate_names, support, card_places
        )
        self._views = views  # None: detail views are left as they are (a test's choice)
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        # SMLO id -> referral id -> (conversation, message) of the click that already shows it
        self._stale_cards: dict[str, dict[str, tuple[str, str]]] = {}
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one pass starts at a time
        self._lanes: dict[str, asyncio.Task[None]] = {}  # recipient id -> their deliveries
        # recipient id -> what their running lane was given and has not sent: the reads
        # leave those people out, and the outbox's lag still counts these
        self._unsent: dict[str, list[Notification]] = {}
        self._ended: set[str] = set()  # whose lanes ended since the last pass began
        self._slots = asyncio.Semaphore(MOST_CHATS_AT_ONCE)

    def answering(self, conversation_id: str, message_id: str) -> AbstractContextManager[None]:
        """Around a turn answering a click on this message: the detail-view sweep leaves
        it to the turn (`ViewSweeper.answering`)."""
        if self._views is None or not message_id:
            return contextlib.nullcontext()
        return self._views.answering(conversation_id, message_id)

    def wake(self) -> None:
        """Ask the background loop to deliver now, and the sweep to look at the detail
        views (called after every turn)."""
        self._wake.set()
        if self._views is not None:
            self._views.wake()

    async def run(self) -> None:
        """Background loop: start delivering whenever woken, and every few seconds
        regardless. It does not wait for what it starts, so a slow chat never holds up
        the next pass for everyone else."""
        # The detail-view sweep runs beside delivery, so a slow update never holds it up.
        sweeping = asyncio.create_task(self._views.run(), name="views") if self._views else None
        try:
            while True:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation

                # that lands as the wake arrives, and the loop would then never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(TICK_SECONDS):
                        await self._wake.wait()
                await asyncio.sleep(GATHER_SECONDS)
                self._wake.clear()
                try:
                    await self._start_pass()
                except Exception as error:  # a store outage, say: try again next time
                    stop_if_cancelled()
                    log.warning("delivery pass failed: error=%s", type(error).__name__)
        finally:
            if sweeping is not None:
                sweeping.cancel()
                await asyncio.gather(sweeping, return_exceptions=True)
            lanes = list(self._lanes.values())
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)

    def refresh_cards_later(self, referral_id: str, clicked: tuple[str, str]) -> None:
        """Bring the other SMLOs' cards for this referral up to date (best effort: a stale
        card is harmless, since every click is checked against the stored state)."""
        for smlo_id in self._smlo_ids:
            self._stale_cards.setdefault(smlo_id, {})[referral_id] = clicked
        self.wake()

    async def card_shown(self, smlo_id: str, place: tuple[str, str], referral_id: str) -> None:
        """An SMLO's message now shows this referral's card ("": something else), so it
        is kept current with the rest (`card_places.py`). Best effort."""
        if self._places is None or smlo_id not in self._smlo_ids:
            return
        try:
            await self._places.shown(smlo_id, *place, referral_id)
        except Exception as error:
            stop_if_cancelled()
            log.warning("card place not kept: error=%s", type(error).__name__)

    async def deliver_pending(self) -> None:
        """Deliver every due notification and refresh stale cards, and wait until it is
        done (the background loop does not wait; tests and hand-driven passes do)."""
        for _ in range(3):  # a chat busy when a pass starts is done by a later pass
            busy = await self._start_pass()
            while self._lanes:
                await asyncio.gather(*self._lanes.values(), return_exceptions=True)
            if not busy:
                break
        await self.sweep_views()

    async def sweep_views(self) -> None:
        """Fold back or clear the detail views that are due, now (bot/outbox/views.py)."""
        if self._views is not None:
            await self._views.sweep_safely()

    async def _start_pass(self) -> bool:
        """Start a lane for each person with something due and no lane yet.

        Each person's messages go out in order, one at a time, at their chat's pace, and
        an SMLO's card refreshes go in the same lane, so two renderings of one card never
        race. Different people's lanes run side by side, so a referrer's note never waits
        behind a busy SMLO chat. Returns whether anyone was left for a later pass."""
        async with self._lock:
            # A lane that ends while `pending` is being read may have sent what that read
            # still shows as pending: such people are left to the next pass.
            self._ended.clear()
            running = frozenset(self._lanes)
            waiting = await self._stores.outbox.pending(
                DUE_PER_PASS, now=self._clock.now(), owner=self.owner, leaving_out=running
            )
            in_lanes = [n for unsent in self._unsent.values() for n in unsent]
            telemetry.outbox_pass([*waiting, *in_lanes], self._clock.now())
            queues = due_in_order(waiting, self._clock.now())
            people = set(queues) | set(self._stale_cards)
            busy = bool(running)  # what they were not given is read when their lane ends
            for person in sorted(people):
                if person in self._lanes or person in self._ended:
                    busy = True
                    continue
                refreshes = self._stale_cards.pop(person, {})
                queue = queues.get(person, [])
                self._unsent[person] = list(queue)
                self._start_lane(person, self._deliver_lane(person, refreshes, queue))
            return busy

    def _start_lane(self, person: str, work: Coroutine[Any, Any, None]) -> None:
        lane = asyncio.create_task(work, name="outbox-lane")
        self._lanes[person] = lane

        def ended(_: asyncio.Task[None]) -> None:
            if self._lanes.get(person) is lane:
                del self._lanes[person]
                self._unsent.pop(person, None)
                self._ended.add(person)

        lane.add_done_callback(ended)

    async def _deliver_lane(
        self, person: str, refreshes: dict[str, tuple[str, str]], queue: list[Notification]
    ) -> None:
        """One person's card refreshes, then their due notifications, oldest first, each
        claimed just before it goes; after a failure or a lost claim the rest wait for a
        later pass, so they keep their order."""
        async with self._slots:
            for referral_id, clicked in refreshes.items():
                await self._smlo_cards.refresh(person, referral_id, clicked)
            for queued in queue:
                notification = await self._claim(queued)
                if notification is None:  # another instance has it, or it is gone
                    break
                try:
                    async with self._holding(notification):
                        await self._deliver(notification)
                except NotReachableYet:
                    # Tried again every pass until they write to us: keep the log quiet.
                    log.debug("waiting for the recipient to open the bot: id=%s", notification.id)
                except Exception as error:  # one failure must not stop the others' lanes
                    stop_if_cancelled()
                    await self._failed(notification, error)
                    break
                else:
                    unsent = self._unsent.get(person, [])
                    unsent[:] = [n for n in unsent if n.id != notification.id]

    async def _claim(self, n: Notification) -> Notification | None:
        """Lease it to this instance, as stored now (with any post an earlier holder
        recorded); None if that cannot be done now."""
        now = self._clock.now()
        try:
            return await self._stores.outbox.claim(n.id, self.owner, now + self._lease, now)
        except Exception as error:  # a store outage, say: a later pass tries again
            stop_if_cancelled()
            log.warning(
                "could not claim a delivery: notification=%s error=%s", n.id, type(error).__name__
            )
            return None

    @contextlib.asynccontextmanager
    async def _holding(self, n: Notification) -> AsyncIterator[None]:
        """Renew the claim every third of the lease while the delivery lasts, so a slow
        delivery (a busy chat's pacing) is never taken over by another instance; a
        delivery that ends sooner, as nearly all do, writes nothing more."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self._lease.total_seconds() / 3)
                if await self._claim(n) is None:
                    log.warning("a delivery's claim could not be renewed: notification=%s", n.id)

        renewing = asyncio.create_task(renew(), name="outbox-claim")
        try:
            yield
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    async def _failed(self, n: Notification, error: Exception) -> None:
        """Back off, or park once retrying cannot help or the budget is spent."""
        now = self._clock.now()
        failure = classify(error, now)
        attempt = n.attempts + 1
        try:
            if not failure.retryable or self._backoff.exhausted(attempt):
                await self._stores.outbox.park(n.id, failure.code, now)
                telemetry.delivery_failed(n.kind, parked=True)
                log.warning(
                    "delivery parked: notification=%s kind=%s error=%s attempt=%s",
                    n.id,
                    n.kind,
                    failure.code,
                    attempt,
                )
                return
            delay = self._backoff.delay(attempt, failure.retry_after, self._rng)
            retry_at = now + timedelta(seconds=delay)
            await self._stores.outbox.record_failure(n.id, failure.code, retry_at, now)
            telemetry.delivery_failed(n.kind, parked=False)
            log.warning(
                "delivery failed, will retry: notification=%s kind=%s error=%s attempt=%s "
                "delay=%.1fs",
                n.id,
                n.kind,
                failure.code,
                attempt,
                delay,
            )
        except Exception as store_error:
            # It stays due as it was and is tried again on the next pass.
            stop_if_cancelled()
            log.warning(
                "could not record a delivery failure: notification=%s error=%s",
                n.id,
                type(store_error).__name__,
            )

    @telemetry.traced_delivery(classify, waiting=NotReachableYet)
    async def _deliver(self, n: Notification) -> None:
        if n.kind in CHECKIN_KINDS:  # about no referral: nothing to load or update
            message = card_message(checkin_notice_card(n), summary=checkin_preview(n))
        elif n.kind is NotificationKind.WEEKLY_DIGEST:  # about no referral either
            if self._digest is None:
                raise DigestNotWired(n.id)
            counted = await self._digest(n.recipient_id)  # leaving out any about them
            message = card_message(digest_card(counted), summary=DIGEST_PREVIEW)
        else:
            referral = await self._stores.referrals.get(n.referral_id)
            names = await self._names()
            if n.kind in UPDATES_SMLO_CARD and n.recipient_id in self._smlo_ids:
                await self._smlo_cards.update(referral, n.recipient_id, names)
            card = notification_card(
                n.kind, referral, names, self._smlo_ids, n.recipient_id, support=self._support
            )
            message = card_message(card, summary=preview_text(n.kind, referral))
        if n.activity_id and await self._repost_in_place(n, message):
            conversation_id, activity_id = n.conversation_id, n.activity_id
        else:
            conversation_id, activity_id = await self._messenger.send(
                n.recipient_id, message, posted=partial(self._stores.outbox.record_posted, n.id)
            )
        await self._stores.outbox.mark_sent(n.id, conversation_id, activity_id, self._clock.now())
        telemetry.delivered(n, updated=activity_id == n.activity_id, now=self._clock.now())
        log.info("delivered: notification=%s kind=%s", n.id, n.kind)

    async def _repost_in_place(self, n: Notification, message: Activity) -> bool:
        """It was posted but never marked sent: update that message rather than post a
        second one. False if the message is gone (404), so it is posted afresh."""
        message.id = n.activity_id
        try:
            await self._messenger.update(n.recipient_id, message)
        except Exception as error:
            if classify(error).code != "404":
                raise
            message.id = None
            return False
        log.info("delivered by updating the earlier post: notification=%s", n.id)
        return True
