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
from tests.protocol.conftest import ADVOCATE_A_ID, ADVOCATE_B_ID, SMLO_ID, People, RunningBot
from tests.protocol.journeys import (
    ACCOUNT,
    NEW_CARD,
    PHONE,
    RECORD_WORDS,
    WAIT,
    close_the_case,
    referral_reaches_the_smlo,
    saved,
    shows,
    smlo_offers_it,
)
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts, message_texts

# What the referrer typed: none of it may stay in a staff chat.
CANARIES = (ACCOUNT, PHONE, "weekday evenings", "Custody")
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


async def test_closing_from_the_record_clears_every_record_card_and_form_in_the_chats(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)
    advocate, note = people.advocate_a, RECORD_WORDS["reached"]
    # The case card opened from `my cases` becomes the timeline, then an entry's details.
    await advocate.click("Case record")
    await advocate.click("Log a contact")
    await saved(advocate, how="phone", note=note)
    await advocate.click("Open")
    # Another message: the form to correct that entry, its note filled in.
    await advocate.say("my cases")
    await advocate.click("Open")
    await advocate.click("Case record")
    await advocate.click("Open")
    await advocate.click("Correct this")
    assert len(advocate.messages_showing(note)) == 2
    # And a third, where the case is closed.
    await advocate.say("my cases")
    await advocate.click("Open")
    await advocate.click("Case record")

    await close_the_case(advocate)

    staff = (people.smlo, people.deputy, advocate)
    await connector.wait_until(
        lambda: not any(shows_any_canary(p) or shows(p, note) for p in staff), within=WAIT
    )
    await views_all_settled(bot)
    # The accepted offer, the entry's details and the correction form each say why they
    # emptied; the message where the case was closed says so.
    assert len(advocate.messages_showing("SMA-2026-0001 is closed. We have removed")) == 3
    assert len(advocate.messages_showing("You closed SMA-2026-0001")) == 1
    for smlo in (people.smlo, people.deputy):  # their opened details: the card, closed
        opened = smlo.messages_showing("Referral SMA-2026-0001")
        assert opened
        assert all("Closed" in message_texts(m) for m in opened)
    assert not shows(people.referrer, note)


async def test_an_advocate_taken_off_the_list_keeps_no_details_of_the_case(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)

    await people.smlo.say("remove advocate Alex Morgan")

    await connector.wait_until(lambda: not shows_any_canary(people.advocate_a), within=WAIT)
    assert shows(people.advocate_a, "is not open to you now. We have removed its details")
    assert shows(people.smlo, ACCOUNT), "the SMLO may still read it"


async def test_a_case_given_to_another_advocate_leaves_the_first_chat_and_reaches_the_next(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await details_open_everywhere(people, connector)
    first, note = people.advocate_a, RECORD_WORDS["reached"]
    await first.click("Case record")
    await first.click("Log a contact")
    await saved(first, how="phone", note=note)
    await first.click("Open")

    await people.smlo.click("Give to another advocate")
    await people.smlo.click(
        "Ask them", reason="conflict_found", advocate_id=ADVOCATE_B_ID, override="conflict_checked"
    )

    await connector.wait_until(
        lambda: not (shows_any_canary(first) or shows(first, note)), within=WAIT
    )
    assert shows(first, "SMA-2026-0001 is now with another advocate")
    nxt = people.advocate_b
    await connector.wait_until(lambda: shows(nxt, "Can you support someone?"), within=WAIT)
    assert not shows(nxt, ACCOUNT), "nothing before they say yes"
    assert not shows(nxt, note)
    await nxt.click("Yes, I can")
    await nxt.click("Case record")
    await nxt.click("Open")
    assert shows(nxt, note), "the handover: the record is theirs now"
    await connector.wait_until(
        lambda: shows(people.referrer, "A new advocate will support you"), within=WAIT
    )


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
