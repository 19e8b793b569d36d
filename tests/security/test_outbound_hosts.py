"""The bot sends only to Bot Connector hosts on SMA_ALLOWED_SERVICE_HOSTS (exact names;
https unless loopback): a forged serviceUrl never receives its token or any message.

Two connector stand-ins run in each test: the trusted one on 127.0.0.1, and a rogue one
on 127.0.0.2 that must not receive a single request.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from botbuilder.schema import Activity

from bot.outbox.messenger import ServiceHostNotAllowed, TeamsMessenger
from bot.references import reference_of
from common.hosts import service_url_allowed
from config.settings import SettingsError, load_settings
from tests.security.conftest import (
    APP_ID,
    SMLO_ID,
    Caller,
    StartBot,
    TokenAuthority,
    development_environment,
    production_environment,
)
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TENANT


async def test_an_activity_naming_an_unknown_connector_is_refused_and_it_hears_nothing(
    teams: Caller, authority: TokenAuthority, rogue_connector: ConnectorStandIn
) -> None:
    forged = teams.message(serviceUrl=rogue_connector.url)
    # Even a token whose serviceurl claim matches (a stolen or mis-issued one) is not enough.
    status = await teams.post(forged, token=authority.token(rogue_connector.url))

    assert status == 403
    await asyncio.sleep(0.2)  # give any stray background delivery the chance to show itself
    assert rogue_connector.hits == []
    assert teams.bot.nothing_ran()


async def test_the_trusted_connector_still_works_beside_a_refused_one(
    teams: Caller, authority: TokenAuthority, rogue_connector: ConnectorStandIn
) -> None:
    forged = teams.message(serviceUrl=rogue_connector.url)
    assert await teams.post(forged, token=authority.token(rogue_connector.url)) == 403

    person = teams.person()
    genuine = person.activity("message", text="hello")
    assert await teams.post(genuine, token=authority.token(genuine["serviceUrl"])) == 201

    await teams.connector.wait_until(lambda: bool(person.chat.messages))
    assert rogue_connector.hits == []


async def test_the_rogue_connector_would_be_reached_if_it_were_allowed(
    start_bot: StartBot,
    authority: TokenAuthority,
    connector: ConnectorStandIn,
    rogue_connector: ConnectorStandIn,
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    """Control: the refusal above comes from the allow-list, not from a broken stand-in."""
    environment = production_environment(authority, connector.url, f"{tmp_path}/sma.sqlite3")
    environment["SMA_ALLOWED_SERVICE_HOSTS"] = "127.0.0.1,127.0.0.2"
    bot = await start_bot(environment)
    caller = Caller(http, bot, rogue_connector)
    person = caller.person()
    activity = person.activity("message", text="hello")

    assert await caller.post(activity, token=authority.token(rogue_connector.url)) == 201
    await rogue_connector.wait_until(lambda: bool(rogue_connector.hits))


async def test_development_mode_also_refuses_an_unknown_connector(
    local: Caller, rogue_connector: ConnectorStandIn
) -> None:
    status = await local.post(local.message(serviceUrl=rogue_connector.url))

    assert status == 403
    await asyncio.sleep(0.2)
    assert rogue_connector.hits == []
    assert local.bot.nothing_ran()


async def test_the_messenger_will_not_use_a_stored_reference_to_an_unknown_connector(
    teams: Caller, rogue_connector: ConnectorStandIn
) -> None:
    runtime = teams.bot.runtime
    planted = Activity().deserialize(
        teams.person(SMLO_ID).activity("message", serviceUrl=rogue_connector.url)
    )
    await runtime.stores.conversations.put_reference(SMLO_ID, reference_of(planted))

    with pytest.raises(ServiceHostNotAllowed):
        await runtime.messenger.send(SMLO_ID, Activity(type="message", text="New referral"))

    assert rogue_connector.hits == []


async def test_the_messenger_will_not_open_a_chat_through_an_unknown_connector(
    teams: Caller, rogue_connector: ConnectorStandIn
) -> None:
    runtime = teams.bot.runtime
    messenger = TeamsMessenger(
        runtime.adapter,
        runtime.stores.conversations,
        runtime.stores.roster,
        APP_ID,
        rogue_connector.url,
        TENANT,
        frozenset({SMLO_ID}),
        allowed_service_hosts=frozenset({"127.0.0.1"}),
    )

    with pytest.raises(ServiceHostNotAllowed):
        await messenger.send(SMLO_ID, Activity(type="message", text="New referral"))

    assert rogue_connector.hits == []


async def test_the_messenger_sends_through_the_trusted_connector(
    teams: Caller, connector: ConnectorStandIn
) -> None:
    runtime = teams.bot.runtime
    person = teams.person(SMLO_ID)
    stored = Activity().deserialize(person.activity("message"))
    await runtime.stores.conversations.put_reference(SMLO_ID, reference_of(stored))

    await runtime.messenger.send(SMLO_ID, Activity(type="message", text="New referral"))

    assert [m.get("text") for m in person.chat.messages.values()] == ["New referral"]


def test_the_bot_will_not_start_with_a_service_url_outside_the_allowed_hosts(
    tmp_path: Path, authority: TokenAuthority
) -> None:
    environment = production_environment(
        authority, "https://smba.trafficmanager.net.evil.example/uk/", f"{tmp_path}/x.sqlite3"
    )
    with pytest.raises(SettingsError, match="SMA_TEAMS_SERVICE_URL"):
        load_settings(environment)
    with pytest.raises(SettingsError, match="SMA_TEAMS_SERVICE_URL"):
        load_settings(development_environment("http://127.0.0.2:9/", f"{tmp_path}/y.sqlite3"))


TEAMS = frozenset({"smba.trafficmanager.net"})


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/uk/",
        "https://SMBA.trafficmanager.net/emea/",
        "https://smba.trafficmanager.net:443/amer/",
    ],
)
def test_the_teams_connector_is_allowed(url: str) -> None:
    assert service_url_allowed(url, TEAMS)


@pytest.mark.parametrize(
    "url",
    [
        "http://smba.trafficmanager.net/uk/",  # no TLS: the token would travel in clear
        "https://smba.trafficmanager.net.evil.example/uk/",
        "https://evil-smba.trafficmanager.net/uk/",
        "https://uk.smba.trafficmanager.net/",
        "https://smba.trafficmanager.net@evil.example/uk/",
        "https://user:pass@smba.trafficmanager.net/uk/",
        "https://smba.trafficmanager.net:notaport/",
        "ftp://smba.trafficmanager.net/",
        "smba.trafficmanager.net/uk/",
        "",
    ],
)
def test_anything_else_is_not(url: str) -> None:
    assert not service_url_allowed(url, TEAMS)


def test_plain_http_is_allowed_only_to_a_loopback_test_connector() -> None:
    assert service_url_allowed("http://127.0.0.1:8080/", frozenset({"127.0.0.1"}))
    assert not service_url_allowed("http://connector.example/", frozenset({"connector.example"}))
    assert not service_url_allowed("http://localhost:8080/", frozenset({"127.0.0.1"}))
