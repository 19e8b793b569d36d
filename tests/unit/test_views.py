"""What becomes of a message that shows a referral's details (`referrals.views.fate_of`):
kept while it is theirs and fresh, folded back after the set time, cleared for good once
the referral ends or is no longer theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referrals.people import Actor
from referrals.referral import Referral
from referrals.views import CLEARED, ShownView, ViewFate, ViewKind, fate_of, message_key
from tests.unit.builders import (
    ACTIVE,
    ACTORS,
    NOW,
    PATHS,
    SIGNPOSTED,
    SUBMITTED,
    Path,
    Role,
    walk,
)

FOLD = timedelta(minutes=10)
SMLO, ADVOCATE = ACTORS[Role.SMLO], ACTORS[Role.ADVOCATE]


def view_of(referral: Referral, viewer: Actor) -> ShownView:
    return ShownView("a:chat", "m1", referral.id, viewer.user_id, NOW)


def fate(referral: Referral | None, viewer: Actor, after: timedelta = timedelta()) -> ViewFate:
    shown = view_of(referral, viewer) if referral else ShownView("a:c", "m", "gone", "x", NOW)
    return fate_of(shown, referral, viewer, NOW + after, FOLD)


@pytest.mark.parametrize("viewer", [SMLO, ADVOCATE], ids=["smlo", "advocate"])
def test_an_open_case_stays_shown_until_the_fold_time_then_folds(viewer: Actor) -> None:
    referral = walk(ACTIVE)

    assert fate(referral, viewer, FOLD - timedelta(seconds=1)) is ViewFate.KEEP
    assert fate(referral, viewer, FOLD) is ViewFate.FOLD


@pytest.mark.parametrize(
    "path", [p for p in PATHS if p.state.value in ("withdrawn", "closed")], ids=lambda p: p.name
)
def test_an_ended_referral_is_cleared_for_everyone_at_once(path: Path) -> None:
    referral = walk(path)
    expected = ViewFate.WITHDRAWN if referral.state.value == "withdrawn" else ViewFate.CLOSED

    assert fate(referral, SMLO) is expected
    assert fate(referral, ADVOCATE) is expected
    assert expected in CLEARED


def test_a_closed_case_opened_again_after_closing_folds_back_like_any_other_view() -> None:
    referral = walk(ACTIVE)
    referral.close(ADVOCATE, NOW)
    later = ShownView("a:chat", "m2", referral.id, ADVOCATE.user_id, NOW + timedelta(hours=1))

    assert fate(referral, ADVOCATE) is ViewFate.CLOSED  # shown until it closed: cleared
    assert fate_of(later, referral, ADVOCATE, later.shown_at, FOLD) is ViewFate.KEEP
    assert fate_of(later, referral, ADVOCATE, later.shown_at + FOLD, FOLD) is ViewFate.FOLD


def test_a_purged_or_vanished_referral_is_cleared_as_erased() -> None:
    referral = walk(ACTIVE)
    referral.close(ADVOCATE, NOW)
    referral.purge(NOW + timedelta(days=400))

    assert fate(referral, SMLO) is ViewFate.ERASED
    assert fate(None, SMLO) is ViewFate.ERASED


def test_an_advocate_taken_off_the_list_or_not_holding_the_case_loses_the_view() -> None:
    referral = walk(ACTIVE)

    assert fate(referral, ACTORS[Role.INACTIVE_ADVOCATE]) is ViewFate.NOT_YOURS
    assert fate(referral, ACTORS[Role.OTHER_ADVOCATE]) is ViewFate.NOT_YOURS
    assert fate(referral, ACTORS[Role.STRANGER]) is ViewFate.NOT_YOURS


def test_someone_no_longer_an_smlo_loses_the_view_of_a_referral_they_do_not_hold() -> None:
    referral = walk(SUBMITTED)
    former = Actor(SMLO.user_id, SMLO.display_name)  # the same person, out of the group

    assert fate(referral, SMLO) is ViewFate.KEEP
    assert fate(referral, former) is ViewFate.NOT_YOURS


def test_a_signposted_referral_still_open_folds_like_any_other() -> None:
    referral = walk(SIGNPOSTED)

    assert fate(referral, SMLO, FOLD + timedelta(minutes=1)) is ViewFate.FOLD


def test_a_message_has_one_key_whatever_it_shows() -> None:
    first = ShownView("a:chat", "m1", "r1", "u1", NOW)
    again = ShownView("a:chat", "m1", "r2", "u1", NOW + FOLD)

    assert first.key == again.key == message_key("a:chat", "m1")
    assert message_key("a:chat", "m2") != first.key
    assert message_key("a:chat\nm", "1") != message_key("a:chat", "m\n1")


# -- the message thread: its referrer reads it too -----------------------------------------

REFERRER = ACTORS[Role.REFERRER]


def thread_fate(referral: Referral, viewer: Actor, after: timedelta = timedelta()) -> ViewFate:
    shown = ShownView("a:chat", "m1", referral.id, viewer.user_id, NOW, ViewKind.THREAD)
    return fate_of(shown, referral, viewer, NOW + after, FOLD)


@pytest.mark.parametrize("viewer", [REFERRER, SMLO, ADVOCATE], ids=["referrer", "smlo", "advocate"])
def test_a_thread_stays_shown_to_each_of_its_readers_until_the_fold_time_then_folds(
    viewer: Actor,
) -> None:
    referral = walk(ACTIVE)

    assert thread_fate(referral, viewer, FOLD - timedelta(seconds=1)) is ViewFate.KEEP
    assert thread_fate(referral, viewer, FOLD) is ViewFate.FOLD


def test_the_referrer_may_keep_their_thread_but_never_a_staff_view_of_the_details() -> None:
    referral = walk(ACTIVE)

    assert thread_fate(referral, REFERRER) is ViewFate.KEEP
    assert fate(referral, REFERRER) is ViewFate.NOT_YOURS


@pytest.mark.parametrize(
    "path", [p for p in PATHS if p.state.value in ("withdrawn", "closed")], ids=lambda p: p.name
)
def test_an_ended_referral_clears_its_thread_for_the_referrer_and_the_advocate(path: Path) -> None:
    referral = walk(path)
    expected = ViewFate.WITHDRAWN if referral.state.value == "withdrawn" else ViewFate.CLOSED

    for viewer in (REFERRER, ADVOCATE, SMLO):
        assert thread_fate(referral, viewer) is expected


def test_a_thread_is_lost_to_an_advocate_who_no_longer_holds_the_case_or_a_stranger() -> None:
    referral = walk(ACTIVE)

    for viewer in (
        ACTORS[Role.INACTIVE_ADVOCATE],
        ACTORS[Role.OTHER_ADVOCATE],
        ACTORS[Role.OTHER_REFERRER],
        ACTORS[Role.STRANGER],
    ):
        assert thread_fate(referral, viewer) is ViewFate.NOT_YOURS
