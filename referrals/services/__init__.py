"""Use cases, one module per actor: each loads a referral, asks the domain to act, and
saves the result, audited (`steps.py` holds the steps they share).

| module              | who            | what                                                  |
|---------------------|----------------|-------------------------------------------------------|
| `intake.py`         | referrer       | drafts, answers, submit, withdraw, their own referrals |
| `triage.py`         | SMLO           | inbox, details, allocation options, offer, out of remit |
| `casework.py`       | advocate       | the offer, accept, decline, the case, my cases          |
| `administration.py` | SMLO           | roster, statistics, audit trail, undelivered messages   |
| `retention.py`      | the system     | purging what has been kept long enough                  |

`Services` bundles them for the bot; `identify` decides who is behind a turn.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from referrals.audit import AuditLog
from referrals.people import Actor
from referrals.ports import Clock, Stores
from referrals.roster import Directory
from referrals.services.administration import Administration
from referrals.services.casework import Casework
from referrals.services.intake import Intake
from referrals.services.retention import PurgeReport, Retention, RetentionPolicy
from referrals.services.steps import Steps, role_towards
from referrals.services.triage import Triage

__all__ = [
    "Administration",
    "Casework",
    "Intake",
    "PurgeReport",
    "Retention",
    "RetentionPolicy",
    "Services",
    "Steps",
    "Triage",
    "role_towards",
]


@dataclass(frozen=True)
class Services:
    """Every use case, by actor, over one set of stores."""

    intake: Intake
    triage: Triage
    casework: Casework
    administration: Administration
    retention: Retention

    @classmethod
    def build(
        cls,
        stores: Stores,
        clock: Clock,
        smlo_ids: AbstractSet[str],
        audit: AuditLog,
        directory: Directory | None = None,
    ) -> Services:
        steps = Steps(stores, clock, smlo_ids, audit)
        return cls(
            Intake(steps),
            Triage(steps),
            Casework(steps),
            Administration(steps, directory),
            Retention(steps),
        )

    @property
    def steps(self) -> Steps:
        return self.intake.steps

    @property
    def smlo_ids(self) -> AbstractSet[str]:
        return self.steps.smlo_ids

    async def identify(self, user_id: str, display_name: str = "") -> Actor:
        """The roles of the person behind this turn, decided here and nowhere else."""
        advocate = await self.steps.stores.roster.get_advocate(user_id) if user_id else None
        return Actor(
            user_id=user_id,
            display_name=display_name,
            is_smlo=bool(user_id) and user_id in self.smlo_ids,
            is_advocate=advocate is not None and advocate.active,
        )
