"""Messages that showed a referral's details, folded back or cleared in people's chats.

A detail view folds back to its content-free face once it has been open for the set time
(one tap opens it again, audited); it is cleared for good, with a note saying why, once
the referral is withdrawn, closed or erased, or is no longer the viewer's to see. Teams
keeps every chat, so this is what keeps disclosure from staying in staff chats.

Best effort and never in the way: a message Teams no longer has (404), or refuses for
good, is forgotten and the sweep moves on; a passing failure is tried on the next sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from collections.abc import Set as AbstractSet

from bot.activities import card_message
from bot.outbox.messenger import TeamsMessenger
from bot.outbox.policy import classify
from cards import advocate, messages, notices, smlo
from cards.elements import Element
from common.tasks import stop_if_cancelled
from referrals.services.views import DueView, Views
from referrals.support import SupportDirectory
from referrals.views import CLEARED, ViewFate, ViewKind

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0
AT_MOST_EVERY = 1.0
FORGET_AFTER = 60.0  # seconds a message's last answer is remembered (well past any sweep)
# An SMLO may still see these referrals' content-free card (not purged, still an SMLO).
SMLO_KEEPS_CARD = frozenset({ViewFate.FOLD, ViewFate.WITHDRAWN, ViewFate.CLOSED})


class ViewSweeper:
    def __init__(
        self,
        views: Views,
        messenger: TeamsMessenger,
        smlo_ids: AbstractSet[str],
        advocate_names: Callable[[], Awaitable[dict[str, str]]],
        support: SupportDirectory,
    ) -> None:
        self._views, self._messenger = views, messenger
        self._smlo_ids, self._names = smlo_ids, advocate_names
        self._support = support  # names the service an out-of-remit referral went to
        self._wake = asyncio.Event()
        # Messages a turn is answering now, and when each was last answered: the turn's
        # own card (and its own record of the view) wins over a sweep that looked before.
        self._answering: Counter[tuple[str, str]] = Counter()
        self._answered: dict[tuple[str, str], float] = {}

    @contextlib.contextmanager
    def answering(self, conversation_id: str, message_id: str) -> Iterator[None]:
        """While a turn answers a click on this message, the sweep leaves it alone: the
        turn's reply replaces the card, and the turn forgets the view or records it anew.
        (Closing a case from its card used to have its "You closed" card overwritten by
        a sweep that had seen the case closed a moment before the turn forgot the view.)"""
        key = (conversation_id, message_id)
        self._answering[key] += 1
        try:
            yield
        finally:
            self._answering[key] -= 1
            if self._answering[key] <= 0:
                del self._answering[key]
            self._answered[key] = time.monotonic()

    def _left_to_a_turn(self, key: tuple[str, str], looked: float) -> bool:
        return key in self._answering or self._answered.get(key, float("-inf")) >= looked

    def wake(self) -> None:
        """Look soon (after every turn: a withdrawal, say, must not wait for the tick)."""
        self._wake.set()

    async def run(self) -> None:
        """Sweep when woken, at most once a second (a burst of turns wakes it many times),
        and at least every few seconds regardless."""
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation

            # that lands as the wake arrives, and the loop would then never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK_SECONDS):
                    await self._wake.wait()
            self._wake.clear()
            await self.sweep_safely()
            await asyncio.sleep(AT_MOST_EVERY)

    async def sweep_safely(self) -> None:
        try:
            await self.sweep()
        except Exception as error:  # the store, say: the next sweep tries again
            stop_if_cancelled()
            log.warning("detail view sweep failed: error=%s", type(error).__name__)

    async def sweep(self) -> int:
        """Fold or clear every view that is due; returns how many messages changed."""
        changed = 0
        looked = time.monotonic()
        self._answered = {k: t for k, t in self._answered.items() if looked - t < FORGET_AFTER}
        for due in await self._views.due():
            if self._left_to_a_turn((due.view.conversation_id, due.view.message_id), looked):
                continue  # its turn decides; the next sweep looks again if it must
            message = card_message(await self._card(due))
            message.id = due.view.message_id
            try:
                await self._messenger.update(due.view.user_id, message)
            except Exception as error:
                stop_if_cancelled()
                failure = classify(error)
                if failure.retryable and failure.code != "404":
                    log.warning("detail view not updated: fate=%s error=%s", due.fate, failure.code)
                    continue  # tried again on the next sweep
                if failure.code != "404":  # refused for good: the message may still show it
                    log.error(
                        "detail view could not be changed: referral=%s fate=%s error=%s",
                        due.view.referral_id,
                        due.fate,
                        failure.code,
                    )
            else:
                changed += 1
                log.info("detail view %s: referral=%s", due.fate, due.view.referral_id)
            await self._views.settled(due.view)
        return changed

    async def _card(self, due: DueView) -> Element:
        """Folded: the content-free face. Ended: the SMLO's referral card, which says so
        (as every other copy of it in their chat does); for anyone else, why it went."""
        referral = due.referral
        if due.view.kind is ViewKind.THREAD:
            return _thread_card(due)
        if referral is not None and due.viewer.is_smlo and due.fate in SMLO_KEEPS_CARD:
            names = await self._names()
            return smlo.referral_card(
                referral, names, smlo_ids=self._smlo_ids, support=self._support
            )
        if due.fate in CLEARED or referral is None:
            return notices.details_cleared_card(referral.reference if referral else "", due.fate)
        return advocate.case_folded_card(referral)


def _thread_card(due: DueView) -> Element:
    """The thread, whoever reads it (the referrer too): its own folded face, with one tap
    to open it again; once it may not stay, why its messages went."""
    referral = due.referral
    if due.fate in CLEARED or referral is None:
        return messages.thread_cleared_card(referral.reference if referral else "", due.fate)
    reader = referral.ensure_can_read_thread(due.viewer)  # folded: still theirs to read
    return messages.thread_folded_card(referral, reader)
