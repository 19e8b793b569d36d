"""A bot world over in-memory stores and botbuilder's MemoryStorage, and two referrers."""

from __future__ import annotations

import pytest
from botbuilder.core import MemoryStorage

from referrals.clock import FakeClock
from storage.memory import memory_stores
from tests.dialogs.harness import BotWorld, Conversation

REFERRER_ID = "00000000-0000-4000-8000-00000000c001"
OTHER_ID = "00000000-0000-4000-8000-00000000c002"


@pytest.fixture
def world() -> BotWorld:
    return BotWorld(memory_stores(), FakeClock(), MemoryStorage())


@pytest.fixture
def referrer(world: BotWorld) -> Conversation:
    return Conversation(world, REFERRER_ID, "Robin Referrer")


@pytest.fixture
def other(world: BotWorld) -> Conversation:
    return Conversation(world, OTHER_ID, "Pat Other")
