"""Use cases: each loads a referral, asks the domain to act, and saves the result.

These are the only entry points the bot uses. Every call names the acting person; the
domain decides whether they may act, so a forged card can never do more than its sender.
Every read of a referral's details and every change is written to the audit trail,
allowed or refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from collections.abc import Set as AbstractSet
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from referrals import errors, roster_changes
from referrals.allocation import allocation_options, format_reference
from referrals.audit import (
    ROSTER,
    STATISTICS,
    ActorRole,
    AuditAction,
    AuditEntry,
    AuditLog,
    Outcome,
    roster_subject,
)
from referrals.intake import IntakeAnswers, IntakeStep
from referrals.notifications import Notification
from referrals.people import Actor, Advocate, AllocationOption
from referrals.ports import Clock, Stores
from referrals.referral import SYSTEM, DeclineReason, Referral, Signpost
from referrals.roster import Directory, RosterDirectory
from referrals.roster_changes import RosterChange, RosterResult
from referrals.states import NEEDS_SMLO, STATE_TABLE, ReferralState, Transition
from referrals.statistics import StatisticsReport, build_report, last_complete_year

A = AuditAction


@dataclass(frozen=True)
class RetentionPolicy:
    ended_days: int  # closed or withdrawn referrals keep personal data this long
    draft_days: int  # unfinished referrals are deleted after this long untouched

    @property
    def ended(self) -> timedelta:
        return timedelta(days=self.ended_days)

    @property
    def draft(self) -> timedelta:
        return timedelta(days=self.draft_days)


@dataclass(frozen=True)
class PurgeReport:
    referrals_purged: int
    drafts_deleted: int


def role_towards(actor: Actor, referral: Referral | None) -> ActorRole:
    """How the actor stands to this referral, for the audit trail."""
    if actor.user_id == SYSTEM:
        return ActorRole.SYSTEM
    if referral is not None and actor.user_id and actor.user_id == referral.referrer_id:
        return ActorRole.REFERRER
    if actor.is_smlo:
        return ActorRole.SMLO
    if referral is not None and actor.user_id in (referral.offered_to, referral.advocate_id):
        return ActorRole.ADVOCATE if actor.user_id else ActorRole.OTHER
    return ActorRole.OTHER


@dataclass(frozen=True)
class ReferralService:
    stores: Stores
    clock: Clock
    smlo_ids: AbstractSet[str]  # a `MemberIds` when the directory keeps them current
    audit: AuditLog
    directory: Directory | None = None  # None: Entra ID is not connected

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
            actor,
            referral_id,
            A.CHANGE_DRAFT,
            lambda r: r.record_answers(actor, answers, step, self.clock.now()),
        )

    async def delete_draft(self, actor: Actor, referral_id: str) -> None:
        referral = await self._load(actor, referral_id, A.DELETE_DRAFT)
        async with self._audited(actor, referral, A.DELETE_DRAFT):
            if referral.referrer_id != actor.user_id:
                raise errors.NotTheReferrer(f"{actor.user_id} may not delete {referral_id}")
            if referral.state is not ReferralState.DRAFT:  # sent: withdraw it instead
                raise errors.InvalidTransition("delete", referral.state)
            await self.stores.referrals.delete_draft(referral_id)

    async def submit(self, actor: Actor, referral_id: str) -> Referral:
        referral = await self._load(actor, referral_id, A.SUBMIT)
        async with self._audited(actor, referral, A.SUBMIT, only_refusals=True):
            referral.ensure_can_submit(actor)
        now = self.clock.now()
        number = await self.stores.referrals.next_reference_number(now.year)
        reference = format_reference(now.year, number)
        return await self._change(
            actor, referral_id, A.SUBMIT, lambda r: r.submit(actor, reference, self.smlo_ids, now)
        )

    async def withdraw(self, actor: Actor, referral_id: str) -> Referral:
        """The referrer takes it back: personal data and free text are erased at once."""
        return await self._change(
            actor,
            referral_id,
            A.WITHDRAW,
            lambda r: r.withdraw(actor, self.smlo_ids, self.clock.now()),
        )

    # -- reading ------------------------------------------------------------------

    async def view(self, actor: Actor, referral_id: str, *, as_smlo: bool = False) -> Referral:
        """The details, for those allowed; `as_smlo` also requires the SMLO role (the SMLO's
        cards), checked here so that a refusal is audited like any other."""
        referral = await self._load(actor, referral_id, A.VIEW_DETAILS)
        async with self._audited(actor, referral, A.VIEW_DETAILS):
            if as_smlo and not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            referral.ensure_can_view(actor)
        return referral

    async def view_by_reference(self, actor: Actor, reference: str) -> Referral:
        """The SMLO's look-up by reference; nobody else may use it (nor probe references)."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        referral = await self.stores.referrals.find_by_reference(reference.strip().upper())
        if referral is None:
            raise errors.ReferralNotFound(reference)
        async with self._audited(actor, referral, A.VIEW_DETAILS):
            referral.ensure_can_view(actor)
        return referral

    async def view_offer(self, actor: Actor, referral_id: str) -> Referral:
        """The content-free offer, for the advocate it is offered to."""
        referral = await self._load(actor, referral_id, A.VIEW_OFFER)
        async with self._audited(actor, referral, A.VIEW_OFFER):
            if referral.offered_to != actor.user_id or referral.state is not ReferralState.OFFERED:
                raise errors.NotTheOfferedAdvocate(
                    f"{actor.user_id} holds no offer of {referral_id}"
                )
            if not actor.is_advocate:  # taken off the list since it was offered
                raise errors.NotAnActiveAdvocate(f"{actor.user_id} is not an active advocate")
        return referral

    async def view_own(
        self, actor: Actor, referral_id: str, *, to_withdraw: bool = False
    ) -> Referral:
        """A referral as its referrer sees it (to check or withdraw it); nobody else."""
        referral = await self._load(actor, referral_id, A.VIEW_DETAILS)
        async with self._audited(actor, referral, A.VIEW_DETAILS):
            if not actor.user_id or referral.referrer_id != actor.user_id:
                raise errors.NotTheReferrer(f"{actor.user_id} did not refer {referral_id}")
            if to_withdraw and referral.state not in STATE_TABLE[Transition.WITHDRAW][0]:
                raise errors.InvalidTransition(Transition.WITHDRAW, referral.state)
        return referral

    async def view_case(self, actor: Actor, referral_id: str) -> Referral:
        """The case as its advocate works it: the advocate who holds it, or an SMLO."""
        referral = await self._load(actor, referral_id, A.VIEW_DETAILS)
        async with self._audited(actor, referral, A.VIEW_DETAILS):
            if not actor.is_smlo and actor.user_id != referral.advocate_id:
                raise errors.NotTheAllocatedAdvocate(f"{actor.user_id} holds no {referral_id}")
            referral.ensure_can_view(actor)
        return referral

    async def my_referrals(self, actor: Actor) -> list[Referral]:
        """The referrer's own sent referrals, to see where they stand or withdraw them."""
        return await self.stores.referrals.list_for_referrer(actor.user_id)

    async def audit_trail(self, actor: Actor, referral_id: str) -> list[AuditEntry]:
        referral = await self._load(actor, referral_id, A.VIEW_AUDIT)
        async with self._audited(actor, referral, A.VIEW_AUDIT):
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
        return await self.audit.for_referral(referral_id)

    async def undelivered(self, actor: Actor) -> list[tuple[Notification, Referral]]:
        """Messages Teams would not take after every retry, for the SMLO to see and resend."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        parked = await self.stores.outbox.parked(limit=50)
        return [(n, await self.stores.referrals.get(n.referral_id)) for n in parked]

    async def retry_delivery(self, actor: Actor, notification_id: str) -> bool:
        """Queue a parked message again (SMLO only); False if it was not parked any more."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        return await self.stores.outbox.retry_parked(notification_id) is not None

    async def advocate_names(self) -> dict[str, str]:
        return {a.user_id: a.display_name for a in await self.stores.roster.list_advocates()}

    async def inbox(self, actor: Actor) -> list[Referral]:
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        return await self.stores.referrals.list_in_states(NEEDS_SMLO)

    async def statistics(self, actor: Actor) -> StatisticsReport:
        """The anonymous figures for the last whole calendar year (SMLO only), every small
        cell suppressed. Each look, allowed or refused, is audited. The period is fixed, not
        chosen: overlapping periods could be compared to single out one referral."""
        if not actor.is_smlo:
            await self._record(actor, STATISTICS, None, A.VIEW_STATISTICS, Outcome.REFUSED)
            raise errors.NotAnSmlo(actor.user_id)
        period = last_complete_year(self.clock.now())
        report = build_report(period, await self.stores.referrals.statistics(period))
        await self._record(actor, STATISTICS, None, A.VIEW_STATISTICS, Outcome.ALLOWED)
        return report

    async def roster(self, actor: Actor) -> list[tuple[Advocate, int]]:
        """Every advocate on the roster with the number of cases they hold (SMLO only)."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        caseloads = await self.stores.referrals.caseloads()
        return [(a, caseloads.get(a.user_id, 0)) for a in await self.stores.roster.list_advocates()]

    async def add_advocate(self, actor: Actor, who: str, chosen_id: str = "") -> RosterChange:
        """The SMLO puts someone on the roster: in the advocates group if the app may.
        `chosen_id`: their pick from the people `who` matched (searched again here)."""
        await self._may_manage_roster(actor, A.ADD_ADVOCATE)
        change = await roster_changes.add_advocate(
            self.stores.roster, await self._directory(), who, chosen_id
        )
        await self._record_roster_change(actor, change, A.ADD_ADVOCATE)
        return change

    async def remove_advocate(self, actor: Actor, who: str, chosen_id: str = "") -> RosterChange:
        """The SMLO takes someone off the roster (and out of the group if the app may);
        offers waiting for their answer go back to be allocated."""
        await self._may_manage_roster(actor, A.REMOVE_ADVOCATE)
        caseloads = await self.stores.referrals.caseloads()
        change = await roster_changes.remove_advocate(
            self.stores.roster, await self._directory(), who, caseloads, chosen_id
        )
        await self._record_roster_change(actor, change, A.REMOVE_ADVOCATE)
        if change.result is RosterResult.REMOVED:
            await self.return_stranded_offers(actor)
        return change

    async def _may_manage_roster(self, actor: Actor, action: AuditAction) -> None:
        """Only an SMLO, checked before any look-up so nobody else can probe the directory."""
        if not actor.is_smlo:
            await self._record(actor, ROSTER, None, action, Outcome.REFUSED)
            raise errors.NotAnSmlo(actor.user_id)

    async def _directory(self) -> Directory:
        if self.directory is not None:
            return self.directory
        return RosterDirectory(await self.stores.roster.list_advocates())

    async def _record_roster_change(
        self, actor: Actor, change: RosterChange, action: AuditAction
    ) -> None:
        done = change.result in (RosterResult.ADDED, RosterResult.REMOVED)
        if done and change.person is not None:
            subject = roster_subject(change.person.user_id)
            await self._record(actor, subject, None, action, Outcome.ALLOWED)

    async def my_cases(self, actor: Actor) -> list[Referral]:
        if not actor.is_advocate:  # someone taken off the list sees none of their old cases
            return []
        return await self.stores.referrals.list_for_advocate(actor.user_id)

    async def return_stranded_offers(self, actor: Actor) -> int:
        """Every offer still waiting for the answer of someone no longer on the active list
        (taken off by an SMLO, or by the directory, as SYSTEM) goes back to be allocated,
        audited, and the SMLOs are told as for a decline. Their active cases stay theirs but
        cannot be opened while they are off the list (docs/security.md). Idempotent;
        returns how many offers went back."""
        active = {a.user_id for a in await self.stores.roster.list_advocates() if a.active}
        returned = 0
        for referral in await self.stores.referrals.list_in_states({ReferralState.OFFERED}):
            if referral.offered_to and referral.offered_to not in active:
                gone = await self.stores.roster.get_advocate(referral.offered_to)
                left = gone or Advocate(referral.offered_to, "", active=False)
                returned += await self._return_offer(actor, referral.id, left)
        return returned

    async def _return_offer(self, actor: Actor, referral_id: str, advocate: Advocate) -> int:
        try:
            await self._change(
                actor,
                referral_id,
                A.RETURN_OFFER,
                lambda r: r.return_offer(actor, advocate, self.smlo_ids, self.clock.now()),
            )
        except errors.ReferralError:  # answered or withdrawn meanwhile: nothing to do
            return 0
        return 1

    async def allocation_options(
        self, actor: Actor, referral_id: str
    ) -> tuple[Referral, list[AllocationOption]]:
        referral = await self._load(actor, referral_id, A.VIEW_ALLOCATION)
        async with self._audited(actor, referral, A.VIEW_ALLOCATION):
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            referral.ensure_can_view(actor)  # not a draft
        advocates = await self.stores.roster.list_advocates()
        caseloads = await self.stores.referrals.caseloads()
        return referral, allocation_options(referral, advocates, caseloads)

    # -- the SMLO and the advocate ------------------------------------------------------

    async def offer(self, actor: Actor, referral_id: str, advocate_id: str) -> Referral:
        referral = await self._load(actor, referral_id, A.OFFER)
        async with self._audited(actor, referral, A.OFFER, only_refusals=True):
            if not actor.is_smlo:  # before the roster look-up, so nobody can probe it
                raise errors.NotAnSmlo(actor.user_id)
            advocate = await self.stores.roster.get_advocate(advocate_id)
            if advocate is None:
                raise errors.AdvocateNotAvailable(advocate_id)
        return await self._change(
            actor, referral_id, A.OFFER, lambda r: r.offer(actor, advocate, self.clock.now())
        )

    async def mark_out_of_remit(
        self, actor: Actor, referral_id: str, signpost: Signpost
    ) -> Referral:
        return await self._change(
            actor,
            referral_id,
            A.MARK_OUT_OF_REMIT,
            lambda r: r.mark_out_of_remit(actor, signpost, self.clock.now()),
        )

    async def accept(self, actor: Actor, referral_id: str) -> Referral:
        return await self._change(
            actor, referral_id, A.ACCEPT, lambda r: r.accept(actor, self.smlo_ids, self.clock.now())
        )

    async def decline(self, actor: Actor, referral_id: str, reason: DeclineReason) -> Referral:
        return await self._change(
            actor,
            referral_id,
            A.DECLINE,
            lambda r: r.decline(actor, reason, self.smlo_ids, self.clock.now()),
        )

    # -- retention ----------------------------------------------------------------------

    async def purge_expired(self, policy: RetentionPolicy) -> PurgeReport:
        """Erase personal data of referrals that ended more than `policy.ended_days` ago and
        delete drafts untouched for `policy.draft_days`. Idempotent; every step audited."""
        now = self.clock.now()
        system = Actor(SYSTEM)
        purged = 0
        for referral in await self.stores.referrals.list_ended_before(now - policy.ended):
            if referral.purge(now):
                await self.stores.referrals.save(referral)
                await self._record(system, referral.id, None, A.PURGE, Outcome.ALLOWED)
                purged += 1
        deleted = 0
        for draft in await self.stores.referrals.list_drafts_before(now - policy.draft):
            await self.stores.referrals.delete_draft(draft.id)
            await self._record(system, draft.id, None, A.DELETE_DRAFT, Outcome.ALLOWED)
            deleted += 1
        return PurgeReport(purged, deleted)

    # -- bookkeeping --------------------------------------------------------------------

    async def _load(self, actor: Actor, referral_id: str, action: AuditAction) -> Referral:
        """Load a referral; an unknown id is a refusal too (a forged id is audited)."""
        try:
            return await self.stores.referrals.get(referral_id)
        except errors.ReferralNotFound:
            await self._record(actor, referral_id, None, action, Outcome.REFUSED)
            raise

    @asynccontextmanager
    async def _audited(
        self, actor: Actor, referral: Referral, action: AuditAction, *, only_refusals: bool = False
    ) -> AsyncIterator[None]:
        """Audit the guarded step: refused if the domain says no, else allowed."""
        try:
            yield
        except errors.ConcurrentUpdate:
            raise
        except errors.ReferralError:
            await self._record(actor, referral.id, referral, action, Outcome.REFUSED)
            raise
        if not only_refusals:
            await self._record(actor, referral.id, referral, action, Outcome.ALLOWED)

    async def _record(
        self,
        actor: Actor,
        referral_id: str,
        referral: Referral | None,
        action: AuditAction,
        outcome: Outcome,
    ) -> None:
        role = role_towards(actor, referral)
        # The role already says it was the referrer; storing their id would tie them to the
        # referral for good, since the trail can never be edited or erased.
        actor_id = "" if role is ActorRole.REFERRER else actor.user_id
        await self.audit.append(
            AuditEntry(self.clock.now(), referral_id, actor_id, role, action, outcome)
        )

    async def _change(
        self,
        actor: Actor,
        referral_id: str,
        action: AuditAction,
        act: Callable[[Referral], None],
    ) -> Referral:
        """Load, act, save; on a concurrent change, act once more on the fresh copy so the
        domain's own rules decide (two SMLOs allocating at once: exactly one wins)."""
        for attempt in range(2):
            referral = await self._load(actor, referral_id, action)
            try:
                async with self._audited(actor, referral, action):  # a lost race is not audited
                    act(referral)
                    await self.stores.referrals.save(referral)
            except errors.ConcurrentUpdate:
                if attempt:
                    raise
                continue
            return referral
        raise AssertionError("unreachable")
