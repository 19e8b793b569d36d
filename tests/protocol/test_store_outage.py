"""A store that is down mid-intake: the person is told plainly, loses nothing, carries on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

CAN_NOT_SAVE = "we could not save that just now. Nothing you entered is lost"


class Outage:
    """Makes one store method fail like an unreachable database, until `end()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: Any, method: str) -> None:
        self.calls = 0
        real: Callable[..., Any] = getattr(store, method)

        async def failing(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.down:
                raise ConnectionError("store unreachable")
            return await real(*args, **kwargs)

        self.down = True
        monkeypatch.setattr(store, method, failing)

    def end(self) -> None:
        self.down = False


async def test_a_store_outage_mid_intake_loses_nothing_and_the_same_click_works_later(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    referrer = people.referrer
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="witnessed", employment="staff")
    message_id, next_button = referrer.find_action("Next")  # the "What you would like" step
    outage = Outage(monkeypatch, bot.runtime.stores.referrals, "save")

    status, body = await referrer.post(
        referrer.activity(
            "invoke",
            name="adaptiveCard/action",
            replyToId=message_id,
            value={
                "action": {
                    "type": "Action.Execute",
                    "verb": next_button["verb"],
                    "data": {**next_button["data"], "wishes": "information"},
                },
                "trigger": "manual",
            },
        )
    )

    assert status == 200
    assert body["statusCode"] == 500, "Teams keeps the card, and what was ticked on it"
    assert any(CAN_NOT_SAVE in text for text in referrer.texts())
    assert outage.calls >= 1
    draft = await bot.runtime.stores.referrals.find_draft(referrer.aad_object_id)
    assert draft is not None
    assert draft.answers.wishes == (), "nothing is claimed saved that was not"

    outage.end()
    card = await referrer.press(message_id, next_button, {"wishes": "information"})

    assert "Step 3 of 7: What happened" in card_texts(card)
    draft = await bot.runtime.stores.referrals.find_draft(referrer.aad_object_id)
    assert draft is not None
    assert [w.value for w in draft.answers.wishes] == ["information"]
    assert not shows(referrer, "Something went wrong")
