"""What a turn answers with: a value the bot renders once.

Every route and the intake dialog return a `Reply`; only the bot turns it into Teams
activities (the invoke response, a new message, the messages it clears).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Card = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    # Shown in place of the clicked card, or as a new message after something typed.
    card: Card | None = None
    # A plain message instead of a card.
    text: str = ""
    # The card shows what the person told us: the bot remembers the message, to clear it.
    shows_answers: bool = False
    # The person has left the intake (sent, finished later, stopped, deleted): every
    # message that showed their answers is cleared; the clicked one shows `card`.
    clear_answers: bool = False
    # The card shows this referral's details: the bot remembers the message, so that it
    # folds back after a while and is cleared when the referral ends (referrals/views.py).
    shows_details: str = ""
    # This referral changed on an SMLO's card: bring the other SMLOs' cards up to date.
    refresh_smlo_cards: str = ""
    # The card is an SMLO's card of this referral (its summary, details or a form on it):
    # the message showing it is kept current as the referral moves on.
    smlo_card: str = ""
