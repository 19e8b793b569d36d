"""Statistics on every store: the figures a store keeps always equal a recount.

Part of the storage contract (each test runs on the in-memory fake, SQLite file, SQLite
in memory and the Cosmos DB-protocol server). The oracle is the pure domain function:
`referrals.statistics.recount` over the referrals as the test left them, and the store's
own rebuild from its documents (`recount_statistics`, behind `python -m ops.recount`).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Protocol, cast, runtime_checkable

import pytest

from referrals import errors, statistics
from referrals.case_record import (
    CaseEntry,
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    Content,
    Correction,
    OnwardOutcome,
    OnwardReferral,
    OnwardReferralOutcome,
    RiskAssessment,
    RiskLevel,
    UpdateKind,
    UpdateRecorded,
)
from referrals.clock import FakeClock
from referrals.ports import Stores
from referrals.referral import DeclineReason, Referral
from referrals.signposting import Signpost
from referrals.statistics import (
    Contact,
    Key,
    Measure,
    MonthTallies,
    Onward,
    Result,
    Wait,
    last_months,
)
from tests.storage.conftest import (
    ADVOCATE,
    OTHER_REFERRER,
    REFERRER,
    SECOND_ADVOCATE,
    SMLO,
    SMLO_IDS,
    Scenario,
    as_advocate,
)

M = Measure


@runtime_checkable
class Recountable(Protocol):
    async def recount_statistics(self) -> MonthTallies: ...


def recountable(stores: Stores) -> Recountable:
    assert isinstance(stores.referrals, Recountable)
    return cast(Recountable, stores.referrals)


def every_month(clock: FakeClock) -> list[str]:
    return last_months(clock.now(), 24)


async def assert_kept_figures_equal_a_recount(
    stores: Stores, clock: FakeClock, referrals: list[Referral]
) -> MonthTallies:
    months = every_month(clock)
    kept = await stores.referrals.statistics(months)

    assert kept == statistics.recount(referrals), "kept figures equal the domain's recount"
    assert await recountable(stores).recount_statistics() == kept, "and the store's own"
    assert await stores.referrals.statistics(months) == kept, "recounting changes nothing"
    return kept


async def test_kept_figures_equal_a_recount_after_every_kind_of_change(
    stores: Stores, scenario: Scenario, clock: FakeClock
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    helped = await scenario.active()
    clock.advance(timedelta(days=35))
    await scenario.change(helped, lambda at: helped.close(as_advocate(ADVOCATE), at))

    declined = await scenario.offered(SECOND_ADVOCATE)
    await scenario.change(
        declined,
        lambda at: declined.decline(
            as_advocate(SECOND_ADVOCATE), DeclineReason.NO_CAPACITY, SMLO_IDS, at
        ),
    )
    await scenario.offer(declined, ADVOCATE)
    clock.advance(timedelta(days=31))
    await scenario.change(declined, lambda at: declined.withdraw(REFERRER, SMLO_IDS, at))

    signposted = await scenario.submitted(OTHER_REFERRER)
    await scenario.change(
        signposted, lambda at: signposted.mark_out_of_remit(SMLO, Signpost.HR, at)
    )
    await scenario.change(signposted, lambda at: signposted.close(SMLO, at))
    taken_back = await scenario.submitted(OTHER_REFERRER)
    await scenario.change(taken_back, lambda at: taken_back.withdraw(OTHER_REFERRER, SMLO_IDS, at))

    unsent = await scenario.draft()
    deleted = await scenario.draft(OTHER_REFERRER)
    await stores.referrals.delete_draft(deleted.id)

    clock.advance(timedelta(days=40))
    for ended in (helped, signposted, taken_back, declined):
        assert ended.purge(scenario.tick())  # the retention purge: statistics only remain
        await stores.referrals.save(ended)

    kept = await assert_kept_figures_equal_a_recount(
        stores, clock, [helped, declined, signposted, taken_back, unsent]
    )
    received = sum(t.get((M.RECEIVED, ""), 0) for t in kept.values())
    results = {r: sum(t.get((M.RESULT, r), 0) for t in kept.values()) for r in Result}
    assert received == 4
    assert results == {
        Result.ALLOCATED: 1,
        Result.CLOSED: 2,
        Result.SIGNPOSTED: 1,
        Result.WITHDRAWN: 2,
    }
    assert len(kept) >= 3, "the changes fell in different months"


async def test_a_refused_save_changes_no_figures(stores: Stores, scenario: Scenario) -> None:
    referral = await scenario.offered()
    stale = referral.copy()
    await scenario.accept(referral)
    months = list({*statistics.contribution_of(referral)})
    before = await stores.referrals.statistics(months)

    stale.accept(as_advocate(ADVOCATE), SMLO_IDS, scenario.tick())  # again, from an old copy
    with pytest.raises(errors.ConcurrentUpdate):
        await stores.referrals.save(stale)
    duplicate = referral.copy()
    duplicate.version = 0  # the same referral inserted twice (a retried first save)
    with pytest.raises(errors.ConcurrentUpdate):
        await stores.referrals.save(duplicate)

    assert await stores.referrals.statistics(months) == before
    assert before == statistics.recount([referral])


async def test_many_referrals_sent_at_once_are_each_counted_once(
    stores: Stores, scenario: Scenario, clock: FakeClock
) -> None:
    drafts = [await scenario.draft() for _ in range(12)]

    await asyncio.gather(*(scenario.submit(d) for d in drafts))

    kept = await assert_kept_figures_equal_a_recount(stores, clock, drafts)
    assert sum(t.get((M.RECEIVED, ""), 0) for t in kept.values()) == 12


async def test_only_the_months_asked_for_are_read_and_empty_months_are_absent(
    stores: Stores, scenario: Scenario, clock: FakeClock
) -> None:
    first = await scenario.submitted()
    clock.advance(timedelta(days=62))
    second = await scenario.submitted(OTHER_REFERRER)
    first_month = statistics.month_of(first.submitted_at or clock.now())
    second_month = statistics.month_of(second.submitted_at or clock.now())
    gap = last_months(clock.now(), 2)[0]

    found = await stores.referrals.statistics([second_month, gap])

    assert list(found) == [second_month]
    assert found[second_month] == statistics.contribution_of(second)[second_month]
    assert first_month not in found
    assert await stores.referrals.statistics([]) == {}


# -- the case record -----------------------------------------------------------------------


async def write(scenario: Scenario, case: Referral, *contents: Content) -> list[CaseEntry]:
    now = scenario.tick()
    written = [case.add_entry(as_advocate(ADVOCATE), c, SMLO_IDS, now) for c in contents]
    await scenario.stores.referrals.save(case)
    return written


def summed(kept: MonthTallies, *measures: Measure) -> dict[Key, int]:
    """The counts of `measures`, over every month."""
    found: dict[Key, int] = {}
    for tally in kept.values():
        for key, n in tally.items():
            if key[0] in measures:
                found[key] = found.get(key, 0) + n
    return found


async def test_kept_figures_count_the_case_record_without_retracted_entries(
    stores: Stores, scenario: Scenario, clock: FakeClock
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case, other = await scenario.active(), await scenario.active()
    day = clock.now().date()
    await write(scenario, case, ContactLogged(clock.now(), ContactHow.ATTEMPT))
    clock.advance(timedelta(days=3))  # reached three days after the advocate took it on
    _, onward, risk = await write(
        scenario,
        case,
        ContactLogged(clock.now(), ContactHow.PHONE, "talked it through"),
        OnwardReferral("isva", consented=True, referred_on=day, internal=False),
        RiskAssessment(day, RiskLevel.HIGH, own_view="safe at home"),
    )
    clock.advance(timedelta(days=31))
    day = clock.now().date()
    await write(
        scenario,
        case,
        OnwardReferralOutcome(onward.id, OnwardOutcome.ACCEPTED, day),
        UpdateRecorded(UpdateKind.HEARING_ATTENDED, day, "court 2"),
        Correction(risk.id, "meant for another case"),
    )
    (wrong,) = await write(scenario, other, OnwardReferral("hr", True, day, internal=True))
    await write(scenario, other, Correction(wrong.id, "not referred after all"))
    stale = case.copy()
    stale.add_entry(
        as_advocate(ADVOCATE), ContactLogged(clock.now(), ContactHow.TEAMS), SMLO_IDS, clock.now()
    )
    await scenario.change(
        case,
        lambda at: case.close(
            as_advocate(ADVOCATE), at, Closure(CloseOutcome.SUPPORT_COMPLETED, True, "done")
        ),
    )
    with pytest.raises(errors.ConcurrentUpdate):  # an entry from an old copy is not counted
        await stores.referrals.save(stale)
    clock.advance(timedelta(days=400))
    assert case.purge(scenario.tick())  # the retention purge: the counts remain
    await stores.referrals.save(case)

    kept = await assert_kept_figures_equal_a_recount(stores, clock, [case, other])
    assert summed(kept, M.CONTACT, M.ONWARD_REFERRAL, M.ONWARD_OUTCOME, M.RISK, M.UPDATE) == {
        (M.CONTACT, Contact.NOT_REACHED): 1,
        (M.CONTACT, Contact.FIRST): 1,
        (M.ONWARD_REFERRAL, Onward.EXTERNAL): 1,
        (M.ONWARD_OUTCOME, OnwardOutcome.ACCEPTED): 1,
        (M.UPDATE, UpdateKind.HEARING_ATTENDED): 1,
    }
    assert summed(kept, M.CLOSED_AS) == {(M.CLOSED_AS, CloseOutcome.SUPPORT_COMPLETED): 1}
    assert summed(kept, M.TIME_TO_ALLOCATION, M.TIME_TO_FIRST_CONTACT) == {
        (M.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 2,
        (M.TIME_TO_FIRST_CONTACT, Wait.DAYS_3_TO_7): 1,  # the other case reached nobody
    }
