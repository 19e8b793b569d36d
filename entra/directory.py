"""The force's Entra ID as the bot's directory, through Microsoft Graph.

Roles: the members of the SMLO group (`SMA_SMLO_GROUP_ID`) are the SMLOs, the members
of the auditor group (`SMA_AUDITOR_GROUP_ID`) are the data protection auditors (read and
expired exactly as the SMLO group, falling back to `SMA_AUDITOR_IDS`), and the
members of the advocates group (`SMA_ADVOCATES_GROUP_ID`) are synchronised into the
roster (`referrals.roster.synchronise`). All are read at start-up and then every
`SMA_DIRECTORY_REFRESH_SECONDS` in the background, transitive members included, page by
page (users only: nested groups, devices and service principals are skipped). When Graph
fails, the last known members stay in force and the failure is logged (group id and
status only), but for at most `MAX_STALE_PERIODS` refresh periods: past that the role
must not outlive a removal nobody can see, so the SMLOs fall back to `SMA_SMLO_IDS` (or
nobody), advocates who are on the roster only through the group stop being advocates
(their waiting offers go back to the SMLO), and an ERROR is logged. Until the SMLO group
has been read once, `SMA_SMLO_IDS` (if set) hold the role.

It is also the domain's `Directory` port: finding staff by work e-mail or name, and
adding to or removing from the advocates group, where a 403 means the app has no
`GroupMember.ReadWrite.All` and the SMLO's change is kept on the bot's roster instead.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from common.tasks import stop_if_cancelled
from entra.graph import GraphClient, GraphUnavailable, odata_string
from referrals.errors import DirectoryUnavailable
from referrals.people import Advocate, RosterOverride
from referrals.ports import RosterStore
from referrals.roles import MemberIds
from referrals.roster import GroupChange, Person, WorkPlace, synchronise

log = logging.getLogger(__name__)
USER_FIELDS = "id,displayName"
FOUND_AT_MOST = "25"
MOST_MANAGERS = 20  # of a manager chain read (a loop in the directory stops here)
ADVANCED_QUERY = {"ConsistencyLevel": "eventual"}  # Graph needs it for $levels
RETRY_SOONER = 30.0  # seconds between tries while the last refresh failed
# A group unread for longer than this many refresh periods no longer grants its role.
MAX_STALE_PERIODS = 3
USER_TYPE = "#microsoft.graph.user"
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def object_id(user_id: str) -> str:
    """An Entra object id, checked before it becomes part of a Graph path."""
    if not _OBJECT_ID.fullmatch(user_id):
        raise GraphUnavailable("not_an_object_id")
    return quote(user_id, safe="-")


@dataclasses.dataclass
class RoleGroup:
    """A role held by membership of one Entra group (the SMLOs, the auditors)."""

    role: str  # for the log: "SMLO", "auditor"
    members: MemberIds
    group_id: str
    read_at: float | None = None  # None: never read (the configured ids hold the role)


class GraphDirectory:
    def __init__(
        self,
        graph: GraphClient,
        roster: RosterStore,
        *,
        smlos: MemberIds | None = None,
        smlo_group_id: str = "",
        advocates_group_id: str = "",
        refresh_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        auditors: MemberIds | None = None,
        auditor_group_id: str = "",
    ) -> None:
        self._graph, self._roster = graph, roster
        # The roles held by group membership alone, read and expired alike.
        self._role_groups = [
            RoleGroup(role, members, group_id)
            for role, members, group_id in (
                ("SMLO", smlos, smlo_group_id),
                ("auditor", auditors, auditor_group_id),
            )
            if members is not None and group_id
        ]
        self._advocates_group = advocates_group_id
        self._advocates: dict[str, str] = {}  # last known members: object id -> name
        self.last_refresh_ok = False
        self._clock = clock
        self.max_staleness = MAX_STALE_PERIODS * refresh_seconds
        self._advocates_read_at = clock()  # the stored roster counts as read at start-up
        self._someone_left = False  # the roster took someone off since the last refresh

    # -- roles ---------------------------------------------------------------------

    async def refresh(self, advocates_left: Callable[[], Awaitable[object]] | None = None) -> bool:
        """Read both groups; True if both were read. A group that could not be read keeps
        its last known members. `advocates_left` is awaited when the roster took someone
        off, so offers waiting for them go back."""
        ok = True
        for group in self._role_groups:
            try:
                members = await self._members(group.group_id)
            except DirectoryUnavailable as failure:
                ok = self._kept(group.role, group.group_id, failure)
                self._expire_role(group, failure)
            else:
                group.read_at = self._clock()
                group.members.replace(members)
                log.info(
                    "directory: %s group=%s members=%s", group.role, group.group_id, len(members)
                )
        if self._advocates_group:
            try:
                advocates = await self._members(self._advocates_group)
            except DirectoryUnavailable as failure:
                ok = self._kept("advocates", self._advocates_group, failure)
                await self._expire_advocates(failure)
            else:
                self._advocates_read_at = self._clock()
                self._advocates = advocates
                await self._synchronise_roster(advocates)
        self.last_refresh_ok = ok
        if self._someone_left:
            self._someone_left = False
            if advocates_left is not None:
                await advocates_left()
        return ok

    def _expire_role(self, group: RoleGroup, failure: DirectoryUnavailable) -> None:
        read_at = group.read_at
        if read_at is None or not group.members.read_from_directory:
            return  # never read, or already fallen back
        if self._clock() - read_at <= self.max_staleness:
            return
        group.members.fall_back()
        log.error(
            "directory: %s group=%s unread for over %ss (%s); the %s role is now held "
            "by the %s configured ids only",
            group.role,
            group.group_id,
            int(self.max_staleness),
            failure.code,
            group.role,
            len(group.members),
        )

    async def _expire_advocates(self, failure: DirectoryUnavailable) -> None:
        if self._clock() - self._advocates_read_at <= self.max_staleness:
            return
        # On the roster only through the group (no SMLO mark): the group can no longer
        # vouch for them. Those the SMLO added here stay.
        leaving = [
            dataclasses.replace(a, active=False)
            for a in await self._roster.list_advocates()
            if a.active and a.override is RosterOverride.NONE
        ]
        if not leaving:
            return
        for advocate in leaving:
            await self._roster.put_advocate(advocate)
        log.error(
            "directory: advocates group=%s unread for over %ss (%s); %s advocates from the "
            "group stop taking cases until it is read again",
            self._advocates_group,
            int(self.max_staleness),
            failure.code,
            len(leaving),
        )
        await self._after_leaving(leaving)

    async def _after_leaving(self, changed: list[Advocate]) -> None:
        if any(not a.active for a in changed):
            self._someone_left = True

    async def run(self, every: float, advocates_left: Callable[[], Awaitable[object]]) -> None:
        """Background loop: refresh every `every` seconds (sooner while failing)."""
        while True:
            await asyncio.sleep(every if self.last_refresh_ok else min(every, RETRY_SOONER))
            try:
                await self.refresh(advocates_left)
            except Exception as error:  # a store hiccup: the next round tries again
                stop_if_cancelled()
                self.last_refresh_ok = False
                log.error("directory refresh failed: %s", type(error).__name__)

    async def _members(self, group_id: str) -> dict[str, str]:
        # Not the `/microsoft.graph.user` cast: that is an advanced query in a real tenant
        # (ConsistencyLevel: eventual and $count=true). Every member says its type instead.
        path = f"/groups/{object_id(group_id)}/transitiveMembers"
        members = await self._graph.get_all(path, {"$select": USER_FIELDS})
        return {
            str(m["id"]): str(m.get("displayName") or "")
            for m in members
            if m.get("@odata.type") == USER_TYPE and isinstance(m.get("id"), str)
        }

    async def _synchronise_roster(self, members: dict[str, str]) -> None:
        changes = synchronise(await self._roster.list_advocates(), members)
        for advocate in changes:
            await self._roster.put_advocate(advocate)
        log.info(
            "directory: advocates group=%s members=%s roster changes=%s",
            self._advocates_group,
            len(members),
            len(changes),
        )
        await self._after_leaving(changes)

    @staticmethod
    def _kept(role: str, group_id: str, failure: DirectoryUnavailable) -> bool:
        log.warning(
            "directory: could not read the %s group=%s (%s); keeping the last known members",
            role,
            group_id,
            failure.code,
        )
        return False

    # -- the Directory port ------------------------------------------------------------

    async def find_people(self, text: str) -> list[Person]:
        literal = odata_string(text)
        if "@" in text:
            query = f"mail eq {literal} or userPrincipalName eq {literal}"
        else:
            query = f"startswith(displayName,{literal})"
        params = {"$filter": query, "$select": USER_FIELDS, "$top": FOUND_AT_MOST}
        answer = await self._graph.request("GET", "/users", params=params)
        if answer.status != 200:
            log.warning("directory: user search answered %s", answer.status)
            raise GraphUnavailable(str(answer.status))
        return [
            Person(u["id"], str(u.get("displayName") or ""))
            for u in answer.body.get("value", [])
            if isinstance(u, dict) and isinstance(u.get("id"), str)
        ]

    async def work_place(self, user_id: str) -> WorkPlace | None:
        """Their department and whole manager chain in one call (Graph's `$expand=manager`
        with `$levels=max`, an advanced query); None for someone Graph does not know."""
        params = {
            "$select": "id,department",
            "$expand": "manager($levels=max;$select=id)",
            "$count": "true",
        }
        answer = await self._graph.request(
            "GET", f"/users/{object_id(user_id)}", params=params, headers=ADVANCED_QUERY
        )
        if answer.status == 404:
            return None
        if answer.status != 200:
            log.warning("directory: work place answered %s", answer.status)
            raise GraphUnavailable(str(answer.status))
        managers: list[str] = []
        manager = answer.body.get("manager")
        while isinstance(manager, dict) and len(managers) < MOST_MANAGERS:
            if isinstance(manager.get("id"), str):
                managers.append(manager["id"])
            manager = manager.get("manager")
        department = answer.body.get("department")
        return WorkPlace(department if isinstance(department, str) else "", tuple(managers))

    async def add_to_advocates(self, user_id: str) -> GroupChange:
        if not self._advocates_group:
            return GroupChange.NO_GROUP
        # No answer from the last read members: they may be out of date. Graph says 400
        # if they are in the group already, and that is checked below.
        reference = {"@odata.id": f"{self._graph.base_url}/directoryObjects/{object_id(user_id)}"}
        path = f"/groups/{object_id(self._advocates_group)}/members/$ref"
        answer = await self._graph.request("POST", path, body=reference)
        if answer.status in (200, 201, 204):
            self._advocates[user_id] = ""
            log.info("directory: added user=%s to group=%s", user_id, self._advocates_group)
            return GroupChange.CHANGED
        if answer.status == 403:
            return self._not_permitted("add", user_id)
        if answer.status == 400 and user_id in await self._members(self._advocates_group):
            return GroupChange.UNCHANGED  # a member already (the last read was older)
        raise GraphUnavailable(str(answer.status))

    async def remove_from_advocates(self, user_id: str) -> GroupChange:
        if not self._advocates_group:
            return GroupChange.NO_GROUP
        group = object_id(self._advocates_group)
        answer = await self._graph.request(
            "DELETE", f"/groups/{group}/members/{object_id(user_id)}/$ref"
        )
        if answer.status in (200, 204):
            self._advocates.pop(user_id, None)
            log.info("directory: removed user=%s from group=%s", user_id, self._advocates_group)
            return GroupChange.CHANGED
        if answer.status == 403:
            return self._not_permitted("remove", user_id)
        if answer.status == 404:
            # Not a direct member: either not in the group at all, or in it through a
            # nested group the bot cannot change.
            if user_id in self._advocates:
                return GroupChange.THROUGH_OTHER_GROUP
            return GroupChange.UNCHANGED
        raise GraphUnavailable(str(answer.status))

    def _not_permitted(self, change: str, user_id: str) -> GroupChange:
        log.warning(
            "directory: the app may not %s members of group=%s (403); user=%s changed on "
            "the bot's roster instead",
            change,
            self._advocates_group,
            user_id,
        )
        return GroupChange.NOT_PERMITTED
