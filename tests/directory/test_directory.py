"""The directory against Entra ID and Graph on loopback: roles and roster from the groups,
the last known members kept when Graph fails, finding people (quoting done right), the
SMLO's changes to the advocates group or, when the app may not change it, to the bot's
own roster, and installing the app for someone."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial

import pytest

from entra.directory import GraphDirectory
from entra.install import AppInstaller
from referrals import errors
from referrals.allocation import ConflictReason
from referrals.audit import ROSTER, AuditAction, Outcome, roster_subject
from referrals.availability import Exclusion, OverrideReason
from referrals.clock import FakeClock
from referrals.intake import Identity, IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate, RosterOverride
from referrals.ports import Stores
from referrals.referral_base import SYSTEM
from referrals.roles import MemberIds
from referrals.roster import GroupChange, Person
from referrals.roster_changes import RosterResult
from referrals.services import Services
from referrals.states import ReferralState
from storage.memory import MemoryAuditLog, memory_stores
from tests.directory.conftest import CATALOG_ID, MANIFEST_ID, Graph
from tests.support.graph import EntraStandIn, User

NAME_CANARY = "Canaryxq"  # in every directory name: it must never reach a log line


@dataclass
class Tenant:
    smlo: User
    alex: User
    sam: User
    pat: User
    patrick: User
    smlo_group: str
    advocates_group: str


@pytest.fixture
def tenant(entra: EntraStandIn) -> Tenant:
    smlo = entra.add_user(f"Sky {NAME_CANARY}", "sky@force.example")
    alex = entra.add_user(f"Alex Morgan {NAME_CANARY}", "alex.morgan@force.example")
    sam = entra.add_user(f"Sam Okafor {NAME_CANARY}", "sam.okafor@force.example")
    pat = entra.add_user(f"Pat O'Brien {NAME_CANARY}", "pat+sma@force.example")
    patrick = entra.add_user(f"Pat Okoro {NAME_CANARY}", "pat.okoro@force.example")
    return Tenant(
        smlo,
        alex,
        sam,
        pat,
        patrick,
        entra.add_group(smlo.id),
        entra.add_group(alex.id, sam.id),
    )


@dataclass
class World:
    directory: GraphDirectory
    service: Services
    stores: Stores
    audit: MemoryAuditLog
    smlos: MemberIds

    @property
    def smlo(self) -> Actor:
        return Actor(next(iter(self.smlos)), is_smlo=True)


@pytest.fixture
def world(graph: Graph, tenant: Tenant) -> World:
    stores, audit, smlos = memory_stores(), MemoryAuditLog(), MemberIds()
    directory = GraphDirectory(
        graph.client,
        stores.roster,
        smlos=smlos,
        smlo_group_id=tenant.smlo_group,
        advocates_group_id=tenant.advocates_group,
    )
    service = Services.build(stores, FakeClock(), smlos, audit, directory)
    return World(directory, service, stores, audit, smlos)


async def standing(world: World, user_id: str) -> tuple[bool, RosterOverride]:
    """Whether they take cases, and the SMLO's own mark against the group."""
    advocate = await world.stores.roster.get_advocate(user_id)
    assert advocate is not None
    return advocate.active, advocate.override


# -- roles and roster from the groups -----------------------------------------------------


async def test_the_groups_give_the_smlos_and_fill_the_roster(world: World, tenant: Tenant) -> None:
    assert await world.directory.refresh()

    assert set(world.smlos) == {tenant.smlo.id}
    roster = {a.user_id: a for a in await world.stores.roster.list_advocates()}
    assert set(roster) == {tenant.alex.id, tenant.sam.id}
    assert roster[tenant.alex.id].display_name == tenant.alex.display_name
    assert (await world.service.identify(tenant.smlo.id)).is_smlo
    assert (await world.service.identify(tenant.alex.id)).is_advocate


async def test_the_roster_follows_the_group_and_keeps_what_the_smlo_set(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    alex = await world.stores.roster.get_advocate(tenant.alex.id)
    assert alex is not None
    await world.stores.roster.put_advocate(replace(alex, team="Custody", caseload_limit=5))
    entra.groups[tenant.advocates_group] = [tenant.alex.id, tenant.pat.id]  # Sam left
    entra.users[tenant.alex.id].display_name = "Alex Morgan-Reyes"

    await world.directory.refresh()

    roster = {a.user_id: a for a in await world.stores.roster.list_advocates()}
    assert roster[tenant.alex.id] == Advocate(
        tenant.alex.id, "Alex Morgan-Reyes", team="Custody", caseload_limit=5
    )
    assert not roster[tenant.sam.id].active, "left the group: takes no new cases"
    assert roster[tenant.pat.id].active


async def test_graph_down_at_a_refresh_keeps_the_last_known_members(
    world: World, entra: EntraStandIn, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    await world.directory.refresh()
    entra.down = True
    entra.groups[tenant.smlo_group] = []
    entra.groups[tenant.advocates_group] = []

    assert not await world.directory.refresh()

    assert set(world.smlos) == {tenant.smlo.id}
    assert all(a.active for a in await world.stores.roster.list_advocates())
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(tenant.smlo_group in w and "503" in w for w in warnings)
    assert not any(NAME_CANARY in r.getMessage() for r in caplog.records)


async def test_until_the_smlo_group_is_read_the_configured_ids_hold_the_role(
    graph: Graph, tenant: Tenant, entra: EntraStandIn
) -> None:
    smlos = MemberIds({"00000000-0000-4000-8000-00000000a001"})
    directory = GraphDirectory(
        graph.client, memory_stores().roster, smlos=smlos, smlo_group_id=tenant.smlo_group
    )
    entra.down = True
    await directory.refresh()
    assert set(smlos) == {"00000000-0000-4000-8000-00000000a001"}
    assert not smlos.read_from_directory

    entra.down = False
    await directory.refresh()
    assert set(smlos) == {tenant.smlo.id}, "the group alone, once read"


# -- finding people -------------------------------------------------------------------------


async def test_a_name_with_an_apostrophe_is_found(world: World, tenant: Tenant) -> None:
    found = await world.directory.find_people("Pat O'Brien")

    assert [p.user_id for p in found] == [tenant.pat.id]


async def test_an_email_address_with_a_plus_is_found(world: World, tenant: Tenant) -> None:
    found = await world.directory.find_people("PAT+sma@force.example")

    assert [p.user_id for p in found] == [tenant.pat.id]


@pytest.mark.parametrize(
    "typed",
    [
        "x') or startswith(displayName,'",
        "x' or mail eq 'sky@force.example",
        "Pat%27 or 1 eq 1",
        "a&$top=999",
        "' or ''='",
    ],
)
async def test_what_is_typed_cannot_change_the_query(world: World, typed: str) -> None:
    assert await world.directory.find_people(typed) == []


async def test_several_matches_are_listed_for_the_smlo(world: World, tenant: Tenant) -> None:
    await world.directory.refresh()

    change = await world.service.administration.add_advocate(world.smlo, "Pat")

    assert change.result is RosterResult.SEVERAL
    assert {p.user_id for p in change.candidates} == {tenant.pat.id, tenant.patrick.id}


async def test_nobody_found_is_said_kindly(world: World) -> None:
    await world.directory.refresh()

    change = await world.service.administration.add_advocate(world.smlo, "Nobody Atall")

    assert change.result is RosterResult.NOT_FOUND
    assert change.asked == "Nobody Atall"


# -- the SMLO changes the roster -------------------------------------------------------------


async def test_adding_puts_them_in_the_group_and_on_the_roster(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()

    change = await world.service.administration.add_advocate(world.smlo, "pat+sma@force.example")

    assert (change.result, change.group) == (RosterResult.ADDED, GroupChange.CHANGED)
    assert tenant.pat.id in entra.groups[tenant.advocates_group]
    assert (await world.service.identify(tenant.pat.id)).is_advocate
    entries = await world.audit.for_referral(roster_subject(tenant.pat.id))
    assert [(e.action, e.outcome) for e in entries] == [(AuditAction.ADD_ADVOCATE, Outcome.ALLOWED)]


async def test_without_permission_to_change_the_group_the_roster_is_changed_and_kept(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    entra.group_writes_allowed = False

    added = await world.service.administration.add_advocate(world.smlo, tenant.pat.display_name)
    removed = await world.service.administration.remove_advocate(
        world.smlo, tenant.sam.display_name
    )
    await world.directory.refresh()  # the group still lists Sam and not Pat

    assert (added.result, added.group) == (RosterResult.ADDED, GroupChange.NOT_PERMITTED)
    assert (removed.result, removed.group) == (RosterResult.REMOVED, GroupChange.NOT_PERMITTED)
    assert await standing(world, tenant.pat.id) == (True, RosterOverride.ADDED)
    assert await standing(world, tenant.sam.id) == (False, RosterOverride.REMOVED)
    assert entra.groups[tenant.advocates_group] == [tenant.alex.id, tenant.sam.id]


async def test_once_it_catches_up_the_group_is_followed_again(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    entra.group_writes_allowed = False
    await world.service.administration.remove_advocate(world.smlo, "Sam Okafor")
    entra.groups[tenant.advocates_group].remove(tenant.sam.id)  # IT did it after all
    await world.directory.refresh()
    entra.groups[tenant.advocates_group].append(tenant.sam.id)  # and later put Sam back

    await world.directory.refresh()

    assert await standing(world, tenant.sam.id) == (True, RosterOverride.NONE)


async def test_removing_takes_them_out_of_the_group(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()

    change = await world.service.administration.remove_advocate(
        world.smlo, "sam.okafor@force.example"
    )
    await world.directory.refresh()

    assert (change.result, change.group) == (RosterResult.REMOVED, GroupChange.CHANGED)
    assert entra.groups[tenant.advocates_group] == [tenant.alex.id]
    assert not (await world.service.identify(tenant.sam.id)).is_advocate


async def test_a_member_through_a_nested_group_is_kept_off_the_roster_here(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    nested = entra.add_group(tenant.pat.id)
    entra.groups[tenant.advocates_group].append(nested)
    await world.directory.refresh()

    change = await world.service.administration.remove_advocate(world.smlo, tenant.pat.display_name)
    await world.directory.refresh()

    assert change.group is GroupChange.THROUGH_OTHER_GROUP
    assert not (await world.service.identify(tenant.pat.id)).is_advocate


async def test_removing_someone_not_on_the_list_changes_nothing(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()

    change = await world.service.administration.remove_advocate(world.smlo, tenant.pat.display_name)

    assert change.result is RosterResult.NOT_ADVOCATE
    assert entra.graph_calls("DELETE") == 0


async def test_only_the_smlo_may_change_the_roster_and_others_cannot_probe_the_directory(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    calls_before = len(entra.calls)
    advocate = Actor(tenant.alex.id, is_advocate=True)

    with pytest.raises(errors.NotAnSmlo):
        await world.service.administration.add_advocate(advocate, "Pat O'Brien")
    with pytest.raises(errors.NotAnSmlo):
        await world.service.administration.remove_advocate(advocate, "Sam Okafor")

    assert len(entra.calls) == calls_before
    refused = await world.audit.for_referral(ROSTER)
    assert [(e.actor_id, e.action, e.outcome) for e in refused] == [
        (tenant.alex.id, AuditAction.ADD_ADVOCATE, Outcome.REFUSED),
        (tenant.alex.id, AuditAction.REMOVE_ADVOCATE, Outcome.REFUSED),
    ]


async def test_an_smlo_taken_out_of_the_group_loses_the_role_at_the_next_refresh(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    entra.groups[tenant.smlo_group] = []

    await world.directory.refresh()

    actor = await world.service.identify(tenant.smlo.id)
    assert not actor.is_smlo
    with pytest.raises(errors.NotAnSmlo):
        await world.service.administration.add_advocate(actor, "Pat O'Brien")


async def test_graph_down_while_adding_is_one_named_error(
    world: World, entra: EntraStandIn
) -> None:
    await world.directory.refresh()
    entra.down = True

    with pytest.raises(errors.DirectoryUnavailable):
        await world.service.administration.add_advocate(world.smlo, "Pat O'Brien")


# -- installing the app ------------------------------------------------------------------


async def test_the_app_is_installed_and_already_installed_counts_as_installed(
    graph: Graph, entra: EntraStandIn, tenant: Tenant
) -> None:
    installer = AppInstaller(graph.client, manifest_id=MANIFEST_ID)

    assert await installer.install_for(tenant.pat.id)
    assert await installer.install_for(tenant.pat.id), "409: it is there"

    assert entra.installed[tenant.pat.id] == {CATALOG_ID}
    assert entra.graph_calls("GET", "appCatalogs") == 1, "the catalog id is looked up once"


async def test_an_install_the_app_may_not_make_is_reported_as_not_done(
    graph: Graph, entra: EntraStandIn, tenant: Tenant
) -> None:
    entra.installs_allowed = False

    assert not await AppInstaller(graph.client, CATALOG_ID).install_for(tenant.pat.id)
    assert entra.graph_calls("GET", "appCatalogs") == 0


async def test_an_app_missing_from_the_catalog_is_not_installed(
    graph: Graph, entra: EntraStandIn, tenant: Tenant
) -> None:
    entra.catalog.clear()

    assert not await AppInstaller(graph.client, manifest_id=MANIFEST_ID).install_for(tenant.pat.id)


async def test_an_advocate_the_directory_does_not_know_can_still_be_taken_off(
    world: World, entra: EntraStandIn
) -> None:
    await world.directory.refresh()
    seeded = Advocate("00000000-0000-4000-8000-00000000b009", "Dee Seeded")
    await world.stores.roster.put_advocate(seeded)  # since the last sync

    change = await world.service.administration.remove_advocate(world.smlo, "Dee Seeded")

    assert (change.result, change.group) == (RosterResult.REMOVED, GroupChange.UNCHANGED)
    # Marked, as every change is, until a sync shows the group agrees (it does: not listed).
    assert await standing(world, seeded.user_id) == (False, RosterOverride.REMOVED)
    await world.directory.refresh()
    assert await standing(world, seeded.user_id) == (False, RosterOverride.NONE)


# -- review findings: staleness, the member query, lag, exact names, emergencies -----------


@dataclass
class Ticking:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_past_three_refresh_periods_unread_the_groups_stop_granting_roles(
    graph: Graph, tenant: Tenant, entra: EntraStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    configured = "00000000-0000-4000-8000-00000000a001"
    stores, smlos, clock = memory_stores(), MemberIds({configured}), Ticking()
    directory = GraphDirectory(
        graph.client,
        stores.roster,
        smlos=smlos,
        smlo_group_id=tenant.smlo_group,
        advocates_group_id=tenant.advocates_group,
        refresh_seconds=60,
        clock=clock,
    )
    await directory.refresh()
    added_here = Advocate(tenant.pat.id, "Pat", override=RosterOverride.ADDED)
    await stores.roster.put_advocate(added_here)
    entra.fail_next(99, 403)  # consent revoked: every read refused

    clock.now += 3 * 60  # not yet past the limit: the last members stand
    await directory.refresh()
    assert set(smlos) == {tenant.smlo.id}
    clock.now += 1
    await directory.refresh()

    assert set(smlos) == {configured}, "back to SMA_SMLO_IDS"
    roster = {a.user_id: a.active for a in await stores.roster.list_advocates()}
    assert roster == {tenant.alex.id: False, tenant.sam.id: False, tenant.pat.id: True}
    errors_logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(tenant.smlo_group in m and "403" in m for m in errors_logged)
    assert any(tenant.advocates_group in m for m in errors_logged)
    assert not any(NAME_CANARY in r.getMessage() for r in caplog.records)

    entra.faults.clear()
    await directory.refresh()
    assert set(smlos) == {tenant.smlo.id}
    assert all(a.active for a in await stores.roster.list_advocates())


async def test_only_people_among_the_members_become_advocates_without_an_advanced_query(
    world: World, graph: Graph, entra: EntraStandIn, tenant: Tenant
) -> None:
    nested = entra.add_group(tenant.pat.id, entra.add_other("#microsoft.graph.device"))
    entra.groups[tenant.advocates_group] += [
        nested,
        entra.add_other("#microsoft.graph.servicePrincipal"),
    ]

    assert await world.directory.refresh()

    roster = {a.user_id for a in await world.stores.roster.list_advocates()}
    assert roster == {tenant.alex.id, tenant.sam.id, tenant.pat.id}
    cast = f"/groups/{tenant.advocates_group}/transitiveMembers/microsoft.graph.user"
    refused = await graph.client.request("GET", cast, params={"$select": "id,displayName"})
    assert refused.status == 400, "the emulator, like Graph, wants ConsistencyLevel for a cast"


async def test_a_removal_survives_a_sync_that_still_lists_them(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()

    change = await world.service.administration.remove_advocate(world.smlo, tenant.sam.display_name)
    entra.groups[tenant.advocates_group].append(tenant.sam.id)  # a replica not caught up
    await world.directory.refresh()

    assert change.group is GroupChange.CHANGED
    assert await standing(world, tenant.sam.id) == (False, RosterOverride.REMOVED)


async def test_adding_asks_graph_even_if_the_last_read_listed_them(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    entra.groups[tenant.advocates_group].remove(tenant.alex.id)  # since the last read

    change = await world.service.administration.add_advocate(
        world.smlo, "alex.morgan@force.example"
    )

    assert change.group is GroupChange.CHANGED
    assert tenant.alex.id in entra.groups[tenant.advocates_group]


async def test_a_partial_name_adds_nobody_and_offers_a_choice_checked_again(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()

    partial = await world.service.administration.add_advocate(world.smlo, "Al")
    assert partial.result is RosterResult.SEVERAL
    assert [p.user_id for p in partial.candidates] == [tenant.alex.id]
    assert entra.graph_calls("POST") == 0

    forged = await world.service.administration.add_advocate(world.smlo, "Al", tenant.pat.id)
    assert forged.result is RosterResult.NOT_FOUND, "not one the search finds"
    with pytest.raises(errors.NotAnSmlo):
        await world.service.administration.add_advocate(Actor(tenant.sam.id), "Al", tenant.alex.id)
    assert entra.graph_calls("POST") == 0

    chosen = await world.service.administration.add_advocate(world.smlo, "Al", tenant.alex.id)
    assert (chosen.result, chosen.person) == (
        RosterResult.ALREADY_ADVOCATE,
        Person(tenant.alex.id, tenant.alex.display_name),
    )


async def test_with_graph_down_the_smlo_can_still_take_someone_off(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    entra.down = True

    change = await world.service.administration.remove_advocate(world.smlo, tenant.sam.display_name)

    assert (change.result, change.group) == (RosterResult.REMOVED, GroupChange.UNREACHABLE)
    assert await standing(world, tenant.sam.id) == (False, RosterOverride.REMOVED)
    assert not (await world.service.identify(tenant.sam.id)).is_advocate
    entra.down = False
    await world.directory.refresh()  # the group still lists Sam: the mark keeps them off
    assert await standing(world, tenant.sam.id) == (False, RosterOverride.REMOVED)


async def test_an_advocate_the_group_drops_has_their_offers_returned_to_the_smlo(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    stranded = partial(world.service.administration.return_stranded_offers, Actor(SYSTEM))
    referrer = Actor("00000000-0000-4000-8000-00000000c001")
    draft = await world.service.intake.start_draft(referrer)
    answers = IntakeAnswers(route=Route.EXPERIENCED, consent=True)
    await world.service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await world.service.intake.submit(referrer, draft.id)
    await world.service.triage.offer(world.smlo, draft.id, tenant.sam.id)
    entra.groups[tenant.advocates_group].remove(tenant.sam.id)

    await world.directory.refresh(stranded)

    referral = await world.stores.referrals.get(draft.id)
    assert (referral.state, referral.offered_to) == (ReferralState.AWAITING_ALLOCATION, "")
    assert referral.history[-1].name == "OfferReturned"
    trail = await world.audit.for_referral(draft.id)
    assert (trail[-1].action, trail[-1].actor_id) == (AuditAction.RETURN_OFFER, SYSTEM)
    with pytest.raises(errors.NotPermitted):
        await world.service.casework.accept(await world.service.identify(tenant.sam.id), draft.id)


# -- likely conflicts from the directory: department and line management -----------------


async def test_the_allocation_list_flags_the_referrers_department_and_line_managers(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    """Flagged, never barred: both can still be asked. The manager chain is read to the
    top (Sam manages Pat's manager), in one advanced query per person."""
    await world.directory.refresh()
    referrer = entra.add_user("Robin Referrer", "robin@force.example")
    boss = entra.add_user("Bo Boss", "bo@force.example")
    referrer.department, referrer.manager_id = "Response East", boss.id
    boss.manager_id = tenant.sam.id
    entra.users[tenant.alex.id].department = "response east"
    actor = Actor(referrer.id)
    draft = await world.service.intake.start_draft(actor)
    answers = IntakeAnswers(route=Route.EXPERIENCED, account="what happened", consent=True)
    await world.service.intake.record_answers(actor, draft.id, answers, IntakeStep.REVIEW)
    await world.service.intake.submit(actor, draft.id)

    _, options = await world.service.triage.allocation_options(world.smlo, draft.id)

    flags = {o.advocate.user_id: (o.conflict_reasons, o.offered) for o in options}
    assert flags == {
        tenant.alex.id: ((ConflictReason.SAME_DEPARTMENT,), True),
        tenant.sam.id: ((ConflictReason.LINE_MANAGEMENT,), True),
    }
    place = await world.directory.work_place(tenant.sam.id)
    assert place is not None
    assert place.department == ""
    assert await world.directory.work_place("00000000-0000-4000-8000-0000000000ff") is None


async def test_an_anonymous_referrers_team_and_line_are_kept_off_their_case_unexplained(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    """The same directory answers as above, for a referral anonymous to the service: both
    are barred, shown only as a private conflict, and no reason of the SMLO's lifts it."""
    await world.directory.refresh()
    referrer = entra.add_user("Robin Referrer", "robin@force.example")
    boss = entra.add_user("Bo Boss", "bo@force.example")
    referrer.department, referrer.manager_id = "Response East", boss.id
    boss.manager_id = tenant.sam.id
    entra.users[tenant.alex.id].department = "response east"
    actor = Actor(referrer.id)
    draft = await world.service.intake.start_draft(actor)
    answers = IntakeAnswers(
        route=Route.EXPERIENCED, identity=Identity.ANONYMOUS, account="what", consent=True
    )
    await world.service.intake.record_answers(actor, draft.id, answers, IntakeStep.REVIEW)
    await world.service.intake.submit(actor, draft.id)

    _, options = await world.service.triage.allocation_options(world.smlo, draft.id)

    private = ((ConflictReason.PRIVATE,), (Exclusion.PRIVATE_CONFLICT,))
    flags = {o.advocate.user_id: (o.conflict_reasons, o.excluded_for) for o in options}
    assert flags == {tenant.alex.id: private, tenant.sam.id: private}
    anyway = OverrideReason.CONFLICT_CHECKED
    with pytest.raises(errors.AdvocateNotAvailable):
        await world.service.triage.offer(world.smlo, draft.id, tenant.alex.id, anyway)
    assert (await world.stores.referrals.get(draft.id)).state is ReferralState.SUBMITTED


async def test_without_the_directory_the_allocation_list_still_works(
    world: World, entra: EntraStandIn, tenant: Tenant
) -> None:
    await world.directory.refresh()
    actor = Actor(entra.add_user("Robin Referrer", "robin@force.example").id)
    draft = await world.service.intake.start_draft(actor)
    answers = IntakeAnswers(route=Route.EXPERIENCED, account="what happened", consent=True)
    await world.service.intake.record_answers(actor, draft.id, answers, IntakeStep.REVIEW)
    await world.service.intake.submit(actor, draft.id)
    entra.down = True

    _, options = await world.service.triage.allocation_options(world.smlo, draft.id)

    assert [o.conflict_reasons for o in options] == [(), ()]
