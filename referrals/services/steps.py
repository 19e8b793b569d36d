"""The steps every use case shares: load a referral, audit the guarded step, save it.

A use case names the acting person on every call; the domain decides whether they may
act, so a forged card can never do more than its sender. Every read of a referral's
details and every change is written to the audit trail, allowed or refused; the trail
holds who, when and what kind, never content.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from collections.abc import Set as AbstractSet
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from referrals import errors
from referrals.audit import ActorRole, AuditAction, AuditEntry, AuditLog, Outcome
from referrals.availability import DEFAULT_CASELOAD_LIMIT
from referrals.people import Actor
from referrals.ports import Clock, Stores
from referrals.referral import Referral
from referrals.referral_base import SYSTEM

A = AuditAction


def role_towards(actor: Actor, referral: Referral | None) -> ActorRole:
    """How the actor stands to this referral, for the audit trail."""
    if actor.user_id == SYSTEM:
        return ActorRole.SYSTEM
    # An SMLO who took a referral for someone without Teams acts on it as staff.
    made_it = referral is not None and actor.user_id and actor.user_id == referral.referrer_id
    if made_it and not (referral and referral.outside_teams and actor.is_smlo):
        return ActorRole.REFERRER
    if actor.is_smlo:
        return ActorRole.SMLO
    if actor.is_auditor:
        return ActorRole.AUDITOR
    if referral is not None and actor.user_id in (referral.offered_to, referral.advocate_id):
        return ActorRole.ADVOCATE if actor.user_id else ActorRole.OTHER
    return ActorRole.OTHER


@dataclass(frozen=True)
class Steps:
    """What the use cases work with, and the load / audit / save steps they share."""

    stores: Stores
    clock: Clock
    smlo_ids: AbstractSet[str]  # a `MemberIds` when the directory keeps them current
    audit: AuditLog
    # The data protection auditors (`MemberIds` when the directory keeps them current).
    auditor_ids: AbstractSet[str] = field(default_factory=frozenset)
    # The caseload limit of an advocate the SMLO set none for (setting SMA_CASELOAD_LIMIT).
    caseload_limit: int = DEFAULT_CASELOAD_LIMIT

    async def identify(self, user_id: str, display_name: str = "") -> Actor:
        """The roles of a person, decided here and nowhere else: SMLOs from the SMLO ids
        (kept current from the directory), advocates from the active roster, auditors from
        the auditor ids. Someone who is also an SMLO, or on the roster at all (even off the
        list), is not an auditor: the auditor must be independent of those whose reads they
        check (docs/security.md)."""
        advocate = await self.stores.roster.get_advocate(user_id) if user_id else None
        is_smlo = bool(user_id) and user_id in self.smlo_ids
        is_advocate = advocate is not None and advocate.active
        return Actor(
            user_id=user_id,
            display_name=display_name,
            is_smlo=is_smlo,
            is_advocate=is_advocate,
            is_auditor=bool(user_id)
            and user_id in self.auditor_ids
            and not is_smlo
            and advocate is None,
        )

    async def load(self, actor: Actor, referral_id: str, action: AuditAction) -> Referral:
        """Load a referral; an unknown id is a refusal too (a forged id is audited)."""
        try:
            return await self.stores.referrals.get(referral_id)
        except errors.ReferralNotFound:
            await self.record(actor, referral_id, None, action, Outcome.REFUSED)
            raise

    @asynccontextmanager
    async def audited(
        self, actor: Actor, referral: Referral, action: AuditAction, *, only_refusals: bool = False
    ) -> AsyncIterator[None]:
        """Audit the guarded step: refused if the domain says no, else allowed."""
        try:
            yield
        except errors.ConcurrentUpdate:
            raise
        except errors.ReferralError:
            await self.record(actor, referral.id, referral, action, Outcome.REFUSED)
            raise
        if not only_refusals:
            await self.record(actor, referral.id, referral, action, Outcome.ALLOWED)

    async def record(
        self,
        actor: Actor,
        referral_id: str,
        referral: Referral | None,
        action: AuditAction,
        outcome: Outcome,
    ) -> None:
        role = role_towards(actor, referral)
        # The role already says it was the referrer; storing their id would tie them to the
        # referral for good, since the trail can never be edited or erased. Once it is
        # erased the referral no longer knows its referrer, and anyone with no role on it
        # may be them pressing an old card: their id is not kept either.
        erased = referral is not None and referral.is_erased
        unknown = role is ActorRole.REFERRER or (erased and role is ActorRole.OTHER)
        actor_id = "" if unknown else actor.user_id
        await self.audit.append(
            AuditEntry(self.clock.now(), referral_id, actor_id, role, action, outcome)
        )

    async def view(self, actor: Actor, referral_id: str) -> Referral:
        """The details, for those the domain lets see them; audited either way."""
        referral = await self.load(actor, referral_id, A.VIEW_DETAILS)
        async with self.audited(actor, referral, A.VIEW_DETAILS):
            referral.ensure_can_view(actor)
        return referral

    async def change(
        self,
        actor: Actor,
        referral_id: str,
        action: AuditAction,
        act: Callable[[Referral], object],
        *,
        loaded: Referral | None = None,
    ) -> Referral:
        """Load, act, save: one load. `act` may be a coroutine function. On a concurrent
        change, act once more on the fresh copy so the domain's own rules decide (two SMLOs
        allocating at once: exactly one wins).

        `loaded`: the referral as this turn has just read it (the intake dialog reads the
        draft to check the click): acted on first instead of reading it again. It is
        versioned, so if it went stale meanwhile the save is refused and the second
        attempt reads it afresh, as for any lost race."""
        for attempt in range(2):
            if attempt == 0 and loaded is not None and loaded.id == referral_id:
                referral = loaded
            else:
                referral = await self.load(actor, referral_id, action)
            try:
                async with self.audited(actor, referral, action):  # a lost race is not audited
                    acted = act(referral)
                    if inspect.isawaitable(acted):
                        await acted
                    await self.stores.referrals.save(referral)
            except errors.ConcurrentUpdate:
                if attempt:
                    raise
                continue
            return referral
        raise AssertionError("unreachable")
