"""The use-case world the service and case-record unit tests share: in-memory stores, a
fixed clock, the roster, and the people who act in it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from referrals.clock import FakeClock
from referrals.people import Actor
from referrals.ports import Stores
from referrals.services import Services
from tests.unit.test_services import build_stores, make_service


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def stores() -> Stores:
    return build_stores()


@pytest.fixture
async def service(stores: Stores, clock: FakeClock) -> Services:
    return await make_service(stores, clock)


@pytest.fixture
async def smlo(service: Services) -> Actor:
    return await service.identify("smlo-1", "Sam Smlo")


@pytest.fixture
async def advocate(service: Services) -> Actor:
    return await service.identify("advocate-1", "Ada Advocate")


@pytest.fixture
async def other_advocate(service: Services) -> Actor:
    return await service.identify("advocate-2", "Ben Advocate")


@pytest.fixture
async def referrer(service: Services) -> Actor:
    return await service.identify("referrer-1", "Rosa Referrer")


@pytest.fixture
async def stranger(service: Services) -> Actor:
    return await service.identify("stranger-1", "Stan Stranger")
