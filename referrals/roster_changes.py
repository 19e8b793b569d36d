"""The SMLO adds someone to the advocate roster or takes them off it.

The person is found in the staff directory by work e-mail or by the start of their
name. The change is made in the advocates group when the app may change it; otherwise
(or with no group) on the bot's own roster, marked so the next group sync respects it.
The result says which, so the SMLO is told in plain words. Only the SMLO may call these:
`ReferralService` checks that and audits both refusals and changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from referrals.people import Advocate, RosterOverride
from referrals.ports import RosterStore
from referrals.roster import (
    MAX_QUERY,
    Directory,
    GroupChange,
    Person,
    RosterDirectory,
    best_match,
)

SHOWN_AT_MOST = 10  # candidates listed when a name matches several people
KEPT_OFF_HERE = frozenset({GroupChange.NOT_PERMITTED, GroupChange.THROUGH_OTHER_GROUP})


class RosterResult(StrEnum):
    ASK_WHO = "ask_who"  # nothing after the command
    NOT_FOUND = "not_found"
    SEVERAL = "several"
    ADDED = "added"
    ALREADY_ADVOCATE = "already_advocate"
    REMOVED = "removed"
    NOT_ADVOCATE = "not_advocate"


@dataclass(frozen=True)
class RosterChange:
    """What happened, for the SMLO's eyes only (it names staff, never a referral)."""

    result: RosterResult
    asked: str = ""  # what the SMLO typed, to show back to them
    person: Person | None = None
    candidates: tuple[Person, ...] = ()
    group: GroupChange | None = None  # what became of the advocates group
    open_cases: int = 0  # cases the removed advocate still holds


def _tidy(text: str) -> str | None:
    """The search text, or None if no one could be called that."""
    tidy = " ".join(text.split())
    return tidy if len(tidy) <= MAX_QUERY and tidy.isprintable() else None


def _choose(people: Sequence[Person], asked: str) -> Person | RosterChange:
    if not people:
        return RosterChange(RosterResult.NOT_FOUND, asked)
    matches = best_match(people, asked)
    if len(matches) > 1:
        shown = tuple(sorted(matches, key=lambda p: p.display_name.casefold())[:SHOWN_AT_MOST])
        return RosterChange(RosterResult.SEVERAL, asked, candidates=shown)
    return matches[0]


async def add_advocate(roster: RosterStore, directory: Directory, text: str) -> RosterChange:
    asked = _tidy(text)
    if asked is None:
        return RosterChange(RosterResult.NOT_FOUND, " ".join(text.split())[:MAX_QUERY])
    if not asked:
        return RosterChange(RosterResult.ASK_WHO)
    chosen = _choose(await directory.find_people(asked), asked)
    if isinstance(chosen, RosterChange):
        return chosen
    current = await roster.get_advocate(chosen.user_id)
    group = await directory.add_to_advocates(chosen.user_id)
    if current is not None and current.active and group is not GroupChange.CHANGED:
        return RosterChange(RosterResult.ALREADY_ADVOCATE, asked, chosen, group=group)
    override = RosterOverride.ADDED if group in KEPT_OFF_HERE else RosterOverride.NONE
    base = current or Advocate(chosen.user_id, chosen.display_name)
    await roster.put_advocate(
        dataclasses.replace(base, display_name=chosen.display_name, active=True, override=override)
    )
    return RosterChange(RosterResult.ADDED, asked, chosen, group=group)


async def remove_advocate(
    roster: RosterStore, directory: Directory, text: str, caseloads: Mapping[str, int]
) -> RosterChange:
    asked = _tidy(text)
    if asked is None:
        return RosterChange(RosterResult.NOT_FOUND, " ".join(text.split())[:MAX_QUERY])
    if not asked:
        return RosterChange(RosterResult.ASK_WHO)
    on_list = {a.user_id: a for a in await roster.list_advocates() if a.active}
    people = await directory.find_people(asked)
    listed = [p for p in people if p.user_id in on_list]
    if not listed:  # on the roster but unknown to the directory (seeded by id, say)
        listed = await RosterDirectory(list(on_list.values())).find_people(asked)
    chosen = _choose(listed or people, asked)
    if isinstance(chosen, RosterChange):
        return chosen
    current = on_list.get(chosen.user_id)
    if current is None:
        return RosterChange(RosterResult.NOT_ADVOCATE, asked, chosen)
    group = await directory.remove_from_advocates(chosen.user_id)
    override = RosterOverride.REMOVED if group in KEPT_OFF_HERE else RosterOverride.NONE
    await roster.put_advocate(dataclasses.replace(current, active=False, override=override))
    cases = caseloads.get(chosen.user_id, 0)
    return RosterChange(RosterResult.REMOVED, asked, chosen, group=group, open_cases=cases)
