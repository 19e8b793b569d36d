"""Use cases: each loads a referral, asks the domain to act, and saves the result.

These are the only entry points the bot uses. Every call names the acting person; the
domain decides whether they may act, so a forged card can never do more than its sender.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from referrals import errors
from referrals.allocation import allocation_options, format_reference
from referrals.intake import IntakeAnswers, IntakeStep
from referrals.people import Actor, Advocate, AllocationOption
from referrals.ports import Clock, Stores
from referrals.referral import DeclineReason, Referral, Signpost
from referrals.states import NEEDS_SMLO, ReferralState


@dataclass(frozen=True)
class ReferralService:
    stores: Stores
    clock: Clock
    smlo_ids: frozenset[str]

    async def identify(self, user_id: str, display_name: str = "") -> Actor:
        """The roles of the person behind this turn, decided here and nowhere else."""
        advocate = await self.stores.roster.get_advocate(user_id) if user_id else None
        return Actor(
            user_id=user_id,
            display_name=display_name,
            is_smlo=bool(user_id) and user_id in self.smlo_ids,
            is_advocate=advocate is not None and advocate.active,
        )

    # -- intake -------------------------------------------------------------------

    async def find_draft(self, actor: Actor) -> Referral | None:
        return await self.stores.referrals.find_draft(actor.user_id)

    async def start_draft(self, actor: Actor) -> Referral:
        existing = await self.find_draft(actor)
        if existing is not None:
            return existing
        draft = Referral.start_draft(actor, self.clock.now())
        await self.stores.referrals.save(draft)
        return draft

    async def record_answers(
        self, actor: Actor, referral_id: str, answers: IntakeAnswers, step: IntakeStep
    ) -> Referral:
        return await self._change(
            referral_id, lambda r: r.record_answers(actor, answers, step, self.clock.now())
        )

    async def delete_draft(self, actor: Actor, referral_id: str) -> None:
        referral = await self.stores.referrals.get(referral_id)
        if referral.referrer_id != actor.user_id:
            raise errors.NotTheReferrer(f"{actor.user_id} may not delete {referral_id}")
        await self.stores.referrals.delete_draft(referral_id)

    async def submit(self, actor: Actor, referral_id: str) -> Referral:
        referral = await self.stores.referrals.get(referral_id)
        referral.ensure_can_submit(actor)
        now = self.clock.now()
        number = await self.stores.referrals.next_reference_number(now.year)
        reference = format_reference(now.year, number)
        return await self._change(
            referral_id, lambda r: r.submit(actor, reference, self.smlo_ids, now)
        )

    # -- reading ------------------------------------------------------------------

    async def view(self, actor: Actor, referral_id: str) -> Referral:
        referral = await self.stores.referrals.get(referral_id)
        referral.ensure_can_view(actor)
        return referral

    async def view_by_reference(self, actor: Actor, reference: str) -> Referral:
        referral = await self.stores.referrals.find_by_reference(reference.strip().upper())
        if referral is None:
            raise errors.ReferralNotFound(reference)
        referral.ensure_can_view(actor)
        return referral

    async def view_offer(self, actor: Actor, referral_id: str) -> Referral:
        """The content-free offer, for the advocate it is offered to."""
        referral = await self.stores.referrals.get(referral_id)
        if referral.offered_to != actor.user_id or referral.state is not ReferralState.OFFERED:
            raise errors.NotTheOfferedAdvocate(f"{actor.user_id} holds no offer of {referral_id}")
        return referral

    async def advocate_names(self) -> dict[str, str]:
        return {a.user_id: a.display_name for a in await self.stores.roster.list_advocates()}

    async def inbox(self, actor: Actor) -> list[Referral]:
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        return await self.stores.referrals.list_in_states(NEEDS_SMLO)

    async def roster(self, actor: Actor) -> list[tuple[Advocate, int]]:
        """Every advocate on the roster with the number of cases they hold (SMLO only)."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        caseloads = await self.stores.referrals.caseloads()
        return [(a, caseloads.get(a.user_id, 0)) for a in await self.stores.roster.list_advocates()]

    async def my_cases(self, actor: Actor) -> list[Referral]:
        return await self.stores.referrals.list_for_advocate(actor.user_id)

    async def allocation_options(
        self, actor: Actor, referral_id: str
    ) -> tuple[Referral, list[AllocationOption]]:
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        referral = await self.stores.referrals.get(referral_id)
        advocates = await self.stores.roster.list_advocates()
        caseloads = await self.stores.referrals.caseloads()
        return referral, allocation_options(referral, advocates, caseloads)

    # -- the SMLO and the advocate ------------------------------------------------------

    async def offer(self, actor: Actor, referral_id: str, advocate_id: str) -> Referral:
        if not actor.is_smlo:  # before the roster look-up, so nobody can probe who is on it
            raise errors.NotAnSmlo(actor.user_id)
        advocate = await self.stores.roster.get_advocate(advocate_id)
        if advocate is None:
            raise errors.AdvocateNotAvailable(advocate_id)
        return await self._change(referral_id, lambda r: r.offer(actor, advocate, self.clock.now()))

    async def mark_out_of_remit(
        self, actor: Actor, referral_id: str, signpost: Signpost
    ) -> Referral:
        return await self._change(
            referral_id, lambda r: r.mark_out_of_remit(actor, signpost, self.clock.now())
        )

    async def accept(self, actor: Actor, referral_id: str) -> Referral:
        return await self._change(
            referral_id, lambda r: r.accept(actor, self.smlo_ids, self.clock.now())
        )

    async def decline(self, actor: Actor, referral_id: str, reason: DeclineReason) -> Referral:
        return await self._change(
            referral_id, lambda r: r.decline(actor, reason, self.smlo_ids, self.clock.now())
        )

    async def _change(self, referral_id: str, act: Callable[[Referral], None]) -> Referral:
        """Load, act, save; on a concurrent change, act once more on the fresh copy so the
        domain's own rules decide (two SMLOs allocating at once: exactly one wins)."""
        for attempt in range(2):
            referral = await self.stores.referrals.get(referral_id)
            act(referral)
            try:
                await self.stores.referrals.save(referral)
            except errors.ConcurrentUpdate:
                if attempt:
                    raise
                continue
            return referral
        raise AssertionError("unreachable")
