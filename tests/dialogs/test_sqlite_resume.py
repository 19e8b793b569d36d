"""The intake survives across bot instances when dialog state lives in the real store:
every turn here gets a new `SmaBot` and `ConversationState`, as after a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from referrals.clock import FakeClock
from referrals.intake import IntakeStep, Route
from referrals.states import ReferralState
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_bot_state import SqliteBotStateStorage
from tests.dialogs.conftest import REFERRER_ID
from tests.dialogs.flows import (
    ABOUT_YOU,
    CONTACT,
    MONITORING,
    SUBJECT,
    WHAT_HAPPENED,
    WISHES,
    draft_of,
    heading,
    start,
)
from tests.dialogs.harness import BotWorld, Conversation, card_text, input_values

STALE = "That card was out of date, so here is where you were."


@pytest.fixture
async def sqlite_world() -> AsyncIterator[BotWorld]:
    clock = FakeClock()
    async with await SqliteStores.open(":memory:", FieldCipher(development_key_ring())) as sqlite:
        storage = SqliteBotStateStorage(sqlite, clock)
        yield BotWorld(sqlite.stores, clock, storage, fresh_bot_each_turn=True)


async def test_an_intake_resumes_through_the_sqlite_bot_state_with_a_new_bot_every_turn(
    sqlite_world: BotWorld,
) -> None:
    referrer = Conversation(sqlite_world, REFERRER_ID, "Robin Referrer")
    step_one = await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)

    # Only the stored dialog state knows which step is current.
    stale = await referrer.click_on(step_one, "Next", route="concern")
    assert heading(stale) == "Step 3 of 7: What happened"
    assert STALE in card_text(stale)
    await referrer.say("hello there")  # stray words reach the active dialog
    assert referrer.messages[-1].text == "Please answer on the card above, or type stop to stop."

    await referrer.say("stop")
    await referrer.click("Keep it for later")
    sqlite_world.clock.advance(timedelta(days=2))
    await referrer.say("continue")

    assert heading(referrer.card) == "Step 3 of 7: What happened"
    wishes = await referrer.click("Back")
    assert input_values(wishes)["wishes"] == WISHES["wishes"]
    await referrer.click("Next")
    for answers in (WHAT_HAPPENED, SUBJECT, CONTACT, MONITORING):
        await referrer.click("Next", **answers)
    draft = await draft_of(sqlite_world, referrer)
    assert (draft.step, draft.answers.route) == (IntakeStep.REVIEW, Route.EXPERIENCED)
    receipt = await referrer.click("Send my referral", consent="true")

    assert "Reference: SMA-2026-0001" in card_text(receipt)
    stored = await sqlite_world.stores.referrals.find_by_reference("SMA-2026-0001")
    assert stored is not None
    assert stored.state is ReferralState.SUBMITTED
    assert stored.answers.account == WHAT_HAPPENED["account"]
