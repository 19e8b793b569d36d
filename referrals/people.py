"""Who is acting, and the advocate roster.

Roles are decided server-side for every turn from the Entra object id: SMLOs and auditors
from configuration (or their Entra groups), advocates from the roster. Nothing a card
sends back decides a role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from referrals.availability import AVAILABLE, FINAL_EXCLUSIONS, Availability, Exclusion


@dataclass(frozen=True)
class Actor:
    """The person behind the current turn, with the roles the server gave them."""

    user_id: str  # Entra ID object id (from.aadObjectId)
    display_name: str = ""
    is_smlo: bool = False
    is_advocate: bool = False
    # The data protection auditor: reads the audit trail and the access report, never a
    # referral. Never held together with the SMLO or advocate role (Steps.identify).
    is_auditor: bool = False


class RosterOverride(StrEnum):
    """The SMLO's own change to the roster where the advocates group could not be changed,
    so that the next group sync neither adds back someone they took off nor drops someone
    they added."""

    NONE = ""  # follows the advocates group (or there is no group)
    ADDED = "added"  # on the roster although the group does not list them
    REMOVED = "removed"  # off the roster although the group lists them


@dataclass(frozen=True)
class Advocate:
    user_id: str
    display_name: str
    team: str = ""
    availability: Availability = AVAILABLE  # as they set it (`availability.current` for today)
    active: bool = True
    override: RosterOverride = RosterOverride.NONE
    caseload_limit: int = 0  # set by the SMLO for them; 0: the service's default

    def limit(self, default: int) -> int:
        return self.caseload_limit or default


@dataclass(frozen=True)
class AllocationOption:
    """One advocate as the SMLO sees them when allocating a referral."""

    advocate: Advocate
    caseload: int
    conflict_reasons: tuple[str, ...]
    limit: int = 0  # their caseload limit (0: not known here)
    availability: Availability = AVAILABLE  # as it stands today
    excluded_for: tuple[Exclusion, ...] = ()  # not offered unless the SMLO gives a reason

    @property
    def has_conflict(self) -> bool:
        return bool(self.conflict_reasons)

    @property
    def offered(self) -> bool:
        return not self.excluded_for

    @property
    def may_ask_anyway(self) -> bool:
        """Not offered, but the SMLO may ask them with a reason (`FINAL_EXCLUSIONS`)."""
        return not self.offered and not FINAL_EXCLUSIONS.intersection(self.excluded_for)
