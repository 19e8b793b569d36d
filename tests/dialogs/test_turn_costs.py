"""What a card turn asks of the stores: each of the busiest turns reads the referral it
changes once and saves it once, and reads the roster once (issue 16: a submit used to load
its referral twice or more, an allocation read the roster twice). Counted through a
wrapper that records every call, around the in-memory stores."""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from botbuilder.core import MemoryStorage

from cards.verbs import Verb
from referrals.clock import FakeClock
from referrals.people import Actor
from referrals.referral import Referral
from referrals.states import ReferralState
from storage.memory import memory_stores
from tests.dialogs.conftest import REFERRER_ID
from tests.dialogs.flows import answer_to_review, sent_by
from tests.dialogs.harness import SMLO_IDS, BotWorld, Conversation
from tests.dialogs.test_case_record import ADVOCATE

SMLO_ID = next(iter(SMLO_IDS))


class Counting:
    """A store whose every call is counted by method name, then passed on."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(found):
            return found

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await found(*args, **kwargs)

        return counted


@pytest.fixture
def world() -> BotWorld:
    stores = memory_stores()
    counted = replace(
        stores,
        referrals=Counting(stores.referrals),
        roster=Counting(stores.roster),
        subjects=Counting(stores.subjects),
    )
    return BotWorld(counted, FakeClock(), MemoryStorage())


def calls_of(world: BotWorld, store: str) -> Counter[str]:
    counting = getattr(world.stores, store)
    assert isinstance(counting, Counting)
    return counting.calls


async def during(world: BotWorld, turn: Callable[[], Any]) -> tuple[Counter[str], Counter[str]]:
    """The referral store's and the roster's calls during one turn."""
    referrals, roster = calls_of(world, "referrals"), calls_of(world, "roster")
    referrals.clear()
    roster.clear()
    await turn()
    return Counter(referrals), Counter(roster)


def press(verb: Verb, referral_id: str, **inputs: str) -> dict[str, Any]:
    data = {"verb": verb.value, "referral_id": referral_id, **inputs}
    return {"action": {"type": "Action.Execute", "verb": verb.value, "data": data}}


async def test_sending_a_referral_reads_it_once_and_saves_it_once(world: BotWorld) -> None:
    referrer = Conversation(world, REFERRER_ID, "Robin Referrer")
    await answer_to_review(referrer)

    subjects = calls_of(world, "subjects")
    subjects.clear()
    referrals, _ = await during(world, lambda: referrer.click("Send my referral", consent="true"))

    assert "SMA-" in referrer.card_text()
    assert (referrals["get"], referrals["save"]) == (1, 1)
    assert subjects["sharing"] == 0  # it names no one: nothing to match it with


async def test_offering_a_referral_reads_it_once_and_the_roster_once(world: BotWorld) -> None:
    await world.stores.roster.put_advocate(ADVOCATE)
    sent = await sent_by(world, REFERRER_ID)
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say(f"referral {sent.reference}")
    offer = press(Verb.ALLOCATE, sent.id, advocate_id=ADVOCATE.user_id)

    referrals, roster = await during(world, lambda: smlo.invoke(offer))

    assert "We have asked Alex Morgan" in smlo.card_text()
    assert (referrals["get"], referrals["save"]) == (1, 1)
    assert roster["list_advocates"] == 1


async def test_accepting_an_offer_reads_it_once_and_saves_it_once(world: BotWorld) -> None:
    await world.stores.roster.put_advocate(ADVOCATE)
    sent = await sent_by(world, REFERRER_ID)
    await world.services.triage.offer(Actor(SMLO_ID, is_smlo=True), sent.id, ADVOCATE.user_id)
    advocate = Conversation(world, ADVOCATE.user_id, "Alex Morgan")
    await advocate.say("hi")

    referrals, _ = await during(world, lambda: advocate.invoke(press(Verb.ACCEPT, sent.id)))

    accepted: Referral = await world.stores.referrals.get(sent.id)
    assert accepted.state is ReferralState.ACTIVE
    assert (referrals["get"], referrals["save"]) == (1, 1)
