"""Routes of the SMLO for people without Teams: `new referral` (the intake, for someone
who rang or e-mailed), and withdrawing such a referral when the person asks."""

from __future__ import annotations

from bot.routing import Route, Routes, Turn
from cards import outside
from cards.reply import Reply
from cards.requests import OnReferral, WithdrawForPerson
from cards.verbs import Verb
from referrals.services import Outside

IN_PROGRESS = (
    "You have a referral in progress. Please send it, or stop and clear it, before you "
    "take a new one. Here is where you were."
)
HOW_THEY_ASKED = "Please choose how they asked."


class OutsideRoutes:
    def __init__(self, use_cases: Outside, welcome: Route) -> None:
        self._outside = use_cases
        self._welcome = welcome

    def table(self) -> Routes:
        return {
            Verb.NEW_FOR_SOMEONE: self.new_for_someone,
            Verb.WITHDRAW_FOR_PERSON_ASK: self.withdraw_ask,
            Verb.WITHDRAW_FOR_PERSON: self.withdraw,
        }

    async def new_for_someone(self, turn: Turn) -> Reply:
        """An SMLO: the intake for someone without Teams. Anyone else who types `new
        referral` means to refer: they get the welcome, as `refer` gives it."""
        if not turn.actor.is_smlo:
            return await self._welcome(turn)
        draft, started = await self._outside.start_draft(turn.actor)
        return await turn.intake.begin(draft.id, outside.NO_TEAMS_INTRO if started else IN_PROGRESS)

    async def withdraw_ask(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral = await self._outside.withdraw_face(turn.actor, referral_id)
        return Reply(outside.withdraw_for_person_card(referral))

    async def withdraw(self, turn: Turn) -> Reply:
        chosen = turn.wants(WithdrawForPerson)
        if chosen.how is None:
            referral = await self._outside.withdraw_face(turn.actor, chosen.referral_id)
            return Reply(outside.withdraw_for_person_card(referral, problem=HOW_THEY_ASKED))
        referral = await self._outside.withdraw_for_person(
            turn.actor, chosen.referral_id, chosen.how
        )
        return Reply(outside.withdrawn_for_person_card(referral.reference))
