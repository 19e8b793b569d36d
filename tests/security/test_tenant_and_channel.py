"""Only our tenant, only Teams: an activity from anywhere else is refused (403) after its
token is checked and before any handler or store sees it — even with a valid token."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import OTHER_TENANT, Caller, TokenAuthority
from tests.support.teams import TENANT

Json = dict[str, Any]


def _with_tenants(activity: Json, in_channel_data: str | None, in_conversation: str | None) -> Json:
    channel_data = {"tenant": {"id": in_channel_data}} if in_channel_data is not None else {}
    conversation = {k: v for k, v in activity["conversation"].items() if k != "tenantId"}
    if in_conversation is not None:
        conversation["tenantId"] = in_conversation
    return {**activity, "channelData": channel_data, "conversation": conversation}


TENANT_CASES = {
    "another tenant in both places": (OTHER_TENANT, OTHER_TENANT),
    "no tenant at all": (None, None),
    "no tenant in channelData": (None, TENANT),
    "no tenant on the conversation": (TENANT, None),
    "another tenant in channelData": (OTHER_TENANT, TENANT),
    "another tenant on the conversation": (TENANT, OTHER_TENANT),
    "an empty tenant id": ("", ""),
}


@pytest.mark.parametrize("case", list(TENANT_CASES))
async def test_an_activity_not_from_our_tenant_is_refused_even_with_a_valid_token(
    teams: Caller, authority: TokenAuthority, case: str
) -> None:
    activity = _with_tenants(teams.message(), *TENANT_CASES[case])

    status = await teams.post(activity, token=authority.token(activity["serviceUrl"]))

    assert status == 403
    assert teams.bot.nothing_ran()


async def test_a_second_spelling_of_the_tenant_cannot_smuggle_in_another_tenant(
    teams: Caller, authority: TokenAuthority
) -> None:
    activity = teams.message()
    activity["conversation"] = {**activity["conversation"], "tenantID": OTHER_TENANT}

    status = await teams.post(activity, token=authority.token(activity["serviceUrl"]))

    assert status == 403
    assert teams.bot.nothing_ran()


async def test_our_tenant_is_recognised_whatever_the_case_of_its_letters(
    teams: Caller, authority: TokenAuthority
) -> None:
    activity = _with_tenants(teams.message(), TENANT.upper(), TENANT)

    status = await teams.post(activity, token=authority.token(activity["serviceUrl"]))

    assert status == 201
    assert teams.bot.turns == ["message"]


# The test key, like the Bot Framework's, is endorsed for some channels: a token for any
# other channel fails authentication (401); one for an endorsed channel that is not Teams
# passes it, and the channel check refuses it (403).
@pytest.mark.parametrize(
    ("channel", "refused_with"),
    [("webchat", 403), ("", 403), ("directline", 401), ("MSTEAMS", 401)],
)
async def test_an_activity_from_another_channel_is_refused_even_with_a_valid_token(
    teams: Caller, authority: TokenAuthority, channel: str, refused_with: int
) -> None:
    activity = teams.message(channelId=channel)

    status = await teams.post(activity, token=authority.token(activity["serviceUrl"]))

    assert status == refused_with
    assert teams.bot.nothing_ran()


async def test_an_activity_without_a_channel_is_refused(
    teams: Caller, authority: TokenAuthority
) -> None:
    activity = {k: v for k, v in teams.message().items() if k != "channelId"}

    status = await teams.post(activity, token=authority.token(activity["serviceUrl"]))

    assert status == 403
    assert teams.bot.nothing_ran()


async def test_development_mode_also_refuses_another_tenant(local: Caller) -> None:
    activity = _with_tenants(local.message(), OTHER_TENANT, OTHER_TENANT)

    status = await local.post(activity)

    assert status == 403
    assert local.bot.nothing_ran()


async def test_development_mode_also_refuses_another_channel(local: Caller) -> None:
    status = await local.post(local.message(channelId="webchat"))

    assert status == 403
    assert local.bot.nothing_ran()
