"""The real `SmaBot`, wired by app.py's own `compose`, driven through botbuilder's
`TestAdapter`.

A `Conversation` is one person's Teams chat as far as they can see it: messages the bot
sent, each with its current card. A click sends an `adaptiveCard/action` invoke built from
the button's data merged with the card's input values (as Teams does, unless the button
says `associatedInputs: none`); the card in the invoke response replaces the clicked card,
and `update_activity` calls replace the card of the message they name.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from botbuilder.core import InvokeResponse, Storage
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from app import Runtime, compose
from bot.activities import CARD_TYPE
from bot.handler import SmaBot
from config.settings import Settings
from referrals.clock import FakeClock
from referrals.ports import Stores
from storage.memory import MemoryAuditLog
from tests.support.teams import actions_of

Card = dict[str, Any]
TENANT = "5f3e0c1a-0000-4000-8000-00000000feed"
BOT = ChannelAccount(id="28:sma-bot", name="SMA Support")
KEEP_DAYS = 30
SMLO_IDS = frozenset({"00000000-0000-4000-8000-00000000a001"})
AUDITOR_IDS = frozenset({"00000000-0000-4000-8000-00000000e001"})  # the data protection auditor
SETTINGS = Settings(
    development_mode=True,
    app_tenant_id=TENANT,
    smlo_ids=SMLO_IDS,
    auditor_ids=AUDITOR_IDS,
    teams_service_url="https://smba.test",
    draft_keep_days=KEEP_DAYS,
)
_serial = itertools.count(1)


class BotWorld:
    """Stores, clock, adapter and bot; with `fresh_bot_each_turn` every turn gets a new
    `SmaBot` and `ConversationState`, so dialog state can only come from the storage."""

    def __init__(
        self, stores: Stores, clock: FakeClock, storage: Storage, fresh_bot_each_turn: bool = False
    ) -> None:
        self.stores, self.clock, self._storage = stores, clock, storage
        self._audit = MemoryAuditLog()
        self.adapter = TestAdapter()
        self._fresh = fresh_bot_each_turn
        runtime = self._compose()
        self.services, self._bot = runtime.services, runtime.bot

    def _compose(self) -> Runtime:
        return compose(
            SETTINGS,
            self.stores,
            self._audit,
            self._storage,
            self.clock,
            self.adapter,
            smlo_ids=SMLO_IDS,
            auditor_ids=AUDITOR_IDS,
        )

    def _build(self) -> SmaBot:
        return self._compose().bot

    async def turn(self, activity: Activity) -> tuple[list[Activity], list[Activity]]:
        """Run one turn; returns what the bot sent and the messages it updated."""
        self.adapter.logic = (self._build() if self._fresh else self._bot).on_turn
        updated_before = len(self.adapter.updated_activities)
        await self.adapter.receive_activity(activity)
        sent = list(self.adapter.activity_buffer)
        self.adapter.activity_buffer.clear()
        return sent, self.adapter.updated_activities[updated_before:]


@dataclass
class Message:
    id: str
    text: str = ""
    card: Card | None = None


class Conversation:
    def __init__(self, world: BotWorld, user_id: str, name: str) -> None:
        self.world, self.user_id, self.name = world, user_id, name
        self.conversation_id = f"a:{user_id}"
        self.messages: list[Message] = []
        self.shown: Message | None = None  # the message holding the card in front of them

    @property
    def card(self) -> Card:
        assert self.shown is not None, "the bot has shown no card"
        assert self.shown.card is not None, "the latest message has no card"
        return self.shown.card

    def card_text(self, card: Card | None = None) -> str:
        return card_text(self.card if card is None else card)

    def chat_text(self) -> str:
        """Everything the chat shows now, the values filled in on its cards included."""
        cards = [m.card or {} for m in self.messages]
        shown = [m.text for m in self.messages] + [card_text(c) for c in cards]
        return "\n".join(shown + [v for c in cards for v in input_values(c).values()])

    async def say(self, text: str) -> None:
        await self._turn(self._activity(ActivityTypes.message, text=text))

    def type_in(self, **values: str) -> None:
        """Fill in inputs on the shown card, as the person would before pressing a button."""
        _type_into(self.card, values)

    async def click(self, title: str, **typed: str) -> Card:
        """Type `typed` into the shown card and press the button called `title`."""
        return await self.click_on(self.card, title, **typed)

    async def click_on(self, card: Card, title: str, **typed: str) -> Card:
        """Press a button on `card` (the shown one, or an older copy, say on another device)
        and return the card shown in its place."""
        response = await self.press(card, title, **typed)
        assert response.body.type == CARD_TYPE, f"not a card: {response.body.value}"
        return self.card

    async def press(self, card: Card, title: str, **typed: str) -> InvokeResponse:
        button = next((a for a in actions_of(card) if a.get("title") == title), None)
        assert button is not None, f"no button {title!r} on: {card_text(card)}"
        _type_into(card, typed)
        data = dict(button["data"])
        if button.get("associatedInputs") != "none":  # else Teams sends the data alone
            data.update(input_values(card))
        action = {"type": "Action.Execute", "verb": button["verb"], "data": data}
        holder = next((m for m in self.messages if m.card is card), self.shown)
        return await self.invoke({"action": action, "trigger": "manual"}, holder)

    async def invoke(self, value: Any, message: Message | None = None) -> InvokeResponse:
        """Send any `adaptiveCard/action` value from `message` (by default the shown one);
        a card in the response replaces that message's card."""
        message = message or self.shown
        activity = self._activity(
            ActivityTypes.invoke,
            name="adaptiveCard/action",
            value=value,
            reply_to_id=message.id if message else None,
        )
        responses = [a.value for a in await self._turn(activity) if a.type == "invokeResponse"]
        assert len(responses) == 1, f"expected one invoke response, got {len(responses)}"
        response: InvokeResponse = responses[0]
        if response.body.type == CARD_TYPE and message is not None:
            message.card, self.shown = response.body.value, message
        return response

    async def _turn(self, activity: Activity) -> list[Activity]:
        sent, updated = await self.world.turn(activity)
        for reply in sent:
            if reply.type == ActivityTypes.message:
                cards = [a.content for a in reply.attachments or [] if a.content_type == CARD_TYPE]
                message = Message(f"msg-{next(_serial)}", reply.text or "", (cards or [None])[0])
                self.messages.append(message)
                if message.card is not None:
                    self.shown = message
        for update in updated:
            if update.conversation.id == self.conversation_id:
                for message in self.messages:
                    if message.id == update.id:
                        message.card = update.attachments[0].content
        return sent

    def _activity(self, kind: str, **fields: Any) -> Activity:
        return Activity(
            type=kind,
            channel_id="msteams",
            service_url="https://smba.test",
            from_property=ChannelAccount(
                id=f"29:{self.user_id}", name=self.name, aad_object_id=self.user_id
            ),
            recipient=BOT,
            conversation=ConversationAccount(
                id=self.conversation_id, conversation_type="personal", tenant_id=TENANT
            ),
            channel_data={"tenant": {"id": TENANT}},
            locale="en-GB",
            **fields,
        )


def _elements(node: Any) -> list[Card]:
    if isinstance(node, list):
        return [e for item in node for e in _elements(item)]
    if isinstance(node, dict):
        inside = [*node.get("body", []), *node.get("columns", []), *node.get("items", [])]
        return [node, *_elements(inside)]
    return []


def card_text(card: Card) -> str:
    """What a person reads on the card: text blocks, facts, input labels, buttons."""
    lines: list[str] = []
    for e in _elements(card.get("body", [])):
        if e.get("type") == "TextBlock":
            lines.append(e["text"])
        elif e.get("type") == "FactSet":
            lines += [f"{f['title']}: {f['value']}" for f in e["facts"]]
        elif str(e.get("type", "")).startswith("Input."):
            lines += [str(e.get(k)) for k in ("label", "title") if e.get(k)]
    lines += [str(a["title"]) for a in actions_of(card)]
    return "\n".join(lines)


def _type_into(card: Card, values: dict[str, str]) -> None:
    inputs = {e["id"]: e for e in _inputs(card)}
    assert set(values) <= set(inputs), f"no inputs {sorted(set(values) - set(inputs))} on the card"
    for name, value in values.items():
        inputs[name]["value"] = value


def _inputs(card: Card) -> list[Card]:
    return [e for e in _elements(card.get("body", [])) if str(e.get("type")).startswith("Input.")]


def input_values(card: Card) -> dict[str, str]:
    """Every input's current value, as Teams would send it."""
    return {e["id"]: str(e.get("value", "")) for e in _inputs(card)}


def problem_under(card: Card, input_id: str) -> str | None:
    """The problem shown right under an input, if any."""
    body = _elements(card.get("body", []))
    for here, following in itertools.pairwise(body):
        if here.get("id") == input_id and following.get("id") == f"{input_id}_problem":
            return str(following["text"])
    return None
