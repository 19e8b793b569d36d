"""Journeys shared by the protocol tests: what people do, step by step, in their chats."""

from __future__ import annotations

from typing import Any

from tests.protocol.conftest import People
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser

ACCOUNT = "CANARY-ACCOUNT said something at the Christmas do"
PHONE = "01632 960123"


def shows(user: TeamsUser, words: str) -> bool:
    return any(words in text for text in user.texts())


async def complete_intake(referrer: TeamsUser, account: str = ACCOUNT) -> dict[str, Any]:
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="experienced", employment="officer")
    await referrer.click("Next", wishes="talk_to_advocate,information")
    await referrer.click(
        "Next", account=account, when="past_month", colleague="yes", avoid="Custody"
    )
    await referrer.click(
        "Next",
        contact_methods="teams,work_phone",
        work_phone=PHONE,
        safe_times="weekday evenings",
        leave_message="no",
    )
    await referrer.click("Next", gender="woman", age_band="25_34")
    return await referrer.click("Send my referral", consent="true")


async def everyone_says_hi(people: People) -> None:
    for person in (
        people.smlo,
        people.deputy,
        people.advocate_a,
        people.advocate_b,
        people.stranger,
    ):
        assert await person.say("hi") == 201


NEW_CARD = "Referral SMA-2026-0001"
OFFER = "Can you support someone?"


async def referral_reaches_the_smlo(people: People, connector: ConnectorStandIn) -> None:
    """Everyone has opened the bot; the referrer sends a referral; the SMLO's card arrives."""
    await everyone_says_hi(people)
    await complete_intake(people.referrer)
    await connector.wait_until(lambda: shows(people.smlo, NEW_CARD))


async def smlo_offers_it(
    smlo: TeamsUser, advocate: TeamsUser, advocate_id: str, connector: ConnectorStandIn
) -> None:
    """The SMLO asks this advocate; the offer arrives in the advocate's chat."""
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=advocate_id)
    await connector.wait_until(lambda: shows(advocate, OFFER))
