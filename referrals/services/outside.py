"""The SMLO's use cases for people without Teams (`referrals.outside`): taking a referral
for them from a call or an e-mail, and withdrawing it when they ask."""

from __future__ import annotations

from dataclasses import dataclass

from referrals.audit import AuditAction
from referrals.outside import WithdrawnFor
from referrals.people import Actor
from referrals.referral import Referral
from referrals.services.steps import Steps

A = AuditAction


@dataclass(frozen=True)
class Outside:
    steps: Steps

    async def start_draft(self, actor: Actor) -> tuple[Referral, bool]:
        """A new draft for someone without Teams, made by this SMLO; or the draft they
        already have (one at a time, theirs or for someone else), and False. Refused
        (`NotAnSmlo`) to anyone else; nothing is stored then."""
        existing = await self.steps.stores.referrals.find_draft(actor.user_id)
        if existing is not None:
            return existing, False
        draft = Referral.start_outside_draft(actor, self.steps.clock.now())
        async with self.steps.audited(actor, draft, A.CHANGE_DRAFT):
            await self.steps.stores.referrals.save(draft)
        return draft, True

    async def withdraw_face(self, actor: Actor, referral_id: str) -> Referral:
        """The referral, for the card asking how the person asked; refusals audited."""
        referral = await self.steps.load(actor, referral_id, A.WITHDRAW_FOR_PERSON)
        async with self.steps.audited(actor, referral, A.WITHDRAW_FOR_PERSON, only_refusals=True):
            referral.ensure_can_withdraw_for_person(actor)
        return referral

    async def withdraw_for_person(
        self, actor: Actor, referral_id: str, how: WithdrawnFor
    ) -> Referral:
        """Withdrawn for the person, who asked: erased at once, the holder told."""
        now = self.steps.clock.now()
        withdrawn = await self.steps.change(
            actor,
            referral_id,
            A.WITHDRAW_FOR_PERSON,
            lambda r: r.withdraw_for_person(actor, how, self.steps.smlo_ids, now),
        )
        # Whom it named goes with the personal data, as when a person withdraws their own.
        await self.steps.stores.subjects.forget(withdrawn.id)
        return withdrawn
