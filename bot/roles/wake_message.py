"""What a wake says: ids only, never content.

A wake asks the worker to deliver now, and carries the SMLO card refreshes a turn asked
for (`OutboxDelivery.refresh_cards_later`): each a referral id and the clicked message
(conversation id, message id) that already shows it; and the messages turns have just
answered, which the worker's detail-view sweep then leaves as the turn left them
(`ViewSweeper.answering`). The worker renders cards itself, from the store, so nothing
anyone wrote crosses this call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

WAKE_PATH = "/internal/wake"
# A wake carries at most this many refreshes; more wait for the next one (a stale card is
# harmless: every click is checked against the stored state).
MOST_REFRESHES = 100
LONGEST_ID = 256
# Bounds what the worker reads before it knows the body is one of ours.
LARGEST_BODY = 2 * MOST_REFRESHES * (3 * LONGEST_ID + 64) + 64


class WakeUnreadable(ValueError):
    """A wake body that is not one of ours: refused, nothing done."""


@dataclass(frozen=True)
class CardRefresh:
    referral_id: str
    conversation_id: str
    message_id: str

    @property
    def clicked(self) -> tuple[str, str]:
        return self.conversation_id, self.message_id


@dataclass(frozen=True)
class Wake:
    refreshes: list[CardRefresh]
    answered: list[tuple[str, str]]  # (conversation id, message id) a turn just answered


def wake_body(wake: Wake) -> bytes:
    refresh = [
        {"referral": r.referral_id, "conversation": r.conversation_id, "message": r.message_id}
        for r in wake.refreshes
    ]
    answered = [{"conversation": c, "message": m} for c, m in wake.answered]
    return json.dumps({"refresh": refresh, "answered": answered}).encode()


def read_wake(body: bytes) -> Wake:
    """What a wake asks for; `WakeUnreadable` for anything else."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise WakeUnreadable("not JSON") from None
    if not isinstance(data, dict) or set(data) - {"refresh", "answered"}:
        raise WakeUnreadable("not a wake")
    refresh, answered = _short_list(data, "refresh"), _short_list(data, "answered")
    return Wake([_refresh(item) for item in refresh], [_answered(item) for item in answered])


def _short_list(data: dict[str, Any], name: str) -> list[Any]:
    items = data.get(name, [])
    if not isinstance(items, list) or len(items) > MOST_REFRESHES:
        raise WakeUnreadable(f"{name} is not a short list")
    return items


def _answered(item: Any) -> tuple[str, str]:
    if not isinstance(item, dict) or set(item) != {"conversation", "message"}:
        raise WakeUnreadable("an answered message is a conversation and a message")
    conversation, message = item["conversation"], item["message"]
    if not all(isinstance(v, str) and 0 < len(v) <= LONGEST_ID for v in (conversation, message)):
        raise WakeUnreadable("ids are short strings")
    return conversation, message


def _refresh(item: Any) -> CardRefresh:
    if not isinstance(item, dict) or set(item) != {"referral", "conversation", "message"}:
        raise WakeUnreadable("a refresh names a referral, a conversation and a message")
    values = [item["referral"], item["conversation"], item["message"]]
    if not all(isinstance(v, str) and len(v) <= LONGEST_ID for v in values):
        raise WakeUnreadable("ids are short strings")
    if not values[0] or not values[1]:
        raise WakeUnreadable("a refresh needs a referral and a conversation")
    return CardRefresh(*values)
