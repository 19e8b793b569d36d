"""The whole referral path over real HTTP: referrer → SMLO → advocate → referrer.

Each person has their own chat on the Bot Connector stand-in; the assertions are about what
each chat shows, which is what each person would see in Teams.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import (
    ACCOUNT,
    PHONE,
    complete_intake,
    everyone_says_hi,
    referral_reaches_the_smlo,
    shows,
    smlo_offers_it,
)
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts


async def test_referral_goes_from_referrer_to_smlo_to_advocate_and_back(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    quiet_before = {p.name: len(p.chat.messages) for p in (people.advocate_b, people.stranger)}

    receipt = await complete_intake(people.referrer)

    assert "SMA-2026-0001" in " ".join(card_texts(receipt))
    assert not shows(people.referrer, "CANARY-ACCOUNT"), "the review card must be replaced"
    smlo = people.smlo
    await connector.wait_until(lambda: shows(smlo, "Referral SMA-2026-0001"))
    assert not shows(smlo, "CANARY-ACCOUNT"), "the SMLO's card face carries no disclosure"

    details = await smlo.click("Open details")
    assert ACCOUNT in card_texts(details)
    await smlo.click("Hide details")
    await smlo.click("Find an advocate")
    offered = await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    assert "Offered to Alex Morgan" in " ".join(card_texts(offered))

    advocate = people.advocate_a
    await connector.wait_until(lambda: shows(advocate, "Can you support someone?"))
    assert not shows(advocate, "CANARY-ACCOUNT"), "no content before accepting"
    case = await advocate.click("Yes, I can")
    case_words = card_texts(case)
    assert ACCOUNT in case_words
    assert PHONE in case_words

    referrer = people.referrer
    await connector.wait_until(lambda: shows(referrer, "An advocate will support you"))
    await connector.wait_until(lambda: shows(smlo, "Alex Morgan has taken this case."))
    assert not shows(referrer, "Alex Morgan"), "the referrer is not told who, only that"
    await asyncio.sleep(0.2)  # let any stray delivery land before checking silence
    for person in (people.advocate_b, people.stranger):
        assert len(person.chat.messages) == quiet_before[person.name], f"{person.name} got mail"


async def test_someone_who_is_not_the_smlo_cannot_allocate(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    await complete_intake(people.referrer)
    smlo = people.smlo
    await connector.wait_until(lambda: shows(smlo, "Referral SMA-2026-0001"))
    _, button = smlo.find_action("Find an advocate")
    referral_id = button["data"]["referral_id"]

    forged = {
        "verb": "smlo.allocate",
        "data": {"verb": "smlo.allocate", "referral_id": referral_id},
    }
    answer = await people.referrer.press("m-forged", forged, {"advocate_id": ADVOCATE_A_ID})

    assert "This is not available to you" in card_texts(answer)
    referral = await bot.runtime.stores.referrals.get(referral_id)
    assert referral.state == "submitted"
    assert not shows(people.advocate_a, "Can you support someone?")


async def test_an_advocate_cannot_accept_someone_elses_offer_and_a_double_click_allocates_once(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, advocate = people.smlo, people.advocate_a
    await smlo_offers_it(smlo, advocate, ADVOCATE_A_ID, connector)
    message_id, accept = advocate.find_action("Yes, I can")

    refused = await people.advocate_b.press("m-forged", accept, {})
    assert "This is not available to you" in card_texts(refused)

    first, second = await asyncio.gather(
        advocate.press(message_id, accept, {}), advocate.press(message_id, accept, {})
    )
    for answer in (first, second):
        assert "You are supporting SMA-2026-0001" in card_texts(answer)
    referral = await bot.runtime.stores.referrals.get(accept["data"]["referral_id"])
    assert referral.state == "active"
    assert [e.name for e in referral.history].count("AllocationAccepted") == 1
    await connector.wait_until(lambda: shows(people.referrer, "An advocate will support you"))
    await asyncio.sleep(0.2)
    allocated = [t for t in people.referrer.texts() if "An advocate will support you" in t]
    assert len(allocated) == 1, "the referrer is told once"


async def test_when_one_smlo_allocates_the_deputys_card_shows_it_too(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    await complete_intake(people.referrer)
    smlo, deputy = people.smlo, people.deputy
    await connector.wait_until(lambda: shows(deputy, "Referral SMA-2026-0001"))
    await connector.wait_until(lambda: shows(smlo, "Referral SMA-2026-0001"))

    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)

    await connector.wait_until(lambda: shows(deputy, "Offered to Alex Morgan"))
    with pytest.raises(AssertionError):
        deputy.find_action("Find an advocate")  # the stale button is gone
