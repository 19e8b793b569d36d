"""What a turn answers with: a value the bot renders once.

Every route and the intake dialog return a `Reply`; only the bot turns it into Teams
activities (the invoke response, a new message, the messages it clears).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Card = dict[str, Any]


@dataclass(frozen=True)
class FileOffer:
    """A file offered in the person's chat: Teams asks them first, and saves it to their
    OneDrive if they accept (bot/files.py). `kind` names what makes the file again when
    they accept; `context` is what that needs to know (ids such as a period's, never
    content): Teams sends it back with their answer, so it is checked again then."""

    kind: str
    name: str  # the file's name, with its extension
    description: str
    size_in_bytes: int
    context: Mapping[str, str] = field(default_factory=dict)


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
    # The card shows this referral's messages (to the referrer too): remembered the same
    # way, and folded back to the thread's own content-free face.
    shows_messages: str = ""
    # This referral changed on an SMLO's card: bring the other SMLOs' cards up to date.
    refresh_smlo_cards: str = ""
    # The card is an SMLO's card of this referral (its summary, details or a form on it):
    # the message showing it is kept current as the referral moves on.
    smlo_card: str = ""
    # A file to offer: the bot sends Teams' file consent card after the reply.
    file: FileOffer | None = None
