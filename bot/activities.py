"""Cards as Teams activities: a message carrying one Adaptive Card, and the answer to an
`adaptiveCard/action` invoke."""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_ACTION_INVOKE = "adaptiveCard/action"
CAN_NOT_SAVE = (
    "Sorry, we could not save that just now. Nothing you entered is lost: it is still on "
    "the card. Please try again in a minute."
)


def is_card_action(activity: Activity) -> bool:
    return bool(activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION_INVOKE)


def card_message(card: dict[str, Any], summary: str = "") -> Activity:
    """A message with one Adaptive Card; `summary` is what a notification preview shows."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if summary:
        activity.summary = summary
    return activity


def card_response(card: dict[str, Any] | None) -> InvokeResponse:
    """An `adaptiveCard/action` answer, built here so botbuilder serialises it only once.
    No card: Teams keeps the clicked card as it is and shows that nothing was saved."""
    if card is None:
        body = AdaptiveCardInvokeResponse(
            status_code=500,
            type="application/vnd.microsoft.error",
            value={"code": "ServiceUnavailable", "message": CAN_NOT_SAVE},
        )
        return InvokeResponse(status=200, body=body)
    body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)
    return InvokeResponse(status=200, body=body)
