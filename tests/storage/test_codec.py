"""The codec turns domain objects into JSON documents and back, exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from referrals.availability import Availability, AvailabilityState
from referrals.intake import IntakeAnswers, Route
from referrals.notifications import DeliveryStatus, Notification, NotificationKind
from referrals.people import Advocate
from referrals.referral import DeclineReason, Referral
from referrals.signposting import Signpost
from referrals.views import ShownView, ViewKind
from storage import codec, sealing
from tests.storage.conftest import (
    ADVOCATE,
    BST,
    CIPHER,
    FULL_ANSWERS,
    REFERRER,
    SMLO,
    SMLO_IDS,
    as_advocate,
)

NOW = datetime(2026, 10, 25, 1, 59, 59, 999999, tzinfo=BST)


def full_referral() -> Referral:
    referral = Referral.start_draft(REFERRER, NOW)
    referral.answers = FULL_ANSWERS
    referral.submit(REFERRER, "SMA-2026-0042", SMLO_IDS, NOW + timedelta(seconds=1))
    referral.offer(SMLO, ADVOCATE, NOW + timedelta(seconds=2))
    referral.decline(as_advocate(ADVOCATE), DeclineReason.CONFLICT, SMLO_IDS, NOW)
    referral.mark_out_of_remit(SMLO, Signpost.STAFF_NETWORK, NOW.astimezone(UTC))
    referral.version = 5
    return referral


def through_json(document: codec.Document) -> codec.Document:
    return dict(json.loads(json.dumps(document)))


def test_a_referral_survives_a_json_round_trip_exactly() -> None:
    referral = full_referral()

    restored = codec.referral_from_doc(through_json(codec.referral_to_doc(referral)))

    # queued notifications belong to the outbox, not to the referral's document
    assert restored == referral.copy()
    assert repr(restored) == repr(referral)
    assert restored.history[-1].at.tzinfo == UTC


def test_a_referral_stored_before_services_could_be_chosen_reads_as_a_kind_of_help() -> None:
    document = through_json(codec.referral_to_doc(full_referral()))
    del document["signpost_service"]

    restored = codec.referral_from_doc(document)

    assert (restored.signpost, restored.signpost_service) == (Signpost.STAFF_NETWORK, "")


def test_an_old_referral_document_is_sealed_again_with_no_service() -> None:
    """ops.reencrypt reseals the opened document without the codec."""
    document = codec.referral_to_doc(full_referral())
    del document["signpost_service"]

    opened = sealing.open_referral(sealing.seal_referral(document, CIPHER), CIPHER)

    assert codec.referral_from_doc(opened).signpost_service == ""


def test_a_referral_document_names_its_schema_and_holds_no_notifications() -> None:
    document = codec.referral_to_doc(full_referral())

    assert document["schema"] == codec.SCHEMA
    assert "new_notifications" not in document
    assert document["answers"]["wishes"] == ["talk_to_advocate", "formal_report"]


def test_a_document_from_a_newer_schema_is_refused() -> None:
    document = codec.referral_to_doc(full_referral()) | {"schema": codec.SCHEMA + 1}

    with pytest.raises(ValueError, match="schema"):
        codec.referral_from_doc(document)


def test_an_unknown_intake_answer_is_refused_rather_than_dropped() -> None:
    document = codec.referral_to_doc(full_referral())
    document["answers"]["shoe_size"] = "9"

    with pytest.raises(ValueError, match="shoe_size"):
        codec.referral_from_doc(document)


def test_a_missing_intake_answer_takes_its_default() -> None:
    document = codec.referral_to_doc(full_referral())
    del document["answers"]["gender"], document["answers"]["wishes"]

    answers = codec.referral_from_doc(document).answers

    assert (answers.gender, answers.wishes) == (None, ())
    assert answers.route is Route.ON_BEHALF


def test_an_answer_of_the_wrong_type_is_refused() -> None:
    document = codec.referral_to_doc(full_referral())
    document["answers"]["consent"] = "yes"

    with pytest.raises(ValueError, match="cannot read 'yes'"):
        codec.referral_from_doc(document)


def test_empty_answers_round_trip() -> None:
    referral = Referral.start_draft(REFERRER, NOW)

    restored = codec.referral_from_doc(through_json(codec.referral_to_doc(referral)))

    assert restored.answers == IntakeAnswers()
    assert repr(restored) == repr(referral)


def test_naive_datetimes_are_refused() -> None:
    referral = Referral.start_draft(REFERRER, datetime(2026, 1, 1, 12, 0))

    with pytest.raises(ValueError, match="naive"):
        codec.referral_to_doc(referral)


def test_sortable_time_orders_instants_across_offsets() -> None:
    earlier = datetime(2026, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    later = datetime(2026, 6, 1, 8, 30, tzinfo=BST)

    assert codec.sortable_time(earlier) < codec.sortable_time(later)
    assert codec.sortable_time(earlier) == "2026-06-01T07:00:00.000000Z"


AWAY = Availability(AvailabilityState.AWAY, until=datetime(2026, 4, 1).date())


def test_notifications_and_advocates_round_trip_exactly() -> None:
    notification = Notification(
        "n-1", "r-1", "u-adv-1", NotificationKind.OFFERED, NOW, DeliveryStatus.SENT, "c-1", "a-1"
    )
    advocate = Advocate("u-adv-9", "Nat Ng", team="West", availability=AWAY, active=False)

    restored = codec.notification_from_doc(through_json(codec.notification_to_doc(notification)))
    assert repr(restored) == repr(notification)
    assert codec.advocate_from_doc(through_json(codec.advocate_to_doc(advocate))) == advocate


def test_an_advocate_written_before_availability_reads_as_available_with_the_default_limit() -> (
    None
):
    old = {"schema": 1, "user_id": "u1", "display_name": "Al", "team": "", "available": False}

    advocate = codec.advocate_from_doc(old)

    assert advocate.availability == Availability()
    assert advocate.caseload_limit == 0


def test_delivery_bookkeeping_round_trips_and_older_documents_read_as_fresh() -> None:
    failing = Notification(
        "n-2", "r-1", "u-smlo", NotificationKind.NEW_REFERRAL, NOW, DeliveryStatus.PARKED
    ).parked("403", NOW + timedelta(minutes=1))
    restored = codec.notification_from_doc(through_json(codec.notification_to_doc(failing)))
    assert repr(restored) == repr(failing)

    older = codec.notification_to_doc(
        Notification("n-3", "r-1", "u", NotificationKind.OFFERED, NOW)
    )
    for added in (
        "attempts",
        "next_attempt_at",
        "last_error",
        "failing_since",
        "claimed_by",
        "lease_until",
    ):
        del older[added]
    fresh = codec.notification_from_doc(through_json(older))
    assert (fresh.attempts, fresh.next_attempt_at, fresh.last_error, fresh.failing_since) == (
        0,
        None,
        "",
        None,
    )
    assert (fresh.claimed_by, fresh.lease_until) == ("", None)


def test_a_lease_round_trips_exactly() -> None:
    leased = Notification("n-4", "r-1", "u", NotificationKind.OFFERED, NOW).claimed(
        "instance-1", NOW + timedelta(minutes=5), NOW
    )
    assert leased is not None

    restored = codec.notification_from_doc(through_json(codec.notification_to_doc(leased)))

    assert repr(restored) == repr(leased)
    assert (restored.claimed_by, restored.lease_until) == ("instance-1", NOW + timedelta(minutes=5))


def test_a_view_recorded_before_views_had_kinds_reads_as_a_details_view() -> None:
    view = ShownView("a:chat", "m1", "r1", "u1", NOW)
    old = {k: v for k, v in codec.view_to_doc(view).items() if k != "kind"}

    assert codec.view_from_doc(old) == view
    assert codec.view_from_doc(old).kind is ViewKind.DETAILS


def test_a_referral_stored_before_people_without_teams_reads_as_made_in_teams() -> None:
    document = codec.referral_to_doc(full_referral())
    del document["outside_teams"]

    opened = sealing.open_referral(sealing.seal_referral(document, CIPHER), CIPHER)

    assert codec.referral_from_doc(opened).outside_teams is False
