"""Files offered in the chat (bot/files.py): the consent card carries the offer's context
and kind only; the person's answer is read strictly; a file goes only to OneDrive."""

from __future__ import annotations

from typing import Any

import pytest

from bot.commands import parse_command
from bot.files import CONSENT_CARD, consent_card
from cards.parsers import CardPayloadInvalid, figures_period, parse_file_answer
from cards.reply import FileOffer
from cards.verbs import Verb
from common.hosts import upload_url_allowed
from referrals.periods import Period

INFO = {
    "name": "f.xlsx",
    "uploadUrl": "https://contoso-my.sharepoint.com/upload?session=1",
    "contentUrl": "https://contoso-my.sharepoint.com/personal/sky/Documents/f.xlsx",
    "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
    "fileType": "xlsx",
}
CONTEXT = {"kind": "figures", "period": "window-2025-12"}


def test_the_consent_card_carries_the_offer_and_its_kind_and_nothing_else() -> None:
    offer = FileOffer("figures", "f.xlsx", "The figures.", 1234, {"period": "window-2025-12"})

    card = consent_card(offer).serialize()

    assert card == {
        "contentType": CONSENT_CARD,
        "name": "f.xlsx",
        "content": {
            "description": "The figures.",
            "sizeInBytes": 1234,
            "acceptContext": CONTEXT,
            "declineContext": CONTEXT,
        },
    }


def test_an_acceptance_is_read_into_its_kind_context_and_where_to_upload() -> None:
    answer = parse_file_answer({"action": "accept", "context": CONTEXT, "uploadInfo": INFO})

    assert (answer.accepted, answer.kind, dict(answer.context)) == (
        True,
        "figures",
        {"period": "window-2025-12"},
    )
    assert answer.upload is not None
    assert answer.upload.upload_url == INFO["uploadUrl"]
    assert figures_period(answer.context) == Period("2025-12")
    declined = parse_file_answer({"action": "decline", "context": CONTEXT})
    assert (declined.accepted, declined.upload) == (False, None)


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"action": "maybe", "context": CONTEXT},
        {"action": "decline"},
        {"action": "decline", "context": {"period": "window-2025-12"}},
        {"action": "decline", "context": {"kind": "Figures!"}},
        {"action": "decline", "context": {**CONTEXT, "period": 7}},
        {"action": "decline", "context": {**CONTEXT, "period": "x" * 201}},
        {"action": "accept", "context": CONTEXT},
        {"action": "accept", "context": CONTEXT, "uploadInfo": {**INFO, "uploadUrl": ""}},
        {"action": "accept", "context": CONTEXT, "uploadInfo": {**INFO, "uniqueId": None}},
    ],
)
def test_an_answer_that_is_not_one_of_ours_is_refused(value: Any) -> None:
    with pytest.raises(CardPayloadInvalid):
        parse_file_answer(value)


@pytest.mark.parametrize("period", ["", "year-2026", "window-2025-13"])
def test_a_figures_file_names_a_review_by_its_id(period: str) -> None:
    with pytest.raises(CardPayloadInvalid):
        figures_period({"period": period})


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://contoso-my.sharepoint.com/personal/sky/upload", True),
        ("http://contoso-my.sharepoint.com/personal/sky/upload", False),
        ("https://sharepoint.com.collector.example/upload", False),
        ("https://contoso-my.sharepoint.com.collector.example/upload", False),
        ("https://user:pw@contoso-my.sharepoint.com/upload", False),
        ("https://contoso-my.sharepoint.com:bad/upload", False),
        ("http://127.0.0.1:8080/upload", False),  # loopback, but not a trusted test host
        ("ftp://contoso-my.sharepoint.com/upload", False),
    ],
)
def test_a_file_is_uploaded_only_to_onedrive(url: str, allowed: bool) -> None:
    assert upload_url_allowed(url) is allowed


def test_a_loopback_test_host_may_be_trusted_for_uploads_only_by_name() -> None:
    trusted = frozenset({"127.0.0.1"})

    assert upload_url_allowed("http://127.0.0.1:8080/upload", trusted)
    assert not upload_url_allowed("http://127.0.0.2:8080/upload", trusted)
    elsewhere = frozenset({"collector.example"})
    assert not upload_url_allowed("http://collector.example/upload", elsewhere)


@pytest.mark.parametrize("typed", ["stats file", "Stats  File", "statistics file."])
def test_stats_file_is_a_command(typed: str) -> None:
    request = parse_command(typed)
    assert request is not None
    assert request.verb is Verb.FIGURES_FILE
