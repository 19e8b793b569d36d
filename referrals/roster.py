"""The advocate roster against the staff directory: the rules, and the port they need.

With an advocates group in Entra ID the group decides who is an advocate: its members
are added to the roster with their directory name, people who left it stop taking cases,
and what the SMLO set here (team, availability) is kept. When the SMLO adds or removes
someone and the app may not change the group, the roster records it (`RosterOverride`)
so the next sync respects it. Who may change the roster is decided in `services/administration.py`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from referrals.people import Advocate, RosterOverride

MAX_QUERY = 100  # characters of a name or e-mail address the SMLO may search for


@dataclass(frozen=True)
class Person:
    """Someone in the staff directory."""

    user_id: str  # Entra object id
    display_name: str


@dataclass(frozen=True)
class WorkPlace:
    """Where someone sits in the directory: their department, and the object ids of their
    line managers, nearest first."""

    department: str = ""
    managers: tuple[str, ...] = ()


class GroupChange(StrEnum):
    """What became of a change to the advocates group."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"  # the group already said so
    NOT_PERMITTED = "not_permitted"  # the app may not change the group
    THROUGH_OTHER_GROUP = "through_other_group"  # a member only through a nested group
    NO_GROUP = "no_group"  # no advocates group is set up
    UNREACHABLE = "unreachable"  # Graph did not answer: changed on the bot's roster only


class Directory(Protocol):
    """The staff directory. Raises `errors.DirectoryUnavailable` when it cannot answer."""

    async def find_people(self, text: str) -> list[Person]:
        """People whose work e-mail or sign-in name (UPN) is `text` if it holds an `@`,
        else people whose name starts with it (candidates: see `exact_matches`)."""

    async def add_to_advocates(self, user_id: str) -> GroupChange: ...

    async def remove_from_advocates(self, user_id: str) -> GroupChange: ...

    async def work_place(self, user_id: str) -> WorkPlace | None:
        """Their department and manager chain; None where the directory does not know."""


def synchronise(roster: Sequence[Advocate], members: Mapping[str, str]) -> list[Advocate]:
    """The roster entries that must change so the roster follows the advocates group
    (`members`: object id -> directory name)."""
    changed: list[Advocate] = []
    known = {a.user_id: a for a in roster}
    for user_id, name in members.items():
        current = known.get(user_id)
        if current is None:
            changed.append(Advocate(user_id, name))
        elif current.override is RosterOverride.REMOVED:
            continue  # the SMLO took them off here; the group has not caught up
        else:
            name = name or current.display_name
            wanted = dataclasses.replace(
                current, display_name=name, active=True, override=RosterOverride.NONE
            )
            if wanted != current:
                changed.append(wanted)
    for advocate in roster:
        if advocate.user_id in members or advocate.override is RosterOverride.ADDED:
            continue
        if advocate.active or advocate.override is not RosterOverride.NONE:
            changed.append(
                dataclasses.replace(advocate, active=False, override=RosterOverride.NONE)
            )
    return changed


def exact_matches(people: Sequence[Person], text: str) -> list[Person]:
    """Those found who are exactly who was asked for: everyone found by an address (the
    directory matched it whole), else those whose whole name is `text`, in any case.
    Only one exact match may be acted on; anything else is a choice for the SMLO."""
    if "@" in text:
        return list(people)
    wanted = " ".join(text.split()).casefold()
    return [p for p in people if " ".join(p.display_name.split()).casefold() == wanted]


class RosterDirectory:
    """The directory when Entra ID is not connected: only people already on the roster
    can be found, and there is no group to change."""

    def __init__(self, roster: Sequence[Advocate]) -> None:
        self._roster = roster

    async def find_people(self, text: str) -> list[Person]:
        wanted = text.casefold()
        if "@" in wanted:
            return []  # the roster keeps no addresses
        return [
            Person(a.user_id, a.display_name)
            for a in self._roster
            if a.display_name.casefold().startswith(wanted)
        ]

    async def add_to_advocates(self, user_id: str) -> GroupChange:
        return GroupChange.NO_GROUP

    async def remove_from_advocates(self, user_id: str) -> GroupChange:
        return GroupChange.NO_GROUP

    async def work_place(self, user_id: str) -> WorkPlace | None:
        return None
