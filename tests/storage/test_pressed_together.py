"""Two turns of one person at once, on one store (issue 16): two bot instances (two apps,
each building a fresh bot and reading dialog state from the store every turn) take one
press each of the same intake card, on two devices. Both read the dialog state before
either saves it; the one that saves second is refused by its e-tag. One goes on; the other
is told, kindly, that two presses arrived at once; the draft holds what both were given.

Run on SQLite and on the loopback Cosmos DB-protocol server."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botbuilder.core import Storage

from bot.messages import PRESSED_TOGETHER_MID_INTAKE
from referrals.clock import FakeClock
from referrals.intake import When, YesNoUnsure
from referrals.ports import Stores
from referrals.states import ReferralState
from storage.cosmos import CosmosStores
from storage.cosmos_bot_state import CosmosBotStateStorage
from storage.sqlite import SqliteStores
from storage.sqlite_bot_state import SqliteBotStateStorage
from tests.dialogs.conftest import REFERRER_ID
from tests.dialogs.flows import ABOUT_YOU, WISHES, answer_to_review, draft_of, heading, start
from tests.dialogs.harness import BotWorld, Conversation, Message, card_text
from tests.storage.conftest import CIPHER
from tests.storage.cosmos_server import CosmosTestServer

ACCOUNT = "words typed on the laptop"


class TogetherStorage(Storage):  # type: ignore[misc]  # botbuilder is untyped
    """The store, except that once `together()` is called the next two writes wait for
    each other: both turns have read the state by then, so they cross for certain."""

    def __init__(self, inner: Storage) -> None:
        super().__init__()
        self._inner = inner
        self._barrier: asyncio.Barrier | None = None

    def together(self) -> None:
        self._barrier = asyncio.Barrier(2)

    async def read(self, keys: list[str]) -> dict[str, object]:
        found: dict[str, object] = await self._inner.read(keys)
        return found

    async def write(self, changes: dict[str, object]) -> None:
        barrier = self._barrier
        if barrier is not None:
            async with asyncio.timeout(30):  # generous: both turns are already running
                await barrier.wait()
            self._barrier = None
        await self._inner.write(changes)

    async def delete(self, keys: list[str]) -> None:
        await self._inner.delete(keys)


@pytest.fixture(params=["sqlite", "cosmos"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Stores, TogetherStorage]]:
    clock = FakeClock()
    if request.param == "sqlite":
        async with await SqliteStores.open(tmp_path / "one.db", CIPHER) as sqlite:
            yield sqlite.stores, TogetherStorage(SqliteBotStateStorage(sqlite, clock))
        return
    server: CosmosTestServer = request.getfixturevalue("cosmos_server")
    async with await CosmosStores.open(server.settings(), CIPHER) as cosmos:
        yield cosmos.stores, TogetherStorage(CosmosBotStateStorage(cosmos.database, clock))


async def two_devices(
    stores: Stores, storage: TogetherStorage
) -> tuple[Conversation, Conversation]:
    """One person's chat, seen by two instances (a laptop's and a phone's press)."""
    clock = FakeClock()
    first = BotWorld(stores, clock, storage, fresh_bot_each_turn=True)
    second = BotWorld(stores, clock, storage, fresh_bot_each_turn=True)
    return Conversation(first, REFERRER_ID, "Robin Referrer"), Conversation(
        second, REFERRER_ID, "Robin Referrer"
    )


def same_card(laptop: Conversation, phone: Conversation) -> None:
    assert laptop.shown is not None
    phone.shown = Message(laptop.shown.id, card=copy.deepcopy(laptop.card))
    phone.messages.append(phone.shown)


async def test_two_presses_at_once_one_goes_on_the_other_is_told_and_no_answer_is_lost(
    store: tuple[Stores, TogetherStorage],
) -> None:
    laptop, phone = await two_devices(*store)
    await start(laptop)
    await laptop.click("Next", **ABOUT_YOU)
    await laptop.click("Next", **WISHES)
    same_card(laptop, phone)

    store[1].together()
    answers = await asyncio.gather(
        laptop.press(laptop.card, "Next", account=ACCOUNT),
        phone.press(phone.card, "Next", when="past_month", colleague="yes"),
    )

    cards = [card_text(response.body.value) for response in answers]
    told = [text for text in cards if PRESSED_TOGETHER_MID_INTAKE[0] in text]
    assert len(told) == 1, cards
    assert "Type resume" in told[0]
    (went_on,) = [text for text in cards if text not in told]
    assert PRESSED_TOGETHER_MID_INTAKE[0] not in went_on
    draft = await draft_of(laptop.world, laptop)
    assert draft.answers.account == ACCOUNT
    assert (draft.answers.when, draft.answers.colleague) == (When.PAST_MONTH, YesNoUnsure.YES)

    await laptop.say("resume")  # where things stand now, with both presses' answers
    assert heading(laptop.card).startswith("Step 4 of 7")


async def test_send_pressed_twice_at_once_sends_once_and_both_show_the_receipt(
    store: tuple[Stores, TogetherStorage],
) -> None:
    """A reply that ends the intake is true whatever the other press did: shown as it is,
    and the intake is ended in the state the other turn saved, too."""
    laptop, phone = await two_devices(*store)
    await answer_to_review(laptop)
    same_card(laptop, phone)
    draft = await draft_of(laptop.world, laptop)

    store[1].together()
    answers = await asyncio.gather(
        laptop.press(laptop.card, "Send my referral", consent="true"),
        phone.press(phone.card, "Send my referral", consent="true"),
    )

    sent = await store[0].referrals.get(draft.id)
    assert sent.state is ReferralState.SUBMITTED
    for response in answers:
        assert sent.reference in card_text(response.body.value)
    await laptop.say("hello")  # the intake is over: no "answer on the card above"
    assert "answer on the card above" not in laptop.chat_text()


async def test_words_typed_as_a_card_is_pressed_keep_track_of_the_card_they_brought(
    store: tuple[Stores, TogetherStorage],
) -> None:
    """Typed `resume` on one device while Next is pressed on the other: whichever turn
    saves second still records the message it sent that shows answers, so it is cleared
    with the others later (an untracked one would stay in the chat)."""
    laptop, phone = await two_devices(*store)
    phone.world.adapter._next_id = 1000  # its message ids never collide with the laptop's
    await start(laptop)
    await laptop.click("Next", **ABOUT_YOU)
    key = f"msteams/conversations/{laptop.conversation_id}"
    before = await store[1].read([key])
    tracked: list[str] = before[key]["MessagesShowingAnswers"]  # type: ignore[index]

    store[1].together()
    await asyncio.gather(laptop.press(laptop.card, "Next", **WISHES), phone.say("resume"))

    after = await store[1].read([key])
    now: list[str] = after[key]["MessagesShowingAnswers"]  # type: ignore[index]
    assert len(now) == len(tracked) + 1  # the card `resume` sent, whoever went on
    said = phone.chat_text() + laptop.chat_text()
    assert "Step " in said
