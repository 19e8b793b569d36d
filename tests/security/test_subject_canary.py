"""Whom a referral names never leaks: with two referrals naming one canary person, matched
and alerted, the match opened and one referral withdrawn, the canary's name, number and
e-mail are in no log line, no notification (text, preview or card), and nowhere in the
SQLite file in clear; the index rows hold keyed hashes only, and the data protection
officer's search by subject prints references, never the name."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.protocol.conftest import People, RunningBot, bot, people
from tests.protocol.journeys import complete_intake, everyone_says_hi, shows
from tests.storage.at_rest import sqlite_bytes
from tests.support.connector import ConnectorStandIn, cards_of

__all__ = ["bot", "people"]  # the protocol tests' running bot and people, shared

NAME = "Zoë CANARYSUBJECT"
NUMBER = "QZW-0077531-XK"
EMAIL = "canarysubject.qzwvkx@police.example"
# Long enough that no random id, time or ciphertext holds one by chance.
LEAKS = ("CANARYSUBJECT", "canarysubject", "QZW-0077531", "qzw77531xk", "qzwvkx")
ALERT = "Two referrals may be about the same person: SMA-2026-0002, SMA-2026-0001"


async def test_whom_referrals_name_is_in_no_log_notification_or_store_in_clear(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await everyone_says_hi(people)
    await complete_intake(
        people.referrer,
        subject_name=NAME,
        subject_number=NUMBER,
        subject_email=EMAIL,
        subject_wish="only_if_another",
    )
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0001"))
    await complete_intake(people.stranger, subject_name="zoe canarysubject", subject_wish="act_now")
    await connector.wait_until(lambda: shows(people.deputy, ALERT))
    await connector.wait_until(lambda: shows(people.smlo, ALERT))
    await people.smlo.click("Open")  # the match: references only

    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert len(caplog.records) > 10, "logging was captured"
    assert [leak for leak in LEAKS if leak in logged] == []
    for person in people.everyone():
        for message in person.chat.messages.values():
            shown = f"{message.get('text', '')} {message.get('summary', '')}"
            shown += " ".join(str(card) for card in cards_of(message))
            assert [leak for leak in LEAKS if leak in shown] == [], person.name
    stores = bot.runtime.stores
    first = await stores.referrals.find_by_reference("SMA-2026-0001")
    assert first is not None
    assert first.answers.subject_name == NAME, "kept, sealed, for the people allowed"
    rows = await stores.subjects.sharing(first.id)
    assert len(rows) == 4  # the first's name, number and e-mail; the second's name
    assert not [r for r in rows if any(leak in repr(r) for leak in LEAKS)]

    await people.referrer.say("my referrals")
    await people.referrer.click("Withdraw")
    await people.referrer.click("Yes, withdraw it")
    assert await stores.subjects.sharing(first.id) == []

    database = Path(bot.settings.sqlite_path)
    raw = sqlite_bytes(database)
    assert [leak for leak in LEAKS if leak.encode() in raw] == []
