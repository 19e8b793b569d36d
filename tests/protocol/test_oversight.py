"""The data protection auditor over real HTTP: `audit SMA-…` shows the trail and nothing of
the referral, `access report` counts every read of the last whole month (the SMLO's
included), and the auditor cannot open the referral; the SMLO cannot see the report."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from referrals.audit import ACCESS_REPORT, ActorRole, AuditAction, Outcome
from referrals.clock import FakeClock
from tests.protocol.conftest import SMLO_ID, RunningBot, make_settings, people_at, serving
from tests.protocol.journeys import ACCOUNT, referral_reaches_the_smlo, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser

AUDITOR_ID = "00000000-0000-4000-8000-00000000e001"


@pytest.fixture
async def bot(tmp_path: object, connector: ConnectorStandIn) -> AsyncIterator[RunningBot]:
    settings = make_settings(str(tmp_path), connector.url)
    with_auditor = dataclasses.replace(settings, auditor_ids=frozenset({AUDITOR_ID}))
    async with serving(with_auditor, FakeClock()) as running:
        yield running


async def test_the_auditor_sees_trails_and_the_access_report_but_never_a_referral(
    bot: RunningBot, connector: ConnectorStandIn
) -> None:
    async with aiohttp.ClientSession() as http:
        people = people_at(bot.url, connector, http)
        auditor = TeamsUser("Dana Protection", AUDITOR_ID, bot.url, connector, http)
        await referral_reaches_the_smlo(people, connector)
        await people.smlo.click("Open details")

        assert await auditor.say("hi") == 201
        assert shows(auditor, "You are the data protection auditor")
        await auditor.say("audit SMA-2026-0001")
        assert shows(auditor, "Who has seen SMA-2026-0001")
        assert shows(auditor, f"Service lead (id {SMLO_ID}) read the details")
        await auditor.say("referral SMA-2026-0001")
        assert shows(auditor, "This is not available to you")
        assert not shows(auditor, ACCOUNT)

        assert isinstance(bot.clock, FakeClock)
        bot.clock.advance(timedelta(days=31))  # the referral's month is now a whole one
        await auditor.say("access report")
        assert shows(auditor, "Access report for March 2026")
        assert shows(auditor, f"id {SMLO_ID} (service lead)")
        assert not shows(auditor, ACCOUNT)
        assert not shows(auditor, "SMA-2026-0001 ")

        await people.smlo.say("access report")
        assert shows(people.smlo, "This is not available to you")

    looks = await bot.runtime.services.steps.audit.for_referral(ACCESS_REPORT)
    assert [(e.actor_id, e.outcome) for e in looks] == [
        (AUDITOR_ID, Outcome.ALLOWED),
        (SMLO_ID, Outcome.REFUSED),
    ]
    trail = await bot.runtime.services.steps.audit.for_referral(
        (await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")).id  # type: ignore[union-attr]
    )
    by_auditor = [(e.action, e.outcome) for e in trail if e.actor_role is ActorRole.AUDITOR]
    # `referral SMA-…` is refused before any look-up (nobody but an SMLO may probe
    # references), so only the auditor's look at the trail is on the referral's trail.
    assert by_auditor == [(AuditAction.VIEW_AUDIT, Outcome.ALLOWED)]
