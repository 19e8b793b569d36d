"""What the bot hands the intake dialog for one turn: who is acting and what they clicked.

The bot decides who is acting and parses the click once; the dialog reads both from here
and answers with a `Reply` (as its `DialogTurnResult.result`), never through turn state.
"""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.core import TurnContext

from cards.requests import IntakeClick
from referrals.people import Actor

_INPUT_KEY = "sma.intake_input"


@dataclass(frozen=True)
class IntakeInput:
    actor: Actor
    click: IntakeClick | None  # None: the person typed rather than used the card


def give_input(turn_context: TurnContext, given: IntakeInput) -> None:
    turn_context.turn_state[_INPUT_KEY] = given


def input_of(turn_context: TurnContext) -> IntakeInput:
    given = turn_context.turn_state.get(_INPUT_KEY)
    if not isinstance(given, IntakeInput):
        raise RuntimeError("the bot gave the intake dialog no input for this turn")
    return given
