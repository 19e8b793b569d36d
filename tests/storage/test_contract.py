"""The behaviour every storage adapter must share; each test runs once per adapter.

The in-memory fake defines the behaviour; SQLite (file and ":memory:") must match it.
Referrals are built with the domain's own transitions (see `conftest.Scenario`).
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from datetime import date

import pytest

from referrals import errors
from referrals.availability import Availability, AvailabilityState
from referrals.intake import Identity, IntakeStep, Route
from referrals.notifications import DeliveryStatus, NotificationKind
from referrals.people import Advocate
from referrals.ports import Stores
from referrals.referral import DeclineReason, Referral
from referrals.signposting import Signpost
from referrals.states import NEEDS_SMLO, ReferralState
from referrals.support import Category, Contact, SupportService
from tests.storage.conftest import (
    ADVOCATE,
    FULL_ANSWERS,
    OTHER_REFERRER,
    REFERRER,
    SECOND_ADVOCATE,
    SMLO,
    SMLO_IDS,
    Scenario,
    as_advocate,
)


def assert_exactly(stored: Referral | None, expected: Referral) -> None:
    assert stored == expected
    # repr also tells an enum from its string value, a tuple from a list, and shows offsets.
    assert repr(stored) == repr(expected)


# -- referrals: round trip and versions ----------------------------------------------------


async def test_a_fully_populated_referral_reads_back_exactly(
    stores: Stores, scenario: Scenario
) -> None:
    referral = await scenario.offered(SECOND_ADVOCATE)
    await scenario.change(
        referral,
        lambda at: referral.decline(
            as_advocate(SECOND_ADVOCATE), DeclineReason.CONFLICT, SMLO_IDS, at
        ),
    )
    await scenario.accept(await scenario.offer(referral, ADVOCATE), ADVOCATE)

    stored = await stores.referrals.get(referral.id)

    assert_exactly(stored, referral)
    assert stored.declined_by == (SECOND_ADVOCATE.user_id,)
    assert stored.advocate_id == ADVOCATE.user_id
    assert [e.name for e in stored.history][-2:] == ["AllocationOffered", "AllocationAccepted"]
    assert stored.history[4].detail == DeclineReason.CONFLICT
    assert stored.created_at.utcoffset() == referral.created_at.utcoffset()
    assert_exactly(await stores.referrals.find_by_reference(referral.reference), referral)


async def test_an_on_behalf_referral_keeps_who_the_person_is_and_loses_it_on_withdrawal(
    stores: Stores, scenario: Scenario
) -> None:
    referral = await scenario.submitted()
    assert referral.answers.behalf_name, "the scenario refers someone by name"

    stored = await stores.referrals.get(referral.id)
    assert_exactly(stored, referral)
    await scenario.change(stored, lambda at: stored.withdraw(REFERRER, SMLO_IDS, at))

    erased = await stores.referrals.get(referral.id)
    assert erased.answers.behalf_name == ""
    assert erased.answers.personal_email == ""
    assert erased.answers.route is referral.answers.route
    assert erased.answers.behalf_role is referral.answers.behalf_role


async def test_an_anonymous_referral_keeps_no_name_and_is_still_its_referrers_own(
    stores: Stores, scenario: Scenario
) -> None:
    """The choice is an answer, sealed with the rest; the referrer's id stays (sealed, for
    the bot to reach them and for `my referrals`), their name is never written."""
    referral = await scenario.draft()
    anonymous = FULL_ANSWERS.with_changes(
        route=Route.EXPERIENCED, identity=Identity.ANONYMOUS, behalf_name=""
    )
    await scenario.change(
        referral,
        lambda at: referral.record_answers(REFERRER, anonymous, IntakeStep.REVIEW, at),
    )
    await scenario.submit(referral)

    stored = await stores.referrals.get(referral.id)
    assert_exactly(stored, referral)
    assert stored.referrer_name == ""
    assert stored.answers.identity is Identity.ANONYMOUS
    assert [r.id for r in await stores.referrals.list_for_referrer(REFERRER.user_id)] == [
        referral.id
    ]
    await scenario.change(stored, lambda at: stored.share_identity(REFERRER, SMLO_IDS, at))
    named = await stores.referrals.get(referral.id)
    assert named.referrer_name == REFERRER.display_name
    assert named.answers.identity is Identity.NAMED


async def test_a_referral_made_for_someone_without_teams_reads_back_as_one(
    stores: Stores, scenario: Scenario
) -> None:
    referral = Referral.start_outside_draft(SMLO, scenario.tick())
    referral.record_answers(SMLO, FULL_ANSWERS, IntakeStep.REVIEW, scenario.tick())
    await stores.referrals.save(referral)
    await scenario.submit(referral, SMLO)

    stored = await stores.referrals.get(referral.id)

    assert_exactly(stored, referral)
    assert stored.outside_teams
    assert stored.outside_channel is not None


async def test_a_draft_and_a_signposted_referral_read_back_exactly(
    stores: Stores, scenario: Scenario
) -> None:
    draft = await scenario.draft()
    signposted = await scenario.submitted(OTHER_REFERRER)
    await scenario.change(
        signposted, lambda at: signposted.mark_out_of_remit(SMLO, Signpost.WELLBEING, at)
    )

    assert_exactly(await stores.referrals.get(draft.id), draft)
    assert_exactly(await stores.referrals.get(signposted.id), signposted)
    assert (await stores.referrals.get(signposted.id)).signpost is Signpost.WELLBEING


async def test_a_referral_sent_to_a_directory_service_keeps_the_service_and_its_kind(
    stores: Stores, scenario: Scenario
) -> None:
    network = SupportService(
        "womens-network",
        "Women's network",
        "Peer support.",
        Category.STAFF_NETWORK,
        internal=True,
        contact=Contact(web="https://network.example.org"),
        source="Intranet",
    )
    signposted = await scenario.submitted(OTHER_REFERRER)
    await scenario.change(signposted, lambda at: signposted.mark_out_of_remit(SMLO, network, at))

    stored = await stores.referrals.get(signposted.id)
    assert_exactly(stored, signposted)
    assert (stored.signpost, stored.signpost_service) == (Signpost.STAFF_NETWORK, network.id)
    assert stored.history[-1].detail == "staff_network:womens-network"


async def test_saving_bumps_the_version_and_clears_the_queued_notifications(
    stores: Stores, scenario: Scenario
) -> None:
    referral = await scenario.draft()
    assert referral.version == 1
    await scenario.submit(referral)

    assert referral.version == 2
    assert referral.new_notifications == []
    assert (await stores.referrals.get(referral.id)).version == 2


async def test_reading_an_unknown_referral_raises_referral_not_found(stores: Stores) -> None:
    with pytest.raises(errors.ReferralNotFound):
        await stores.referrals.get("no-such-id")
    assert await stores.referrals.find_by_reference("SMA-2026-9999") is None
    assert await stores.referrals.find_by_reference("") is None


async def test_stale_version_is_refused_and_nothing_is_written(
    stores: Stores, scenario: Scenario
) -> None:
    submitted = await scenario.submitted()
    stale = await stores.referrals.get(submitted.id)
    fresh = await stores.referrals.get(submitted.id)
    await scenario.offer(fresh, ADVOCATE)
    stale.mark_out_of_remit(SMLO, Signpost.HR, scenario.tick())

    with pytest.raises(errors.ConcurrentUpdate):
        await stores.referrals.save(stale)

    assert_exactly(await stores.referrals.get(submitted.id), fresh)
    kinds = {n.kind for n in await stores.outbox.pending()}
    assert NotificationKind.SIGNPOSTED not in kinds
    assert NotificationKind.OFFERED in kinds
    assert stale.version == 2, "a refused save leaves the caller's version alone"
    assert [n.kind for n in stale.new_notifications] == [NotificationKind.SIGNPOSTED]


async def test_inserting_an_id_that_is_already_stored_is_a_concurrent_update(
    stores: Stores, scenario: Scenario
) -> None:
    draft = await scenario.draft()
    twin = copy.deepcopy(draft)
    twin.version = 0

    with pytest.raises(errors.ConcurrentUpdate):
        await stores.referrals.save(twin)
    assert_exactly(await stores.referrals.get(draft.id), draft)


async def test_updating_a_referral_that_was_never_stored_is_a_concurrent_update(
    stores: Stores, scenario: Scenario
) -> None:
    ghost = Referral.start_draft(OTHER_REFERRER, scenario.tick())
    ghost.version = 3

    with pytest.raises(errors.ConcurrentUpdate):
        await stores.referrals.save(ghost)
    with pytest.raises(errors.ReferralNotFound):
        await stores.referrals.get(ghost.id)


async def test_two_concurrent_saves_of_the_same_version_exactly_one_wins(
    stores: Stores, scenario: Scenario
) -> None:
    submitted = await scenario.submitted()
    first = await stores.referrals.get(submitted.id)
    second = await stores.referrals.get(submitted.id)
    first.offer(SMLO, ADVOCATE, scenario.tick())
    second.offer(SMLO, SECOND_ADVOCATE, scenario.tick())

    results = await asyncio.gather(
        stores.referrals.save(first), stores.referrals.save(second), return_exceptions=True
    )

    assert sum(isinstance(r, errors.ConcurrentUpdate) for r in results) == 1
    winner = first if results[0] is None else second
    assert_exactly(await stores.referrals.get(submitted.id), winner)
    offered_to = [n.recipient_id for n in await stores.outbox.pending() if n.kind == "offered"]
    assert offered_to == [winner.offered_to]


# -- the outbox ---------------------------------------------------------------------------


async def test_outbox_rows_appear_with_the_save_and_not_without_it(
    stores: Stores, scenario: Scenario
) -> None:
    draft = await scenario.draft()
    draft.submit(REFERRER, "SMA-2026-0001", SMLO_IDS, scenario.tick())
    queued = list(draft.new_notifications)
    assert await stores.outbox.pending() == []

    await stores.referrals.save(draft)

    assert await stores.outbox.pending() == sorted(queued, key=lambda n: (n.created_at, n.id))
    assert {n.recipient_id for n in queued} == set(SMLO_IDS)


async def test_pending_is_oldest_first_and_honours_the_limit(
    stores: Stores, scenario: Scenario
) -> None:
    offered = await scenario.offered()
    later = await scenario.submitted(OTHER_REFERRER)

    pending = await stores.outbox.pending()

    assert [n.kind for n in pending] == [
        "new_referral",
        "new_referral",
        "offered",
        "new_referral",
        "new_referral",
    ]
    assert pending == sorted(pending, key=lambda n: (n.created_at, n.id))
    assert {n.referral_id for n in pending[3:]} == {later.id}
    assert pending[2].recipient_id == offered.offered_to
    assert await stores.outbox.pending(limit=2) == pending[:2]
    assert all(n.status is DeliveryStatus.PENDING for n in pending)


async def test_mark_sent_leaves_pending_and_find_sent_returns_the_latest(
    stores: Stores, scenario: Scenario
) -> None:
    referral = await scenario.offered(ADVOCATE)
    decline = DeclineReason.NO_CAPACITY
    await scenario.change(
        referral, lambda at: referral.decline(as_advocate(ADVOCATE), decline, SMLO_IDS, at)
    )
    await scenario.offer(referral, ADVOCATE)
    first, second = [n for n in await stores.outbox.pending() if n.kind == "offered"]
    find_offer = stores.outbox.find_sent(referral.id, ADVOCATE.user_id, NotificationKind.OFFERED)

    assert await find_offer is None
    await stores.outbox.mark_sent(first.id, "conv-1", "act-1", scenario.tick())
    found = await stores.outbox.find_sent(referral.id, ADVOCATE.user_id, NotificationKind.OFFERED)
    assert found is not None
    assert (found.id, found.status, found.conversation_id, found.activity_id) == (
        first.id,
        DeliveryStatus.SENT,
        "conv-1",
        "act-1",
    )
    await stores.outbox.mark_sent(second.id, "conv-1", "act-2", scenario.tick())

    latest = await stores.outbox.find_sent(referral.id, ADVOCATE.user_id, NotificationKind.OFFERED)
    assert latest is not None
    assert (latest.id, latest.activity_id) == (second.id, "act-2")
    assert first.id not in {n.id for n in await stores.outbox.pending()}
    assert second.id not in {n.id for n in await stores.outbox.pending()}
    other = stores.outbox.find_sent(referral.id, SMLO.user_id, NotificationKind.OFFERED)
    assert await other is None


# -- referral queries ------------------------------------------------------------------------


async def test_find_draft_returns_only_drafts_of_that_referrer(
    stores: Stores, scenario: Scenario
) -> None:
    await scenario.submitted()
    draft = await scenario.draft()
    others = await scenario.draft(OTHER_REFERRER)

    assert_exactly(await stores.referrals.find_draft(draft.referrer_id), draft)
    assert_exactly(await stores.referrals.find_draft(OTHER_REFERRER.user_id), others)
    assert await stores.referrals.find_draft("u-nobody") is None
    await scenario.submit(draft)
    assert await stores.referrals.find_draft(draft.referrer_id) is None


async def test_list_for_referrer_shows_their_sent_referrals_oldest_first_and_no_drafts(
    stores: Stores, scenario: Scenario
) -> None:
    first = await scenario.submitted()
    await scenario.draft()
    second = await scenario.offered()
    await scenario.submitted(OTHER_REFERRER)

    found = await stores.referrals.list_for_referrer(REFERRER.user_id)

    assert [r.id for r in found] == [first.id, second.id]
    assert await stores.referrals.list_for_referrer("") == []


async def test_retention_lists_ended_referrals_and_drafts_last_changed_before_a_time(
    stores: Stores, scenario: Scenario
) -> None:
    old_draft = await scenario.draft()
    withdrawn = await scenario.submitted(OTHER_REFERRER)
    await scenario.change(withdrawn, lambda at: withdrawn.withdraw(OTHER_REFERRER, SMLO_IDS, at))
    await scenario.submitted()
    cutoff = scenario.tick()
    await scenario.draft(OTHER_REFERRER)
    late = await scenario.submitted()
    await scenario.change(late, lambda at: late.withdraw(REFERRER, SMLO_IDS, at))

    assert [r.id for r in await stores.referrals.list_drafts_before(cutoff)] == [old_draft.id]
    assert [r.id for r in await stores.referrals.list_ended_before(cutoff)] == [withdrawn.id]


async def test_delete_draft_never_deletes_a_submitted_referral(
    stores: Stores, scenario: Scenario
) -> None:
    submitted = await scenario.submitted()
    draft = await scenario.draft()

    await stores.referrals.delete_draft(submitted.id)
    await stores.referrals.delete_draft(draft.id)
    await stores.referrals.delete_draft("no-such-id")

    assert_exactly(await stores.referrals.get(submitted.id), submitted)
    with pytest.raises(errors.ReferralNotFound):
        await stores.referrals.get(draft.id)


async def test_list_in_states_is_oldest_submitted_first(stores: Stores, scenario: Scenario) -> None:
    drafted_first = await scenario.draft()
    drafted_second = await scenario.draft(OTHER_REFERRER)
    await scenario.submit(drafted_second, OTHER_REFERRER)
    await scenario.submit(drafted_first)
    offered = await scenario.offered()
    still_draft = await scenario.draft()

    inbox = await stores.referrals.list_in_states(NEEDS_SMLO)
    everything = await stores.referrals.list_in_states(set(ReferralState))

    assert [r.id for r in inbox] == [drafted_second.id, drafted_first.id]
    assert_exactly(inbox[0], drafted_second)
    # a draft has no submission time, so it sorts by when it was started
    assert [r.id for r in everything] == [
        drafted_second.id,
        drafted_first.id,
        offered.id,
        still_draft.id,
    ]
    assert await stores.referrals.list_in_states([]) == []


async def test_list_for_advocate_shows_offered_and_active_but_not_others_or_closed(
    stores: Stores, scenario: Scenario
) -> None:
    active = await scenario.active(ADVOCATE)
    offered = await scenario.offered(ADVOCATE)
    await scenario.offered(SECOND_ADVOCATE)
    await scenario.submitted()
    closed = await scenario.active(ADVOCATE)
    await scenario.change(closed, lambda at: closed.close(as_advocate(ADVOCATE), at))
    declined = await scenario.offered(ADVOCATE)
    await scenario.change(
        declined,
        lambda at: declined.decline(as_advocate(ADVOCATE), DeclineReason.OTHER, SMLO_IDS, at),
    )

    mine = await stores.referrals.list_for_advocate(ADVOCATE.user_id)

    assert [r.id for r in mine] == [active.id, offered.id]
    assert_exactly(mine[0], active)
    assert [r.state for r in mine] == [ReferralState.ACTIVE, ReferralState.OFFERED]
    assert await stores.referrals.list_for_advocate("u-nobody") == []


async def test_an_empty_advocate_id_lists_no_referrals(stores: Stores, scenario: Scenario) -> None:
    await scenario.submitted()  # offered_to and advocate_id are both "" here

    assert await stores.referrals.list_for_advocate("") == []


async def test_caseloads_count_only_active_referrals(stores: Stores, scenario: Scenario) -> None:
    await scenario.active(ADVOCATE)
    await scenario.active(ADVOCATE)
    await scenario.offered(ADVOCATE)
    await scenario.active(SECOND_ADVOCATE)
    closed = await scenario.active(SECOND_ADVOCATE)
    await scenario.change(closed, lambda at: closed.close(as_advocate(SECOND_ADVOCATE), at))
    withdrawn = await scenario.active(SECOND_ADVOCATE)
    await scenario.change(withdrawn, lambda at: withdrawn.withdraw(REFERRER, SMLO_IDS, at))

    assert await stores.referrals.caseloads() == {ADVOCATE.user_id: 2, SECOND_ADVOCATE.user_id: 1}


async def test_caseloads_are_empty_when_nobody_holds_a_referral(
    stores: Stores, scenario: Scenario
) -> None:
    await scenario.offered()

    assert await stores.referrals.caseloads() == {}


# -- reference numbers -----------------------------------------------------------------------


async def test_reference_numbers_increase_within_a_year_and_are_independent_across_years(
    stores: Stores,
) -> None:
    numbers = stores.referrals.next_reference_number

    assert [await numbers(2026), await numbers(2026), await numbers(2027)] == [1, 2, 1]
    assert [await numbers(2026), await numbers(2027)] == [3, 2]


async def test_reference_numbers_are_unique_under_fifty_concurrent_calls(stores: Stores) -> None:
    numbers = await asyncio.gather(
        *(stores.referrals.next_reference_number(2026) for _ in range(50))
    )

    assert sorted(numbers) == list(range(1, 51))


# -- roster and conversation references ------------------------------------------------------


LIMITED = Availability(AvailabilityState.LIMITED, new_cases=2, caseload_then=1)


async def test_roster_stores_keep_availability_and_caseload_limit(stores: Stores) -> None:
    away = Availability(AvailabilityState.AWAY, until=date(2026, 6, 10))
    await stores.roster.put_advocate(replace(ADVOCATE, availability=away, caseload_limit=4))
    assert await stores.roster.get_advocate(ADVOCATE.user_id) == replace(
        ADVOCATE, availability=away, caseload_limit=4
    )

    await stores.roster.put_advocate(replace(ADVOCATE, availability=LIMITED))
    [back] = await stores.roster.list_advocates()
    assert back.availability == LIMITED
    assert back.caseload_limit == 0


async def test_roster_stores_lists_by_name_and_overwrites_advocates(stores: Stores) -> None:
    zed = Advocate("u-zed", "Zed Zephyr", team="East", availability=LIMITED, caseload_limit=5)
    await stores.roster.put_advocate(SECOND_ADVOCATE)
    await stores.roster.put_advocate(zed)
    await stores.roster.put_advocate(ADVOCATE)
    moved = Advocate(ADVOCATE.user_id, "Alex Advocate", team="West", active=False)
    await stores.roster.put_advocate(moved)

    assert await stores.roster.list_advocates() == [moved, SECOND_ADVOCATE, zed]
    assert await stores.roster.get_advocate(zed.user_id) == zed
    assert await stores.roster.get_advocate("u-nobody") is None


async def test_conversation_reference_round_trips_and_is_overwritten(stores: Stores) -> None:
    reference = {
        "conversation": {"id": "a:1Xyz", "tenantId": "t-1", "isGroup": False},
        "user": {"id": "29:abc", "aadObjectId": "u-referrer"},
        "serviceUrl": "https://smba.trafficmanager.net/uk/",
        "activityId": None,
        "channelId": "msteams",
        "locale": "en-GB",
    }
    await stores.conversations.put_reference("u-referrer", reference)
    reference["locale"] = "changed by the caller afterwards"

    stored = await stores.conversations.get_reference("u-referrer")
    assert stored is not None
    assert stored["locale"] == "en-GB"
    assert stored["conversation"] == {"id": "a:1Xyz", "tenantId": "t-1", "isGroup": False}
    stored["conversation"]["id"] = "changed by the reader"
    again = await stores.conversations.get_reference("u-referrer")
    assert again is not None
    assert again["conversation"]["id"] == "a:1Xyz"

    await stores.conversations.put_reference("u-referrer", {"channelId": "msteams", "v": 2})
    assert await stores.conversations.get_reference("u-referrer") == {
        "channelId": "msteams",
        "v": 2,
    }
    assert await stores.conversations.get_reference("u-nobody") is None
