"""Fixtures for the storage contract: every adapter, and referrals built by the domain.

`stores` is parametrised over each adapter, so a test written once runs against all of
them. `Scenario` drives referrals through the domain's own transitions and saves each
step, as the services do, so stored data always has a shape the domain can produce.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from referrals import statistics
from referrals.clock import FakeClock
from referrals.intake import (
    AgeBand,
    BehalfRole,
    ContactMethod,
    Employment,
    Gender,
    IntakeAnswers,
    IntakeStep,
    Route,
    When,
    Wish,
    YesNoUnsure,
)
from referrals.people import Actor, Advocate
from referrals.ports import Stores
from referrals.referral import Referral
from storage.cosmos import CosmosStores
from storage.crypto import FieldCipher, KeyRing
from storage.memory import memory_stores
from storage.sqlite import SqliteStores
from tests.storage.cosmos_server import CosmosTestServer

# A fixed, unnamed offset: it survives a round trip unchanged, microseconds included.
BST = timezone(timedelta(hours=1))

REFERRER = Actor("u-referrer", "Sam Referrer")
OTHER_REFERRER = Actor("u-other", "Jo Other")
SMLO = Actor("u-smlo", "Sue Smlo", is_smlo=True)
SMLO_IDS = ("u-smlo", "u-smlo-2")
ADVOCATE = Advocate("u-adv-1", "Alex Advocate", team="North")
SECOND_ADVOCATE = Advocate("u-adv-2", "Bea Advocate", team="South")

FULL_ANSWERS = IntakeAnswers(
    route=Route.ON_BEHALF,
    employment=Employment.STAFF,
    behalf_role=BehalfRole.INVESTIGATOR,
    behalf_consent=YesNoUnsure.YES,
    behalf_name="Jo Ó Briain-Smith ✓",  # the person referred: free text, sealed with the rest
    wishes=(Wish.TALK_TO_ADVOCATE, Wish.FORMAL_REPORT),
    account="First line.\nSecond line — with “quotes”, ‘apostrophes’ and ✓.",
    when=When.PAST_MONTH,
    colleague=YesNoUnsure.NO,
    avoid="Pat Jones in the Response team",
    contact_methods=(ContactMethod.TEAMS, ContactMethod.PERSONAL_EMAIL),
    work_phone="01234 567890",
    personal_phone="07700 900123",
    personal_email="sam@example.org",
    safe_times="Weekdays after 6pm",
    leave_message=YesNoUnsure.UNSURE,
    gender=Gender.PREFER_NOT,
    age_band=AgeBand.FROM_35_TO_44,
    consent=True,
)


def key_ring(*key_ids: str, current: str) -> KeyRing:
    """A ring of fixed test keys, each derived from its id: the same id, the same key."""
    return KeyRing({i: hashlib.sha256(f"test key {i}".encode()).digest() for i in key_ids}, current)


# What the SQLite and Cosmos DB stores encrypt with in tests that are not about keys.
CIPHER = FieldCipher(key_ring("test", current="test"))


def as_advocate(advocate: Advocate) -> Actor:
    return Actor(advocate.user_id, advocate.display_name, is_advocate=True)


class Scenario:
    """Referrals at each point of their lifecycle, saved as the services would."""

    def __init__(self, stores: Stores, clock: FakeClock) -> None:
        self.stores = stores
        self.clock = clock

    def tick(self) -> datetime:
        self.clock.advance(timedelta(minutes=1, microseconds=1))
        return self.clock.now()

    async def change(self, referral: Referral, act: Callable[[datetime], None]) -> Referral:
        act(self.tick())
        await self.stores.referrals.save(referral)
        return referral

    async def draft(self, referrer: Actor = REFERRER) -> Referral:
        referral = Referral.start_draft(referrer, self.tick())
        referral.record_answers(referrer, FULL_ANSWERS, IntakeStep.REVIEW, self.tick())
        await self.stores.referrals.save(referral)
        return referral

    async def submit(self, referral: Referral, referrer: Actor = REFERRER) -> Referral:
        now = self.tick()
        number = await self.stores.referrals.next_reference_number(now.year)
        reference = f"SMA-{now.year}-{number:04d}"
        return await self.change(
            referral, lambda at: referral.submit(referrer, reference, SMLO_IDS, at)
        )

    async def submitted(self, referrer: Actor = REFERRER) -> Referral:
        return await self.submit(await self.draft(referrer), referrer)

    async def offer(self, referral: Referral, advocate: Advocate = ADVOCATE) -> Referral:
        return await self.change(referral, lambda at: referral.offer(SMLO, advocate, at))

    async def accept(self, referral: Referral, advocate: Advocate = ADVOCATE) -> Referral:
        return await self.change(
            referral, lambda at: referral.accept(as_advocate(advocate), SMLO_IDS, at)
        )

    async def offered(self, advocate: Advocate = ADVOCATE) -> Referral:
        return await self.offer(await self.submitted(), advocate)

    async def active(self, advocate: Advocate = ADVOCATE) -> Referral:
        return await self.accept(await self.offered(advocate), advocate)


async def a_few_referrals(scenario: Scenario) -> list[Referral]:
    """One active referral and one just sent: each counts towards the statistics."""
    await scenario.stores.roster.put_advocate(ADVOCATE)
    return [await scenario.active(), await scenario.submitted(OTHER_REFERRER)]


def every_month(referrals: list[Referral]) -> list[str]:
    """The months whose statistics `referrals` count towards."""
    return sorted(statistics.recount(referrals))


@pytest.fixture(scope="session")
def cosmos_server() -> Iterator[CosmosTestServer]:
    """One Cosmos DB-protocol server for the whole session, started when first needed."""
    server = CosmosTestServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def cosmos(cosmos_server: CosmosTestServer) -> AsyncIterator[CosmosStores]:
    """Cosmos DB stores over a fresh database of their own."""
    async with await CosmosStores.open(cosmos_server.settings(), CIPHER) as opened:
        yield opened


@pytest.fixture(params=["memory", "sqlite-file", "sqlite-memory", "cosmos"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    """Each adapter in turn; the contract tests run once per adapter."""
    if request.param == "memory":
        yield memory_stores()
        return
    if request.param == "cosmos":
        server: CosmosTestServer = request.getfixturevalue("cosmos_server")
        async with await CosmosStores.open(server.settings(), CIPHER) as cosmos:
            yield cosmos.stores
        return
    path = tmp_path / "referrals.db" if request.param == "sqlite-file" else ":memory:"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        yield sqlite.stores


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 9, 30, 15, 123456, tzinfo=BST))


@pytest.fixture
def scenario(stores: Stores, clock: FakeClock) -> Scenario:
    return Scenario(stores, clock)
