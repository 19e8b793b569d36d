"""The SMLO adds someone to the advocate roster or takes them off it.

The person is found in the staff directory, and acted on only if exactly one person has
exactly that work e-mail, sign-in name or full name. Otherwise the SMLO is shown who
matches and picks one; the pick (an object id) is checked again against a fresh search.

The change is made in the advocates group when the app may change it, and always also on
the bot's own roster, marked (`RosterOverride`) so that a sync that still shows the old
group (Entra ID replicates with a lag) does not undo it; the sync clears the mark once the
group agrees. Taking someone off never depends on Graph: if it cannot be reached, the
roster is searched and changed here alone. The result says which, so the SMLO is told in
plain words. Only the SMLO may call these: `ReferralService` checks that and audits both
refusals and changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from referrals.errors import DirectoryUnavailable
from referrals.people import Advocate, RosterOverride
from referrals.ports import RosterStore
from referrals.roster import (
    MAX_QUERY,
    Directory,
    GroupChange,
    Person,
    RosterDirectory,
    exact_matches,
)

SHOWN_AT_MOST = 10  # candidates listed when a name matches several people


class RosterResult(StrEnum):
    ASK_WHO = "ask_who"  # nothing after the command
    NOT_FOUND = "not_found"
    SEVERAL = "several"  # not exactly one exact match: the SMLO chooses
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
    removing: bool = False  # what a choice among `candidates` would do


def _asked(text: str) -> str | RosterChange:
    """The search text, or the answer to give when there is nobody to look for: no name
    at all, or one no one could be called (too long, or unprintable)."""
    tidy = " ".join(text.split())
    if len(tidy) > MAX_QUERY or not tidy.isprintable():
        return RosterChange(RosterResult.NOT_FOUND, tidy[:MAX_QUERY])
    return tidy or RosterChange(RosterResult.ASK_WHO)


def _choose(
    people: Sequence[Person], asked: str, chosen_id: str, *, removing: bool = False
) -> Person | RosterChange:
    """The one person to act on, or the answer to give the SMLO instead. `chosen_id`: the
    SMLO's pick from an earlier list, honoured only if this search finds them again."""
    if chosen_id:
        picked = [p for p in people if p.user_id == chosen_id]
        return picked[0] if picked else RosterChange(RosterResult.NOT_FOUND, asked)
    if not people:
        return RosterChange(RosterResult.NOT_FOUND, asked)
    matches = exact_matches(people, asked)
    if len(matches) != 1:
        shown = tuple(sorted(people, key=lambda p: p.display_name.casefold())[:SHOWN_AT_MOST])
        return RosterChange(RosterResult.SEVERAL, asked, candidates=shown, removing=removing)
    return matches[0]


def _mark(group: GroupChange, mark: RosterOverride) -> RosterOverride:
    """Always marked where there is a group, so a sync that lags behind cannot undo it."""
    return RosterOverride.NONE if group is GroupChange.NO_GROUP else mark


async def add_advocate(
    roster: RosterStore, directory: Directory, text: str, chosen_id: str = ""
) -> RosterChange:
    asked = _asked(text)
    if isinstance(asked, RosterChange):
        return asked
    chosen = _choose(await directory.find_people(asked), asked, chosen_id)
    if isinstance(chosen, RosterChange):
        return chosen
    current = await roster.get_advocate(chosen.user_id)
    group = await directory.add_to_advocates(chosen.user_id)
    if current is not None and current.active and group is not GroupChange.CHANGED:
        return RosterChange(RosterResult.ALREADY_ADVOCATE, asked, chosen, group=group)
    override = _mark(group, RosterOverride.ADDED)
    base = current or Advocate(chosen.user_id, chosen.display_name)
    await roster.put_advocate(
        dataclasses.replace(base, display_name=chosen.display_name, active=True, override=override)
    )
    return RosterChange(RosterResult.ADDED, asked, chosen, group=group)


async def remove_advocate(
    roster: RosterStore,
    directory: Directory,
    text: str,
    caseloads: Mapping[str, int],
    chosen_id: str = "",
) -> RosterChange:
    asked = _asked(text)
    if isinstance(asked, RosterChange):
        return asked
    on_list = {a.user_id: a for a in await roster.list_advocates() if a.active}
    try:
        people = await directory.find_people(asked)
        reachable = True
    except DirectoryUnavailable:  # an emergency must not wait for Graph: the roster will do
        people, reachable = [], False
    listed = [p for p in people if p.user_id in on_list]
    if not listed:  # on the roster but unknown to (or unread from) the directory
        listed = await RosterDirectory(list(on_list.values())).find_people(asked)
    chosen = _choose(listed or people, asked, chosen_id, removing=True)
    if isinstance(chosen, RosterChange):
        return chosen
    current = on_list.get(chosen.user_id)
    if current is None:
        return RosterChange(RosterResult.NOT_ADVOCATE, asked, chosen)
    group = GroupChange.UNREACHABLE
    if reachable:
        try:
            group = await directory.remove_from_advocates(chosen.user_id)
        except DirectoryUnavailable:
            group = GroupChange.UNREACHABLE
    override = _mark(group, RosterOverride.REMOVED)
    await roster.put_advocate(dataclasses.replace(current, active=False, override=override))
    cases = caseloads.get(chosen.user_id, 0)
    return RosterChange(RosterResult.REMOVED, asked, chosen, group=group, open_cases=cases)
