"""The SMLO's use cases on referrals: the inbox, the details, allocation, giving a case
to another advocate, and sending someone elsewhere when their referral is outside the
remit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from referrals import errors
from referrals.allocation import (
    ConflictReason,
    allocation_options,
    exclusions,
    likely_conflicts,
)
from referrals.audit import AuditAction, Outcome
from referrals.availability import Exclusion, OverrideReason, today
from referrals.escalation import Escalation
from referrals.identity import is_anonymous
from referrals.pathway import PathwayStep
from referrals.people import Actor, Advocate, AllocationOption
from referrals.referral import ReassignReason, Referral
from referrals.roster import Directory
from referrals.services.steps import Steps
from referrals.signposting import Signpost
from referrals.states import HELD_BY_ADVOCATE, NEEDS_SMLO
from referrals.support import SupportDirectory
from referrals.triage import TriageDecision

log = logging.getLogger(__name__)
A = AuditAction
ALLOWED = Outcome.ALLOWED


@dataclass(frozen=True)
class Triage:
    steps: Steps
    # The services an SMLO may send someone to when a referral is outside the remit.
    support: SupportDirectory = field(default_factory=SupportDirectory)
    # The staff directory, for likely conflicts (None: Entra ID is not connected).
    directory: Directory | None = None

    async def inbox(self, actor: Actor) -> list[Referral]:
        """What needs an SMLO: new referrals, those waiting for an advocate, and cases whose
        advocate was taken off the list (they need someone else)."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        stores = self.steps.stores
        waiting = await stores.referrals.list_in_states(NEEDS_SMLO)
        # Urgent, or someone at risk, first; otherwise oldest first (as the store lists).
        found = waiting + await self.stranded()
        return sorted(found, key=lambda r: not (r.triage and r.triage.comes_first))

    async def record_triage(
        self, actor: Actor, referral_id: str, decision: TriageDecision
    ) -> Referral:
        now = self.steps.clock.now()
        return await self.steps.change(
            actor, referral_id, A.TRIAGE, lambda r: r.record_triage(actor, decision, now)
        )

    async def escalation_face(self, actor: Actor, referral_id: str) -> Referral:
        """The referral, for the escalation form: its earlier decisions in categories only."""
        referral = await self.steps.load(actor, referral_id, A.ESCALATE)
        async with self.steps.audited(actor, referral, A.ESCALATE, only_refusals=True):
            referral.ensure_can_escalate(actor)
        return referral

    async def record_escalation(
        self, actor: Actor, referral_id: str, decision: Escalation, entry_id: str = ""
    ) -> Referral:
        """An escalation decision: sealed in the record, a line on the history, audited."""
        now = self.steps.clock.now()
        return await self.steps.change(
            actor,
            referral_id,
            A.ESCALATE,
            lambda r: r.record_escalation(actor, decision, now, entry_id),
        )

    async def pathway_face(self, actor: Actor, referral_id: str) -> Referral:
        """The referral, for the pathway form: its steps so far, in categories."""
        referral = await self.steps.load(actor, referral_id, A.PATHWAY)
        async with self.steps.audited(actor, referral, A.PATHWAY, only_refusals=True):
            referral.ensure_can_escalate(actor)
        return referral

    async def record_pathway_step(
        self, actor: Actor, referral_id: str, step: PathwayStep
    ) -> Referral:
        """A step of the referral's pathway: a line on its history, audited."""
        now = self.steps.clock.now()
        return await self.steps.change(
            actor, referral_id, A.PATHWAY, lambda r: r.record_pathway_step(actor, step, now)
        )

    async def stranded(self) -> list[Referral]:
        """Cases held by an advocate who is no longer on the list, oldest first."""
        stores, found = self.steps.stores, []
        for advocate in await stores.roster.list_advocates():
            if not advocate.active:
                held = await stores.referrals.list_for_advocate(advocate.user_id)
                found += [r for r in held if r.state in HELD_BY_ADVOCATE]
        return sorted(found, key=lambda r: r.submitted_at or r.created_at)

    async def reassign(
        self,
        actor: Actor,
        referral_id: str,
        advocate_id: str,
        reason: ReassignReason,
        override: OverrideReason | None = None,
    ) -> Referral:
        """Give a case to another advocate: they are offered it, and the advocate who held
        it loses it now. Someone away, full or with a conflict only with `override`."""

        def give(referral: Referral, advocate: Advocate, why: tuple[Exclusion, ...]) -> None:
            referral.reassign(actor, advocate, reason, self.steps.clock.now(), why, override)

        return await self._to_advocate(actor, referral_id, advocate_id, A.REASSIGN, give)

    async def _to_advocate(
        self,
        actor: Actor,
        referral_id: str,
        advocate_id: str,
        action: AuditAction,
        give: Callable[[Referral, Advocate, tuple[Exclusion, ...]], None],
    ) -> Referral:
        """Offer or reassign (`give`) to one advocate, with why they would be excluded; an
        override of those reasons is audited beside the change."""
        overridden: list[tuple[Exclusion, ...]] = []

        async def to_them(referral: Referral) -> None:
            if not actor.is_smlo:  # before the roster look-up, so nobody can probe it
                raise errors.NotAnSmlo(actor.user_id)
            advocate = await self.steps.stores.roster.get_advocate(advocate_id)
            if advocate is None:
                raise errors.AdvocateNotAvailable(advocate_id)
            why = await self._exclusions(referral, advocate)
            give(referral, advocate, why)
            overridden[:] = [why] if why else []

        referral = await self.steps.change(actor, referral_id, action, to_them)
        if overridden:
            await self.steps.record(actor, referral.id, referral, A.OVERRIDE_EXCLUSION, ALLOWED)
        return referral

    async def _exclusions(self, referral: Referral, advocate: Advocate) -> tuple[Exclusion, ...]:
        """As the allocation list shows them; for an anonymous referral the directory is
        asked too, since its conflicts bar the offer (`referrals.allocation`)."""
        caseload = (await self.steps.stores.referrals.caseloads()).get(advocate.user_id, 0)
        on = today(self.steps.clock.now())
        found: dict[str, tuple[ConflictReason, ...]] = {}
        if is_anonymous(referral.answers):
            found = await self._flagged_by_directory(referral, [advocate])
        flags = found.get(advocate.user_id, ())
        return exclusions(referral, advocate, caseload, self.steps.caseload_limit, on, flags)

    async def view(self, actor: Actor, referral_id: str) -> Referral:
        """The details on the SMLO's cards: the SMLO role is checked here, so a refusal is
        audited like any other."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_DETAILS)
        async with self.steps.audited(actor, referral, A.VIEW_DETAILS):
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            referral.ensure_can_view(actor)
        return referral

    async def face(self, actor: Actor, referral_id: str) -> Referral:
        """The referral for a content-free card (its summary, its audit trail's heading): the
        SMLO role is checked and a refusal audited, but no details are read, so an allowed
        look is not recorded as one."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_DETAILS)
        async with self.steps.audited(actor, referral, A.VIEW_DETAILS, only_refusals=True):
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            referral.ensure_can_view(actor)
        return referral

    async def view_by_reference(self, actor: Actor, reference: str) -> Referral:
        """The SMLO's look-up by reference; nobody else may use it (nor probe references)."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        referral = await self.steps.stores.referrals.find_by_reference(reference.strip().upper())
        if referral is None:
            raise errors.ReferralNotFound(reference)
        async with self.steps.audited(actor, referral, A.VIEW_DETAILS):
            referral.ensure_can_view(actor)
        return referral

    async def allocation_options(
        self, actor: Actor, referral_id: str
    ) -> tuple[Referral, list[AllocationOption]]:
        referral = await self.steps.load(actor, referral_id, A.VIEW_ALLOCATION)
        async with self.steps.audited(actor, referral, A.VIEW_ALLOCATION):
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            referral.ensure_can_view(actor)  # not a draft
        advocates = await self.steps.stores.roster.list_advocates()
        caseloads = await self.steps.stores.referrals.caseloads()
        on, limit = today(self.steps.clock.now()), self.steps.caseload_limit
        flagged = await self._flagged_by_directory(referral, advocates)
        return referral, allocation_options(
            referral, advocates, caseloads, on=on, default_limit=limit, flagged=flagged
        )

    async def _flagged_by_directory(
        self, referral: Referral, advocates: list[Advocate]
    ) -> dict[str, tuple[ConflictReason, ...]]:
        """Advocates in the referrer's department or line-management chain (either way),
        where the directory knows; nothing when it cannot answer (the list still works)."""
        directory = self.directory
        # Taken by an SMLO for someone without Teams: the SMLO's own place says nothing.
        if directory is None or not referral.referrer_id or referral.outside_teams:
            return {}
        active = [a for a in advocates if a.active]
        try:
            places = await asyncio.gather(
                directory.work_place(referral.referrer_id),
                *(directory.work_place(a.user_id) for a in active),
            )
        except errors.DirectoryUnavailable:
            log.warning("allocation: directory did not answer; no likely conflicts shown")
            return {}
        theirs, flagged = places[0], {}
        if theirs is None:
            return {}
        for advocate, place in zip(active, places[1:], strict=True):
            if place is not None:
                flags = likely_conflicts(referral.referrer_id, theirs, advocate.user_id, place)
                if flags:
                    flagged[advocate.user_id] = flags
        return flagged

    async def offer(
        self,
        actor: Actor,
        referral_id: str,
        advocate_id: str,
        override: OverrideReason | None = None,
    ) -> Referral:
        """Ask an advocate to take it on. One who is away, full or has a conflict is asked
        only with the SMLO's `override` reason (else `AdvocateExcluded`, and nothing
        changes); the override is audited beside the offer."""

        def give(referral: Referral, advocate: Advocate, why: tuple[Exclusion, ...]) -> None:
            referral.offer(actor, advocate, self.steps.clock.now(), why, override)

        return await self._to_advocate(actor, referral_id, advocate_id, A.OFFER, give)

    async def mark_out_of_remit(
        self, actor: Actor, referral_id: str, signpost: Signpost
    ) -> Referral:
        """Outside the remit, sending the person to a broad kind of help."""
        now = self.steps.clock.now()
        return await self.steps.change(
            actor,
            referral_id,
            A.MARK_OUT_OF_REMIT,
            lambda r: r.mark_out_of_remit(actor, signpost, now),
        )

    async def signpost_to_service(
        self, actor: Actor, referral_id: str, service_id: str
    ) -> Referral:
        """Outside the remit, sending the person to a service the support directory lists
        now; `UnknownSupportService`, and nothing changes, for one it does not (a forged
        card, or the directory changed since the card was shown)."""

        def send_there(referral: Referral) -> None:
            if not actor.is_smlo:  # a refusal says nothing about the directory
                raise errors.NotAnSmlo(actor.user_id)
            service = self.support.get(service_id)
            if service is None:
                raise errors.UnknownSupportService(service_id)
            referral.mark_out_of_remit(actor, service, self.steps.clock.now())

        return await self.steps.change(actor, referral_id, A.MARK_OUT_OF_REMIT, send_there)
