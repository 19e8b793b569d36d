"""Advocates' capacity: each advocate's own availability, and the caseload limit the SMLO
sets for one of them. Both are changes to the roster, audited under the advocate's roster
subject (who, when, what kind; never the dates or numbers chosen)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from referrals import errors
from referrals.audit import AuditAction, Outcome, roster_subject
from referrals.availability import (
    Availability,
    AvailabilityState,
    checked_limit,
    chosen,
    current,
    today,
)
from referrals.people import Actor, Advocate
from referrals.services.steps import Steps

A = AuditAction


@dataclass(frozen=True)
class Capacity:
    """How an advocate stands: as they set it, what they hold, and their limit."""

    advocate: Advocate
    availability: Availability  # as it stands today (an ended "away" reads as available)
    caseload: int
    limit: int
    today: date


@dataclass(frozen=True)
class Capacities:
    steps: Steps

    async def mine(self, actor: Actor) -> Capacity:
        """The advocate's own availability, for their card (active advocates only)."""
        advocate = await self._own(actor, A.SET_AVAILABILITY, audit_refusal=False)
        return await self._capacity(advocate)

    async def set_availability(
        self,
        actor: Actor,
        state: AvailabilityState,
        *,
        new_cases: int = 0,
        until: date | None = None,
    ) -> Capacity:
        """The advocate sets their own availability; `AvailabilityInvalid` if out of range."""
        advocate = await self._own(actor, A.SET_AVAILABILITY, audit_refusal=True)
        held = await self._caseload(advocate.user_id)
        on = today(self.steps.clock.now())
        availability = chosen(state, caseload=held, on=on, new_cases=new_cases, until=until)
        changed = dataclasses.replace(advocate, availability=availability)
        await self.steps.stores.roster.put_advocate(changed)
        await self._record(actor, advocate.user_id, A.SET_AVAILABILITY, Outcome.ALLOWED)
        return await self._capacity(changed)

    async def set_caseload_limit(self, actor: Actor, advocate_id: str, limit: int) -> Capacity:
        """The SMLO sets one advocate's caseload limit (0: the service's default)."""
        if not actor.is_smlo:  # before the roster look-up, so nobody can probe it
            await self._record(actor, advocate_id, A.SET_CASELOAD_LIMIT, Outcome.REFUSED)
            raise errors.NotAnSmlo(actor.user_id)
        advocate = await self.steps.stores.roster.get_advocate(advocate_id)
        if advocate is None:
            raise errors.AdvocateNotAvailable(advocate_id)
        changed = dataclasses.replace(advocate, caseload_limit=checked_limit(limit))
        await self.steps.stores.roster.put_advocate(changed)
        await self._record(actor, advocate_id, A.SET_CASELOAD_LIMIT, Outcome.ALLOWED)
        return await self._capacity(changed)

    async def _own(self, actor: Actor, action: AuditAction, *, audit_refusal: bool) -> Advocate:
        advocate = await self.steps.stores.roster.get_advocate(actor.user_id)
        if not actor.is_advocate or advocate is None or not advocate.active:
            if audit_refusal:
                await self._record(actor, actor.user_id, action, Outcome.REFUSED)
            raise errors.NotAnActiveAdvocate(f"{actor.user_id} is not an active advocate")
        return advocate

    async def _capacity(self, advocate: Advocate) -> Capacity:
        on = today(self.steps.clock.now())
        return Capacity(
            advocate,
            current(advocate.availability, on),
            await self._caseload(advocate.user_id),
            advocate.limit(self.steps.caseload_limit),
            on,
        )

    async def _caseload(self, user_id: str) -> int:
        return (await self.steps.stores.referrals.caseloads()).get(user_id, 0)

    async def _record(
        self, actor: Actor, advocate_id: str, action: AuditAction, outcome: Outcome
    ) -> None:
        await self.steps.record(actor, roster_subject(advocate_id), None, action, outcome)
