"""The Teams activity handler: identifies the person, routes, and renders. No business rules.

Every turn: who is this (server-side roles from their Entra object id) → remember how to
reach them → read what they typed or clicked into a typed request → the one route table
→ render the route's `Reply` once → save dialog state → wake the outbox.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, ConversationState, InvokeResponse, TurnContext
from botbuilder.dialogs import DialogSet
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from bot.activities import CAN_NOT_SAVE, card_message, card_response, is_card_action
from bot.commands import is_greeting, parse_command
from bot.files import FileDelivery, is_file_consent
from bot.messages import PressedTogether, PressedTogetherMidIntake, explain
from bot.references import ReferenceBook
from bot.routing import IntakeConversation, Routes, Turn
from cards import intake, notices
from cards.parsers import CardPayloadInvalid, parse_action
from cards.reply import Reply
from cards.requests import AskHelp, IntakeClick, Request, TypedWords
from cards.verbs import INTAKE_VERBS, Verb
from dialogs.intake import IntakeDialog
from referrals import errors
from referrals.people import Actor
from referrals.services import Services
from referrals.views import ViewKind

log = logging.getLogger(__name__)
ONLY_IN_PRIVATE = (
    "For your privacy, this service only works in a private chat. Open a chat with "
    "SMA Support on its own to talk to us."
)
DETAILS_NOT_SHOWN = (
    "Sorry, we could not show the details just now. Please open them again in a minute."
)
UNREADABLE_NOTICE = "We could not read that card, so nothing has changed. Here is where you were."
_ACTOR_KEY = "sma.actor"
# Failures with words of their own, even on an intake card.
_EXPECTED = (CardPayloadInvalid, errors.ReferralError, PressedTogether)


class Outbox(Protocol):
    """What a turn asks of the outbox: deliver now, refresh other SMLOs' cards, and leave
    the card a turn is answering to that turn."""

    def wake(self) -> None: ...

    def answering(self, conversation_id: str, message_id: str) -> AbstractContextManager[None]: ...

    def refresh_cards_later(self, referral_id: str, clicked: tuple[str, str]) -> None: ...

    async def card_shown(self, smlo_id: str, place: tuple[str, str], referral_id: str) -> None: ...


class SmaBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        services: Services,
        conversation_state: ConversationState,
        intake_dialog: IntakeDialog,
        routes: Routes,
        references: ReferenceBook,
        outbox: Outbox,
        files: FileDelivery,
    ) -> None:
        self._services = services
        self._state = conversation_state
        self._dialog_state = conversation_state.create_property("DialogState")
        self._dialogs = DialogSet(self._dialog_state)
        self._answer_messages = conversation_state.create_property("MessagesShowingAnswers")
        # Whether this chat has been answered before: the first words get the welcome.
        self._welcomed = conversation_state.create_property("Welcomed")
        self._dialogs.add(intake_dialog)
        self._routes = routes
        self._references = references
        self._outbox = outbox
        self._files = files

    async def on_turn(self, turn_context: TurnContext) -> None:
        sender = turn_context.activity.from_property
        user_id = getattr(sender, "aad_object_id", None) or ""
        if not user_id:
            log.info("turn without an Entra object id ignored: type=%s", turn_context.activity.type)
            return
        kind = getattr(turn_context.activity.conversation, "conversation_type", None)
        if kind not in (None, "personal"):
            await self._only_in_private(turn_context)
            return
        actor = await self._services.identify(user_id, getattr(sender, "name", "") or "")
        turn_context.turn_state[_ACTOR_KEY] = actor
        await self._references.remember(user_id, turn_context.activity)
        await super().on_turn(turn_context)
        self._outbox.wake()

    async def _only_in_private(self, tc: TurnContext) -> None:
        """Never run the service where others can read along: say so, and do nothing."""
        log.info("turn in a %s conversation refused", tc.activity.conversation.conversation_type)
        if is_card_action(tc.activity):
            await tc.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=card_response(None))
            )
        elif is_file_consent(tc.activity):  # Teams sends none outside a personal chat
            await tc.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200))
            )
        elif tc.activity.type == ActivityTypes.message:
            await tc.send_activity(ONLY_IN_PRIVATE)

    # -- what they typed -------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        try:
            text = turn_context.activity.text
            first_time = not await self._welcomed.get(turn_context, lambda: False)
            request = _what_they_asked(text, first_time)
            turn = await self._turn(turn_context, request)
            if parse_command(text) is None and turn.intake.active:
                reply = await turn.intake.carry_on()  # their own words, mid-intake
            else:
                reply = await self._routes[turn.request.verb](turn)
            await self._welcomed.set(turn_context, True)
            await self._render(turn_context, reply)
        except Exception as error:
            await self._render(turn_context, Reply(explain(error)), save=False)

    # -- what they clicked -----------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if is_file_consent(turn_context.activity):  # an answer to a file offered (bot/files.py)
            return await self._files.answer(turn_context, self._actor(turn_context))
        if not is_card_action(turn_context.activity):
            return await super().on_invoke_activity(turn_context)
        verb = None
        try:
            try:
                request = parse_action(turn_context.activity.value)
            except CardPayloadInvalid as unreadable:
                reply = await self._unreadable_card(turn_context, unreadable)
            else:
                verb = request.verb
                reply = await self._on_click(turn_context, request)
            await self._render(turn_context, reply)
            return card_response(_clicked_card(reply))
        except Exception as error:  # every failure gets a kind answer
            expected = isinstance(error, _EXPECTED)
            if verb in INTAKE_VERBS and not expected:
                # Keep the card (and what the person typed on it) exactly as it is.
                explain(error)  # logged with an id; the words below fit this case better
                await turn_context.send_activity(CAN_NOT_SAVE)
                return card_response(None)
            return card_response(explain(error))

    async def _on_click(self, tc: TurnContext, request: Request) -> Reply:
        turn = await self._turn(tc, request)
        clicked = (tc.activity.conversation.id, tc.activity.reply_to_id or "")
        with self._outbox.answering(*clicked):  # the sweep leaves this card to the turn
            reply = await self._routes[request.verb](turn)
            if reply.refresh_smlo_cards:
                self._outbox.refresh_cards_later(reply.refresh_smlo_cards, clicked)
            return await self._track_details(turn, reply, clicked)

    async def _track_details(self, turn: Turn, reply: Reply, clicked: tuple[str, str]) -> Reply:
        """Remember a message that now shows a referral's details (to fold it back and clear
        it later); forget one whose card no longer does. Details are never shown untracked:
        if they cannot be remembered, the reply says so instead of showing them."""
        conversation_id, message_id = clicked
        views = self._services.views
        if isinstance(turn.request, IntakeClick):
            return reply  # the referrer's intake cards are cleared by the dialog's own list
        shown = _shown_view(reply)
        if shown is not None:
            try:
                if not message_id:
                    raise LookupError("no message to keep track of")
                await views.shown(turn.actor, shown[0], conversation_id, message_id, shown[1])
            except Exception as error:
                log.warning("details not shown, untracked: error=%s", type(error).__name__)
                return Reply(notices.note_card(DETAILS_NOT_SHOWN))
            return reply
        if message_id:
            try:  # best effort: a stale record only makes the sweep fold a card again
                await views.no_longer_shown(conversation_id, message_id)
            except Exception as error:
                log.warning("detail view not forgotten: error=%s", type(error).__name__)
        return reply

    async def _unreadable_card(self, tc: TurnContext, unreadable: CardPayloadInvalid) -> Reply:
        """A payload we cannot read: mid-intake, show the step again; else say so."""
        turn = await self._turn(tc, Request(Verb.RESUME))
        if turn.intake.active:
            draft = await self._services.intake.find_draft(turn.actor)
            if draft is not None:
                return await turn.intake.begin(draft.id, UNREADABLE_NOTICE)
            return await self._routes[Verb.RESUME](turn)
        return Reply(explain(unreadable))

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Installed in someone's personal scope: say hello once."""
        bot_id = turn_context.activity.recipient.id
        if any(m.id != bot_id for m in members_added):
            turn = await self._turn(turn_context, Request(Verb.WELCOME))
            await self._render(turn_context, await self._routes[Verb.WELCOME](turn), save=False)

    # -- rendering the reply, once ---------------------------------------------------------

    def _actor(self, tc: TurnContext) -> Actor:
        actor = tc.turn_state.get(_ACTOR_KEY)
        if not isinstance(actor, Actor):
            raise RuntimeError("the bot did not identify the person behind this turn")
        return actor

    async def _turn(self, tc: TurnContext, request: Request) -> Turn:
        actor = self._actor(tc)
        click = request if isinstance(request, IntakeClick) else None
        dc = await self._dialogs.create_context(tc)
        return Turn(actor, request, IntakeConversation(dc, actor, click))

    async def _render(self, tc: TurnContext, reply: Reply, *, save: bool = True) -> None:
        """Show the reply (a click's card is the invoke response, sent by the caller; after
        typing it is a new message); keep track of messages that show answers, and clear
        them all once the person leaves the intake; then save the dialog state."""
        click = is_card_action(tc.activity)
        clicked = tc.activity.reply_to_id if click else None
        shown_id = clicked or ""
        if not click and reply.card is not None:
            response = await tc.send_activity(card_message(reply.card))
            shown_id = response.id if response is not None else ""
            await self._track_typed_reply(tc, reply, shown_id)
        elif not click and reply.text:
            await tc.send_activity(reply.text)
        if reply.file is not None:
            await self._files.offer(tc, reply.file)
        actor = tc.turn_state.get(_ACTOR_KEY)
        if isinstance(actor, Actor) and actor.is_smlo and (click or reply.smlo_card):
            place = (tc.activity.conversation.id, shown_id)
            await self._outbox.card_shown(actor.user_id, place, reply.smlo_card)
        if save:
            await self._track_answers(tc, reply, shown_id, clicked)

    async def _track_typed_reply(self, tc: TurnContext, reply: Reply, shown_id: str) -> None:
        """A card sent after something typed that shows what someone wrote (their words
        offered back to send) is remembered like a clicked one, to fold and clear it. Best
        effort: their own typed message stays in the chat above it whatever happens."""
        shown = _shown_view(reply)
        if shown is None or not shown_id:
            return
        try:
            conversation_id = tc.activity.conversation.id
            await self._services.views.shown(
                self._actor(tc), shown[0], conversation_id, shown_id, shown[1]
            )
        except Exception as error:
            log.warning("typed reply not tracked: error=%s", type(error).__name__)

    async def _track_answers(
        self, tc: TurnContext, reply: Reply, shown_id: str, clicked: str | None
    ) -> None:
        shown: list[str] = await self._answer_messages.get(tc, list)
        if reply.shows_answers and reply.card is not None and shown_id and shown_id not in shown:
            shown.append(shown_id)
        cleared: list[str] = []
        if reply.clear_answers:
            for message_id in shown:
                card = reply.card if message_id == clicked else None
                await self._replace_message(tc, message_id, card or intake.cleared_card())
            cleared, shown = shown, []
        await self._answer_messages.set(tc, shown)
        try:
            await self._state.save_changes(tc)
        except errors.ConcurrentUpdate:
            sent = clicked is None and reply.shows_answers and reply.card is not None
            await self._after_crossing(tc, reply, cleared, [shown_id] if sent and shown_id else [])

    async def _after_crossing(
        self, tc: TurnContext, reply: Reply, cleared: list[str], showing: list[str]
    ) -> None:
        """Two turns of one person ran at once (a double press, or two instances) and the
        other one saved the dialog state first. What this turn's route wrote is in the
        stores already (referrals are versioned, and the intake's answers are laid over
        each other), so nothing is lost; only this turn's place in the conversation is.

        The messages that show answers are kept track of in the state the other turn saved
        (less those this turn cleared, plus the one it sent: `showing`), so every one is
        still cleared later. A reply that ended the intake (sent, stopped, deleted, kept for
        later) is true whatever the other turn did, so it ends the intake there too. Any
        other reply is not shown: the person is told, kindly, where to go on from."""
        await self._state.load(tc, force=True)
        if reply.clear_answers:
            await (await self._dialogs.create_context(tc)).cancel_all_dialogs()
        kept: list[str] = await self._answer_messages.get(tc, list)
        kept = [m for m in kept if m not in cleared] + [m for m in showing if m not in kept]
        await self._answer_messages.set(tc, kept)
        try:
            await self._state.save_changes(tc)
        except errors.ConcurrentUpdate:  # a third turn at once: very rare; say so plainly
            log.warning("dialog state moved on twice by simultaneous turns")
        else:
            if reply.clear_answers:
                log.info("dialog state moved on by a simultaneous turn; intake ended on it")
                return
        log.info("dialog state moved on by a simultaneous turn; this turn told to try again")
        stack = getattr(await self._dialog_state.get(tc, dict), "dialog_stack", None)
        raise PressedTogetherMidIntake() if stack else PressedTogether()

    async def _replace_message(
        self, tc: TurnContext, message_id: str, card: dict[str, Any]
    ) -> None:
        update = card_message(card)
        update.id = message_id
        try:
            await tc.update_activity(update)
        except Exception as error:  # best effort: the answers are safe in the store
            log.warning("could not clear a message: error=%s", type(error).__name__)


def _what_they_asked(text: str | None, first_time: bool) -> Request:
    """The typed command; for a greeting, the welcome the first time this chat is answered.
    Anything else is their own words: maybe a message for the service (the route offers
    it to send), else the welcome the first time (someone who writes in their own words
    should not need our commands to start), and after that "we did not understand" with
    this person's help."""
    request = parse_command(text)
    if first_time and is_greeting(text):
        return Request(Verb.WELCOME)
    if request is not None:
        return request
    otherwise = Request(Verb.WELCOME) if first_time else AskHelp(Verb.HELP, not_understood=True)
    return TypedWords(Verb.TYPED_WORDS, text or "", otherwise)


def _shown_view(reply: Reply) -> tuple[str, ViewKind] | None:
    """The referral and kind of view the reply's card shows, if it shows one."""
    if reply.shows_details:
        return reply.shows_details, ViewKind.DETAILS
    if reply.shows_messages:
        return reply.shows_messages, ViewKind.THREAD
    return None


def _clicked_card(reply: Reply) -> dict[str, Any] | None:
    """What replaces the clicked card: the reply's card, or its words as a card."""
    if reply.card is None and reply.text:
        return notices.note_card(reply.text)
    return reply.card
