"""Routes of the message thread: the referrer, the advocate who holds the case and the
SMLOs open it (marking what they received read) and send a message from it. Who may, and
in which state, is the use case's to say (referrals/services/messages.py). Every card
that shows the thread is tracked, to fold back and be cleared (`Reply.shows_messages`)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from bot.routing import Route, Routes, Turn
from cards import messages as thread_cards
from cards.reply import Reply
from cards.requests import OnRecord, OnReferral, SendMessage, TypedWords
from cards.verbs import Verb
from referrals import errors
from referrals.services.messages import Messages


class MessageRoutes:
    def __init__(self, messages: Messages) -> None:
        self._messages = messages

    def table(self) -> Routes:
        return {
            Verb.THREAD: self.thread,
            Verb.SEND_MESSAGE: self.send,
            Verb.HIDE_THREAD: self.hide,
            Verb.MESSAGE_NOT_NOW: self.not_now,
        }

    def typed_words(self, routes: Routes) -> Route:
        """The route of words typed that are no command. Words from someone with a referral
        that takes messages are offered back to send, never sent unasked (they may have
        been typed in the wrong window); anyone else's get what they always had, from
        `routes` (the whole table, so the welcome and help stay theirs to answer)."""

        async def typed(turn: Turn) -> Reply:
            words = turn.wants(TypedWords)
            referrals = await self._messages.open_threads(turn.actor) if words.text.strip() else []
            if not referrals:
                otherwise = words.otherwise
                return await routes[otherwise.verb](replace(turn, request=otherwise))
            ids = [uuid.uuid4().hex for _ in referrals]
            card = thread_cards.typed_words_card(referrals, words.text, ids)
            # Their words, shown back: folded and cleared like the thread (by the first
            # referral's fate, when there are several to choose from).
            return Reply(card, shows_messages=referrals[0].id)

        return typed

    async def not_now(self, turn: Turn) -> Reply:
        return Reply(thread_cards.not_sent_card())

    async def thread(self, turn: Turn) -> Reply:
        """The thread (a page of it); what was sent to the reader's side is marked read."""
        asked = turn.wants(OnRecord)
        return await self._shown(turn, asked.referral_id, start=asked.start)

    async def send(self, turn: Turn) -> Reply:
        """Sent: the thread with it in place. Not sendable: the thread again with the words
        they typed kept and a note under the box."""
        sent = turn.wants(SendMessage)
        try:
            await self._messages.send(turn.actor, sent.referral_id, sent.text, sent.message_id)
        except errors.EntryAlreadySaved:
            pass  # a second press of Send: it went the first time
        except errors.MessageInvalid as invalid:
            note = thread_cards.problem_words(invalid.problem)
            return await self._shown(turn, sent.referral_id, sent.text, note)
        return await self._shown(turn, sent.referral_id)

    async def hide(self, turn: Turn) -> Reply:
        """Folded at once; the message is no longer tracked, as it shows nothing now."""
        asked = turn.wants(OnReferral)
        referral, reader = await self._messages.thread_face(turn.actor, asked.referral_id)
        return Reply(thread_cards.thread_folded_card(referral, reader))

    async def _shown(
        self, turn: Turn, referral_id: str, typed: str = "", note: str = "", start: int = 0
    ) -> Reply:
        await self._messages.mark_read(turn.actor, referral_id)
        referral, messages = await self._messages.thread(turn.actor, referral_id)
        reader = referral.ensure_can_read_thread(turn.actor)
        card = thread_cards.thread_card(
            referral, reader, messages, uuid.uuid4().hex, typed=typed, problem=note, start=start
        )
        return Reply(card, shows_messages=referral.id)
