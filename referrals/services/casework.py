"""The advocate's use cases: the offer, and the cases they hold.

This is the room for the case record and for closing a case: each use case loads the
referral, asks the domain to act (which checks who may), and saves it, audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from referrals import errors
from referrals.audit import AuditAction
from referrals.people import Actor
from referrals.referral import DeclineReason, Referral
from referrals.services.steps import Steps
from referrals.states import ReferralState

A = AuditAction


@dataclass(frozen=True)
class Casework:
    steps: Steps

    async def view_offer(self, actor: Actor, referral_id: str) -> Referral:
        """The content-free offer, for the advocate it is offered to."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_OFFER)
        async with self.steps.audited(actor, referral, A.VIEW_OFFER):
            _check_offer(actor, referral)
        return referral

    async def open(self, actor: Actor, referral_id: str) -> Referral:
        """What "Open" shows: the offer while it waits for this advocate's answer, else the
        case. One load and one audit entry of the kind of look it was (a look at one's own
        case must not be recorded as a refused look at an offer)."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_DETAILS)
        if is_offered_to(referral, actor):
            async with self.steps.audited(actor, referral, A.VIEW_OFFER):
                _check_offer(actor, referral)
            return referral
        async with self.steps.audited(actor, referral, A.VIEW_DETAILS):
            _check_case(actor, referral)
        return referral

    async def accept(self, actor: Actor, referral_id: str) -> Referral:
        now = self.steps.clock.now()
        return await self.steps.change(
            actor, referral_id, A.ACCEPT, lambda r: r.accept(actor, self.steps.smlo_ids, now)
        )

    async def decline(self, actor: Actor, referral_id: str, reason: DeclineReason) -> Referral:
        now = self.steps.clock.now()
        return await self.steps.change(
            actor,
            referral_id,
            A.DECLINE,
            lambda r: r.decline(actor, reason, self.steps.smlo_ids, now),
        )

    async def view_case(self, actor: Actor, referral_id: str) -> Referral:
        """The case as its advocate works it: the advocate who holds it, or an SMLO."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_DETAILS)
        async with self.steps.audited(actor, referral, A.VIEW_DETAILS):
            _check_case(actor, referral)
        return referral

    async def case_face(self, actor: Actor, referral_id: str) -> Referral:
        """The case without its details (to fold the card back): for its advocate or an
        SMLO; a refusal is audited."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_DETAILS)
        async with self.steps.audited(actor, referral, A.VIEW_DETAILS, only_refusals=True):
            if not actor.is_smlo and actor.user_id != referral.advocate_id:
                raise errors.NotTheAllocatedAdvocate(f"{actor.user_id} holds no {referral_id}")
            referral.ensure_can_view(actor)  # not a draft; an advocate still on the list
        return referral

    async def my_cases(self, actor: Actor) -> list[Referral]:
        if not actor.is_advocate:  # someone taken off the list sees none of their old cases
            return []
        return await self.steps.stores.referrals.list_for_advocate(actor.user_id)


def is_offered_to(referral: Referral, actor: Actor) -> bool:
    return referral.state is ReferralState.OFFERED and referral.offered_to == actor.user_id


def _check_offer(actor: Actor, referral: Referral) -> None:
    if not is_offered_to(referral, actor):
        raise errors.NotTheOfferedAdvocate(f"{actor.user_id} holds no offer of {referral.id}")
    if not actor.is_advocate:  # taken off the list since it was offered
        raise errors.NotAnActiveAdvocate(f"{actor.user_id} is not an active advocate")


def _check_case(actor: Actor, referral: Referral) -> None:
    """The advocate who holds it, or an SMLO; the domain's own rules on top."""
    if not actor.is_smlo and actor.user_id != referral.advocate_id:
        raise errors.NotTheAllocatedAdvocate(f"{actor.user_id} holds no {referral.id}")
    referral.ensure_can_view(actor)
