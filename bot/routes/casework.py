"""Routes of the advocate: the offer, and the cases they hold."""

from __future__ import annotations

from bot.routing import Routes, Turn
from cards import advocate
from cards.reply import Reply
from cards.requests import Decline, OnReferral
from cards.verbs import Verb
from referrals import errors
from referrals.referral import Referral
from referrals.services import Casework
from referrals.services.casework import is_offered_to


class CaseworkRoutes:
    def __init__(self, casework: Casework) -> None:
        self._casework = casework

    def table(self) -> Routes:
        return {
            Verb.ACCEPT: self.accept,
            Verb.SHOW_DECLINE: self.show_decline,
            Verb.DECLINE: self.decline,
            Verb.OPEN_CASE: self.open_case,
            Verb.HIDE_CASE: self.hide_case,
            Verb.MY_CASES: self.my_cases,
        }

    async def accept(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        try:
            referral = await self._casework.accept(turn.actor, referral_id)
        except errors.OfferAlreadyAnswered:
            return await self.open_case(turn)  # a double click: show where it stands
        return _showing_details(referral)

    async def show_decline(self, turn: Turn) -> Reply:
        referral_id = turn.wants(OnReferral).referral_id
        return Reply(
            advocate.decline_card(await self._casework.view_offer(turn.actor, referral_id))
        )

    async def decline(self, turn: Turn) -> Reply:
        chosen = turn.wants(Decline)
        if chosen.reason is None:
            referral = await self._casework.view_offer(turn.actor, chosen.referral_id)
            return Reply(advocate.decline_card(referral, problem="Please choose a reason."))
        referral = await self._casework.decline(turn.actor, chosen.referral_id, chosen.reason)
        return Reply(advocate.declined_card(referral))

    async def open_case(self, turn: Turn) -> Reply:
        """The offer while it waits for their answer; the case once they hold it."""
        referral_id = turn.wants(OnReferral).referral_id
        try:
            referral = await self._casework.open(turn.actor, referral_id)
        except errors.NotPermitted:  # refused and audited; say so without saying why
            return Reply(advocate.case_gone_card())
        if is_offered_to(referral, turn.actor):
            return Reply(advocate.offer_card(referral))
        return _showing_details(referral)

    async def hide_case(self, turn: Turn) -> Reply:
        """The case card folded back to its content-free face, on their word."""
        referral_id = turn.wants(OnReferral).referral_id
        try:
            referral = await self._casework.case_face(turn.actor, referral_id)
        except errors.NotPermitted:
            return Reply(advocate.case_gone_card())
        return Reply(advocate.case_folded_card(referral))

    async def my_cases(self, turn: Turn) -> Reply:
        return Reply(advocate.my_cases_card(await self._casework.my_cases(turn.actor)))


def _showing_details(referral: Referral) -> Reply:
    """The case card: it shows the person's details, so the bot keeps track of it."""
    return Reply(advocate.case_card(referral), shows_details=referral.id)
