"""Every store keeps the case record alike: entries saved with the referral change that
adds them, read back exactly and in order, never mixed between referrals, never written
by a refused save, and gone once the referral is erased or purged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from referrals import errors
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
    SupportAgreement,
    UpdateKind,
    UpdateRecorded,
)
from referrals.clock import FakeClock
from referrals.escalation import Consent, Destination, Escalation, InfoCategory
from referrals.ports import Stores
from referrals.referral import Referral
from storage.cosmos import CosmosStores
from storage.cosmos_database import read_or_none
from tests.storage.conftest import (
    ADVOCATE,
    CIPHER,
    OTHER_REFERRER,
    REFERRER,
    SMLO,
    SMLO_IDS,
    Scenario,
    as_advocate,
)
from tests.storage.cosmos_server import CosmosTestServer

DAY = date(2026, 5, 30)
ERASED = "PersonalDataErased"
WRITER = as_advocate(ADVOCATE)


async def add(scenario: Scenario, referral: Referral, *contents: Content) -> list[CaseEntry]:
    now = scenario.tick()
    added = [referral.add_entry(WRITER, content, SMLO_IDS, now) for content in contents]
    await scenario.stores.referrals.save(referral)
    return added


async def test_every_kind_of_entry_reads_back_exactly_and_in_order(
    stores: Stores, scenario: Scenario
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    contact = ContactLogged(scenario.clock.now(), ContactHow.IN_PERSON, "Met — “quotes” ✓", DAY)
    (first,) = await add(scenario, case, contact)
    written = [first]
    written += await add(
        scenario,
        case,
        SupportAgreement(DAY, "Texts only\nafter 6pm", "To be listened to", DAY + timedelta(28)),
        RiskAssessment(DAY, RiskLevel.MEDIUM, True, False, True, False, "other", "fine", "act"),
        OnwardReferral("isva", consented=True, referred_on=DAY, internal=False),
    )
    written += await add(
        scenario, case, OnwardReferralOutcome(written[-1].id, OnwardOutcome.WAITING, DAY)
    )
    written += await add(
        scenario,
        case,
        Correction(written[1].id, "wrong date"),
        UpdateRecorded(UpdateKind.SPECIAL_MEASURES, DAY, ""),
    )
    case.close(WRITER, scenario.tick(), Closure(CloseOutcome.SUPPORT_COMPLETED, True, "done"))
    written.append(case.new_entries[-1])
    await stores.referrals.save(case)

    stored = await stores.referrals.get(case.id)
    entries = await stores.records.entries(stored)

    assert entries == written
    assert repr(entries) == repr(written)  # enums, dates and offsets, not just equal values
    assert entries[0].content.first_success  # type: ignore[union-attr]
    assert entries[0].recorded_at.utcoffset() == scenario.clock.now().utcoffset()


async def test_escalation_decisions_and_a_withdrawn_consent_read_back_exactly(
    stores: Stores, scenario: Scenario
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    passed = Escalation(
        Destination.PSD,
        Consent.CONSENTED,
        DAY,
        "They asked — “now”",
        (InfoCategory.IDENTITY, InfoCategory.ACCOUNT),
        note="outline only",
    )
    silent = Escalation(
        Destination.SAFEGUARDING,
        Consent.WITHOUT_CONSENT,
        DAY,
        "risk to a child",
        (InfoCategory.RISK,),
        approved_by="Supt. Rowe",
        tell_person=False,
        not_told_reason="would alert the subject",
    )
    written = [case.record_escalation(SMLO, d, scenario.tick()) for d in (passed, silent)]
    await stores.referrals.save(case)
    case = await stores.referrals.get(case.id)
    written.append(case.withdraw_consent(REFERRER, written[0].id, SMLO_IDS, scenario.tick()))
    await stores.referrals.save(case)

    stored = await stores.referrals.get(case.id)
    entries = await stores.records.entries(stored)

    assert entries == written
    assert repr(entries) == repr(written)
    assert [d.consent_withdrawn for d in stored.escalations] == [True, False]


async def test_records_are_kept_per_referral(stores: Stores, scenario: Scenario) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    one, two = await scenario.active(), await scenario.active()
    ones = await add(scenario, one, UpdateRecorded(UpdateKind.OTHER, DAY, "one"))
    twos = await add(scenario, two, UpdateRecorded(UpdateKind.OTHER, DAY, "two"))

    assert await stores.records.entries(await stores.referrals.get(one.id)) == ones
    assert await stores.records.entries(await stores.referrals.get(two.id)) == twos


async def test_a_refused_save_leaves_no_entry_in_the_record(
    stores: Stores, scenario: Scenario
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    stale = await stores.referrals.get(case.id)
    kept = await add(scenario, case, UpdateRecorded(UpdateKind.OTHER, DAY, "kept"))

    stale.add_entry(
        WRITER, UpdateRecorded(UpdateKind.OTHER, DAY, "lost"), SMLO_IDS, scenario.tick()
    )
    with pytest.raises(errors.ConcurrentUpdate):
        await stores.referrals.save(stale)

    assert await stores.records.entries(await stores.referrals.get(case.id)) == kept


@pytest.mark.parametrize("ending", ["withdrawn", "purged"])
async def test_erasing_a_referral_erases_its_record(
    stores: Stores, scenario: Scenario, ending: str
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    other = await scenario.active()
    await add(scenario, case, ContactLogged(scenario.clock.now(), ContactHow.PHONE, "note"))
    others = await add(scenario, other, ContactLogged(scenario.clock.now(), ContactHow.PHONE))
    if ending == "withdrawn":
        await scenario.change(case, lambda at: case.withdraw(REFERRER, SMLO_IDS, at))
    else:
        await scenario.change(
            case, lambda at: case.close(WRITER, at, Closure(CloseOutcome.OTHER, True, "n"))
        )
        await scenario.change(case, lambda at: _ignore(case.purge(at)))

    stored = await stores.referrals.get(case.id)
    assert await stores.records.entries(stored) == []
    # Asked as if it were not erased: the entries are gone, not just hidden.
    unerased = replace(stored, history=[e for e in stored.history if e.name != ERASED])
    assert not unerased.is_erased
    assert await stores.records.entries(unerased) == []
    assert await stores.records.entries(await stores.referrals.get(other.id)) == others
    kinds = [e.detail.split(":")[0] for e in stored.history if e.name == "CaseEntryAdded"]
    assert kinds[0] == "contact"  # what statistics need stays in the history


async def test_a_referral_with_no_record_reads_as_empty(stores: Stores, scenario: Scenario) -> None:
    referral = await scenario.submitted(OTHER_REFERRER)
    assert await stores.records.entries(referral) == []


def _ignore(_: object) -> None:
    """`Scenario.change` takes an action that returns nothing; `purge` says if it did."""


# -- Cosmos DB: kept apart, and durable -------------------------------------------------------


async def test_on_cosmos_a_long_record_survives_a_restart_and_stays_out_of_the_referral(
    cosmos_server: CosmosTestServer, clock: FakeClock
) -> None:
    settings = cosmos_server.settings()
    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        scenario = Scenario(cosmos.stores, clock)
        await cosmos.stores.roster.put_advocate(ADVOCATE)
        case = await scenario.active()
        small = len(json.dumps(await read_or_none(cosmos.database.referrals, case.id, case.id)))
        written: list[CaseEntry] = []
        for n in range(40):
            note = f"note {n} " + "x" * 400
            written += await add(scenario, case, UpdateRecorded(UpdateKind.OTHER, DAY, note))
        item = await read_or_none(cosmos.database.referrals, case.id, case.id)

    # Each entry adds one short history line to the referral (about 100 bytes), not itself.
    assert len(json.dumps(item)) < small + 40 * 200
    async with await CosmosStores.open(settings, CIPHER) as reopened:
        stored = await reopened.stores.referrals.get(case.id)
        assert await reopened.stores.records.entries(stored) == written
