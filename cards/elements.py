"""Small builders for Adaptive Card 1.5 elements, so every card is made the same way.

Teams renders Adaptive Cards up to version 1.5. Inputs always carry a label; a problem
the server found is shown as a red line right under the input it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cards.verbs import Verb

Element = dict[str, Any]
CARD_VERSION = "1.5"


_MARKUP = re.compile(r"([\\`*_\[\]<>~|])")
_LINE_START_MARK = re.compile(r"^(\s*)([#>+-])", re.MULTILINE)
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)\.", re.MULTILINE)


def plain(text: str) -> str:
    """Text someone typed, made safe to show in a card: TextBlocks and facts render
    Markdown, so `**URGENT** [open](https://…)` would otherwise become formatting or a link
    on a staff member's card. Markup characters are backslash-escaped (CommonMark)."""
    escaped = _MARKUP.sub(r"\\\1", text)
    escaped = _LINE_START_MARK.sub(r"\1\\\2", escaped)
    return _LINE_START_NUMBER.sub(r"\1\\.", escaped)


def card(
    body: Sequence[Element], actions: Sequence[Element] = (), refresh: Element | None = None
) -> Element:
    result: Element = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": list(body),
    }
    if actions:
        result["actions"] = list(actions)
    if refresh is not None:
        result["refresh"] = refresh
    return result


MAX_REFRESH_USERS = 60  # Teams refreshes a card automatically for at most 60 user ids


def refresh_for(user_ids: Iterable[str], how: Element) -> Element | None:
    """Universal Actions `refresh`: when one of these people sees the card, Teams asks the
    bot for the current version (`how` is the Action.Execute it sends)."""
    ids = sorted(user_ids)[:MAX_REFRESH_USERS]
    return {"action": how, "userIds": ids} if ids else None


def heading(text: str) -> Element:
    return {"type": "TextBlock", "text": text, "size": "Medium", "weight": "Bolder", "wrap": True}


def para(text: str, *, subtle: bool = False, attention: bool = False) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if attention:
        block["color"] = "Attention"
    return block


def facts(pairs: Iterable[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def action(
    title: str,
    verb: Verb,
    data: Mapping[str, str] | None = None,
    *,
    primary: bool = False,
    validate: bool = True,
) -> Element:
    """An `Action.Execute` (Universal Actions): the bot answers with the card to show next."""
    element: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb.value,
        "data": {"verb": verb.value, **(data or {})},
    }
    if primary:
        element["style"] = "positive"
    if not validate:
        element["associatedInputs"] = "none"
    return element


def row_with_button(text: str, button: Element) -> Element:
    """A line of a list (inbox, my cases) with its own button at the end."""
    return {
        "type": "ColumnSet",
        "columns": [
            {"type": "Column", "width": "stretch", "items": [para(text)]},
            {
                "type": "Column",
                "width": "auto",
                "items": [{"type": "ActionSet", "actions": [button]}],
            },
        ],
    }


def _with_problem(element: Element, problem: str | None) -> list[Element]:
    if not problem:
        return [element]
    return [
        element,
        {**para(problem, attention=True), "id": f"{element['id']}_problem", "spacing": "None"},
    ]


def choice_input(
    input_id: str,
    label: str,
    options: Sequence[tuple[str, str]],
    *,
    value: str | Sequence[str] = "",
    multi: bool = False,
    required: bool = False,
    compact: bool = False,
    problem: str | None = None,
    dropdown: str = "",
) -> list[Element]:
    """Radio buttons (or tick boxes when `multi`): every option is visible at once. With
    `dropdown` (its placeholder), a drop-down list instead, for a long list of options."""
    selected = ",".join(value) if not isinstance(value, str) else value
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "compact" if dropdown else "expanded",
        "isMultiSelect": multi,
        "choices": [{"title": title, "value": v} for v, title in options],
        "value": selected,
    }
    if dropdown:
        element["placeholder"] = dropdown
    if required:
        element["isRequired"] = True
        element["errorMessage"] = "Please choose an answer."
    return _with_problem(element, problem)


def text_input(
    input_id: str,
    label: str,
    *,
    value: str = "",
    max_length: int | None = None,
    multiline: bool = False,
    placeholder: str = "",
    problem: str | None = None,
) -> list[Element]:
    element: Element = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "isMultiline": multiline,
        "value": value,
    }
    if max_length is not None:  # the client cuts longer text off silently: see the intake
        element["maxLength"] = max_length
    if placeholder:
        element["placeholder"] = placeholder
    return _with_problem(element, problem)


def toggle(
    input_id: str,
    label: str,
    title: str,
    *,
    value: bool = False,
    required: bool = False,
    problem: str | None = None,
) -> list[Element]:
    element: Element = {
        "type": "Input.Toggle",
        "id": input_id,
        "label": label,
        "title": title,
        "value": "true" if value else "false",
        "valueOn": "true",
        "valueOff": "false",
    }
    if required:
        element["isRequired"] = True
        element["errorMessage"] = "Please tick this box to send your referral."
    return _with_problem(element, problem)


def date_input(
    input_id: str,
    label: str,
    *,
    value: str = "",
    latest: str = "",
    required: bool = False,
    problem: str | None = None,
) -> list[Element]:
    """A date picker; `value` and `latest` (the last date it may take) as "2026-12-03"."""
    element: Element = {"type": "Input.Date", "id": input_id, "label": label, "value": value}
    if latest:
        element["max"] = latest
    if required:
        element["isRequired"] = True
        element["errorMessage"] = "Please give a date."
    return _with_problem(element, problem)


def time_input(
    input_id: str, label: str, *, value: str = "", problem: str | None = None
) -> list[Element]:
    """A time picker; `value` as "14:30"."""
    element: Element = {
        "type": "Input.Time",
        "id": input_id,
        "label": label,
        "value": value,
        "isRequired": True,
        "errorMessage": "Please give a time.",
    }
    return _with_problem(element, problem)


def buttons(*actions: Element) -> Element:
    """A row of buttons inside a card's body (a card's own actions are few in Teams)."""
    return {"type": "ActionSet", "actions": list(actions)}
