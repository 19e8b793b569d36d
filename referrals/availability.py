"""An advocate's availability and capacity, and who may be offered a referral.

Advocates are volunteers with day jobs: each says whether they can take new cases
(available; limited to a few more just now; away until a date), and each has a caseload
limit (the service's default, or one the SMLO set for them). "Away" ends by itself: it
is computed against the clock on the day asked about, never changed by a job.

An advocate who is away, full, named (or whose team is named) by the referrer as someone
to avoid, or who declined this referral for a conflict, is not offered it. The SMLO may
still offer it with a reason in categories (`OverrideReason`), which the case history and
the audit trail keep. Standard library only: the reminders' scheduler asks `is_away`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from referrals import errors

FORCE_TIME = ZoneInfo("Europe/London")  # whose calendar "away until" dates are in
DEFAULT_CASELOAD_LIMIT = 3
MOST_CASES = 20  # the highest caseload limit, and the most new cases "limited" can allow
LONGEST_AWAY_DAYS = 366  # an "away until" date at most this far ahead


class AvailabilityState(StrEnum):
    AVAILABLE = "available"
    LIMITED = "limited"  # at most `new_cases` more, from what they held when they said so
    AWAY = "away"  # until `until` (the first day back)


@dataclass(frozen=True)
class Availability:
    state: AvailabilityState = AvailabilityState.AVAILABLE
    new_cases: int = 0  # limited: how many more they will take just now
    caseload_then: int = 0  # limited: the cases they held when they said so
    until: date | None = None  # away: the day they are back


AVAILABLE = Availability()


def today(now: datetime) -> date:
    """The force's calendar day at this instant."""
    return now.astimezone(FORCE_TIME).date()


class HasAvailability(Protocol):
    """An `Advocate` (named so, as people.py builds on this module)."""

    @property
    def availability(self) -> Availability: ...


def is_away(advocate: HasAvailability, on: date) -> bool:
    """Whether the advocate is away on `on` (away ends by itself on its date: they are
    back that day). For the reminders: an away advocate's items go to the SMLO."""
    return away_on(advocate.availability, on)


def away_on(availability: Availability, on: date) -> bool:
    if availability.state is not AvailabilityState.AWAY:
        return False
    return availability.until is None or on < availability.until


def current(availability: Availability, on: date) -> Availability:
    """Their availability as it stands on `on`: an away that has ended reads as available."""
    if availability.state is AvailabilityState.AWAY and not away_on(availability, on):
        return AVAILABLE
    return availability


def room(availability: Availability, caseload: int, limit: int, on: date) -> int:
    """How many more cases they can take on `on`: within their limit, and within what
    they said when they set "limited"."""
    if away_on(availability, on):
        return 0
    space = limit - caseload
    if availability.state is AvailabilityState.LIMITED:
        space = min(space, availability.caseload_then + availability.new_cases - caseload)
    return max(space, 0)


class Exclusion(StrEnum):
    """Why an advocate is not offered a referral unless the SMLO gives a reason."""

    AWAY = "away"
    FULL = "full"  # at their caseload limit, or at what "limited" allows
    ASKED_TO_AVOID = "asked_to_avoid"  # the referrer named them or their team
    DECLINED_FOR_CONFLICT = "declined_for_conflict"
    # An anonymous referral: the advocate is the referrer, or in their department or line
    # (`referrals.allocation`). Never overridden, since the SMLO cannot check it.
    PRIVATE_CONFLICT = "private_conflict"


# What no reason of the SMLO's can set aside.
NOT_OVERRIDABLE = frozenset({Exclusion.PRIVATE_CONFLICT})


class OverrideReason(StrEnum):
    """Why the SMLO offers a referral to someone it would not be offered to."""

    AGREED_WITH_ADVOCATE = "agreed_with_advocate"  # they said yes when asked directly
    PERSON_ASKED = "person_asked"  # the person asked for them
    NO_ONE_ELSE = "no_one_else"  # nobody else suitable can take it
    CONFLICT_CHECKED = "conflict_checked"  # the SMLO checked: there is no real conflict


def may_override(reason: OverrideReason | None, excluded_for: tuple[Exclusion, ...]) -> bool:
    """An offer to someone excluded needs a reason; the others need none. A private
    conflict is never set aside."""
    if NOT_OVERRIDABLE.intersection(excluded_for):
        return False
    return not excluded_for or reason is not None


def chosen(
    state: AvailabilityState,
    *,
    caseload: int,
    on: date,
    new_cases: int = 0,
    until: date | None = None,
) -> Availability:
    """What an advocate chose, checked: "limited" to 1 to `MOST_CASES` more (counted from
    the `caseload` they hold now), "away" until a day after `on` and within a year."""
    if state is AvailabilityState.LIMITED:
        if not 1 <= new_cases <= MOST_CASES:
            raise errors.AvailabilityInvalid("new_cases")
        return Availability(state, new_cases=new_cases, caseload_then=caseload)
    if state is AvailabilityState.AWAY:
        if until is None or not 0 < (until - on).days <= LONGEST_AWAY_DAYS:
            raise errors.AvailabilityInvalid("until")
        return Availability(state, until=until)
    return AVAILABLE


def checked_limit(limit: int) -> int:
    """A caseload limit the SMLO set: 1 to `MOST_CASES`, or 0 for the service's default."""
    if not 0 <= limit <= MOST_CASES:
        raise errors.AvailabilityInvalid("limit")
    return limit
