"""Use cases, one module per actor: each loads a referral, asks the domain to act, and
saves the result, audited (`steps.py` holds the steps they share).

| module              | who            | what                                                  |
|---------------------|----------------|-------------------------------------------------------|
| `intake.py`         | referrer       | drafts, answers, submit, withdraw, their own referrals |
| `triage.py`         | SMLO           | inbox, details, allocation options, offer, out of remit |
| `casework.py`       | advocate       | the offer, accept, decline, the case, my cases          |
| `case_record.py`    | advocate, SMLO | the case record: entries, corrections, reading, closing |
| `messages.py`       | all three      | messages between the referrer and the service          |
| `administration.py` | SMLO           | roster, statistics, audit trail, undelivered messages   |
| `capacity.py`       | advocate, SMLO | an advocate's availability; the SMLO's caseload limits  |
| `oversight.py`      | auditor        | any referral's audit trail, the monthly access report   |
| `retention.py`      | the system     | purging what has been kept long enough                  |
| `views.py`          | the system     | folding and clearing messages that show details         |
| `checkins.py`       | advocate, SMLO | the monthly wellbeing check-ins, sent by the scheduler  |
| `reminders.py`      | the system     | timers: reminders, escalations, lapsed offers           |
| `digest.py`         | the system     | the SMLO's weekly digest: counts, sent once a week      |
| `outside.py`        | SMLO           | referrals for people without Teams: taken, withdrawn    |

`Services` bundles them for the bot; `identify` decides who is behind a turn.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import timedelta

from referrals.audit import AuditLog
from referrals.availability import DEFAULT_CASELOAD_LIMIT
from referrals.checkins import DEFAULT_CHECKIN_DAY
from referrals.digest import DIGEST_WEEKDAY
from referrals.linked_suppression import Solver
from referrals.people import Actor
from referrals.periods import DEFAULT_SERVICE_START
from referrals.ports import Clock, Stores
from referrals.roster import Directory
from referrals.services.administration import Administration
from referrals.services.capacity import Capacities
from referrals.services.case_record import CaseRecord
from referrals.services.casework import Casework
from referrals.services.checkins import Checkins
from referrals.services.digest import Digests
from referrals.services.intake import Intake
from referrals.services.messages import Messages
from referrals.services.outside import Outside
from referrals.services.oversight import Oversight
from referrals.services.reminders import Reminders, TimerPlan, keeping_timers
from referrals.services.retention import PurgeReport, Retention, RetentionPolicy
from referrals.services.steps import Steps, role_towards
from referrals.services.triage import Triage
from referrals.services.views import DEFAULT_FOLD, Views
from referrals.support import SupportDirectory

__all__ = [
    "Administration",
    "Capacities",
    "CaseRecord",
    "Casework",
    "Checkins",
    "Digests",
    "Intake",
    "Messages",
    "Outside",
    "Oversight",
    "PurgeReport",
    "Reminders",
    "Retention",
    "RetentionPolicy",
    "Services",
    "Steps",
    "TimerPlan",
    "Triage",
    "Views",
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
    views: Views
    case_record: CaseRecord
    oversight: Oversight
    checkins: Checkins
    capacities: Capacities
    reminders: Reminders
    digests: Digests
    messages: Messages
    outside: Outside

    @classmethod
    def build(
        cls,
        stores: Stores,
        clock: Clock,
        smlo_ids: AbstractSet[str],
        audit: AuditLog,
        directory: Directory | None = None,
        *,
        fold_details_after: timedelta = DEFAULT_FOLD,
        support: SupportDirectory | None = None,
        auditor_ids: AbstractSet[str] = frozenset(),
        service_start: str = DEFAULT_SERVICE_START,
        solver: Solver | None = None,
        checkin_day: int = DEFAULT_CHECKIN_DAY,
        digest_day: int = DIGEST_WEEKDAY,
        caseload_limit: int = DEFAULT_CASELOAD_LIMIT,
        timer_plan: TimerPlan | None = None,
    ) -> Services:
        """`support`: the support directory the SMLO signposts to (none: only the broad
        kinds of help); `auditor_ids`: the data protection auditors; `service_start`: the
        month the service started, "2025-06", which its six-month reviews are aligned to;
        `solver`: what the figures' protection solves its integer programmes with
        (`solving.highs.HighsSolver`; none: `stats` cannot be asked); `checkin_day`: the day
        of the month the advocates' wellbeing check-ins go out from; `digest_day`: the
        weekday (0 is Monday) of the SMLOs' weekly digest; `caseload_limit`: the
        limit of an advocate the SMLO set none for; `timer_plan`: the working calendar and
        reminder periods (none: weekends only, default periods). Every referral saved
        through these use cases schedules its timers."""
        plan = timer_plan or TimerPlan()
        stores = keeping_timers(stores, plan)
        steps = Steps(stores, clock, smlo_ids, audit, auditor_ids, caseload_limit)
        triage = Triage(steps, support if support is not None else SupportDirectory(), directory)
        return cls(
            Intake(steps),
            triage,
            Casework(steps),
            Administration(steps, directory, service_start, solver),
            Retention(steps),
            Views(steps, fold_details_after),
            CaseRecord(steps),
            Oversight(steps),
            Checkins(steps, checkin_day),
            Capacities(steps),
            Reminders(stores, clock, smlo_ids, plan),
            Digests(steps, plan, triage, digest_day),
            Messages(steps),
            Outside(steps),
        )

    @property
    def steps(self) -> Steps:
        return self.intake.steps

    @property
    def smlo_ids(self) -> AbstractSet[str]:
        return self.steps.smlo_ids

    async def identify(self, user_id: str, display_name: str = "") -> Actor:
        """The roles of the person behind this turn, decided on the server every turn."""
        return await self.steps.identify(user_id, display_name)
