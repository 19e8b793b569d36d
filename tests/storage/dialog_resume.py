"""One scenario for every bot-state store: a real waterfall dialog that resumes although
each turn starts from nothing in memory (a new connection, storage and state)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import ConversationState, MessageFactory, Storage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus, WaterfallDialog
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt

# Closes the storage the last turn used and opens a fresh one for this turn.
FreshStorage = Callable[[], Awaitable[Storage]]


async def a_dialog_resumes_on_fresh_storage_every_turn(fresh_storage: FreshStorage) -> None:
    async def ask_name(step: Any) -> Any:
        return await step.prompt("text", PromptOptions(prompt=_text("What should we call you?")))

    async def ask_team(step: Any) -> Any:
        step.values["name"] = step.result
        return await step.prompt("text", PromptOptions(prompt=_text(f"Which team, {step.result}?")))

    async def finish(step: Any) -> Any:
        await step.context.send_activity(f"Noted: {step.values['name']}, {step.result}")
        return await step.end_dialog()

    async def logic(turn: TurnContext) -> None:
        state = ConversationState(await fresh_storage())
        dialogs = DialogSet(state.create_property("DialogState"))
        dialogs.add(TextPrompt("text"))
        dialogs.add(WaterfallDialog("intake", [ask_name, ask_team, finish]))
        context = await dialogs.create_context(turn)
        result = await context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await context.begin_dialog("intake")
        await state.save_changes(turn)

    flow = await TestAdapter(logic).send("hello")
    flow = await flow.assert_reply("What should we call you?")
    flow = await flow.send("Sam")
    flow = await flow.assert_reply("Which team, Sam?")
    flow = await flow.send("North")
    await flow.assert_reply("Noted: Sam, North")


def _text(words: str) -> Any:
    return MessageFactory.text(words)
