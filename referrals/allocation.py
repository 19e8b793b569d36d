"""Which advocates the SMLO can allocate a referral to, and what to watch out for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum

from referrals.people import Advocate, AllocationOption
from referrals.referral import Referral


class ConflictReason(StrEnum):
    NAMED_BY_REFERRER = "named_by_referrer"
    TEAM_NAMED_BY_REFERRER = "team_named_by_referrer"
    DECLINED_BEFORE = "declined_before"
    HELD_BEFORE = "held_before"  # the case was given to someone else from them


def _mentions(text: str, phrase: str) -> bool:
    phrase = phrase.strip()
    if len(phrase) < 3:
        return False
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE) is not None


def conflicts(referral: Referral, advocate: Advocate) -> tuple[ConflictReason, ...]:
    """Conflict flags from what the referrer asked to avoid, and from earlier declines."""
    avoid = referral.answers.avoid
    reasons: list[ConflictReason] = []
    names = [advocate.display_name, *advocate.display_name.split()[-1:]]
    if avoid and any(_mentions(avoid, name) for name in names):
        reasons.append(ConflictReason.NAMED_BY_REFERRER)
    if avoid and advocate.team and _mentions(avoid, advocate.team):
        reasons.append(ConflictReason.TEAM_NAMED_BY_REFERRER)
    if advocate.user_id in referral.declined_by:
        reasons.append(ConflictReason.DECLINED_BEFORE)
    if advocate.user_id in referral.previous_advocates:
        reasons.append(ConflictReason.HELD_BEFORE)
    return tuple(reasons)


def allocation_options(
    referral: Referral, advocates: Iterable[Advocate], caseloads: Mapping[str, int]
) -> list[AllocationOption]:
    """Active advocates other than the referrer (and the one who holds it now, for a case
    given to someone else): available, conflict-free and least busy first."""
    options = [
        AllocationOption(a, caseloads.get(a.user_id, 0), conflicts(referral, a))
        for a in advocates
        if a.active and a.user_id not in (referral.referrer_id, referral.advocate_id)
    ]
    return sorted(
        options,
        key=lambda o: (
            not o.advocate.available,
            o.has_conflict,
            o.caseload,
            o.advocate.display_name,
        ),
    )


def format_reference(year: int, number: int) -> str:
    return f"SMA-{year}-{number:04d}"
