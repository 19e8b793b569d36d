"""Card actions of the SMLO and the advocate: one handler per verb, each a thin edge that
calls one service function and returns the card to show in place of the clicked one.

Who may do what is decided by the service and the domain from the server-side actor,
never from anything the card sent.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from cards import advocate, referrer, smlo
from cards.audit import audit_card
from cards.delivery import undelivered_card
from cards.elements import plain
from cards.parsers import CardAction, CardPayloadInvalid, parse_choice
from cards.roster import roster_change_card
from cards.verbs import Verb
from referrals import errors
from referrals.people import Actor
from referrals.referral import DeclineReason, Referral, Signpost
from referrals.services import ReferralService
from referrals.states import ReferralState

Card = dict[str, Any]
_ID = re.compile(r"^[0-9a-f]{32}$")
Handler = Callable[[Actor, CardAction], Awaitable[Card]]
MAX_USER_ID = 100


def _choice(a: CardAction) -> tuple[str, str]:
    """(what the SMLO typed, the object id they chose): checked again by the service."""
    asked, user_id = a.inputs.get("asked", ""), a.inputs.get("user_id", "").strip()
    if not asked.strip() or not user_id or len(user_id) > MAX_USER_ID:
        raise CardPayloadInvalid({"user_id": "That card is not one of ours."})
    return asked, user_id


class CardActions:
    def __init__(self, service: ReferralService) -> None:
        self._service = service
        self.table: dict[Verb, Handler] = {
            Verb.OPEN: self.open,
            Verb.HIDE: self.hide,
            Verb.SHOW_ALLOCATE: self.show_allocate,
            Verb.ALLOCATE: self.allocate,
            Verb.SHOW_OUT_OF_REMIT: self.show_out_of_remit,
            Verb.OUT_OF_REMIT: self.out_of_remit,
            Verb.INBOX: self.inbox,
            Verb.ACCEPT: self.accept,
            Verb.SHOW_DECLINE: self.show_decline,
            Verb.DECLINE: self.decline,
            Verb.OPEN_CASE: self.open_case,
            Verb.MY_CASES: self.my_cases,
            Verb.AUDIT: self.audit,
            Verb.UNDELIVERED: self.undelivered,
            Verb.RETRY_DELIVERY: self.retry_delivery,
            Verb.ROSTER: self.roster,
            Verb.ADD_ADVOCATE: self.add_advocate,
            Verb.REMOVE_ADVOCATE: self.remove_advocate,
            Verb.ADD_CHOSEN: self.add_chosen,
            Verb.REMOVE_CHOSEN: self.remove_chosen,
            Verb.MY_REFERRALS: self.my_referrals,
            Verb.WITHDRAW_ASK: self.withdraw_ask,
            Verb.WITHDRAW: self.withdraw,
        }

    # -- SMLO ---------------------------------------------------------------------------

    async def _smlo_view(self, actor: Actor, a: CardAction) -> Referral:
        return await self._service.view(actor, a.referral_id, as_smlo=True)

    async def _summary(
        self, referral: Referral, notice: str = "", *, warning: bool = False
    ) -> Card:
        names = await self._service.advocate_names()
        smlo_ids = self._service.smlo_ids
        return smlo.referral_card(referral, names, notice, warning=warning, smlo_ids=smlo_ids)

    async def open(self, actor: Actor, a: CardAction) -> Card:
        referral = await self._smlo_view(actor, a)
        names = await self._service.advocate_names()
        return smlo.details_card(referral, names, self._service.smlo_ids)

    async def hide(self, actor: Actor, a: CardAction) -> Card:
        return await self._summary(await self._smlo_view(actor, a))

    async def show_allocate(self, actor: Actor, a: CardAction) -> Card:
        referral, choices = await self._service.allocation_options(actor, a.referral_id)
        if referral.state in (ReferralState.OFFERED, ReferralState.ACTIVE):
            return await self.hide(actor, a)
        return smlo.allocation_card(referral, choices)

    async def allocate(self, actor: Actor, a: CardAction) -> Card:
        advocate_id = a.inputs.get("advocate_id", "").strip()
        if not advocate_id:
            referral, choices = await self._service.allocation_options(actor, a.referral_id)
            return smlo.allocation_card(referral, choices, problem="Please choose someone.")
        try:
            referral = await self._service.offer(actor, a.referral_id, advocate_id)
        except errors.ReferralAlreadyAllocated:
            referral = await self._smlo_view(actor, a)
            notice = "Someone already did this, so nothing has changed. This is where it stands."
            return await self._summary(referral, notice, warning=True)
        names = await self._service.advocate_names()
        who = plain(names.get(advocate_id, "them"))
        notice = f"We have asked {who}. We will tell you their answer."
        return await self._summary(referral, notice)

    async def show_out_of_remit(self, actor: Actor, a: CardAction) -> Card:
        return smlo.out_of_remit_card(await self._smlo_view(actor, a))

    async def out_of_remit(self, actor: Actor, a: CardAction) -> Card:
        try:
            signpost = parse_choice(Signpost, a.inputs, "signpost")
        except CardPayloadInvalid:
            referral = await self._smlo_view(actor, a)
            return smlo.out_of_remit_card(referral, problem="Please choose where they should go.")
        referral = await self._service.mark_out_of_remit(actor, a.referral_id, signpost)
        return await self._summary(referral)

    async def audit(self, actor: Actor, a: CardAction) -> Card:
        entries = await self._service.audit_trail(actor, a.referral_id)
        referral = await self._smlo_view(actor, a)
        return audit_card(referral, entries, await self._service.advocate_names())

    async def undelivered(self, actor: Actor, a: CardAction, notice: str = "") -> Card:
        items = await self._service.undelivered(actor)
        names = await self._service.advocate_names()
        return undelivered_card(items, self._service.smlo_ids, names, notice)

    async def retry_delivery(self, actor: Actor, a: CardAction) -> Card:
        notification_id = a.inputs.get("notification_id", "")
        if not _ID.match(notification_id):
            raise CardPayloadInvalid({"notification_id": "That card is not one of ours."})
        queued = await self._service.retry_delivery(actor, notification_id)
        notice = "We are trying again now." if queued else "That one has already gone again."
        return await self.undelivered(actor, a, notice)

    async def roster(self, actor: Actor, a: CardAction) -> Card:
        return smlo.roster_card(await self._service.roster(actor))

    async def add_advocate(self, actor: Actor, a: CardAction) -> Card:
        change = await self._service.add_advocate(actor, a.inputs.get("person", ""))
        return roster_change_card(change)

    async def remove_advocate(self, actor: Actor, a: CardAction) -> Card:
        change = await self._service.remove_advocate(actor, a.inputs.get("person", ""))
        return roster_change_card(change)

    async def add_chosen(self, actor: Actor, a: CardAction) -> Card:
        asked, user_id = _choice(a)
        return roster_change_card(await self._service.add_advocate(actor, asked, user_id))

    async def remove_chosen(self, actor: Actor, a: CardAction) -> Card:
        asked, user_id = _choice(a)
        return roster_change_card(await self._service.remove_advocate(actor, asked, user_id))

    async def inbox(self, actor: Actor, a: CardAction) -> Card:
        return smlo.inbox_card(await self._service.inbox(actor))

    async def my_cases(self, actor: Actor, a: CardAction) -> Card:
        return advocate.my_cases_card(await self._service.my_cases(actor))

    # -- referrer -----------------------------------------------------------------------

    async def my_referrals(self, actor: Actor, a: CardAction) -> Card:
        return referrer.my_referrals_card(await self._service.my_referrals(actor))

    async def withdraw_ask(self, actor: Actor, a: CardAction) -> Card:
        referral = await self._service.view_own(actor, a.referral_id, to_withdraw=True)
        return referrer.withdraw_confirm_card(referral)

    async def withdraw(self, actor: Actor, a: CardAction) -> Card:
        reference = (await self._service.view_own(actor, a.referral_id)).reference
        await self._service.withdraw(actor, a.referral_id)
        return referrer.withdrawn_card(reference)

    # -- advocate -----------------------------------------------------------------------

    async def accept(self, actor: Actor, a: CardAction) -> Card:
        try:
            referral = await self._service.accept(actor, a.referral_id)
        except errors.OfferAlreadyAnswered:
            return await self.open_case(actor, a)  # a double click: show where it stands
        return advocate.case_card(referral)

    async def show_decline(self, actor: Actor, a: CardAction) -> Card:
        return advocate.decline_card(await self._service.view_offer(actor, a.referral_id))

    async def decline(self, actor: Actor, a: CardAction) -> Card:
        try:
            reason = parse_choice(DeclineReason, a.inputs, "reason")
        except CardPayloadInvalid:
            referral = await self._service.view_offer(actor, a.referral_id)
            return advocate.decline_card(referral, problem="Please choose a reason.")
        return advocate.declined_card(await self._service.decline(actor, a.referral_id, reason))

    async def open_case(self, actor: Actor, a: CardAction) -> Card:
        try:
            return advocate.offer_card(await self._service.view_offer(actor, a.referral_id))
        except errors.NotTheOfferedAdvocate:
            pass
        try:
            return advocate.case_card(await self._service.view_case(actor, a.referral_id))
        except errors.NotPermitted:  # refused and audited; say so without saying why
            return advocate.case_gone_card()
