"""Which advocates the SMLO can allocate a referral to, and what to watch out for.

For a referral anonymous to the service (`referrals.identity`) the directory's flags (the
referrer's department, their line either way up) and the referrer themself, if they are
an advocate, are all shown as one `PRIVATE` conflict that bars the offer: the SMLO sees
that someone cannot be offered the case, never why, so the list cannot point at who
referred it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum

from referrals.availability import DEFAULT_CASELOAD_LIMIT, Exclusion, away_on, current, room
from referrals.identity import is_anonymous
from referrals.people import Advocate, AllocationOption
from referrals.referral import DeclineReason, Referral
from referrals.roster import WorkPlace


class ConflictReason(StrEnum):
    NAMED_BY_REFERRER = "named_by_referrer"
    TEAM_NAMED_BY_REFERRER = "team_named_by_referrer"
    DECLINED_BEFORE = "declined_before"
    HELD_BEFORE = "held_before"  # the case was given to someone else from them
    # From the staff directory: flagged for the SMLO to check, never a bar by themselves.
    SAME_DEPARTMENT = "same_department"  # as the referrer
    LINE_MANAGEMENT = "line_management"  # one manages the other, however far up
    # An anonymous referral: any of the two above, or the advocate referred it themself.
    PRIVATE = "private"


def likely_conflicts(
    referrer_id: str, referrer: WorkPlace, advocate_id: str, advocate: WorkPlace
) -> tuple[ConflictReason, ...]:
    """What the directory suggests: the same department as the referrer, or a
    line-management chain between them, either way up."""
    found: list[ConflictReason] = []
    department = referrer.department.strip().casefold()
    if department and department == advocate.department.strip().casefold():
        found.append(ConflictReason.SAME_DEPARTMENT)
    if advocate_id in referrer.managers or referrer_id in advocate.managers:
        found.append(ConflictReason.LINE_MANAGEMENT)
    return tuple(found)


def _mentions(text: str, phrase: str) -> bool:
    phrase = phrase.strip()
    if len(phrase) < 3:
        return False
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE) is not None


def conflicts(
    referral: Referral, advocate: Advocate, directory: Sequence[ConflictReason] = ()
) -> tuple[ConflictReason, ...]:
    """Conflict flags from what the referrer asked to avoid, from earlier declines, and
    (`directory`) what the staff directory suggests."""
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
    if is_anonymous(referral.answers):
        private = bool(directory) or _is_referrer(referral, advocate)
        return (*reasons, *([ConflictReason.PRIVATE] if private else []))
    return (*reasons, *directory)


def _is_referrer(referral: Referral, advocate: Advocate) -> bool:
    return bool(referral.referrer_id) and advocate.user_id == referral.referrer_id


def declined_for_conflict(referral: Referral) -> frozenset[str]:
    """The advocates who declined this referral because of a conflict of interest."""
    return frozenset(
        e.actor_id
        for e in referral.history
        if e.name == "AllocationDeclined" and e.detail == DeclineReason.CONFLICT
    )


def exclusions(
    referral: Referral,
    advocate: Advocate,
    caseload: int,
    default_limit: int,
    on: date,
    directory: Sequence[ConflictReason] = (),
) -> tuple[Exclusion, ...]:
    """Why this advocate is not offered this referral on `on` (empty: they are).
    `directory`: what the staff directory suggests (`likely_conflicts`)."""
    found: list[Exclusion] = []
    if away_on(advocate.availability, on):
        found.append(Exclusion.AWAY)
    elif room(advocate.availability, caseload, advocate.limit(default_limit), on) == 0:
        found.append(Exclusion.FULL)
    flags = conflicts(referral, advocate, directory)
    if ConflictReason.PRIVATE in flags:
        found.append(Exclusion.PRIVATE_CONFLICT)
    if ConflictReason.NAMED_BY_REFERRER in flags or ConflictReason.TEAM_NAMED_BY_REFERRER in flags:
        found.append(Exclusion.ASKED_TO_AVOID)
    if advocate.user_id in declined_for_conflict(referral):
        found.append(Exclusion.DECLINED_FOR_CONFLICT)
    return tuple(found)


def allocation_options(
    referral: Referral,
    advocates: Iterable[Advocate],
    caseloads: Mapping[str, int],
    *,
    on: date,
    default_limit: int = DEFAULT_CASELOAD_LIMIT,
    flagged: Mapping[str, Sequence[ConflictReason]] | None = None,
) -> list[AllocationOption]:
    """Active advocates other than the referrer (and the one who holds it now, for a case
    given to someone else): those who may be offered it first, conflict-free and least
    busy first; then those who are not offered it (away, full, a conflict), each with why.
    An anonymous referrer who is an advocate is listed, as not offered for a private
    conflict: leaving them out would say who referred it.
    `flagged`: likely conflicts the directory suggests, by advocate id (`likely_conflicts`)."""
    flagged = flagged or {}
    left_out = {referral.advocate_id}
    if not is_anonymous(referral.answers):
        left_out.add(referral.referrer_id)
    options = [
        AllocationOption(
            a,
            caseloads.get(a.user_id, 0),
            conflicts(referral, a, flagged.get(a.user_id, ())),
            a.limit(default_limit),
            current(a.availability, on),
            exclusions(
                referral,
                a,
                caseloads.get(a.user_id, 0),
                default_limit,
                on,
                flagged.get(a.user_id, ()),
            ),
        )
        for a in advocates
        if a.active and a.user_id not in left_out
    ]
    return sorted(
        options,
        key=lambda o: (
            not o.offered,
            o.has_conflict,
            o.caseload,
            o.advocate.display_name,
        ),
    )


def format_reference(year: int, number: int) -> str:
    return f"SMA-{year}-{number:04d}"
