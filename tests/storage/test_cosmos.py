"""What only the Cosmos DB adapters must show, against the real loopback server.

The shared behaviour is in test_contract.py (its "cosmos" runs); these cover ETag races
through the services, the audit container, TTL, retention, start-up and a store that is
down. Each test has a fresh database of its own on the session's server.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from referrals import errors
from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from referrals.clock import FakeClock
from referrals.people import Actor
from referrals.ports import ReferralStore, Stores
from referrals.referral import Referral
from referrals.services import RetentionPolicy, Services
from referrals.states import ReferralState
from storage.cosmos import CosmosSettings, CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.cosmos_database import read_or_none
from tests.storage.conftest import (
    ADVOCATE,
    CIPHER,
    REFERRER,
    SECOND_ADVOCATE,
    SMLO,
    SMLO_IDS,
    Scenario,
    as_advocate,
)
from tests.storage.cosmos_server import EMULATOR_KEY, CosmosTestServer

SECOND_SMLO = Actor("u-smlo-2", "Sid Smlo", is_smlo=True)


class CountingReferrals:
    """The real store, counting the saves it refused as concurrent updates."""

    def __init__(self, store: ReferralStore) -> None:
        self._store = store
        self.refused = 0

    async def save(self, referral: Referral) -> None:
        try:
            await self._store.save(referral)
        except errors.ConcurrentUpdate:
            self.refused += 1
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def test_two_smlos_allocating_at_once_exactly_one_wins_and_the_other_is_told(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    scenario = Scenario(cosmos.stores, clock)
    for advocate in (ADVOCATE, SECOND_ADVOCATE):
        await cosmos.stores.roster.put_advocate(advocate)
    submitted = await scenario.submitted()
    counting = CountingReferrals(cosmos.stores.referrals)
    stores = Stores(
        counting,
        cosmos.stores.roster,
        cosmos.stores.outbox,
        cosmos.stores.conversations,
        cosmos.stores.views,
        cosmos.stores.records,
        cosmos.stores.checkins,
        cosmos.stores.timers,
        cosmos.stores.subjects,
    )
    service = Services.build(stores, clock, frozenset(SMLO_IDS), CosmosAuditLog(cosmos.database))

    results = await asyncio.gather(
        service.triage.offer(SMLO, submitted.id, ADVOCATE.user_id),
        service.triage.offer(SECOND_SMLO, submitted.id, SECOND_ADVOCATE.user_id),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, Referral)]
    assert len(winners) == 1
    assert [type(r) for r in results if isinstance(r, Exception)] == [
        errors.ReferralAlreadyAllocated
    ]
    assert counting.refused == 1, "the ETag check, not luck, decided the race"
    stored = await cosmos.stores.referrals.get(submitted.id)
    assert (stored.state, stored.offered_to) == (ReferralState.OFFERED, winners[0].offered_to)
    assert [e.name for e in stored.history].count("AllocationOffered") == 1
    offers = [n for n in await cosmos.stores.outbox.pending() if n.kind == "offered"]
    assert [n.recipient_id for n in offers] == [winners[0].offered_to]
    trail = await service.steps.audit.for_referral(submitted.id)
    assert sorted(e.outcome for e in trail if e.action is AuditAction.OFFER) == [
        Outcome.ALLOWED,
        Outcome.REFUSED,
    ]


async def test_a_delivery_receipt_racing_a_change_loses_neither(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    scenario = Scenario(cosmos.stores, clock)
    referral = await scenario.submitted()
    first = (await cosmos.stores.outbox.pending())[0]
    referral.offer(SMLO, ADVOCATE, scenario.tick())

    await asyncio.gather(
        cosmos.stores.outbox.mark_sent(first.id, "conv", "act", scenario.tick()),
        cosmos.stores.referrals.save(referral),
    )

    pending = await cosmos.stores.outbox.pending()
    assert first.id not in {n.id for n in pending}
    assert "offered" in {n.kind for n in pending}
    assert (await cosmos.stores.referrals.get(referral.id)).state is ReferralState.OFFERED


async def test_a_lane_still_delivering_after_a_later_read_marks_its_message_with_a_point_read(
    cosmos: CosmosStores, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = Scenario(cosmos.stores, clock)
    await scenario.submitted()
    outbox = cosmos.stores.outbox
    (to_smlo, *_) = [n for n in await outbox.pending() if n.recipient_id == SMLO_IDS[0]]
    await outbox.pending(leaving_out=frozenset({SMLO_IDS[0]}))  # the next pass, their lane on

    async def fan_out(notification_id: str) -> str:
        raise AssertionError("a fan-out query to find the referral again")

    monkeypatch.setattr(outbox, "_holder_of", fan_out)
    await outbox.mark_sent(to_smlo.id, "conv", "act", scenario.tick())

    assert to_smlo.id not in {n.id for n in await outbox.pending()}


async def test_audit_entries_read_back_in_order_and_the_log_can_only_add(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    log = CosmosAuditLog(cosmos.database)
    at = clock.now()  # the same instant for all: order must come from the write order
    written = [
        AuditEntry(at, "r1", f"actor-{n}", ActorRole.SMLO, AuditAction.VIEW_DETAILS, outcome)
        for n, outcome in enumerate([Outcome.ALLOWED, Outcome.REFUSED, Outcome.ALLOWED])
    ]
    other = AuditEntry(at, "r2", "", ActorRole.REFERRER, AuditAction.SUBMIT, Outcome.ALLOWED)
    for entry in [*written[:2], other, written[2]]:
        await log.append(entry)

    assert await log.for_referral("r1") == written
    assert [e.action for e in await log.for_referral("r2")] == [AuditAction.SUBMIT]
    assert await log.for_referral("r-none") == []
    public = {name for name in dir(log) if not name.startswith("_")}
    assert public == {"append", "for_referral", "between"}


async def test_drafts_carry_a_ttl_that_submitting_removes(cosmos_server: CosmosTestServer) -> None:
    clock = FakeClock()
    settings = cosmos_server.settings(
        draft_ttl=timedelta(days=31), bot_state_ttl=timedelta(days=30)
    )
    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        scenario = Scenario(cosmos.stores, clock)
        draft = await scenario.draft()
        container = cosmos.database.referrals

        stored = await read_or_none(container, draft.id, draft.id)
        assert stored is not None
        assert stored["ttl"] == 31 * 24 * 3600
        await scenario.submit(draft)
        stored = await read_or_none(container, draft.id, draft.id)
        assert stored is not None
        assert "ttl" not in stored
        # An item's ttl counts only where the container has TTL on: -1 is on, no default.
        assert (await container.read())["defaultTtl"] == -1
        assert (await cosmos.database.bot_state.read())["defaultTtl"] == 30 * 24 * 3600


async def test_retention_purges_ended_referrals_and_deletes_old_drafts(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    scenario = Scenario(cosmos.stores, clock)
    service = Services.build(
        cosmos.stores, clock, frozenset(SMLO_IDS), CosmosAuditLog(cosmos.database)
    )
    old_draft = await scenario.draft()
    closed = await scenario.active()
    await scenario.change(closed, lambda at: closed.close(as_advocate(ADVOCATE), at))
    open_case = await scenario.submitted()
    clock.advance(timedelta(days=400))
    fresh_draft = await scenario.draft(Actor("u-fresh", "Fresh Referrer"))

    report = await service.retention.purge_expired(RetentionPolicy(ended_days=365, draft_days=30))

    assert (report.referrals_purged, report.drafts_deleted) == (1, 1)
    with pytest.raises(errors.ReferralNotFound):
        await cosmos.stores.referrals.get(old_draft.id)
    assert (await cosmos.stores.referrals.get(closed.id)).is_purged
    assert (await cosmos.stores.referrals.get(open_case.id)).referrer_id == REFERRER.user_id
    assert await cosmos.stores.referrals.get(fresh_draft.id) == fresh_draft
    assert await service.retention.purge_expired(RetentionPolicy(365, 30)) == type(report)(0, 0)


async def test_start_up_creates_what_is_missing_unless_told_not_to(
    cosmos_server: CosmosTestServer,
) -> None:
    settings = cosmos_server.settings(create_if_missing=False)
    with pytest.raises(RuntimeError, match="does not exist; create it"):
        await CosmosStores.open(settings, CIPHER)

    async with await CosmosStores.open(cosmos_server.settings(settings.database), CIPHER):
        pass  # creates them
    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        await cosmos.stores.roster.put_advocate(ADVOCATE)
        assert await cosmos.stores.roster.get_advocate(ADVOCATE.user_id) == ADVOCATE


class FakeEntraCredential:
    """An AsyncTokenCredential that hands out a made-up token and counts the requests."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.scopes.extend(scopes)
        return AccessToken("not-a-real-token", 4102444800)

    async def close(self) -> None:
        pass


async def test_a_token_credential_is_used_when_no_key_is_given(
    cosmos_server: CosmosTestServer,
) -> None:
    credential = FakeEntraCredential()
    settings = cosmos_server.settings(key="")
    assert settings.key == ""
    opened = await CosmosStores.open(settings, CIPHER, credential=credential)  # type: ignore[arg-type]
    async with opened as cosmos:
        await cosmos.stores.roster.put_advocate(ADVOCATE)

    assert credential.scopes
    assert all(scope.endswith("/.default") for scope in credential.scopes)


async def test_without_a_key_or_azure_identity_start_up_says_what_to_install(
    cosmos_server: CosmosTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "azure.identity.aio", None)  # as if not installed
    with pytest.raises(RuntimeError, match="azure-identity"):
        await CosmosStores.open(cosmos_server.settings(key=""), CIPHER)


@pytest.mark.parametrize(
    ("endpoint", "verify", "problem"),
    [
        ("http://127.0.0.1:8081/", True, "https"),
        ("https://sma.documents.azure.com:443/", False, "loopback endpoint only"),
    ],
)
def test_settings_refuse_plain_http_and_unverified_tls_beyond_loopback(
    endpoint: str, verify: bool, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        CosmosSettings(endpoint=endpoint, key=EMULATOR_KEY, verify_tls=verify)
    settings = CosmosSettings(endpoint="https://x.documents.azure.com/", key="s3cret-key")
    assert "s3cret-key" not in repr(settings)
