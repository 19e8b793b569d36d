"""Anonymous to the service, over real HTTP: the person chooses it at intake after reading
what it means, the SMLO and the advocate see "Anonymous" and never the name or id, the
audit trail and the auditor's views do not reveal them, conflicts stay private, and the
person can tell the service who they are later from `my referrals`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from cards import wording as w
from referrals.audit import AuditAction
from referrals.clock import FakeClock
from referrals.identity import NOT_ON_BEHALF
from referrals.states import ReferralState
from tests.protocol.conftest import (
    ADVOCATE_A_ID,
    REFERRER_ID,
    People,
    RunningBot,
    make_settings,
    people_at,
    serving,
)
from tests.protocol.journeys import ACCOUNT, PHONE, shows, smlo_offers_it
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts

AUDITOR_ID = "00000000-0000-4000-8000-00000000e002"
NAME = "Robin Referrer"  # the referrer's Teams name (tests/protocol/conftest.py)
NEW_CARD = "Referral SMA-2026-0001"


@pytest.fixture
async def bot(tmp_path: object, connector: ConnectorStandIn) -> AsyncIterator[RunningBot]:
    settings = make_settings(str(tmp_path), connector.url)
    with_auditor = dataclasses.replace(settings, auditor_ids=frozenset({AUDITOR_ID}))
    async with serving(with_auditor, FakeClock()) as running:
        yield running


@pytest.fixture
async def world(
    bot: RunningBot, connector: ConnectorStandIn
) -> AsyncIterator[tuple[People, TeamsUser]]:
    async with aiohttp.ClientSession() as http:
        people = people_at(bot.url, connector, http)
        auditor = TeamsUser("Dana Protection", AUDITOR_ID, bot.url, connector, http)
        yield people, auditor


async def anonymous_intake(referrer: TeamsUser) -> dict[str, Any]:
    """The whole intake, choosing anonymity and giving a work phone all the same."""
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="experienced", employment="officer", identity="anonymous")
    await referrer.click("Next", wishes="talk_to_advocate")
    await referrer.click("Next", account=ACCOUNT, when="past_month", colleague="yes")
    await referrer.click("Next", contact_methods="work_phone", work_phone=PHONE)
    await referrer.click("Next", gender="woman", age_band="25_34")
    return await referrer.click("Send my referral", consent="true")


async def an_anonymous_referral_reaches_the_smlo(
    people: People, connector: ConnectorStandIn
) -> dict[str, Any]:
    for person in (people.smlo, people.deputy, people.advocate_a, people.advocate_b):
        assert await person.say("hi") == 201
    receipt = await anonymous_intake(people.referrer)
    await connector.wait_until(lambda: shows(people.smlo, NEW_CARD))
    return receipt


def reveals_the_referrer(user: TeamsUser) -> bool:
    """Whether anything in the chat names the referrer or carries their id."""
    everything = json.dumps(user.chat.messages, ensure_ascii=False)
    return NAME in everything or REFERRER_ID in everything


async def test_a_person_reads_what_anonymity_means_before_choosing_it_and_on_the_receipt(
    bot: RunningBot, connector: ConnectorStandIn, world: tuple[People, TeamsUser]
) -> None:
    people, _ = world
    referrer = people.referrer
    await referrer.say("hi")
    first = await referrer.click("Start a referral")
    words = " ".join(card_texts(first))
    for explained in w.ANONYMITY_EXPLAINED:
        assert explained in words
    await referrer.click("Next", route="experienced", employment="officer", identity="anonymous")
    await referrer.click("Next", wishes="talk_to_advocate")
    contact = await referrer.click("Next", account=ACCOUNT)
    assert w.ANONYMOUS_CONTACT_WARNING in card_texts(contact)
    await referrer.click("Next", contact_methods="work_phone", work_phone=PHONE)
    await referrer.click("Next")
    receipt = " ".join(card_texts(await referrer.click("Send my referral", consent="true")))

    for said in w.ANONYMOUS_RECEIPT:
        assert said in receipt
    stored = (await bot.runtime.stores.referrals.list_in_states({ReferralState.SUBMITTED}))[0]
    assert stored.referrer_name == "", "no name is kept for an anonymous referral"
    assert stored.referrer_id == REFERRER_ID, "kept, sealed, to reach them"
    assert stored.answers.work_phone == PHONE, "discouraged, not forbidden"


async def test_someone_referring_as_part_of_their_job_cannot_be_anonymous(
    bot: RunningBot, connector: ConnectorStandIn, world: tuple[People, TeamsUser]
) -> None:
    people, _ = world
    await people.referrer.say("hi")
    await people.referrer.click("Start a referral")

    again = await people.referrer.click("Next", route="on_behalf", identity="anonymous")

    assert NOT_ON_BEHALF in card_texts(again)
    draft = await bot.runtime.stores.referrals.find_draft(REFERRER_ID)
    assert draft is not None
    assert draft.answers.identity is None


async def test_the_smlo_and_the_advocate_see_anonymous_and_never_who_referred(
    bot: RunningBot, connector: ConnectorStandIn, world: tuple[People, TeamsUser]
) -> None:
    people, _ = world
    await an_anonymous_referral_reaches_the_smlo(people, connector)
    smlo, advocate = people.smlo, people.advocate_a
    assert shows(smlo, "Anonymous")

    details = " ".join(card_texts(await smlo.click("Open details")))
    assert "Anonymous" in details
    assert "nobody here can see their name" in details
    await smlo.say("inbox")
    assert shows(smlo, "SMA-2026-0001 (anonymous)")
    await smlo.click("Hide details")
    await smlo_offers_it(smlo, advocate, ADVOCATE_A_ID, connector)
    case = " ".join(card_texts(await advocate.click("Yes, I can")))

    assert "Anonymous" in case
    assert "messages in this app" in case
    assert ACCOUNT in case, "the advocate reads what they said, as for anyone"
    for staff in (smlo, people.deputy, advocate, people.advocate_b):
        assert not reveals_the_referrer(staff), staff.name


async def test_the_audit_trail_and_the_auditor_never_reveal_an_anonymous_referrer(
    bot: RunningBot, connector: ConnectorStandIn, world: tuple[People, TeamsUser]
) -> None:
    people, auditor = world
    await an_anonymous_referral_reaches_the_smlo(people, connector)
    await people.referrer.say("my referrals")  # the referrer's own look, on the trail
    await people.smlo.click("Open details")

    trail = " ".join(card_texts(await people.smlo.click("Who has seen it")))
    assert "The person who referred (anonymous) sent it" in trail
    await auditor.say("hi")
    await auditor.say("audit SMA-2026-0001")
    assert shows(auditor, "The person who referred (anonymous) sent it")
    assert isinstance(bot.clock, FakeClock)
    bot.clock.advance(timedelta(days=31))
    await auditor.say("access report")
    assert shows(auditor, "Access report for")

    for someone in (people.smlo, auditor):
        assert not reveals_the_referrer(someone), someone.name
    referral = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert referral is not None
    trail_entries = await bot.runtime.services.steps.audit.for_referral(referral.id)
    assert all(e.actor_id != REFERRER_ID for e in trail_entries)


async def test_an_anonymous_referrer_can_tell_the_service_who_they_are_later(
    bot: RunningBot, connector: ConnectorStandIn, world: tuple[People, TeamsUser]
) -> None:
    people, _ = world
    await an_anonymous_referral_reaches_the_smlo(people, connector)
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)
    await people.advocate_a.click("Yes, I can")
    referrer = people.referrer

    await referrer.say("my referrals")
    confirm = " ".join(card_texts(await referrer.click("Tell the service who I am")))
    assert "You cannot be anonymous again" in confirm
    done = " ".join(card_texts(await referrer.click("Yes, tell them who I am")))

    assert "The service now knows who you are" in done
    told = "has told the service who they are"
    await connector.wait_until(lambda: shows(people.smlo, told))
    await connector.wait_until(lambda: shows(people.deputy, told))
    await connector.wait_until(lambda: shows(people.advocate_a, told))
    for staff in (people.smlo, people.deputy, people.advocate_a):
        assert not any(NAME in text for text in staff.texts()), "the notice names nobody"
    await people.smlo.say("referral SMA-2026-0001")
    details = " ".join(card_texts(await people.smlo.click("Open details")))
    assert NAME in details
    referral = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert referral is not None
    assert referral.referrer_name == NAME
    trail = await bot.runtime.services.steps.audit.for_referral(referral.id)
    assert AuditAction.SHARE_IDENTITY in [e.action for e in trail]
