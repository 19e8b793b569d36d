"""A person in Teams, as far as the bot can tell: real HTTP posts of Teams-shaped activities.

Each `TeamsUser` has a 1:1 chat with the bot. `say()` sends a message; `click()` presses an
`Action.Execute` button on a card in their chat (with input values, as Teams merges them
into the action's data) and applies the invoke response to the chat as Teams would: the
returned card replaces the clicked one.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.connector import Chat, ConnectorStandIn, cards_of

Json = dict[str, Any]
TENANT = "5f3e0c1a-0000-4000-8000-00000000feed"
BOT_ID = "28:sma-bot"
_serial = itertools.count(1)


@dataclass
class TeamsUser:
    name: str
    aad_object_id: str
    bot_url: str
    connector: ConnectorStandIn
    http: aiohttp.ClientSession
    teams_id: str = field(default_factory=lambda: f"29:{uuid.uuid4().hex}")
    conversation_id: str = field(default_factory=lambda: f"a:{uuid.uuid4().hex}")
    last_status: int = 0

    @property
    def chat(self) -> Chat:
        return self.connector.chat(self.conversation_id)

    def activity(self, kind: str, **extra: Any) -> Json:
        return {
            "type": kind,
            "id": f"act-{next(_serial)}",
            "timestamp": "2026-03-02T09:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "from": {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad_object_id},
            "recipient": {"id": BOT_ID, "name": "SMA Support"},
            "conversation": {
                "id": self.conversation_id,
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
            **extra,
        }

    async def post(self, activity: Json) -> tuple[int, Any]:
        async with self.http.post(f"{self.bot_url}/api/messages", json=activity) as response:
            self.last_status = response.status
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    async def say(self, text: str) -> int:
        status, _ = await self.post(self.activity("message", text=text))
        return status

    async def install(self) -> int:
        activity = self.activity(
            "conversationUpdate",
            membersAdded=[{"id": self.teams_id, "aadObjectId": self.aad_object_id}],
        )
        status, _ = await self.post(activity)
        return status

    def find_action(self, title: str) -> tuple[str, Json]:
        """The newest message whose card has a button called `title`, and that button."""
        for message_id, message in reversed(list(self.chat.messages.items())):
            for card in cards_of(message):
                for found in actions_of(card):
                    if found.get("title") == title:
                        return message_id, found
        raise AssertionError(f"{self.name} has no card with a button {title!r}: {self.texts()}")

    async def click(self, title: str, **inputs: str) -> Json:
        """Press a button; returns the card Teams would show in its place."""
        message_id, button = self.find_action(title)
        return await self.press(message_id, button, inputs)

    async def submit(self, title: str, **typed: str) -> Json:
        """Press a form's button as Teams sends it: every input as the card shows it (what
        the bot filled in, such as today's date) with `typed` typed over it; Teams leaves
        empty inputs out. `click` sends only what it is given."""
        message_id, button = self.find_action(title)
        shown: dict[str, str] = {}
        if button.get("associatedInputs") != "none":
            for card in cards_of(self.chat.messages[message_id]):
                shown.update(input_values(card))
        filled = {name: value for name, value in {**shown, **typed}.items() if value}
        return await self.press(message_id, button, filled)

    async def press(self, message_id: str, button: Json, inputs: dict[str, str]) -> Json:
        value = {
            "action": {
                "type": "Action.Execute",
                "verb": button.get("verb"),
                "data": {**button.get("data", {}), **inputs},
            },
            "trigger": "manual",
        }
        invoke = self.activity(
            "invoke", name="adaptiveCard/action", value=value, replyToId=message_id
        )
        status, body = await self.post(invoke)
        assert status == 200, f"invoke answered {status}"
        if body and body.get("type") == "application/vnd.microsoft.card.adaptive":
            message = self.chat.messages.get(message_id, {})
            self.chat.messages[message_id] = {
                **message,
                "attachments": [
                    {
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "content": body["value"],
                    }
                ],
            }
            return dict(body["value"])
        return dict(body or {})

    def texts(self) -> list[str]:
        """Everything the chat shows now, as plain strings (message text and card text)."""
        return [text for message in self.chat.messages.values() for text in message_texts(message)]

    def messages_showing(self, words: str) -> list[Json]:
        """The messages in the chat that show `words` now."""
        return [
            message
            for message in self.chat.messages.values()
            if any(words in text for text in message_texts(message))
        ]


def message_texts(message: Json) -> list[str]:
    """What one message shows: its text and its cards' words."""
    shown = [str(message["text"])] if message.get("text") else []
    return shown + [text for card in cards_of(message) for text in card_texts(card)]


def actions_of(element: Any) -> list[Json]:
    """Every Action.Execute in a card, including those inside ActionSets."""
    found: list[Json] = []
    if isinstance(element, dict):
        if element.get("type") == "Action.Execute":
            found.append(element)
        for value in element.values():
            found.extend(actions_of(value))
    elif isinstance(element, list):
        for item in element:
            found.extend(actions_of(item))
    return found


def input_values(element: Any) -> dict[str, str]:
    """Every input in a card (by id) with the value it holds now."""
    found: dict[str, str] = {}
    if isinstance(element, dict):
        if str(element.get("type", "")).startswith("Input.") and "id" in element:
            found[element["id"]] = str(element.get("value", ""))
        for value in element.values():
            found.update(input_values(value))
    elif isinstance(element, list):
        for item in element:
            found.update(input_values(item))
    return found


VISIBLE = ("text", "title", "value", "label", "placeholder", "errorMessage")


def card_texts(element: Any) -> list[str]:
    """All words a card shows (text, facts, labels, choices, prefilled values, buttons);
    an action's `data` is not shown to anyone, so it is left out."""
    words: list[str] = []
    if isinstance(element, dict):
        words += [element[key] for key in VISIBLE if isinstance(element.get(key), str)]
        for key, value in element.items():
            if key != "data":
                words += card_texts(value)
    elif isinstance(element, list):
        for item in element:
            words += card_texts(item)
    return words
