"""Nothing a person told us stays in anyone's chat once it may not.

Every message that shows a referral's details (the SMLO's details card, the advocate's
case card) is folded back after the set time and cleared for good when the referral is
withdrawn, closed or erased, or is no longer the viewer's. The connector stand-in keeps
each message's latest content, so these tests read every chat as its owner would see it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from referrals.audit import AuditAction, Outcome
from referrals.people import Actor
from referrals.states import ReferralState
from tests.protocol.conftest import ADVOCATE_A_ID, SMLO_ID, People, RunningBot
from tests.protocol.journeys import (
    ACCOUNT,
    NEW_CARD,
    PHONE,
    referral_reaches_the_smlo,
    shows,
    smlo_offers_it,
)
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts

# What the referrer typed: none of it may stay in a staff chat.
CANARIES = (ACCOUNT, PHONE, "weekday evenings", "Custody")
WAIT = 15.0  # the sweep runs when woken and every few seconds; generous on a busy machine
TAKEN = "Alex Morgan has taken SMA-2026-0001."


def shows_any_canary(user: TeamsUser) -> bool:
    return any(shows(user, canary) for canary in CANARIES)


async def details_open_everywhere(people: People, connector: ConnectorStandIn) -> None:
    """Alex accepts, then opens the case again from `my cases`; then the SMLO and the deputy
    open the details: four messages in three chats show what the person said."""
    await referral_reaches_the_smlo(people, connector)
    await connector.wait_until(lambda: shows(people.deputy, NEW_CARD))
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)
    await people.advocate_a.click("Yes, I can")
    for smlo in (people.smlo, people.deputy):  # their cards are brought up to date first
        await connector.wait_until(lambda smlo=smlo: shows(smlo, TAKEN))
        await smlo.click("Open details")
    await people.advocate_a.say("my cases")
    await people.advocate_a.click("Open")
    for viewer in (people.smlo, people.deputy, people.advocate_a):
        assert shows(viewer, ACCOUNT), f"{viewer.name} should see the details before"


async def withdraw(referrer: TeamsUser) -> None:
    await referrer.say("my referrals")
    await referrer.click("Withdraw")
    await referrer.click("Yes, withdraw it")


async def test_after_withdrawal_no_staff_chat_shows_anything_the_person_said(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)

    await withdraw(people.referrer)

    staff = (people.smlo, people.deputy, people.advocate_a)
    await connector.wait_until(lambda: not any(map(shows_any_canary, staff)), within=WAIT)
    # The advocate's case card says why it emptied; the SMLOs' referral cards show the
    # referral as withdrawn (their card is brought up to date, or cleared, whichever last).
    assert shows(people.advocate_a, "SMA-2026-0001 was withdrawn. We have removed its details")
    for smlo in (people.smlo, people.deputy):
        await connector.wait_until(lambda smlo=smlo: shows(smlo, "was withdrawn"), within=WAIT)
    assert not shows_any_canary(people.referrer)
    await views_all_settled(bot)


async def test_a_closed_case_leaves_no_details_in_the_chats(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)
    stored = (await bot.runtime.stores.referrals.list_in_states({ReferralState.ACTIVE}))[0]

    stored.close(Actor(ADVOCATE_A_ID, is_advocate=True), bot.clock.now())
    await bot.runtime.stores.referrals.save(stored)
    bot.runtime.outbox.wake()

    staff = (people.smlo, people.deputy, people.advocate_a)
    await connector.wait_until(lambda: not any(map(shows_any_canary, staff)), within=WAIT)
    assert shows(people.advocate_a, "SMA-2026-0001 is closed. We have removed its details")


async def test_an_advocate_taken_off_the_list_keeps_no_details_of_the_case(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)

    await people.smlo.say("remove advocate Alex Morgan")

    await connector.wait_until(lambda: not shows_any_canary(people.advocate_a), within=WAIT)
    assert shows(people.advocate_a, "is not open to you now. We have removed its details")
    assert shows(people.smlo, ACCOUNT), "the SMLO may still read it"


async def test_details_fold_back_after_ten_minutes_and_open_again_in_one_tap(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)

    bot.clock.advance(timedelta(minutes=10))
    bot.runtime.outbox.wake()

    staff = (people.smlo, people.deputy, people.advocate_a)
    await connector.wait_until(lambda: not any(map(shows_any_canary, staff)), within=WAIT)
    assert shows(people.advocate_a, "The details are hidden")
    reopened = await people.smlo.click("Open details")
    assert ACCOUNT in " ".join(card_texts(reopened))
    trail = await bot.runtime.services.steps.audit.for_referral(
        (await bot.runtime.stores.referrals.list_in_states({ReferralState.ACTIVE}))[0].id
    )
    opened = [e for e in trail if e.action is AuditAction.VIEW_DETAILS and e.actor_id == SMLO_ID]
    assert len(opened) == 2
    assert all(e.outcome is Outcome.ALLOWED for e in opened)


async def test_details_not_yet_due_stay_open(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)

    bot.clock.advance(timedelta(minutes=9))
    await bot.runtime.outbox.deliver_pending()

    assert shows(people.smlo, ACCOUNT)
    assert shows(people.advocate_a, ACCOUNT)
    assert len(await bot.runtime.stores.views.list_views()) == 4


async def test_hiding_the_case_folds_it_at_once_and_nothing_is_left_to_sweep(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)
    await people.advocate_a.click("Yes, I can")

    folded = await people.advocate_a.click("Hide details")

    assert "The details are hidden" in " ".join(card_texts(folded))
    assert not shows_any_canary(people.advocate_a)
    assert await bot.runtime.stores.views.list_views() == []
    shown = await people.advocate_a.click("Show details")
    assert ACCOUNT in " ".join(card_texts(shown))


async def test_a_message_teams_no_longer_has_does_not_hold_up_the_withdrawal(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)
    chat = connector.chat(people.deputy.conversation_id)
    for message_id in list(chat.messages):  # the deputy deleted their chat's messages
        del chat.messages[message_id]

    await withdraw(people.referrer)

    await connector.wait_until(
        lambda: not shows_any_canary(people.smlo) and not shows_any_canary(people.advocate_a),
        within=WAIT,
    )
    await views_all_settled(bot)  # the deputy's are gone (404): forgotten, not retried
    assert (await bot.runtime.stores.referrals.list_in_states({ReferralState.WITHDRAWN}))[0]


async def views_all_settled(bot: RunningBot) -> None:
    async def settled() -> bool:
        return await bot.runtime.stores.views.list_views() == []

    # The store has no event to wait on: look again and again, within a generous bound.
    async with asyncio.timeout(WAIT):
        while not await settled():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
