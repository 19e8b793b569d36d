"""Advocates' availability over real HTTP: an advocate says they are away, the SMLO's list
does not offer them, and the SMLO offers it anyway only with a reason, which is audited."""

from __future__ import annotations

from bot.routes.triage import NOT_OFFERED_NOW
from referrals.audit import AuditAction, Outcome
from referrals.referral import EXCLUSION_OVERRIDDEN
from tests.protocol.conftest import ADVOCATE_A_ID, ADVOCATE_B_ID, SMLO_ID, People, RunningBot
from tests.protocol.journeys import OFFER, referral_reaches_the_smlo, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts


async def test_an_away_advocate_is_offered_a_case_only_with_the_smlos_recorded_reason(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, alex = people.smlo, people.advocate_a

    await alex.say("availability")
    assert shows(alex, "When you can take cases")
    saved = await alex.click("Save", availability="away", until="2026-03-16")
    assert "Saved. Thank you for letting us know." in card_texts(saved)
    assert "Away until Mon 16 March" in card_texts(saved)

    # The referrer asked not to have anyone from Custody: Sam is not offered either.
    listed = card_texts(await smlo.click("Find an advocate"))
    assert "No one can take it just now." in listed
    assert "Not offered" in listed
    assert "Away" in listed, "why Alex is not offered"
    assert "The person asked not to have them or their team" in listed
    # "Ask them" forged on the card (it has none: nobody can be asked) naming Alex.
    message_id, button = smlo.find_action("Offer anyway")
    ask = {**button, "verb": "smlo.allocate", "data": {**button["data"], "verb": "smlo.allocate"}}
    refused = await smlo.press(message_id, ask, {"advocate_id": ADVOCATE_A_ID})
    assert NOT_OFFERED_NOW in card_texts(refused)
    assert not shows(alex, OFFER)

    await smlo.click("Offer anyway")
    await smlo.click("Ask them anyway", advocate_id=ADVOCATE_A_ID, override="agreed_with_advocate")

    await connector.wait_until(lambda: shows(alex, OFFER))
    [referral] = await bot.runtime.stores.referrals.list_for_advocate(ADVOCATE_A_ID)
    [overridden] = [e for e in referral.history if e.name == EXCLUSION_OVERRIDDEN]
    assert overridden.detail == "agreed_with_advocate:away"
    trail = await bot.runtime.services.steps.audit.for_referral(referral.id)
    offers = [(e.action, e.outcome) for e in trail if e.action in (AuditAction.OFFER,)]
    assert offers == [(AuditAction.OFFER, Outcome.REFUSED), (AuditAction.OFFER, Outcome.ALLOWED)]
    assert [e.actor_id for e in trail if e.action is AuditAction.OVERRIDE_EXCLUSION] == [SMLO_ID]
    assert ADVOCATE_B_ID not in {e.actor_id for e in trail}


async def test_an_advocate_finds_their_availability_from_help_and_only_they_can_set_it(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    alex, stranger = people.advocate_a, people.stranger
    await alex.say("help")
    card = await alex.click("Free or away")
    assert "Free, 0 of 3 cases" in card_texts(card)
    limited = await alex.click("Save", availability="limited", new_cases="1")
    assert "1 more just now, 0 of 3 cases" in card_texts(limited)

    await stranger.say("availability")
    assert shows(stranger, "This is not available to you")
