"""What a turn carries between the bot layer and the dialogs.

The bot decides who is acting and parses the card action once; dialogs read both from
the turn state. A card shown in answer to a card click replaces the clicked card (the
invoke response); otherwise it is sent as a new message.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from cards.parsers import CardAction
from referrals.people import Actor

ACTOR_KEY = "sma.actor"
ACTION_KEY = "sma.card_action"
RESPONSE_CARD_KEY = "sma.response_card"
SHOWN_ANSWERS_KEY = "sma.shown_answers"  # ids of messages that showed answers this turn
CLEAR_ANSWERS_KEY = "sma.clear_answers"  # set when the draft ends: clear them all
CARD_ACTION_INVOKE = "adaptiveCard/action"


def is_card_action(activity: Activity) -> bool:
    return bool(activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION_INVOKE)


def actor_of(turn_context: TurnContext) -> Actor:
    actor = turn_context.turn_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        raise RuntimeError("the bot did not identify the person behind this turn")
    return actor


def card_action_of(turn_context: TurnContext) -> CardAction | None:
    found = turn_context.turn_state.get(ACTION_KEY)
    return found if isinstance(found, CardAction) else None


def card_message(card: dict[str, Any], summary: str = "") -> Activity:
    """A message with one Adaptive Card; `summary` is what a notification preview shows."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if summary:
        activity.summary = summary
    return activity


async def present(
    turn_context: TurnContext, card: dict[str, Any], *, shows_answers: bool = False
) -> None:
    """Show `card`: in place of the clicked card, or as a new message after a text turn.

    `shows_answers` marks a card that shows what the person told us; the bot keeps a list
    of such messages and clears them all when the referral is sent or deleted.
    """
    if is_card_action(turn_context.activity):
        turn_context.turn_state[RESPONSE_CARD_KEY] = card
        message_id = turn_context.activity.reply_to_id or ""
    else:
        response = await turn_context.send_activity(card_message(card))
        message_id = response.id if response is not None else ""
    if shows_answers and message_id:
        turn_context.turn_state.setdefault(SHOWN_ANSWERS_KEY, []).append(message_id)


def clear_answers_after_turn(
    turn_context: TurnContext, clicked_card: dict[str, Any] | None = None
) -> None:
    """Ask the bot to clear every message that showed answers (the person has left the
    intake); the clicked message, if any, becomes `clicked_card`."""
    turn_context.turn_state[CLEAR_ANSWERS_KEY] = clicked_card
