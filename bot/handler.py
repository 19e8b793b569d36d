"""The Teams activity handler: identifies the person, routes, and renders. No business rules.

Every turn: who is this (server-side roles from their Entra object id) → remember how to
reach them → route a typed command or a card verb → save dialog state → wake the outbox.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import ActivityHandler, ConversationState, InvokeResponse, TurnContext
from botbuilder.dialogs import DialogSet
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    ChannelAccount,
)

from bot.actions import CardActions
from bot.commands import Command, parse_command
from bot.messages import explain
from bot.notifier import Notifier
from bot.references import ReferenceBook
from cards import advocate, intake, referrer, smlo
from cards.audit import audit_card
from cards.delivery import undelivered_card
from cards.parsers import CardPayloadInvalid, parse_action
from cards.roster import roster_change_card
from cards.statistics import statistics_card
from cards.verbs import INTAKE_VERBS, Verb
from dialogs.intake import IntakeDialog
from dialogs.turn import (
    ACTION_KEY,
    ACTOR_KEY,
    CLEAR_ANSWERS_KEY,
    RESPONSE_CARD_KEY,
    SHOWN_ANSWERS_KEY,
    actor_of,
    card_action_of,
    card_message,
    clear_answers_after_turn,
    is_card_action,
    present,
)
from referrals import errors
from referrals.people import Actor
from referrals.services import ReferralService
from referrals.states import ReferralState

log = logging.getLogger(__name__)
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CHANGES_SMLO_CARD = frozenset({Verb.ALLOCATE, Verb.OUT_OF_REMIT})
NO_DRAFT = "You have no referral in progress. Type refer to start one."
ONLY_IN_PRIVATE = (
    "For your privacy, this service only works in a private chat. Open a chat with "
    "SMA Support on its own to talk to us."
)
UNREADABLE_NOTICE = "We could not read that card, so nothing has changed. Here is where you were."
CAN_NOT_SAVE = (
    "Sorry, we could not save that just now. Nothing you entered is lost: it is still on "
    "the card. Please try again in a minute."
)


class SmaBot(ActivityHandler):  # type: ignore[misc]
    def __init__(
        self,
        service: ReferralService,
        conversation_state: ConversationState,
        intake_dialog: IntakeDialog,
        notifier: Notifier,
        references: ReferenceBook,
        draft_keep_days: int,
    ) -> None:
        self._service = service
        self._state = conversation_state
        self._dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self._answer_messages = conversation_state.create_property("MessagesShowingAnswers")
        self._dialogs.add(intake_dialog)
        self._notifier = notifier
        self._references = references
        self._actions = CardActions(service)
        self._keep_days = draft_keep_days

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
        actor = await self._service.identify(user_id, getattr(sender, "name", "") or "")
        turn_context.turn_state[ACTOR_KEY] = actor
        await self._references.remember(user_id, turn_context.activity)
        await super().on_turn(turn_context)
        self._notifier.wake()

    async def _only_in_private(self, tc: TurnContext) -> None:
        """Never run the service where others can read along: say so, and do nothing."""
        log.info("turn in a %s conversation refused", tc.activity.conversation.conversation_type)
        if is_card_action(tc.activity):
            await tc.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=card_response(None))
            )
        elif tc.activity.type == ActivityTypes.message:
            await tc.send_activity(ONLY_IN_PRIVATE)

    # -- text --------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        try:
            await self._on_text(turn_context, actor_of(turn_context))
            await self._end_turn(turn_context)
        except Exception as error:
            await present(turn_context, explain(error))

    async def _on_text(self, tc: TurnContext, actor: Actor) -> None:
        parsed = parse_command(tc.activity.text)
        command = parsed.command if parsed else None
        dc = await self._dialogs.create_context(tc)
        if command is Command.STOP:
            await self._stop(tc, actor, dc)
        elif command in (Command.HELP, Command.REFER):
            await self._welcome(tc, actor)
        elif command is Command.CONTINUE:
            await self._resume(tc, actor, dc)
        elif command is Command.INBOX:
            await present(tc, smlo.inbox_card(await self._service.inbox(actor)))
        elif command is Command.MY_REFERRALS:
            await present(tc, referrer.my_referrals_card(await self._service.my_referrals(actor)))
        elif command is Command.AUDIT and parsed is not None:
            referral = await self._service.view_by_reference(actor, parsed.argument)
            entries = await self._service.audit_trail(actor, referral.id)
            names = await self._service.advocate_names()
            await present(tc, audit_card(referral, entries, names))
        elif command is Command.UNDELIVERED:
            items = await self._service.undelivered(actor)
            names = await self._service.advocate_names()
            await present(tc, undelivered_card(items, self._service.smlo_ids, names))
        elif command is Command.ROSTER:
            await present(tc, smlo.roster_card(await self._service.roster(actor)))
        elif command is Command.STATISTICS:
            await present(tc, statistics_card(await self._service.statistics(actor)))
        elif command is Command.ADD_ADVOCATE and parsed is not None:
            change = await self._service.add_advocate(actor, parsed.argument)
            await present(tc, roster_change_card(change))
        elif command is Command.REMOVE_ADVOCATE and parsed is not None:
            change = await self._service.remove_advocate(actor, parsed.argument)
            await present(tc, roster_change_card(change))
        elif command is Command.MY_CASES:
            await present(tc, advocate.my_cases_card(await self._service.my_cases(actor)))
        elif command is Command.REFERRAL and parsed is not None:
            # The summary, not the details: a new message stays in Teams' history; details
            # open in place on the card and can be hidden again.
            referral = await self._service.view_by_reference(actor, parsed.argument)
            names = await self._service.advocate_names()
            await present(tc, smlo.referral_card(referral, names, smlo_ids=self._service.smlo_ids))
        elif dc.active_dialog is not None:
            await dc.continue_dialog()
        else:
            # Someone who writes in their own words should not need our commands to start.
            await self._welcome(tc, actor)

    async def _welcome(self, tc: TurnContext, actor: Actor) -> None:
        role = "smlo" if actor.is_smlo else "advocate" if actor.is_advocate else ""
        has_draft = await self._service.find_draft(actor) is not None
        await present(tc, intake.welcome_card(has_draft, role))

    async def _resume(self, tc: TurnContext, actor: Actor, dc: Any, notice: str = "") -> None:
        draft = await self._service.find_draft(actor)
        if draft is None:
            await tc.send_activity(NO_DRAFT)
            return
        await dc.cancel_all_dialogs()
        await dc.begin_dialog("intake", {"referral_id": draft.id, "notice": notice})

    async def _stop(self, tc: TurnContext, actor: Actor, dc: Any) -> None:
        await dc.cancel_all_dialogs()
        clear_answers_after_turn(tc)
        draft = await self._service.find_draft(actor)
        if draft is None:
            await tc.send_activity("Stopped. Type help whenever you need us.")
            return
        await present(tc, intake.stop_card(draft.id))

    # -- card actions ------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if not is_card_action(turn_context.activity):
            return await super().on_invoke_activity(turn_context)
        verb = None
        try:
            try:
                card_action = parse_action(turn_context.activity.value)
            except CardPayloadInvalid:
                await self._unreadable_card(turn_context, actor_of(turn_context))
                await self._end_turn(turn_context)
                return card_response(turn_context.turn_state.get(RESPONSE_CARD_KEY))
            verb = card_action.verb
            turn_context.turn_state[ACTION_KEY] = card_action
            await self._on_card(turn_context, actor_of(turn_context), verb)
            await self._end_turn(turn_context)
        except Exception as error:  # every failure gets a kind answer
            expected = isinstance(error, CardPayloadInvalid | errors.ReferralError)
            if verb in INTAKE_VERBS and not expected:
                # Keep the card (and what the person typed on it) exactly as it is.
                explain(error)  # logged with an id; the words below fit this case better
                await turn_context.send_activity(CAN_NOT_SAVE)
                return card_response(None)
            turn_context.turn_state[RESPONSE_CARD_KEY] = explain(error)
        return card_response(turn_context.turn_state.get(RESPONSE_CARD_KEY))

    async def _on_card(self, tc: TurnContext, actor: Actor, verb: Verb) -> None:
        card_action = card_action_of(tc)
        assert card_action is not None
        dc = await self._dialogs.create_context(tc)
        if verb in self._actions.table:
            await present(tc, await self._actions.table[verb](actor, card_action))
            if verb in CHANGES_SMLO_CARD:
                clicked = (tc.activity.conversation.id, tc.activity.reply_to_id or "")
                self._notifier.refresh_cards_later(card_action.referral_id, clicked)
        elif verb is Verb.START:
            await self._service.start_draft(actor)
            await self._resume(tc, actor, dc)
        elif verb is Verb.NOT_NOW:
            await present(tc, intake.not_now_card())
        elif verb is Verb.KEEP_DRAFT:
            await present(tc, intake.kept_card(self._keep_days))
        elif verb is Verb.DELETE_DRAFT:
            await dc.cancel_all_dialogs()
            try:
                await self._service.delete_draft(actor, card_action.referral_id)
            except errors.InvalidTransition:  # an old stop card, after it was sent
                referral = await self._service.view_own(actor, card_action.referral_id)
                await present(tc, intake.receipt_card(referral.reference, referral.submitted_at))
                return
            await present(tc, intake.deleted_card())
            clear_answers_after_turn(tc, intake.deleted_card())
        elif dc.active_dialog is not None:
            await dc.continue_dialog()
        else:
            await self._orphan_intake_card(tc, actor, dc, card_action.referral_id)

    async def _orphan_intake_card(
        self, tc: TurnContext, actor: Actor, dc: Any, referral_id: str
    ) -> None:
        """An intake card clicked after its dialog ended: show where things stand."""
        try:
            referral = await self._service.view(actor, referral_id)
        except errors.ReferralNotFound:  # deleted (or never existed: nothing to reveal)
            await present(tc, intake.deleted_card())
            return
        if referral.state is ReferralState.DRAFT:
            await self._resume(tc, actor, dc, notice="Welcome back. Here is where you were.")
        else:
            await present(tc, intake.receipt_card(referral.reference, referral.submitted_at))

    async def _unreadable_card(self, tc: TurnContext, actor: Actor) -> None:
        """A payload we cannot read: mid-intake, show the step again; else say so."""
        dc = await self._dialogs.create_context(tc)
        if dc.active_dialog is not None:
            await self._resume(tc, actor, dc, notice=UNREADABLE_NOTICE)
        else:
            await present(tc, explain(CardPayloadInvalid({"action": "unreadable"})))

    async def _end_turn(self, tc: TurnContext) -> None:
        """Track messages that show answers; clear them all once the person leaves the
        intake (sent, finished later, stopped or deleted); then save the dialog state."""
        shown: list[str] = await self._answer_messages.get(tc, list)
        shown += [m for m in tc.turn_state.get(SHOWN_ANSWERS_KEY, []) if m not in shown]
        if CLEAR_ANSWERS_KEY in tc.turn_state:
            clicked = tc.activity.reply_to_id if is_card_action(tc.activity) else None
            for message_id in shown:
                card = tc.turn_state[CLEAR_ANSWERS_KEY] if message_id == clicked else None
                await self._replace_message(tc, message_id, card or intake.cleared_card())
            shown = []
        await self._answer_messages.set(tc, shown)
        try:
            await self._state.save_changes(tc)
        except errors.ConcurrentUpdate:
            # Two clicks of one person at once: the other turn's dialog state was saved, and
            # the referral store (versioned) holds the answers either way.
            log.info("dialog state already moved on by a simultaneous turn; kept that one")

    async def _replace_message(
        self, tc: TurnContext, message_id: str, card: dict[str, Any]
    ) -> None:
        update = card_message(card)
        update.id = message_id
        try:
            await tc.update_activity(update)
        except Exception as error:  # best effort: the answers are safe in the store
            log.warning("could not clear a message: error=%s", type(error).__name__)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """Installed in someone's personal scope: say hello once."""
        bot_id = turn_context.activity.recipient.id
        if any(m.id != bot_id for m in members_added):
            await self._welcome(turn_context, actor_of(turn_context))


def card_response(card: dict[str, Any] | None) -> InvokeResponse:
    """An `adaptiveCard/action` answer, built here so botbuilder serialises it only once."""
    if card is None:
        body = AdaptiveCardInvokeResponse(
            status_code=500,
            type="application/vnd.microsoft.error",
            value={"code": "ServiceUnavailable", "message": CAN_NOT_SAVE},
        )
        return InvokeResponse(status=200, body=body)
    body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)
    return InvokeResponse(status=200, body=body)
