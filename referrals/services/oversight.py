"""The data protection auditor's oversight: who opened or changed which referral, never what
it says (issue 13, "who watches the watchers").

The auditor may read the trail of any referral and a monthly report of every access across
all referrals (every SMLO and advocate read included), and nothing else: no referral's
details, no case record, no action (the domain grants the auditor nothing). Every look is
itself written to the trail: a referral's trail under that referral (so its trail shows the
auditor looked, as it shows anyone else), the access report under `ACCESS_REPORT`.
"""

from __future__ import annotations

from dataclasses import dataclass

from referrals import errors
from referrals.access_report import (
    AccessReport,
    build_access_report,
    complete_months,
    month_bounds,
)
from referrals.audit import ACCESS_REPORT, AuditAction, AuditEntry, Outcome
from referrals.people import Actor
from referrals.referral import Referral
from referrals.services.steps import Steps

A = AuditAction


@dataclass(frozen=True)
class Oversight:
    steps: Steps

    async def audit_trail(self, actor: Actor, reference: str) -> tuple[Referral, list[AuditEntry]]:
        """A referral's trail by its reference, for the auditor. The referral comes back for
        its reference and id only: no card built from it may show its details."""
        if not actor.is_auditor:
            raise errors.NotAnAuditor(actor.user_id)
        referral = await self.steps.stores.referrals.find_by_reference(reference.strip().upper())
        if referral is None:
            raise errors.ReferralNotFound(reference)
        async with self.steps.audited(actor, referral, A.VIEW_AUDIT):
            if referral.is_subject(actor.user_id):  # never one about them (referrals.subjects)
                raise errors.NotPermitted(f"{actor.user_id} may not see {referral.id}")
        return referral, await self.steps.audit.for_referral(referral.id)

    async def access_report(self, actor: Actor, month: str = "") -> AccessReport:
        """One whole month's accesses across every referral (the last whole month unless
        another is chosen from those offered). Auditor only; audited either way."""
        if not actor.is_auditor:
            await self.steps.record(
                actor, ACCESS_REPORT, None, A.VIEW_ACCESS_REPORT, Outcome.REFUSED
            )
            raise errors.NotAnAuditor(actor.user_id)
        months = complete_months(self.steps.clock.now())
        chosen = month if month in months else months[0]
        start, end = month_bounds(chosen)
        entries = await self.steps.audit.between(start, end)
        await self.steps.record(actor, ACCESS_REPORT, None, A.VIEW_ACCESS_REPORT, Outcome.ALLOWED)
        return build_access_report(chosen, entries, months)
