"""The SMLO's running of the service: the roster, the figures, the audit trail, and
messages Teams would not take."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from referrals import errors, roster_changes
from referrals.audit import (
    ROSTER,
    SCRUTINY,
    STATISTICS,
    AuditAction,
    AuditEntry,
    Outcome,
    roster_subject,
)
from referrals.linked_suppression import Solver
from referrals.notifications import ABOUT_NO_REFERRAL, Notification
from referrals.people import Actor, Advocate
from referrals.periods import (
    DEFAULT_SERVICE_START,
    Kind,
    Period,
    offered_periods,
    service_year,
)
from referrals.referral import Referral
from referrals.referral_base import SYSTEM
from referrals.report_set import report_for
from referrals.roster import Directory, RosterDirectory
from referrals.roster_changes import RosterChange, RosterResult
from referrals.scrutiny import ScrutinyExport, scrutiny_export
from referrals.services.steps import Steps
from referrals.states import ReferralState
from referrals.statistics import StatisticsReport, month_of

A = AuditAction


@dataclass(frozen=True)
class Figures:
    """The figures for one period, and every period on offer (the latest first) to choose
    another; `report` is None when no period has ended yet."""

    report: StatisticsReport | None
    offered: tuple[Period, ...]


@dataclass(frozen=True)
class Administration:
    steps: Steps
    directory: Directory | None = None  # None: Entra ID is not connected
    service_start: str = DEFAULT_SERVICE_START  # "2025-06": the reviews run from it
    solver: Solver | None = None  # what the figures' protection solves with (None: no figures)

    async def advocate_names(self) -> dict[str, str]:
        """Every advocate's display name by id: staff names are shown on staff cards."""
        advocates = await self.steps.stores.roster.list_advocates()
        return {a.user_id: a.display_name for a in advocates}

    async def roster(self, actor: Actor) -> list[tuple[Advocate, int]]:
        """Every advocate on the roster with the number of cases they hold (SMLO only)."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        caseloads = await self.steps.stores.referrals.caseloads()
        advocates = await self.steps.stores.roster.list_advocates()
        return [(a, caseloads.get(a.user_id, 0)) for a in advocates]

    async def add_advocate(self, actor: Actor, who: str, chosen_id: str = "") -> RosterChange:
        """The SMLO puts someone on the roster: in the advocates group if the app may.
        `chosen_id`: their pick from the people `who` matched (searched again here)."""
        await self._may_manage_roster(actor, A.ADD_ADVOCATE)
        change = await roster_changes.add_advocate(
            self.steps.stores.roster, await self._directory(), who, chosen_id
        )
        await self._record_roster_change(actor, change, A.ADD_ADVOCATE)
        return change

    async def remove_advocate(self, actor: Actor, who: str, chosen_id: str = "") -> RosterChange:
        """The SMLO takes someone off the roster (and out of the group if the app may);
        offers waiting for their answer go back to be allocated."""
        await self._may_manage_roster(actor, A.REMOVE_ADVOCATE)
        caseloads = await self.steps.stores.referrals.caseloads()
        change = await roster_changes.remove_advocate(
            self.steps.stores.roster, await self._directory(), who, caseloads, chosen_id
        )
        await self._record_roster_change(actor, change, A.REMOVE_ADVOCATE)
        if change.result is RosterResult.REMOVED:
            await self.return_stranded_offers(actor)
        return change

    async def return_stranded_offers(self, actor: Actor) -> int:
        """Every offer still waiting for the answer of someone no longer on the active list
        (taken off by an SMLO, or by the directory, as SYSTEM) goes back to be allocated,
        audited, and the SMLOs are told as for a decline. Their active cases stay theirs but
        cannot be opened while they are off the list (docs/security.md). Idempotent;
        returns how many offers went back."""
        roster, referrals = self.steps.stores.roster, self.steps.stores.referrals
        active = {a.user_id for a in await roster.list_advocates() if a.active}
        returned = 0
        for referral in await referrals.list_in_states({ReferralState.OFFERED}):
            if referral.offered_to and referral.offered_to not in active:
                gone = await roster.get_advocate(referral.offered_to)
                left = gone or Advocate(referral.offered_to, "", active=False)
                # Nothing on a referral about the SMLO may be done in their name.
                by = Actor(SYSTEM) if referral.is_subject(actor.user_id) else actor
                returned += await self._return_offer(by, referral.id, left)
        return returned

    async def statistics(
        self,
        actor: Actor,
        period: Period | None = None,
        *,
        audit_as: AuditAction = A.VIEW_STATISTICS,
    ) -> Figures:
        """The anonymous figures for an ended review, quarter or year (SMLO only), every
        small cell suppressed: `period`, or the latest review. Each look, allowed or
        refused, is audited (`audit_as`: a look, or the figures saved as a file). Only
        ended periods are offered (a running one could be compared with itself later to
        single out one referral), and each is protected together with the other reports
        of its service year (`report_set`)."""
        offered = tuple(offered_periods(self.steps.clock.now(), self.service_start))
        refused = not actor.is_smlo or (period is not None and period not in offered)
        outcome = Outcome.REFUSED if refused else Outcome.ALLOWED
        if refused:
            await self.steps.record(actor, STATISTICS, None, audit_as, outcome)
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            raise errors.PeriodNotOffered()
        chosen = period or (offered[0] if offered else None)
        report = None
        if chosen is not None:
            # Only the months that have ended: nothing of a running one is ever used.
            this_month = month_of(self.steps.clock.now())
            months = [m for m in service_year(chosen, self.service_start).months if m < this_month]
            tallies = await self.steps.stores.referrals.statistics(months)
            # Deciding a year's figures together takes up to a second or so of solving:
            # off the event loop, so nobody else's turn waits for it.
            if self.solver is None:
                raise RuntimeError("the figures need a solver (Services.build(solver=...))")
            report = await asyncio.to_thread(
                report_for, chosen, tallies, self.service_start, self.solver
            )
        await self.steps.record(actor, STATISTICS, None, audit_as, outcome)
        return Figures(report, offered)

    async def export_statistics(self, actor: Actor, period: Period | None = None) -> Figures:
        """The figures of `period` (or the latest) to be saved as a file: checked and
        audited as a look is, when the file is made (an offer accepted later is checked
        again then)."""
        return await self.statistics(actor, period, audit_as=A.EXPORT_STATISTICS)

    async def scrutiny_export(
        self, actor: Actor, period: Period | None = None
    ) -> ScrutinyExport | None:
        """The scrutiny panel's rows for the cases closed in an ended six-month review
        (SMLO only): `period`, or the latest; None before any has ended. Offered for the
        same reviews as the figures, for the same reason (docs/scrutiny.md). Each export,
        allowed or refused, is audited."""
        everything = offered_periods(self.steps.clock.now(), self.service_start)
        offered = tuple(p for p in everything if p.kind is Kind.WINDOW)  # reviews only
        refused = not actor.is_smlo or (period is not None and period not in offered)
        if refused:
            await self.steps.record(actor, SCRUTINY, None, A.EXPORT_SCRUTINY, Outcome.REFUSED)
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            raise errors.PeriodNotOffered()
        chosen = period or (offered[0] if offered else None)
        export = None
        if chosen is not None:
            closed = await self.steps.stores.referrals.list_in_states({ReferralState.CLOSED})
            export = scrutiny_export(closed, chosen)
        await self.steps.record(actor, SCRUTINY, None, A.EXPORT_SCRUTINY, Outcome.ALLOWED)
        return export

    async def audit_trail(self, actor: Actor, referral_id: str) -> list[AuditEntry]:
        referral = await self.steps.load(actor, referral_id, A.VIEW_AUDIT)
        async with self.steps.audited(actor, referral, A.VIEW_AUDIT):
            if not actor.is_smlo:
                raise errors.NotAnSmlo(actor.user_id)
            referral.ensure_can_view(actor)  # never the SMLO it is about
        return await self.steps.audit.for_referral(referral_id)

    async def undelivered(self, actor: Actor) -> list[tuple[Notification, Referral]]:
        """Messages Teams would not take after every retry, for the SMLO to see and resend."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        parked = await self.steps.stores.outbox.parked(limit=50)
        # Check-in notices and digests are about no referral; this list shows referrals'.
        about_referrals = [n for n in parked if n.kind not in ABOUT_NO_REFERRAL]
        found = [(n, await self.steps.stores.referrals.get(n.referral_id)) for n in about_referrals]
        # Not even the reference of one about them (referrals.subjects).
        return [(n, r) for n, r in found if not r.is_subject(actor.user_id)]

    async def retry_delivery(self, actor: Actor, notification_id: str) -> bool:
        """Queue a parked message again (SMLO only); False if it was not parked any more."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(actor.user_id)
        return await self.steps.stores.outbox.retry_parked(notification_id) is not None

    async def _return_offer(self, actor: Actor, referral_id: str, advocate: Advocate) -> int:
        now = self.steps.clock.now()
        try:
            await self.steps.change(
                actor,
                referral_id,
                A.RETURN_OFFER,
                lambda r: r.return_offer(actor, advocate, self.steps.smlo_ids, now),
            )
        except errors.ReferralError:  # answered or withdrawn meanwhile: nothing to do
            return 0
        return 1

    async def _may_manage_roster(self, actor: Actor, action: AuditAction) -> None:
        """Only an SMLO, checked before any look-up so nobody else can probe the directory."""
        if not actor.is_smlo:
            await self.steps.record(actor, ROSTER, None, action, Outcome.REFUSED)
            raise errors.NotAnSmlo(actor.user_id)

    async def _directory(self) -> Directory:
        if self.directory is not None:
            return self.directory
        return RosterDirectory(await self.steps.stores.roster.list_advocates())

    async def _record_roster_change(
        self, actor: Actor, change: RosterChange, action: AuditAction
    ) -> None:
        done = change.result in (RosterResult.ADDED, RosterResult.REMOVED)
        if done and change.person is not None:
            subject = roster_subject(change.person.user_id)
            await self.steps.record(actor, subject, None, action, Outcome.ALLOWED)
