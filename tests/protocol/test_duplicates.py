"""Teams delivers the same activity twice: one referral, one transition, one answer."""

from __future__ import annotations

import asyncio
from typing import Any

from referrals.audit import AuditAction, Outcome
from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import referral_reaches_the_smlo, shows, smlo_offers_it
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser


def redelivery(user: TeamsUser, title: str, **inputs: str) -> dict[str, Any]:
    """The invoke Teams would send for pressing `title`, built once so it can be re-sent."""
    message_id, button = user.find_action(title)
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": button["verb"],
            "data": {**button["data"], **inputs},
        },
        "trigger": "manual",
    }
    return user.activity("invoke", name="adaptiveCard/action", value=value, replyToId=message_id)


async def test_a_submit_delivered_twice_at_once_makes_one_referral_and_one_answer(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    await referrer.say("hi")
    await referrer.click("Start a referral")
    for _ in range(6):
        await referrer.click("Skip this step")
    submit = redelivery(referrer, "Send my referral", consent="true")

    (status_1, body_1), (status_2, body_2) = await asyncio.gather(
        referrer.post(submit), referrer.post(submit)
    )

    assert status_1 == status_2 == 200
    assert body_1 == body_2, "the repeat gets the very same card"
    sent = await bot.runtime.stores.referrals.list_for_referrer(referrer.aad_object_id)
    assert len(sent) == 1
    entries = await bot.runtime.services.steps.audit.for_referral(sent[0].id)
    submits = [e for e in entries if e.action is AuditAction.SUBMIT]
    assert [e.outcome for e in submits] == [Outcome.ALLOWED], "the turn ran once"


async def test_a_message_delivered_twice_is_answered_once(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    hello = referrer.activity("message", text="refer")

    assert (await referrer.post(hello))[0] == 201
    assert (await referrer.post(hello))[0] == 201

    welcomes = [t for t in referrer.texts() if t == "Welcome to the SMA service"]
    assert len(welcomes) == 1


async def test_an_accept_delivered_again_later_changes_nothing_and_tells_the_referrer_once(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    advocate = people.advocate_a
    await smlo_offers_it(people.smlo, advocate, ADVOCATE_A_ID, connector)
    accept = redelivery(advocate, "Yes, I can")

    first = await advocate.post(accept)
    await connector.wait_until(lambda: shows(people.referrer, "An advocate will support you"))
    again = await advocate.post(accept)
    await asyncio.sleep(0.2)

    assert first == again
    referral = (await bot.runtime.stores.referrals.list_for_advocate(ADVOCATE_A_ID))[0]
    assert [e.name for e in referral.history].count("AllocationAccepted") == 1
    told = [t for t in people.referrer.texts() if "An advocate will support you" in t]
    assert len(told) == 1
