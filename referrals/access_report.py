"""The auditor's monthly access report: who read or changed referrals in one calendar month,
how often, what kind of thing, and how often they were refused.

Built from the audit trail alone, so it holds what the trail holds (ids, roles, actions,
outcomes) and never a referral's content. Only whole past months are offered: the month in
progress would change under the reader's eyes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome

MONTHS_OFFERED = 12  # whole months the auditor may choose from, the last first
REFERRERS = ""  # the trail never names a referrer: their entries are counted together


def complete_months(now: datetime, count: int = MONTHS_OFFERED) -> tuple[str, ...]:
    """The `count` whole calendar months before now's ("2026-05"), the latest first."""
    utc = now.astimezone(UTC)
    index = utc.year * 12 + utc.month - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - 1, index - count - 1, -1))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first moment of the month, and of the next (UTC). Raises ValueError."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    following = start.year * 12 + start.month  # the next month's index
    end = datetime(following // 12, following % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass(frozen=True)
class PersonAccess:
    """One person's month: each kind of action, allowed and refused. `actor_id` is
    `REFERRERS` for every referrer together (the trail never holds their id)."""

    actor_id: str
    roles: frozenset[ActorRole]
    allowed: tuple[tuple[AuditAction, int], ...]
    refused: tuple[tuple[AuditAction, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.allowed) + self.refusals

    @property
    def refusals(self) -> int:
        return sum(n for _, n in self.refused)


@dataclass(frozen=True)
class AccessReport:
    month: str
    people: tuple[PersonAccess, ...]  # the most refused first, then the busiest
    by_action: tuple[tuple[AuditAction, int, int], ...]  # (action, allowed, refused)
    months: tuple[str, ...]  # the whole months that may be asked for, the latest first

    @property
    def entries(self) -> int:
        return sum(allowed + refused for _, allowed, refused in self.by_action)

    @property
    def refusals(self) -> int:
        return sum(refused for _, _, refused in self.by_action)


def build_access_report(
    month: str, entries: Iterable[AuditEntry], months: tuple[str, ...]
) -> AccessReport:
    """Count one month's entries by person, action and outcome."""
    allowed: dict[str, Counter[AuditAction]] = {}
    refused: dict[str, Counter[AuditAction]] = {}
    roles: dict[str, set[ActorRole]] = {}
    actions: Counter[tuple[AuditAction, Outcome]] = Counter()
    for entry in entries:
        who = REFERRERS if entry.actor_role is ActorRole.REFERRER else entry.actor_id
        into = refused if entry.outcome is Outcome.REFUSED else allowed
        into.setdefault(who, Counter())[entry.action] += 1
        allowed.setdefault(who, Counter())
        refused.setdefault(who, Counter())
        roles.setdefault(who, set()).add(entry.actor_role)
        actions[(entry.action, entry.outcome)] += 1
    people = [
        PersonAccess(
            who,
            frozenset(roles[who]),
            tuple(sorted(allowed[who].items())),
            tuple(sorted(refused[who].items())),
        )
        for who in roles
    ]
    people.sort(key=lambda p: (-p.refusals, -p.total, p.actor_id))
    by_action = tuple(
        (a, actions[(a, Outcome.ALLOWED)], actions[(a, Outcome.REFUSED)])
        for a in AuditAction
        if actions[(a, Outcome.ALLOWED)] or actions[(a, Outcome.REFUSED)]
    )
    return AccessReport(month, tuple(people), by_action, months)
