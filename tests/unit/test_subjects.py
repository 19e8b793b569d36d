"""Whom a referral is about, with no stores: normalising what people type, the blind
index, matching by distinct referrers, what the escrow holds back, and that the person a
referral is about is never offered it, told of it or shown it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from referrals import errors
from referrals.allocation import allocation_options
from referrals.availability import Exclusion, OverrideReason, may_override
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.notifications import NotificationKind
from referrals.people import Actor, Advocate
from referrals.referral import ReassignReason, Referral
from referrals.subjects import (
    BlindIndex,
    Identifier,
    IdentifierKind,
    SubjectMark,
    SubjectWish,
    identifiers,
    marks_for,
    matches,
    normalise_email,
    normalise_name,
    normalise_number,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = hashlib.sha256(b"unit test blind index key").digest()
BLIND = BlindIndex(KEY)
REFERRER = Actor("referrer-1")
SMLO = Actor("smlo-1", is_smlo=True)
NAMED_SMLO = Actor("smlo-2", is_smlo=True)
SMLOS = ("smlo-1", "smlo-2")
ADA = Advocate("advocate-1", "Ada")
NAMED = Advocate("advocate-9", "Nat Named")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Zoë Brontë", "zoe bronte"),
        ("  Jo   SMITH ", "jo smith"),
        ("Smith, Jo", "Jo Smith"),
        ("O'Brien", "OBrien"),
        ("O’Brien", "obrien"),
        ("Anne-Marie Duval", "anne marie duval"),
        ("PC Jo Smith", "Jo Smith"),
        ("Sgt. José Núñez", "jose nunez"),
        ("Ｊｏ Ｓｍｉｔｈ", "jo smith"),  # full-width letters (NFKD)
    ],
)
def test_names_written_differently_normalise_alike(one: str, other: str) -> None:
    assert normalise_name(one) == normalise_name(other)


def test_different_names_stay_different_and_a_title_alone_is_kept() -> None:
    assert normalise_name("Jo Smith") != normalise_name("Jo Smyth")
    assert normalise_name("PC") == "pc"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("PC 01234", "pc1234"),
        ("pc-1234", "Pc 1234"),
        ("00 12 34", "1234"),
        ("1234-A", "1234a"),
        ("E/0042", "e42"),
    ],
)
def test_numbers_written_differently_normalise_alike(one: str, other: str) -> None:
    assert normalise_number(one) == normalise_number(other)


def test_numbers_that_differ_stay_different_and_non_numbers_give_nothing() -> None:
    assert normalise_number("PC 1234") != normalise_number("PS 1234")
    assert normalise_number("12340") != normalise_number("1234")
    assert normalise_number("don't know") == ""
    assert normalise_number("--") == ""


def test_email_addresses_are_lower_cased_and_trimmed() -> None:
    assert normalise_email("  Jo.Smith@Police.UK ") == "jo.smith@police.uk"
    assert normalise_email("not an address") == ""
    assert normalise_email("@") == ""


def test_only_identifiers_given_are_indexed_each_by_kind() -> None:
    found = identifiers("Jo Smith", " - ", "", "0A1B-CC")

    assert found == (
        Identifier(IdentifierKind.NAME, "jo smith"),
        Identifier(IdentifierKind.DIRECTORY, "0a1b-cc"),
    )


def test_the_blind_index_is_hmac_sha256_under_its_key_with_the_kind_bound_in() -> None:
    name = Identifier(IdentifierKind.NAME, "1234")
    number = Identifier(IdentifierKind.NUMBER, "1234")
    expected = hmac.new(KEY, b"name\x1f1234", hashlib.sha256).hexdigest()

    assert BLIND.of(name) == expected
    assert BLIND.of(name) != BLIND.of(number)
    assert BlindIndex(hashlib.sha256(b"another key").digest()).of(name) != expected
    assert "1234" not in BLIND.of(name)
    assert repr(BLIND) == "BlindIndex(<key>)"


def test_a_blind_index_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        BlindIndex(b"short")


def _marks(referral_id: str, referrer: str, *names: str) -> tuple[SubjectMark, ...]:
    found = [i for name in names for i in identifiers(name, "", "")]
    return marks_for(referral_id, referrer, found, BLIND)


def test_two_referrers_naming_the_same_person_match() -> None:
    stored = [*_marks("r1", "alice", "Jo Smith"), *_marks("r2", "bob", "SMITH, jo")]

    assert matches("r2", stored) == ("r2", "r1")
    assert matches("r1", stored) == ("r1", "r2")


def test_the_same_referrer_naming_someone_twice_is_not_a_match() -> None:
    stored = [*_marks("r1", "alice", "Jo Smith"), *_marks("r2", "ALICE", "Jo Smith")]

    assert matches("r2", stored) == ()


def test_a_third_referral_joins_the_match_whoever_made_the_others() -> None:
    stored = [
        *_marks("r1", "alice", "Jo Smith"),
        *_marks("r2", "alice", "Jo Smith"),
        *_marks("r3", "bob", "Jo Smith"),
    ]

    assert matches("r3", stored) == ("r3", "r1", "r2")


def test_different_people_do_not_match_and_nobody_named_matches_nothing() -> None:
    stored = [*_marks("r1", "alice", "Jo Smith"), *_marks("r2", "bob", "Jo Smyth")]

    assert matches("r2", stored) == ()
    assert matches("r9", stored) == ()


def test_the_referrer_is_kept_as_a_blind_index_never_in_clear() -> None:
    (mark,) = _marks("r1", "referrer-object-id", "Jo Smith")

    assert "referrer-object-id" not in repr(mark)
    assert mark.referrer == BLIND.referrer("REFERRER-OBJECT-ID ")


# -- the referral: escrow, the named SMLO, the named advocate ------------------------------


def sent(
    wish: SubjectWish | None, subject_user_id: str = "", referrer: Actor = REFERRER
) -> Referral:
    answers = IntakeAnswers(
        route=Route.WITNESSED,
        subject_name="Jo Smith",
        subject_wish=wish,
        subject_user_id="forged-by-a-card",
        consent=True,
    )
    referral = Referral.start_draft(referrer, NOW)
    referral.record_answers(referrer, answers, IntakeStep.REVIEW, NOW)
    referral.submit(referrer, "SMA-2026-0001", SMLOS, NOW, subject_user_id=subject_user_id)
    return referral


def test_act_now_shows_whom_it_is_about_at_once() -> None:
    assert sent(SubjectWish.ACT_NOW).subject_shown


def test_only_the_directory_sets_whom_it_is_about_never_the_answers() -> None:
    assert sent(SubjectWish.ACT_NOW).answers.subject_user_id == ""


@pytest.mark.parametrize("wish", [SubjectWish.ONLY_IF_ANOTHER, None])
def test_held_or_not_chosen_shows_nothing_until_someone_else_names_them(
    wish: SubjectWish | None,
) -> None:
    referral = sent(wish)
    assert not referral.subject_shown

    assert referral.release_subject(NOW)
    assert referral.subject_shown
    assert not referral.release_subject(NOW), "released once"


def test_a_match_alerts_each_smlo_naming_only_the_references_once() -> None:
    referral = sent(SubjectWish.ONLY_IF_ANOTHER)
    referral.new_notifications.clear()

    assert referral.record_subject_match(("SMA-2026-0002", "SMA-2026-0001"), SMLOS, NOW)
    assert not referral.record_subject_match(("SMA-2026-0002", "SMA-2026-0001"), SMLOS, NOW)

    assert [(n.kind, n.recipient_id) for n in referral.new_notifications] == [
        (NotificationKind.SUBJECT_MATCH, smlo) for smlo in SMLOS
    ]
    assert referral.subject_matches == ("SMA-2026-0002", "SMA-2026-0001")
    assert "Jo Smith" not in repr(referral.history)
    assert referrer_not_told(referral)


def referrer_not_told(referral: Referral) -> bool:
    return all(n.recipient_id != referral.referrer_id for n in referral.new_notifications)


def test_a_named_smlo_is_not_sent_the_referral_nor_its_alert_and_cannot_open_it() -> None:
    referral = sent(SubjectWish.ACT_NOW, subject_user_id=NAMED_SMLO.user_id)
    assert [n.recipient_id for n in referral.new_notifications] == ["smlo-1"]

    referral.new_notifications.clear()
    referral.record_subject_match(("SMA-2026-0001", "SMA-2026-0009"), SMLOS, NOW)
    assert [n.recipient_id for n in referral.new_notifications] == ["smlo-1"]

    with pytest.raises(errors.NotPermitted):
        referral.ensure_can_view(NAMED_SMLO)
    with pytest.raises(errors.NotPermitted):
        referral.offer(NAMED_SMLO, ADA, NOW)
    with pytest.raises(errors.NotPermitted):
        referral.ensure_can_read_record(NAMED_SMLO)
    with pytest.raises(errors.NotPermitted):
        referral.ensure_can_read_thread(NAMED_SMLO)
    referral.ensure_can_view(SMLO)
    referral.ensure_can_read_thread(SMLO)


def test_a_named_advocate_is_listed_as_not_for_this_referral_and_can_never_be_offered_it() -> None:
    referral = sent(SubjectWish.ONLY_IF_ANOTHER, subject_user_id=NAMED.user_id)

    options = allocation_options(referral, [ADA, NAMED], {}, on=NOW.date())

    (named,) = [o for o in options if o.advocate == NAMED]
    assert named.excluded_for == (Exclusion.NOT_FOR_THIS_REFERRAL,)
    assert not named.may_ask_anyway
    assert not may_override(OverrideReason.NO_ONE_ELSE, named.excluded_for)
    for reason in OverrideReason:
        with pytest.raises(errors.AdvocateNotAvailable):
            referral.offer(SMLO, NAMED, NOW, named.excluded_for, reason)


def test_a_named_advocate_cannot_be_given_the_case_by_reassignment() -> None:
    referral = sent(SubjectWish.ACT_NOW, subject_user_id=NAMED.user_id)
    referral.offer(SMLO, ADA, NOW)
    referral.accept(Actor(ADA.user_id, is_advocate=True), SMLOS, NOW)

    with pytest.raises(errors.AdvocateNotAvailable):
        referral.reassign(
            SMLO,
            NAMED,
            ReassignReason.CONFLICT_FOUND,
            NOW,
            (Exclusion.NOT_FOR_THIS_REFERRAL,),
            OverrideReason.NO_ONE_ELSE,
        )


def test_withdrawing_erases_whom_it_is_about() -> None:
    referral = sent(SubjectWish.ACT_NOW, subject_user_id=NAMED.user_id)

    referral.withdraw(REFERRER, SMLOS, NOW)

    assert not referral.answers.names_someone
    assert referral.answers.subject_user_id == ""
    assert referral.answers.subject_wish is None
