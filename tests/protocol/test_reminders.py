"""Reminders over real HTTP: an offer left unanswered reminds the advocate in their chat,
then lapses back to the service lead, whose card says so; the old offer's button no
longer takes the case. The clock is the app's fake one; the loop is woken, not waited."""

from __future__ import annotations

from datetime import timedelta

from referrals.states import ReferralState
from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import referral_reaches_the_smlo, shows, smlo_offers_it
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

REMINDER = "A reminder: this is still waiting for your answer."
LAPSED_FOR_ADVOCATE = "This offer has lapsed"
LAPSED_FOR_SMLO = "Offer lapsed: Alex Morgan did not answer in time"


async def test_an_unanswered_offer_reminds_the_advocate_then_lapses_to_the_smlo(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)

    bot.clock.advance(timedelta(days=2, minutes=5))  # Monday's offer, on Wednesday
    bot.runtime.reminders.wake()
    await connector.wait_until(lambda: shows(people.advocate_a, REMINDER))
    assert not shows(people.smlo, LAPSED_FOR_SMLO)

    bot.clock.advance(timedelta(days=1))  # Thursday: three working days
    bot.runtime.reminders.wake()
    await connector.wait_until(
        lambda: (
            shows(people.smlo, LAPSED_FOR_SMLO) and shows(people.advocate_a, LAPSED_FOR_ADVOCATE)
        )
    )

    reminders = people.advocate_a.messages_showing(REMINDER)
    assert len(reminders) == 1  # one reminder, however often the loop looked

    answer = await people.advocate_a.click("Yes, I can")
    (referral,) = await bot.runtime.stores.referrals.list_in_states(
        {ReferralState.AWAITING_ALLOCATION}
    )
    assert referral.advocate_id == ""
    assert not any("You will see the details" in text for text in card_texts(answer))
