"""The case record's cards and forms beyond the checks every card gets (tests/unit/
test_cards.py): an entry's details show what was written, each box says its limit, a form
reads back the entry it shows, and forged payloads are refused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cards import record_forms
from cards.case_record import entry_card
from cards.elements import plain
from cards.parsers import CardPayloadInvalid, parse_action
from cards.record_entries import Record, line
from cards.record_forms import Form, form_card
from cards.record_inputs import CORRECTABLE, inputs_of, read_correction, read_form
from cards.requests import SaveEntry
from config.support import shipped_support_directory
from referrals.case_record import (
    TEXT_LIMITS,
    CaseEntry,
    ContactLogged,
    EntryKind,
    OnwardReferral,
    SupportAgreement,
)
from referrals.people import Actor
from referrals.referral import Referral
from tests.support.teams import card_texts
from tests.unit.record_builders import RECORD_CANARIES, kept_case
from tests.unit.test_cards import ADA_ACTOR, active

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DIRECTORY = shipped_support_directory()
ID = "0" * 32


def world() -> tuple[Referral, list[CaseEntry], Record]:
    referral = active()
    entries = kept_case(referral, ADA_ACTOR, NOW, RECORD_CANARIES)
    return referral, entries, Record(entries, DIRECTORY)


def test_an_entrys_details_show_every_text_written_on_it_and_its_line_none() -> None:
    referral, entries, record = world()
    for entry in entries:
        texts = " ".join(card_texts(entry_card(referral, entry, record, may_add=True)))
        written = [
            canary
            for name, canary in RECORD_CANARIES.items()
            if getattr(entry.content, name, "") == canary
        ]
        assert all(plain(canary) in texts for canary in written), entry.kind
        assert "CANARY" not in line(entry, record)


def test_a_corrected_entry_says_so_with_the_reason_and_offers_no_second_correction() -> None:
    referral, entries, record = world()
    corrected = next(e for e in entries if e.id in record.corrections)
    card = entry_card(referral, corrected, record, may_add=True)

    assert "This entry was corrected." in card_texts(card)
    assert plain(RECORD_CANARIES["reason"]) in " ".join(card_texts(card))
    assert "Correct this" not in json.dumps(card)


@pytest.mark.parametrize("kind", list(record_forms.FIELDS), ids=str)
def test_every_box_on_a_record_form_says_its_limit_and_never_cuts_text_off(
    kind: EntryKind,
) -> None:
    referral, _, record = world()
    card = form_card(referral, Form(kind), record, NOW)
    boxes = [e for e in card["body"] if e.get("type") == "Input.Text"]

    for box in boxes:
        assert f"Up to {TEXT_LIMITS[box['id']]:,} characters." in box["label"]
        assert "maxLength" not in box


@pytest.mark.parametrize("kind", sorted(CORRECTABLE), ids=str)
def test_a_form_reads_back_the_entry_it_shows(kind: EntryKind) -> None:
    """What a correction form shows is what it saves, if nothing is changed on it."""
    _, entries, _ = world()
    entry = next(e for e in entries if e.kind is kind)
    inputs = {**inputs_of(entry.content), "onward_id": getattr(entry.content, "onward_id", "")}

    content, problems = read_form(kind, inputs)

    assert problems == {}
    expected = entry.content
    if isinstance(expected, ContactLogged):
        expected = replace(expected, first_success=False, at=expected.at.replace(second=0))
    if isinstance(expected, SupportAgreement):
        expected = replace(expected, supersedes="")
    if isinstance(expected, OnwardReferral):
        expected = replace(expected, internal=False)  # the route fills it from the directory
    assert content == expected


def test_a_correction_needs_a_reason_and_says_what_is_wrong() -> None:
    reason, content, problems = read_correction(EntryKind.UPDATE, {})

    assert (reason, content) == ("", None)
    assert problems == {
        "reason": "Please say why you are correcting it.",
        "wrong": "Please choose one.",
    }


def test_retracting_an_entry_needs_no_right_one() -> None:
    reason, content, problems = read_correction(
        EntryKind.UPDATE, {"reason": "Logged twice", "wrong": "entry"}
    )

    assert (reason, content, problems) == ("Logged twice", None, {})


def save(**data: str) -> object:
    action = {"verb": "record.save", "data": {"referral_id": ID, **data}}
    return parse_action({"action": action})


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "not-a-kind"},
        {"kind": "correction"},  # which entry?
        {"kind": "onward_outcome"},  # of which referral on?
        {"kind": "contact", "entry_id": ID},  # a new contact corrects nothing
        {"kind": "correction", "entry_id": ID, "of_kind": "closure"},
        {"kind": "correction", "entry_id": ID, "of_kind": "correction"},
        {"kind": "contact", "form_id": "../../etc"},
        {"kind": "contact", "entry_id": "not-an-id"},
    ],
    ids=str,
)
def test_a_forged_record_payload_is_refused(data: dict[str, str]) -> None:
    with pytest.raises(CardPayloadInvalid):
        save(**data)


def test_a_save_carries_its_forms_id_and_the_entry_it_reads() -> None:
    sent = save(kind="update", update_kind="other", on="2026-03-01", form_id=ID)

    assert isinstance(sent, SaveEntry)
    assert sent.form_id == ID
    assert sent.problems == {}
    assert sent.content is not None


def test_an_actor_who_is_not_on_the_case_is_not_the_point_of_the_form() -> None:
    """The form names no person: whoever presses it is who the server says they are."""
    card = form_card(active(), Form(EntryKind.CONTACT), Record([], DIRECTORY), NOW)
    data = json.dumps([a["data"] for a in card["actions"]])

    assert Actor.__name__ not in data
    assert ADA_ACTOR.user_id not in data
