"""Input checked against a pattern is matched whole: `$` also matches before a final
newline, so `re.match(r"^…$")` let "id\\n" through."""

from __future__ import annotations

import json

import pytest

from bot.commands import parse_command
from cards.parsers import CardPayloadInvalid, is_id, parse_action
from config.environment import GUID, SettingsError, advocates
from entra.directory import object_id
from entra.graph import GraphUnavailable

REFERRAL_ID = "0123456789abcdef0123456789abcdef"
OBJECT_ID = "00000000-0000-4000-8000-00000000a001"


@pytest.mark.parametrize("tail", ["\n", "\r\n", " ", "\n\n"])
def test_an_id_with_anything_after_it_is_not_an_id(tail: str) -> None:
    assert is_id(REFERRAL_ID)
    assert not is_id(REFERRAL_ID + tail)
    data = {"verb": "smlo.open", "referral_id": REFERRAL_ID + tail}
    with pytest.raises(CardPayloadInvalid):
        parse_action({"action": {"type": "Action.Execute", "verb": "smlo.open", "data": data}})


def test_guids_and_object_ids_are_matched_whole() -> None:
    assert GUID.fullmatch(OBJECT_ID)
    assert object_id(OBJECT_ID) == OBJECT_ID
    with pytest.raises(GraphUnavailable):
        object_id(OBJECT_ID + "\n")


def test_a_seed_advocate_id_with_a_newline_is_refused_at_start_up() -> None:
    seed = json.dumps([{"id": OBJECT_ID + "\n", "name": "Pat"}])
    with pytest.raises(SettingsError):
        advocates({"SMA_SEED_ADVOCATES": seed})
    assert advocates({"SMA_SEED_ADVOCATES": json.dumps([{"id": OBJECT_ID, "name": "Pat"}])})


def test_a_reference_look_up_is_read_whole() -> None:
    found = parse_command("referral SMA-2026-0042")
    assert found is not None
    assert getattr(found, "reference", "") == "SMA-2026-0042"


def test_directory_is_typed_whole_and_asks_for_the_support_directory() -> None:
    found = parse_command(" Directory. ")
    assert found is not None
    assert found.verb == "smlo.directory"
    assert parse_command("directory of services") is None
