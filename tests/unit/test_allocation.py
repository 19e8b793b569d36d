"""Whom the SMLO is offered when allocating, in what order, and what is flagged."""

from __future__ import annotations

from datetime import date

import pytest

from referrals.allocation import (
    ConflictReason,
    allocation_options,
    conflicts,
    format_reference,
    likely_conflicts,
)
from referrals.availability import Availability, AvailabilityState
from referrals.intake import IntakeAnswers, IntakeStep
from referrals.people import Actor, Advocate
from referrals.referral import DeclineReason, Referral
from referrals.roster import WorkPlace
from tests.unit.builders import ACTORS, NOW, SMLO_IDS, Role

TODAY = NOW.date()
AWAY = Availability(AvailabilityState.AWAY, until=date(2026, 4, 1))
NAMED = ConflictReason.NAMED_BY_REFERRER
TEAM = ConflictReason.TEAM_NAMED_BY_REFERRER
DECLINED = ConflictReason.DECLINED_BEFORE


def referral_avoiding(avoid: str, referrer: Actor | None = None) -> Referral:
    referrer = referrer or ACTORS[Role.REFERRER]
    referral = Referral.start_draft(referrer, NOW)
    answers = IntakeAnswers(avoid=avoid, consent=True)
    referral.record_answers(referrer, answers, IntakeStep.REVIEW, NOW)
    referral.submit(referrer, "SMA-2026-0001", SMLO_IDS, NOW)
    return referral


# -- conflict flags -------------------------------------------------------------------

TAYLOR = Advocate("advocate-1", "Sam Taylor", team="Leeds CID")


@pytest.mark.parametrize(
    ("avoid", "expected"),
    [
        ("Please not Sam Taylor.", (NAMED,)),
        ("please not SAM TAYLOR", (NAMED,)),
        ("anyone but taylor", (NAMED,)),
        ("Taylor's team knows him", (NAMED,)),
        ("not someone from leeds cid", (TEAM,)),
        ("Not Taylor, nor anyone at LEEDS CID", (NAMED, TEAM)),
        ("the Taylorsons are friends of his", ()),
        ("my tailor is in Leeds", ()),
        ("Sam from the gym", ()),
        ("", ()),
    ],
)
def test_conflicts_flag_the_name_or_team_the_referrer_asked_to_avoid(
    avoid: str, expected: tuple[ConflictReason, ...]
) -> None:
    assert conflicts(referral_avoiding(avoid), TAYLOR) == expected


def test_a_short_surname_inside_a_longer_word_is_not_a_conflict() -> None:
    lee = Advocate("advocate-1", "Chris Lee", team="Wakefield")

    assert conflicts(referral_avoiding("I work in Leeds and sleep badly"), lee) == ()
    assert conflicts(referral_avoiding("not Lee please"), lee) == (NAMED,)


def test_names_and_teams_shorter_than_three_characters_are_ignored() -> None:
    li = Advocate("advocate-1", "Jo Li", team="HR")

    assert conflicts(referral_avoiding("not li, not hr"), li) == ()
    assert conflicts(referral_avoiding("not jo li"), li) == (NAMED,)


def test_an_advocate_who_declined_before_is_flagged() -> None:
    referral = referral_avoiding("")
    advocate = Advocate(ACTORS[Role.ADVOCATE].user_id, "Ada Advocate")
    referral.offer(ACTORS[Role.SMLO], advocate, NOW)
    referral.decline(ACTORS[Role.ADVOCATE], DeclineReason.NO_CAPACITY, SMLO_IDS, NOW)

    assert conflicts(referral, advocate) == (DECLINED,)
    assert conflicts(referral, Advocate("advocate-2", "Ben Other")) == ()


# -- options --------------------------------------------------------------------------


def option_ids(referral: Referral, advocates: list[Advocate], loads: dict[str, int]) -> list[str]:
    return [o.advocate.user_id for o in allocation_options(referral, advocates, loads, on=TODAY)]


def test_the_referrer_is_never_offered_as_their_own_advocate() -> None:
    referrer = Actor("advocate-9", "Val Referring-Advocate", is_advocate=True)
    referral = referral_avoiding("", referrer=referrer)
    roster = [Advocate("advocate-9", "Val Referring-Advocate"), Advocate("advocate-1", "Ada")]

    assert option_ids(referral, roster, {}) == ["advocate-1"]


def test_inactive_advocates_are_not_offered() -> None:
    roster = [Advocate("advocate-1", "Ada"), Advocate("advocate-2", "Ben", active=False)]

    assert option_ids(referral_avoiding(""), roster, {}) == ["advocate-1"]


def test_options_are_those_offered_first_then_conflict_free_then_least_busy_then_by_name() -> None:
    referral = referral_avoiding("please not Conflicted")
    roster = [
        Advocate("away-clear", "Aaron Away", availability=AWAY),
        Advocate("away-conflict", "Abe Conflicted", availability=AWAY),
        Advocate("conflict", "Al Conflicted"),
        Advocate("busy", "Alex Busy"),
        Advocate("zoe", "Zoe Young"),
        Advocate("yas", "Yas Young"),
        Advocate("idle", "Zed Idle"),
    ]
    loads = {"away-clear": 0, "conflict": 0, "busy": 3, "zoe": 1, "yas": 1}

    assert option_ids(referral, roster, loads) == [
        "idle",  # not in the caseload map: nothing held
        "yas",
        "zoe",
        "away-clear",  # not offered from here on: away
        "busy",  # full at the default limit of 3
        "away-conflict",  # named by the referrer, and away
        "conflict",  # named by the referrer
    ]


def test_options_show_caseload_and_conflict_reasons() -> None:
    referral = referral_avoiding("not Taylor")
    [option] = allocation_options(referral, [TAYLOR], {"advocate-1": 2}, on=TODAY)

    assert option.caseload == 2
    assert option.conflict_reasons == (NAMED,)
    assert option.has_conflict


# -- references -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "number", "reference"),
    [
        (2026, 1, "SMA-2026-0001"),
        (2026, 42, "SMA-2026-0042"),
        (2027, 9999, "SMA-2027-9999"),
        (2026, 10000, "SMA-2026-10000"),
        (2026, 12345, "SMA-2026-12345"),
    ],
)
def test_references_are_year_and_zero_padded_number(year: int, number: int, reference: str) -> None:
    assert format_reference(year, number) == reference


# -- likely conflicts from the directory ----------------------------------------------------


@pytest.mark.parametrize(
    ("referrer", "advocate", "expected"),
    [
        (WorkPlace("Custody"), WorkPlace(" custody "), (ConflictReason.SAME_DEPARTMENT,)),
        (WorkPlace("", ("m1", "advocate-1")), WorkPlace(), (ConflictReason.LINE_MANAGEMENT,)),
        (WorkPlace(), WorkPlace("", ("referrer-1",)), (ConflictReason.LINE_MANAGEMENT,)),
        (WorkPlace("", ("m1",)), WorkPlace("", ("m1",)), ()),  # the same manager: no flag
        (WorkPlace(""), WorkPlace(""), ()),  # no department known is not the same one
    ],
)
def test_the_directory_flags_the_same_department_and_a_line_management_chain(
    referrer: WorkPlace, advocate: WorkPlace, expected: tuple[ConflictReason, ...]
) -> None:
    assert likely_conflicts("referrer-1", referrer, "advocate-1", advocate) == expected


def test_directory_flags_sort_an_advocate_last_but_never_exclude_them() -> None:
    referral = referral_avoiding("")
    roster = [Advocate("a", "Ada"), Advocate("b", "Ben")]
    flagged = {"a": (ConflictReason.SAME_DEPARTMENT,)}

    options = allocation_options(referral, roster, {}, on=TODAY, flagged=flagged)

    assert [(o.advocate.user_id, o.offered) for o in options] == [("b", True), ("a", True)]
