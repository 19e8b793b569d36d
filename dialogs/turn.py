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


async def present(turn_context: TurnContext, card: dict[str, Any]) -> None:
    """Show `card`: in place of the clicked card, or as a new message after a text turn."""
    if is_card_action(turn_context.activity):
        turn_context.turn_state[RESPONSE_CARD_KEY] = card
    else:
        await turn_context.send_activity(card_message(card))
