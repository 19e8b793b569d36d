"""Through HTTP, as Teams sends it: a forged Skip cannot get past a required question; the
short way reaches the SMLO; Stop and clear clears every message that showed answers."""

from __future__ import annotations

from cards.wording import REQUIRED_NOTES
from referrals.intake import IntakeStep
from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import NEW_CARD, everyone_says_hi, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts


async def test_a_forged_skip_of_the_consent_question_is_refused_with_a_kind_note(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="on_behalf", employment="staff")
    message_id, next_button = referrer.find_action("Next")
    skip = {**next_button, "verb": "intake.skip"}

    shown = await referrer.press(message_id, skip, {})

    words = " ".join(card_texts(shown))
    assert "Step 2 of 7: Who you are referring" in words
    assert REQUIRED_NOTES["behalf_consent"] in words
    draft = await bot.runtime.stores.referrals.find_draft(referrer.aad_object_id)
    assert draft is not None
    assert draft.step is IntakeStep.ON_BEHALF


async def test_the_short_way_reaches_the_smlo_like_a_full_referral(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    referrer = people.referrer
    await referrer.say("hi")
    await referrer.click("Ask an advocate to contact me")

    receipt = await referrer.click("Send", consent="true")

    assert "Your referral has been sent" in card_texts(receipt)
    await connector.wait_until(lambda: shows(people.smlo, NEW_CARD))


async def test_stop_and_clear_clears_every_message_that_showed_answers(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    account = "CANARY-STOP said something at the Christmas do"
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="experienced", employment="officer")
    await referrer.click("Next", wishes="talk_to_advocate")
    await referrer.click("Finish later", account=account)
    await referrer.say("continue")  # a new message showing the answer
    assert shows(referrer, account)

    stopped = await referrer.click("Stop and clear")

    assert "You have stopped" in card_texts(stopped)
    await connector.wait_until(lambda: not shows(referrer, account))
