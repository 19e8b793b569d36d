"""Only the Bot Framework, with a token signed for this bot, can start a turn (401
otherwise, and nothing runs). Development mode is the one exception, and says so."""

from __future__ import annotations

import json
import logging
import time

import jwt
import pytest

from tests.security.conftest import APP_ID, ISSUER, Caller, TokenAuthority


async def test_a_message_with_a_valid_token_is_answered_in_the_persons_chat(
    teams: Caller, authority: TokenAuthority
) -> None:
    person = teams.person()
    message = person.activity("message", text="hello")

    status = await teams.post(message, token=authority.token(message["serviceUrl"]))

    assert status == 201
    assert teams.bot.turns == ["message"]
    await teams.connector.wait_until(lambda: bool(person.chat.messages))


async def test_a_card_action_with_a_valid_token_gets_its_card_back_in_the_answer(
    teams: Caller, authority: TokenAuthority
) -> None:
    invoke = teams.person().activity(
        "invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": "intake.not_now", "data": {}}},
    )

    status = await teams.post(invoke, token=authority.token(invoke["serviceUrl"]))

    assert status == 200
    answer = json.loads(teams.last_body)
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert answer["value"]["type"] == "AdaptiveCard"
    assert teams.bot.turns == ["invoke"]


async def test_a_message_without_a_token_is_refused_and_nothing_runs(teams: Caller) -> None:
    status = await teams.post(teams.message())

    assert status == 401
    assert teams.bot.nothing_ran()


def _forged_tokens(authority: TokenAuthority, service_url: str) -> dict[str, str]:
    now = int(time.time())
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "exp": now + 600},
        key="",
        algorithm="none",
        headers={"kid": "test-signing-key"},
    )
    return {
        "signed with another key": authority.token(service_url, key=authority.other_key),
        "from another issuer": authority.token(service_url, issuer="https://evil.example"),
        "for another bot": authority.token(service_url, audience="someone-else"),
        "expired ten minutes ago": authority.token(service_url, lifetime=-600),
        "signed by an unknown key id": authority.token(
            service_url, key=authority.other_key, kid="unknown-key"
        ),
        "for another service url": authority.token("https://smba.trafficmanager.net/uk/"),
        "not signed at all": unsigned,
        "not a token": "not-a-jwt",
    }


FORGERIES = [
    "signed with another key",
    "from another issuer",
    "for another bot",
    "expired ten minutes ago",
    "signed by an unknown key id",
    "for another service url",
    "not signed at all",
    "not a token",
]


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_a_message_with_a_bad_token_is_refused_and_nothing_runs(
    teams: Caller, authority: TokenAuthority, forgery: str
) -> None:
    message = teams.message()
    token = _forged_tokens(authority, message["serviceUrl"])[forgery]

    status = await teams.post(message, token=token)

    assert status == 401
    assert teams.bot.nothing_ran()


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "bearer x y"])
async def test_an_authorization_header_that_is_not_a_bearer_token_is_refused(
    teams: Caller, header: str
) -> None:
    status = await teams.post(teams.message(), authorization=header)

    assert status == 401
    assert teams.bot.nothing_ran()


async def test_refusals_are_logged_with_a_reason_and_never_the_token_or_the_words(
    teams: Caller, authority: TokenAuthority, caplog: pytest.LogCaptureFixture
) -> None:
    message = teams.message(text="something private happened")
    token = authority.token(message["serviceUrl"], issuer="https://evil.example")
    caplog.set_level(logging.INFO)

    assert await teams.post(message, token=token) == 401
    assert await teams.post(message) == 401

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "reason=token-rejected" in logged
    assert "reason=no-token" in logged
    assert token not in logged
    assert token.split(".")[1] not in logged, "not even the claims"
    assert "something private" not in logged


async def test_development_mode_runs_without_a_token(local: Caller) -> None:
    person = local.person()

    status = await local.post(person.activity("message", text="hello"))

    assert status == 201
    assert local.bot.turns == ["message"]
    await local.connector.wait_until(lambda: bool(person.chat.messages))


async def test_development_mode_ignores_a_token_rather_than_checking_it_online(
    local: Caller,
) -> None:
    # Checking it would mean fetching Microsoft's keys over the internet.
    status = await local.post(local.message(), token="not-a-jwt")

    assert status == 201
    assert local.bot.turns == ["message"]
