"""Routes of advocates' capacity: an advocate's own availability (typed `availability`,
or from help), and the SMLO's caseload limits (from the roster card). Who may do either
is decided by the use cases, never by the card."""

from __future__ import annotations

from bot.routing import Routes, Turn
from cards.availability import availability_card, limit_set, limits_card
from cards.reply import Reply
from cards.requests import SetAvailability, SetLimit
from cards.verbs import Verb
from referrals import errors
from referrals.services import Administration, Capacities

SAVED = "Saved. Thank you for letting us know."
NOT_SAVED = "Please check the date you are back: it must be after today and within a year."


class CapacityRoutes:
    def __init__(self, capacities: Capacities, administration: Administration) -> None:
        self._capacities, self._admin = capacities, administration

    def table(self) -> Routes:
        return {
            Verb.AVAILABILITY: self.availability,
            Verb.SET_AVAILABILITY: self.set_availability,
            Verb.LIMITS: self.limits,
            Verb.SET_LIMIT: self.set_limit,
        }

    async def availability(self, turn: Turn) -> Reply:
        return Reply(availability_card(await self._capacities.mine(turn.actor)))

    async def set_availability(self, turn: Turn) -> Reply:
        sent = turn.wants(SetAvailability)
        if sent.state is None or sent.problems:
            mine = await self._capacities.mine(turn.actor)
            return Reply(availability_card(mine, sent.problems))
        try:
            saved = await self._capacities.set_availability(
                turn.actor, sent.state, new_cases=sent.new_cases, until=sent.until
            )
        except errors.AvailabilityInvalid:
            mine = await self._capacities.mine(turn.actor)
            return Reply(availability_card(mine, {"until": NOT_SAVED}))
        return Reply(availability_card(saved, notice=SAVED))

    async def limits(self, turn: Turn, problem: str = "", notice: str = "") -> Reply:
        advocates = await self._admin.roster(turn.actor)  # SMLO only
        default = self._admin.steps.caseload_limit
        return Reply(limits_card(advocates, default, problem, notice))

    async def set_limit(self, turn: Turn) -> Reply:
        sent = turn.wants(SetLimit)
        if sent.limit is None or not sent.advocate_id:
            return await self.limits(turn, "Please choose someone and give a number.")  # SMLO only
        try:
            saved = await self._capacities.set_caseload_limit(
                turn.actor, sent.advocate_id, sent.limit
            )
        except errors.AvailabilityInvalid:
            return await self.limits(turn, "Please give a number from 0 to 20.")
        return await self.limits(turn, notice=limit_set(saved.advocate, saved.limit))
