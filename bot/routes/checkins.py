"""Routes of the advocates' monthly wellbeing check-in: the card (typed `check-in`, or
the one the month brings) and its answer. Who may answer, and who may read, is decided by
the use case from the server-side actor (referrals/services/checkins.py)."""

from __future__ import annotations

from bot.routing import Routes, Turn
from cards.checkins import PROBLEM_WORDS, checkin_card, thanks_card
from cards.reply import Reply
from cards.requests import CheckinSent
from cards.verbs import Verb
from referrals.checkins import CheckinInvalid
from referrals.services.checkins import Checkins


class CheckinRoutes:
    def __init__(self, checkins: Checkins) -> None:
        self._checkins = checkins

    def table(self) -> Routes:
        return {Verb.CHECKIN: self.open, Verb.ANSWER_CHECKIN: self.answer}

    async def open(self, turn: Turn) -> Reply:
        return Reply(checkin_card(await self._checkins.open_checkin(turn.actor)))

    async def answer(self, turn: Turn) -> Reply:
        """Kept: the thank-you. Not: the card again, with what they chose and typed and a
        note under each answer to fix; nothing is kept until it can all be."""
        sent = turn.wants(CheckinSent)
        try:
            kept = await self._checkins.answer(
                turn.actor, "", sent.feeling, sent.capacity, sent.hours
            )
        except CheckinInvalid as invalid:
            month = await self._checkins.open_checkin(turn.actor)
            problems = {f: PROBLEM_WORDS[f] for f in invalid.fields if f in PROBLEM_WORDS}
            typed = {"feeling": sent.feeling, "capacity": sent.capacity, "hours": sent.hours}
            return Reply(checkin_card(month, problems, typed))
        return Reply(thanks_card(kept))
