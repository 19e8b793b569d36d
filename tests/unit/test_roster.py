"""The roster against the advocates group, the SMLO's `add advocate` / `remove advocate`
commands, and the roster without Entra ID (only people already on it can be found)."""

from __future__ import annotations

import json

import pytest

from bot.commands import parse_command
from cards.requests import ChangeRoster, Request
from cards.roster import roster_change_card
from cards.verbs import Verb
from referrals import errors
from referrals.clock import FakeClock
from referrals.people import Actor, Advocate, RosterOverride
from referrals.roles import MemberIds
from referrals.roster import GroupChange, Person, synchronise
from referrals.roster_changes import RosterChange, RosterResult
from referrals.services import Services
from storage import codec
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.memory import MemoryAuditLog, memory_stores
from storage.sqlite import SqliteStores
from tests.support.teams import card_texts

Mark = RosterOverride
SMLO = Actor("smlo-1", is_smlo=True)


# -- the group sync rule --------------------------------------------------------------------


def test_new_members_join_with_their_directory_name() -> None:
    assert synchronise([], {"u1": "Alex Morgan"}) == [Advocate("u1", "Alex Morgan")]


def test_leavers_stop_taking_cases_and_the_rest_keep_what_the_smlo_set() -> None:
    kept = Advocate("u1", "Alex", team="Custody", caseload_limit=5)
    leaver = Advocate("u2", "Sam", team="East")

    assert synchronise([kept, leaver], {"u1": "Alex"}) == [
        Advocate("u2", "Sam", team="East", active=False)
    ]


def test_the_smlos_own_changes_outlast_the_group_until_it_catches_up() -> None:
    removed_here = Advocate("u1", "Alex", active=False, override=Mark.REMOVED)
    added_here = Advocate("u2", "Pat", override=Mark.ADDED)

    assert synchronise([removed_here, added_here], {"u1": "Alex"}) == []
    assert synchronise([removed_here, added_here], {"u2": "Pat"}) == [
        Advocate("u2", "Pat"),  # the group lists Pat now: it decides from here on
        Advocate("u1", "Alex", active=False),  # the group dropped Alex too: mark no longer needed
    ]


def test_someone_back_in_the_group_takes_cases_again() -> None:
    assert synchronise([Advocate("u1", "Alex", active=False)], {"u1": "Alex"}) == [
        Advocate("u1", "Alex")
    ]


def test_an_advocate_written_before_the_override_reads_as_following_the_group() -> None:
    old = {"schema": 1, "user_id": "u1", "display_name": "Alex", "team": "", "available": True}
    old["active"] = True

    advocate = codec.advocate_from_doc(old)

    assert advocate.override is Mark.NONE
    stored = json.loads(json.dumps(codec.advocate_to_doc(Advocate("u1", "A", override=Mark.ADDED))))
    assert codec.advocate_from_doc(stored).override is Mark.ADDED


# -- the commands -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("add advocate Pat O'Brien", ChangeRoster(Verb.ADD_ADVOCATE, "Pat O'Brien")),
        (
            "Add  Advocate  pat+sma@force.example.",
            ChangeRoster(Verb.ADD_ADVOCATE, "pat+sma@force.example"),
        ),
        ('remove advocate "Alex Morgan"', ChangeRoster(Verb.REMOVE_ADVOCATE, "Alex Morgan")),
        ("remove advocate", ChangeRoster(Verb.REMOVE_ADVOCATE, "")),
        ("add advocates Pat", None),
        ("please add advocate Pat", None),
    ],
)
def test_roster_commands_keep_the_case_of_the_name(typed: str, expected: Request | None) -> None:
    assert parse_command(typed) == expected


# -- what the SMLO is told ------------------------------------------------------------------------


def test_a_name_from_the_directory_is_shown_as_typed_never_as_formatting() -> None:
    planted = Person("u1", "**Pat** [call me](https://evil.example)")
    card = roster_change_card(
        RosterChange(RosterResult.ADDED, "Pat", planted, group=GroupChange.CHANGED)
    )
    words = " ".join(card_texts(card))

    assert "\\*\\*Pat\\*\\*" in words
    assert "](https://evil.example)" not in words.replace("\\](", "")


# -- without Entra ID ---------------------------------------------------------------------------


@pytest.fixture
def service() -> Services:
    return Services.build(memory_stores(), FakeClock(), MemberIds({"smlo-1"}), MemoryAuditLog())


async def test_without_entra_id_only_someone_already_on_the_roster_can_be_found(
    service: Services,
) -> None:
    await service.steps.stores.roster.put_advocate(Advocate("u1", "Alex Morgan", active=False))

    added = await service.administration.add_advocate(SMLO, "alex morgan")
    unknown = await service.administration.add_advocate(SMLO, "Pat O'Brien")
    removed = await service.administration.remove_advocate(SMLO, "Alex Morgan")

    assert (added.result, added.group) == (RosterResult.ADDED, GroupChange.NO_GROUP)
    assert unknown.result is RosterResult.NOT_FOUND
    assert (removed.result, removed.group) == (RosterResult.REMOVED, GroupChange.NO_GROUP)
    assert await service.steps.stores.roster.get_advocate("u1") == Advocate(
        "u1", "Alex Morgan", active=False
    )


async def test_nothing_after_the_command_asks_who(service: Services) -> None:
    assert (await service.administration.add_advocate(SMLO, "  ")).result is RosterResult.ASK_WHO


async def test_text_no_one_could_be_called_is_not_looked_up(service: Services) -> None:
    assert (
        await service.administration.add_advocate(SMLO, "x" * 101)
    ).result is RosterResult.NOT_FOUND
    assert (
        await service.administration.add_advocate(SMLO, "Pat\x00")
    ).result is RosterResult.NOT_FOUND


async def test_a_referrer_cannot_change_the_roster(service: Services) -> None:
    with pytest.raises(errors.NotAnSmlo):
        await service.administration.add_advocate(Actor("someone"), "Alex")


def test_member_ids_read_like_the_frozenset_they_replace() -> None:
    smlos = MemberIds({"a"})
    snapshot = list(smlos)
    smlos.replace({"b", "c"})

    assert snapshot == ["a"]
    assert "b" in smlos
    assert "a" not in smlos
    assert len(smlos) == 2
    assert smlos.read_from_directory


async def test_the_smlos_mark_survives_the_sqlite_store() -> None:
    sqlite = await SqliteStores.open(":memory:", FieldCipher(development_key_ring()))
    try:
        kept_off = Advocate("u1", "Alex", active=False, override=Mark.REMOVED)
        await sqlite.stores.roster.put_advocate(kept_off)

        assert await sqlite.stores.roster.get_advocate("u1") == kept_off
    finally:
        await sqlite.close()


def test_several_matches_are_a_choice_with_one_button_per_person() -> None:
    people = (Person("u1", "Alex Morgan"), Person("u2", "Alex Moss"))
    for removing, verb in ((False, "smlo.add_chosen"), (True, "smlo.remove_chosen")):
        change = RosterChange(RosterResult.SEVERAL, "Alex", candidates=people, removing=removing)
        card = json.dumps(roster_change_card(change))

        for person in people:
            assert json.dumps({"user_id": person.user_id, "asked": "Alex"})[1:-1] in card
        assert card.count(f'"type": "Action.Execute", "title": "Choose", "verb": "{verb}"') == 2
