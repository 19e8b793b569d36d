"""Whatever is posted to /api/messages, the answer is a 4xx — never a 500 with a trace —
and nothing malformed reaches a handler or a store. Card actions with any payload get a
card a person can read."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.messages import UNEXPECTED
from cards.verbs import Verb
from tests.security.conftest import SMLO_ID, Caller
from tests.support.teams import card_texts

Json = dict[str, Any]
CARD = "application/vnd.microsoft.card.adaptive"


async def _refused_quietly(caller: Caller, status: int, expected: int) -> None:
    assert status == expected, caller.last_body
    assert "Traceback" not in caller.last_body
    assert caller.bot.nothing_ran()


async def test_a_body_over_the_size_limit_is_refused(local: Caller) -> None:
    huge = local.message(text="x" * (300 * 1024))

    await _refused_quietly(local, await local.post(huge), 413)


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b"", b'{"type": "message",}', b"\xff\xfe", b"[" * 100_000, b"NaN"],
    ids=["truncated", "words", "empty", "trailing comma", "not utf-8", "too deep", "NaN"],
)
async def test_a_body_that_is_not_json_is_refused(local: Caller, raw: bytes) -> None:
    gc.collect()  # no finalizer left to run at the recursion limit the deep body reaches
    await _refused_quietly(local, await local.post(raw=raw), 400)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/json", None]
)
async def test_a_body_that_is_not_declared_as_json_is_refused(
    local: Caller, content_type: str | None
) -> None:
    status = await local.post(local.message(), content_type=content_type)

    await _refused_quietly(local, status, 415)


async def test_a_get_is_refused(local: Caller) -> None:
    async with local.http.get(f"{local.bot.url}/api/messages") as response:
        assert response.status == 405
    assert local.bot.nothing_ran()


def _without(activity: Json, key: str) -> Json:
    return {k: v for k, v in activity.items() if k != key}


def _card_action(caller: Caller, value: Any) -> Json:
    return caller.person().activity("invoke", name="adaptiveCard/action", value=value)


def _malformed(caller: Caller) -> dict[str, Any]:
    message = caller.message()
    return {
        "a list": [message],
        "a string": "message",
        "null": None,
        "no type": _without(message, "type"),
        "an unknown type": {**message, "type": "surprise"},
        "a type that is not a string": {**message, "type": ["message"]},
        "no sender": _without(message, "from"),
        "a sender without id": {**message, "from": {"name": "Robin"}},
        "a sender that is a string": {**message, "from": "Robin"},
        "no conversation": _without(message, "conversation"),
        "a conversation without id": {**message, "conversation": {"tenantId": "x"}},
        "no recipient": _without(message, "recipient"),
        "no service url": _without(message, "serviceUrl"),
        "text that is not a string": {**message, "text": {"$": "hello"}},
        "an Entra id that is not a string": {
            **message,
            "from": {**message["from"], "aadObjectId": 42},
        },
        "channel data that is a list": {**message, "channelData": []},
        "a tenant that is a string": {**message, "channelData": {"tenant": "x"}},
        "a bad timestamp": {**message, "timestamp": "yesterday"},
        "replies asked for in the answer": {**message, "deliveryMode": "expectReplies"},
        "members added that are not a list": {**message, "membersAdded": "everyone"},
        "an invoke without a name": _without(_card_action(caller, {}), "name"),
        "an invoke the bot does not answer": {**_card_action(caller, {}), "name": "task/fetch"},
        "an invoke from nobody": {
            **_card_action(caller, {"action": {"type": "Action.Execute", "verb": "x"}}),
            "from": {"id": "29:someone"},
        },
        "a card action without value": _card_action(caller, None),
        "a card action whose value is a list": _card_action(caller, []),
        "a card action without action": _card_action(caller, {"trigger": "manual"}),
        "a card action whose action is a string": _card_action(caller, {"action": "go"}),
        "a card action that is not Action.Execute": _card_action(
            caller, {"action": {"type": "Action.Submit", "verb": "intake.start"}}
        ),
        "a card action whose verb is a number": _card_action(
            caller, {"action": {"type": "Action.Execute", "verb": 7}}
        ),
        "a card action whose data is a list": _card_action(
            caller, {"action": {"type": "Action.Execute", "verb": "intake.start", "data": []}}
        ),
    }


MALFORMED = [
    "a list",
    "a string",
    "null",
    "no type",
    "an unknown type",
    "a type that is not a string",
    "no sender",
    "a sender without id",
    "a sender that is a string",
    "no conversation",
    "a conversation without id",
    "no recipient",
    "no service url",
    "text that is not a string",
    "an Entra id that is not a string",
    "channel data that is a list",
    "a tenant that is a string",
    "a bad timestamp",
    "replies asked for in the answer",
    "members added that are not a list",
    "an invoke without a name",
    "an invoke the bot does not answer",
    "an invoke from nobody",
    "a card action without value",
    "a card action whose value is a list",
    "a card action without action",
    "a card action whose action is a string",
    "a card action that is not Action.Execute",
    "a card action whose verb is a number",
    "a card action whose data is a list",
]


@pytest.mark.parametrize("shape", MALFORMED)
async def test_an_activity_of_the_wrong_shape_is_refused(local: Caller, shape: str) -> None:
    await _refused_quietly(local, await local.post(_malformed(local)[shape]), 400)


async def test_the_same_shapes_are_refused_in_production_before_the_token_is_checked(
    teams: Caller,
) -> None:
    for shape in MALFORMED:
        assert await teams.post(_malformed(teams)[shape]) == 400, shape
    assert teams.bot.nothing_ran()


# -- properties ---------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
ACTIVITY_KEYS = [
    "type", "id", "channelId", "serviceUrl", "from", "recipient", "conversation",
    "channelData", "text", "value", "name", "timestamp", "membersAdded", "replyToId",
]  # fmt: skip
RANDOM_BODIES = JSON | st.dictionaries(st.sampled_from(ACTIVITY_KEYS), JSON, max_size=8)
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis folder in the repository; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(body=RANDOM_BODIES)
async def test_no_random_json_reaches_the_bot_or_causes_a_500(local: Caller, body: Any) -> None:
    status = await local.post(body)

    assert 400 <= status < 500, f"{status}: {local.last_body}"
    assert local.bot.nothing_ran()


PATHS = [
    ("type",), ("id",), ("channelId",), ("serviceUrl",), ("text",), ("timestamp",),
    ("from",), ("from", "id"), ("from", "aadObjectId"), ("recipient",), ("recipient", "id"),
    ("conversation",), ("conversation", "id"), ("conversation", "tenantId"),
    ("conversation", "conversationType"), ("channelData",), ("channelData", "tenant"),
    ("channelData", "tenant", "id"), ("name",), ("value",), ("value", "action"),
    ("value", "action", "type"), ("value", "action", "verb"), ("value", "action", "data"),
    ("replyToId",), ("membersAdded",), ("locale",), ("entities",), ("attachments",),
]  # fmt: skip
DELETE = object()


def _mutate(activity: Json, path: tuple[str, ...], new: Any) -> Json:
    if len(path) == 1:
        rest = {k: v for k, v in activity.items() if k != path[0]}
        return rest if new is DELETE else {**rest, path[0]: new}
    inner = activity.get(path[0])
    if not isinstance(inner, dict):
        return activity
    return {**activity, path[0]: _mutate(inner, path[1:], new)}


MUTATIONS = st.lists(
    st.tuples(st.sampled_from(PATHS), st.just(DELETE) | JSON), min_size=1, max_size=3
)


def _originals(caller: Caller) -> list[Json]:
    person = caller.person()
    return [
        person.activity("message", text="hello"),
        person.activity(
            "invoke",
            name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": "intake.start", "data": {}}},
        ),
        person.activity("conversationUpdate", membersAdded=[{"id": person.teams_id}]),
    ]


@PROPERTY
@given(which=st.integers(0, 2), mutations=MUTATIONS)
async def test_a_mutated_activity_is_refused_with_a_4xx_or_handled_never_a_500(
    local: Caller, which: int, mutations: list[tuple[tuple[str, ...], Any]]
) -> None:
    activity = _originals(local)[which]
    for path, new in mutations:
        activity = _mutate(activity, path, new)
    turns, rows = len(local.bot.turns), local.bot.rows()
    hits = len(local.connector.hits)

    status = await local.post(activity)

    assert status < 500, f"{status}: {local.last_body}"
    if status >= 400:
        assert "Traceback" not in local.last_body
        assert len(local.bot.turns) == turns, "a refused activity reached the bot"
        assert local.bot.rows() == rows, "a refused activity changed the store"
        assert len(local.connector.hits) == hits


ANSWER_KEYS = st.sampled_from(
    ["referral_id", "step", "verb", "what_happened", "who", "role", "contact", "reason"]
)
CARD_DATA = st.dictionaries(
    ANSWER_KEYS | st.text(max_size=12), st.text(max_size=40) | JSON, max_size=5
)
VERBS = st.sampled_from([v.value for v in Verb]) | st.text(max_size=20)


@PROPERTY
@given(verb=VERBS, data=CARD_DATA, as_smlo=st.booleans())
async def test_any_card_payload_gets_a_card_a_person_can_read(
    local: Caller, verb: str, data: Json, as_smlo: bool
) -> None:
    person = local.person(SMLO_ID) if as_smlo else local.person()
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    invoke = person.activity("invoke", name="adaptiveCard/action", value=value)

    status = await local.post(invoke)

    assert status == 200, local.last_body
    answer = json.loads(local.last_body)
    assert answer["statusCode"] == 200, answer
    assert answer["type"] == CARD, answer
    words = card_texts(answer["value"])
    assert words, "the card says something"
    assert UNEXPECTED[0] not in words, "an unexpected failure, not a kind refusal"
