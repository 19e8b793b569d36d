"""Who is acting, and the advocate roster.

Roles are decided server-side for every turn from the Entra object id: SMLOs from
configuration, advocates from the roster. Nothing a card sends back decides a role.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person behind the current turn, with the roles the server gave them."""

    user_id: str  # Entra ID object id (from.aadObjectId)
    display_name: str = ""
    is_smlo: bool = False
    is_advocate: bool = False


@dataclass(frozen=True)
class Advocate:
    user_id: str
    display_name: str
    team: str = ""
    available: bool = True
    active: bool = True


@dataclass(frozen=True)
class AllocationOption:
    """One advocate as the SMLO sees them when allocating a referral."""

    advocate: Advocate
    caseload: int
    conflict_reasons: tuple[str, ...]

    @property
    def has_conflict(self) -> bool:
        return bool(self.conflict_reasons)
