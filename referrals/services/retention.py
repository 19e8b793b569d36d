"""Retention: personal data does not outlive its purpose (docs/security.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from referrals.audit import AuditAction, Outcome
from referrals.people import Actor
from referrals.referral_base import SYSTEM
from referrals.services.steps import Steps

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


@dataclass(frozen=True)
class Retention:
    steps: Steps

    async def purge_expired(self, policy: RetentionPolicy) -> PurgeReport:
        """Erase personal data of referrals that ended more than `policy.ended_days` ago and
        delete drafts untouched for `policy.draft_days`. Idempotent; every step audited."""
        now = self.steps.clock.now()
        referrals = self.steps.stores.referrals
        system = Actor(SYSTEM)
        purged = 0
        for referral in await referrals.list_ended_before(now - policy.ended):
            if referral.purge(now):
                await referrals.save(referral)
                await self.steps.stores.timers.forget(referral.id)
                await self.steps.stores.subjects.forget(referral.id)
                await self.steps.record(system, referral.id, None, A.PURGE, Outcome.ALLOWED)
                purged += 1
        deleted = 0
        for draft in await referrals.list_drafts_before(now - policy.draft):
            await referrals.delete_draft(draft.id)
            await self.steps.stores.timers.forget(draft.id)
            await self.steps.stores.subjects.forget(draft.id)
            await self.steps.record(system, draft.id, None, A.DELETE_DRAFT, Outcome.ALLOWED)
            deleted += 1
        return PurgeReport(purged, deleted)
