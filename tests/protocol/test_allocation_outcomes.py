"""What happens after the SMLO acts: declines, signposting, caseloads, first contact."""

from __future__ import annotations

from bot.routes.triage import SERVICE_NOT_LISTED
from tests.protocol.conftest import (
    ADVOCATE_A_ID,
    ADVOCATE_B_ID,
    SMLO_ID,
    People,
    RunningBot,
)
from tests.protocol.journeys import (
    NEW_CARD,
    OFFER,
    complete_intake,
    referral_reaches_the_smlo,
    shows,
    smlo_offers_it,
)
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TENANT, actions_of, card_texts


async def test_a_declined_offer_goes_back_to_the_smlo_who_can_ask_someone_else(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, first, second = people.smlo, people.advocate_a, people.advocate_b
    await smlo_offers_it(smlo, first, ADVOCATE_A_ID, connector)

    await first.click("I can't take this")
    declined = await first.click("Send my answer", reason="no_capacity")

    assert "You said no to this case." in " ".join(card_texts(declined))
    await connector.wait_until(lambda: shows(smlo, "Alex Morgan could not take SMA-2026-0001."))
    await connector.wait_until(lambda: shows(smlo, "Please choose someone else."))
    await smlo.say("inbox")
    assert shows(smlo, "SMA-2026-0001: Needs an advocate")
    await smlo.click("Find an advocate")
    assert shows(smlo, "Said no to this case before"), "the decline is flagged"
    # The person asked not to have anyone from Custody, where Sam works: Sam is asked only
    # with the SMLO's reason.
    assert shows(smlo, "The person asked not to have them or their team")
    await smlo.click("Offer anyway")
    await smlo.click("Ask them anyway", advocate_id=ADVOCATE_B_ID, override="conflict_checked")
    await connector.wait_until(lambda: shows(second, OFFER))
    await second.click("Yes, I can")
    await connector.wait_until(lambda: shows(people.referrer, "An advocate will support you"))


async def test_a_decline_needs_a_reason_and_says_so_on_the_card(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    advocate = people.advocate_a
    await smlo_offers_it(people.smlo, advocate, ADVOCATE_A_ID, connector)
    await advocate.click("I can't take this")

    again = await advocate.click("Send my answer", reason="because")

    assert "Please choose a reason." in card_texts(again)
    referral_id = advocate.find_action("Send my answer")[1]["data"]["referral_id"]
    assert (await bot.runtime.stores.referrals.get(referral_id)).state == "offered"


async def test_out_of_remit_tells_the_referrer_where_to_get_help(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo = people.smlo

    await smlo.click("Outside our remit")
    card = await smlo.click("Tell them", signpost="hr")

    assert "Sent to another service" in card_texts(card)
    await connector.wait_until(
        lambda: shows(people.referrer, "The best place to help with this is: HR.")
    )
    # The help lines come from the support directory, through the outbox.
    assert shows(people.referrer, "Other help, day or night: Rape Crisis 0808 500 2222.")


async def test_out_of_remit_to_a_directory_service_tells_the_referrer_its_name_and_number(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, deputy = people.smlo, people.deputy
    await connector.wait_until(lambda: shows(deputy, NEW_CARD))

    choosing = await smlo.click("Outside our remit")
    card = await smlo.click("Tell them", signpost="service:rape-crisis")

    assert "Outside the police: Rape Crisis" in card_texts(choosing)
    assert "Sent on to: Rape Crisis." in card_texts(card)
    await connector.wait_until(
        lambda: shows(people.referrer, "The best place to help with this is: Rape Crisis.")
    )
    assert shows(people.referrer, "Rape Crisis 0808 500 2222 (day or night)")
    # The help lines under it are the other ones.
    assert shows(people.referrer, "Other help, day or night: Samaritans 116 123.")
    # The other SMLO's copy of the card is brought up to date, naming the service too.
    await connector.wait_until(lambda: shows(deputy, "Sent on to: Rape Crisis."))


async def test_a_service_no_longer_in_the_directory_gets_a_note_and_changes_nothing(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo = people.smlo
    await smlo.click("Outside our remit")

    # A card shown before the force took the staff networks out (they are to fill in now).
    card = await smlo.click("Tell them", signpost="service:staff-networks")

    assert SERVICE_NOT_LISTED in card_texts(card)
    assert "Tell them" in [a["title"] for a in actions_of(card)], "they can choose again"
    referral_id = smlo.find_action("Tell them")[1]["data"]["referral_id"]
    assert (await bot.runtime.stores.referrals.get(referral_id)).state == "submitted"
    await bot.runtime.outbox.deliver_pending()
    assert not shows(people.referrer, "The best place to help with this is")


async def test_an_advocate_sees_their_cases_and_the_smlo_sees_the_roster(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    advocate = people.advocate_a
    await smlo_offers_it(people.smlo, advocate, ADVOCATE_A_ID, connector)
    await advocate.click("Yes, I can")

    await advocate.say("my cases")
    await people.smlo.say("roster")
    await people.referrer.say("roster")

    assert shows(advocate, "SMA-2026-0001: Advocate in place")
    assert shows(people.smlo, "Free, 1 of 3 cases")
    assert shows(people.smlo, "Sam Okafor (Custody)")
    assert shows(people.referrer, "This is not available to you")
    assert not shows(people.referrer, "Sam Okafor")


async def test_the_smlo_is_reached_in_a_new_chat_when_they_never_opened_the_bot(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await complete_intake(people.referrer)

    def smlo_chat_has_the_card() -> bool:
        created = [c for c in connector.created if c["members"][0]["id"] == SMLO_ID]
        return bool(created) and any(
            NEW_CARD in " ".join(card_texts(card))
            for chat in connector.chats.values()
            if chat.conversation_id.startswith("a:created-")
            for card in chat.cards()
        )

    await connector.wait_until(smlo_chat_has_the_card)
    request = next(c for c in connector.created if c["members"][0]["id"] == SMLO_ID)
    assert request["isGroup"] is False
    # Teams takes the tenant from channelData (botbuilder spells the body field tenantID).
    assert request["channelData"]["tenant"]["id"] == TENANT
