"""One route table for everything a person can ask: typed commands and card clicks are
both read into a typed `Request` (bot/commands.py, cards/parsers.py) and looked up here by
verb. Each route is a thin edge: call one use case, return the `Reply` to show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from botbuilder.dialogs import DialogContext

from cards.parsers import CardPayloadInvalid
from cards.reply import Reply
from cards.requests import IntakeClick, Request
from cards.verbs import Verb
from dialogs.turn import IntakeInput, give_input
from referrals.errors import RequiredAnswerMissing
from referrals.people import Actor

R = TypeVar("R", bound=Request)
INTAKE_DIALOG = "intake"


class IntakeConversation:
    """The intake dialog as this turn's routes use it: start it, carry it on, or end it."""

    def __init__(self, dc: DialogContext, actor: Actor, click: IntakeClick | None) -> None:
        self._dc = dc
        give_input(dc.context, IntakeInput(actor, click))

    @property
    def active(self) -> bool:
        return self._dc.active_dialog is not None

    async def begin(
        self, referral_id: str, notice: str = "", missing: RequiredAnswerMissing | None = None
    ) -> Reply:
        """Start (or start again) at the draft's step; at `missing.step` when the person
        must answer a required question there first."""
        await self._dc.cancel_all_dialogs()
        result = await self._dc.begin_dialog(
            INTAKE_DIALOG, {"referral_id": referral_id, "notice": notice, "missing": missing}
        )
        return _reply_of(result.result)

    async def carry_on(self) -> Reply:
        return _reply_of((await self._dc.continue_dialog()).result)

    async def end(self) -> None:
        await self._dc.cancel_all_dialogs()


def _reply_of(result: object) -> Reply:
    if not isinstance(result, Reply):
        raise RuntimeError("the intake dialog answered without a reply")
    return result


@dataclass(frozen=True)
class Turn:
    """One person's request, as the routes see it."""

    actor: Actor
    request: Request
    intake: IntakeConversation

    def wants(self, kind: type[R]) -> R:
        """The request as the type its verb's parser gives (a route's own contract)."""
        if not isinstance(self.request, kind):  # a typed-only verb sent from a forged card
            raise CardPayloadInvalid({"verb": "That button is not one we know."})
        return self.request


Route = Callable[[Turn], Awaitable[Reply]]
Routes = Mapping[Verb, Route]
