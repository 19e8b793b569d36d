"""Taking a referral back, and the record of who has seen it."""

from __future__ import annotations

from referrals.audit import ActorRole, AuditAction, Outcome
from referrals.states import ReferralState
from tests.protocol.conftest import ADVOCATE_A_ID, REFERRER_ID, STRANGER_ID, People, RunningBot
from tests.protocol.journeys import (
    ACCOUNT,
    referral_reaches_the_smlo,
    shows,
    smlo_offers_it,
)
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts


async def test_a_referrer_can_withdraw_and_what_they_said_is_erased_at_once(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)
    await people.advocate_a.click("Yes, I can")
    referrer = people.referrer

    await referrer.say("my referrals")
    confirm = await referrer.click("Withdraw")
    assert "Withdraw SMA-2026-0001?" in card_texts(confirm)
    done = await referrer.click("Yes, withdraw it")

    assert "SMA-2026-0001 is withdrawn" in card_texts(done)
    await connector.wait_until(lambda: shows(people.smlo, "SMA-2026-0001 was withdrawn"))
    await connector.wait_until(lambda: shows(people.advocate_a, "SMA-2026-0001 has been withdrawn"))
    stored = (await bot.runtime.stores.referrals.list_in_states({ReferralState.WITHDRAWN}))[0]
    assert stored.referrer_id == ""
    assert stored.referrer_name == ""
    assert stored.answers.account == ""
    assert stored.answers.work_phone == ""
    assert stored.answers.route == "experienced", "statistics survive"
    assert await bot.runtime.stores.referrals.list_for_referrer(REFERRER_ID) == []
    assert not shows(people.smlo, ACCOUNT)
    # The advocate's case card is cleared in their chat, saying why (tests/protocol/
    # test_no_residue.py has the whole story).
    await connector.wait_until(lambda: shows(people.advocate_a, "We have removed its details"))
    assert not shows(people.advocate_a, ACCOUNT)


async def test_withdrawing_asks_first_and_no_changes_nothing(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await people.referrer.say("my referrals")
    await people.referrer.click("Withdraw")

    back = await people.referrer.click("No, keep it")

    assert "SMA-2026-0001: New" in " ".join(card_texts(back))
    stored = await bot.runtime.stores.referrals.list_in_states({ReferralState.SUBMITTED})
    assert stored[0].answers.account == ACCOUNT


async def test_nobody_else_can_withdraw_someone_elses_referral(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    _, button = people.smlo.find_action("Find an advocate")
    forged = {"verb": "referrer.withdraw", "data": {"referral_id": button["data"]["referral_id"]}}

    for someone in (people.smlo, people.stranger, people.advocate_a):
        answer = await someone.press("m-forged", forged, {})
        assert "This is not available to you" in card_texts(answer)

    referral = await bot.runtime.stores.referrals.get(button["data"]["referral_id"])
    assert referral.state == "submitted"


async def test_the_smlo_sees_who_has_read_a_referral_including_refused_attempts(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo = people.smlo
    _, button = smlo.find_action("Open details")
    referral_id = button["data"]["referral_id"]
    await smlo.click("Open details")
    forged_open = {"verb": "smlo.open", "data": {"referral_id": referral_id}}
    await people.stranger.press("m-forged", forged_open, {})

    trail = await smlo.click("Who has seen it")

    words = " ".join(card_texts(trail))
    assert "Who has seen SMA-2026-0001" in words
    assert "The person who referred sent it" in words
    assert "A service lead read the details" in words
    assert f"Someone without access (id ending {STRANGER_ID[-6:]}) tried, and was stopped" in words
    assert ACCOUNT not in words
    assert "Robin Referrer" not in words, "the referrer is never named in the trail"
    entries = await bot.runtime.services.steps.audit.for_referral(referral_id)
    refused = [e for e in entries if e.outcome is Outcome.REFUSED]
    assert [(e.actor_id, e.actor_role, e.action) for e in refused] == [
        (STRANGER_ID, ActorRole.OTHER, AuditAction.VIEW_DETAILS)
    ]


async def test_only_the_smlo_can_see_the_audit_trail(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)

    await people.referrer.say("audit SMA-2026-0001")
    await people.advocate_a.say("audit SMA-2026-0001")

    for person in (people.referrer, people.advocate_a):
        assert shows(person, "This is not available to you")
        assert not shows(person, "Who has seen")


async def test_an_old_withdraw_button_says_it_is_already_withdrawn_and_changes_nothing(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer
    await referrer.say("my referrals")  # one list to withdraw from now, one kept for later
    await referrer.say("my referrals")
    stale_id, stale_withdraw = referrer.find_action("Withdraw")
    await referrer.click("Withdraw")
    yes_id, yes = referrer.find_action("Yes, withdraw it")
    await referrer.click("Yes, withdraw it")
    await connector.wait_until(lambda: shows(people.smlo, "SMA-2026-0001 was withdrawn"))
    withdrawn = await bot.runtime.stores.referrals.list_in_states({ReferralState.WITHDRAWN})
    smlo_messages = len(people.smlo.chat.messages)

    for message_id, button in ((stale_id, stale_withdraw), (yes_id, yes)):
        again = " ".join(card_texts(await referrer.press(message_id, button, {})))
        assert "This referral is already withdrawn" in again
        assert "Nothing has changed" in again
        assert "You do not have access" not in again

    after = await bot.runtime.stores.referrals.list_in_states({ReferralState.WITHDRAWN})
    assert [r.version for r in after] == [r.version for r in withdrawn]
    assert len(people.smlo.chat.messages) == smlo_messages, "nobody is told twice"


async def test_an_advocate_opening_their_own_case_is_never_recorded_as_refused(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)
    await people.advocate_a.click("Yes, I can")
    await people.advocate_a.say("my cases")
    await people.advocate_a.click("Open")
    await people.advocate_a.click("Hide details")
    await people.advocate_a.click("Show details")

    referral_id = (await bot.runtime.stores.referrals.list_in_states({ReferralState.ACTIVE}))[0].id
    entries = await bot.runtime.services.steps.audit.for_referral(referral_id)
    assert [e for e in entries if e.outcome is Outcome.REFUSED] == []
    opened = [
        e for e in entries if e.action is AuditAction.VIEW_DETAILS and e.actor_id == ADVOCATE_A_ID
    ]
    assert len(opened) == 2, "Open and Show details; hiding reads nothing"
