"""Routes of the SMLO on referrals that may be about the same person: opening the match
from its alert. Who may open it is decided by the use case (`Subjects.open_match`), never
by the card."""

from __future__ import annotations

from bot.routing import Routes, Turn
from cards.reply import Reply
from cards.requests import OnReferral
from cards.subjects import match_card
from cards.verbs import Verb
from referrals.services import Subjects


class SubjectRoutes:
    def __init__(self, subjects: Subjects) -> None:
        self._subjects = subjects

    def table(self) -> Routes:
        return {Verb.OPEN_SUBJECT_MATCH: self.open_match}

    async def open_match(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        referral, others = await self._subjects.open_match(turn.actor, referral_id)
        return Reply(match_card(referral, others))
