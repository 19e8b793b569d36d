"""The advocate's case record over real HTTP: kept from the case card to the close, told to
the service lead and the person who referred without a word of it, refused to everyone
else, durable across a restart on Cosmos DB, and erased at the end of the retention period
with the figures kept.

The advocate's record cards come back as the answers to their clicks; everything the bot
sends anyone else goes through the Bot Connector stand-in, which keeps it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from cards.verbs import Verb
from referrals.audit import ActorRole, AuditAction, Outcome
from referrals.case_record import ENTRY_ADDED, ContactLogged, EntryKind
from referrals.clock import FakeClock
from referrals.referral import Referral
from referrals.services import RetentionPolicy
from referrals.states import ReferralState
from referrals.statistics import Measure, Result
from tests.protocol.conftest import (
    ADVOCATE_B_ID,
    STRANGER_ID,
    People,
    RunningBot,
    make_settings,
    on_cosmos,
    people_at,
    serving,
)
from tests.protocol.journeys import (
    RECORD_WORDS,
    TIMELINE,
    WAIT,
    an_active_case,
    close_the_case,
    keep_the_whole_record,
    saved,
    shows,
)
from tests.storage.at_rest import cosmos_items, sqlite_bytes
from tests.storage.cosmos_server import CosmosTestServer
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts, message_texts

Json = dict[str, Any]
K = EntryKind
KEPT = [
    K.CONTACT,
    K.CONTACT,
    K.SUPPORT_AGREEMENT,
    K.RISK_ASSESSMENT,
    K.ONWARD_REFERRAL,
    K.ONWARD_OUTCOME,
    K.UPDATE,
    K.CORRECTION,
    K.UPDATE,
    K.CLOSURE,
]


def timeline_lines(card: Json) -> list[str]:
    return [text for text in card_texts(card) if " · " in text]


def stored_rows(path: Path, referral_id: str) -> int:
    """Case entries of a referral in the SQLite file, counted past the app."""
    with contextlib.closing(sqlite3.connect(path)) as database:
        query = "SELECT count(*) FROM case_entries WHERE referral_id = ?"
        (count,) = database.execute(query, (referral_id,)).fetchone()
    return int(count)


async def the_case(bot: RunningBot) -> Referral:
    found = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert found is not None
    return found


async def test_the_whole_case_is_kept_closed_and_purged_with_its_figures_kept(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    advocate, smlo, referrer = people.advocate_a, people.smlo, people.referrer
    await an_active_case(people, connector)

    timeline = await keep_the_whole_record(advocate)

    assert timeline_lines(timeline) == TIMELINE
    assert "02 Mar 2026 (1 try that did not reach them)" in card_texts(timeline)
    for lead in (smlo, people.deputy):  # each SMLO is told of the high risk, and only that
        await connector.wait_until(
            lambda lead=lead: shows(lead, "SMA-2026-0001: risk assessed as high."), within=WAIT
        )
        (note,) = lead.messages_showing("risk assessed as high")
        assert note["summary"] == "SMA-2026-0001: risk assessed as high"
        assert message_texts(note) == [
            "Update on SMA-2026-0001",
            "SMA-2026-0001: risk assessed as high.",
        ]

    closed = await close_the_case(advocate)

    assert "You closed SMA-2026-0001" in card_texts(closed)
    await connector.wait_until(
        lambda: shows(referrer, "Your advocate has closed your case."), within=WAIT
    )
    (told,) = referrer.messages_showing("Your advocate has closed your case.")
    assert "Samaritans 116 123" in " ".join(message_texts(told)), "with the help lines"
    assert not any(w in str(told) for w in RECORD_WORDS.values())
    await connector.wait_until(lambda: shows(smlo, "SMA-2026-0001 has been closed."), within=WAIT)
    await connector.wait_until(lambda: smlo_card_says(smlo, "Closed"), within=WAIT)

    case = await the_case(bot)
    entries = await bot.runtime.stores.records.entries(case)
    assert [e.kind for e in entries] == KEPT
    contacts = [e.content for e in entries if isinstance(e.content, ContactLogged)]
    assert [c.first_success for c in contacts] == [False, True]
    sqlite_path = Path(bot.settings.sqlite_path)
    assert stored_rows(sqlite_path, case.id) == len(KEPT)
    assert_sealed(sqlite_bytes(sqlite_path))
    lines = [e for e in case.history if e.name == ENTRY_ADDED]
    figures = await bot.runtime.stores.referrals.statistics(["2026-03"])
    assert figures["2026-03"][(Measure.RESULT, Result.CLOSED.value)] == 1

    bot.clock.advance(timedelta(days=bot.settings.retention_days + 1))
    policy = RetentionPolicy(bot.settings.retention_days, bot.settings.draft_keep_days)
    report = await bot.runtime.services.retention.purge_expired(policy)

    assert report.referrals_purged == 1
    purged = await bot.runtime.stores.referrals.get(case.id)
    assert purged.is_purged
    assert stored_rows(sqlite_path, case.id) == 0, "the entries are erased"
    assert await bot.runtime.stores.records.entries(purged) == []
    assert [e for e in purged.history if e.name == ENTRY_ADDED] == lines
    assert await bot.runtime.stores.referrals.statistics(["2026-03"]) == figures
    assert_sealed(sqlite_bytes(sqlite_path))


def assert_sealed(raw: bytes) -> None:
    """The database file and its WAL hold no word of the record in clear (entries are
    sealed with AES-256-GCM), though they do hold what is kept in clear."""
    assert b"Alex Morgan" in raw, "the scan reads what is there in clear"
    assert [w for w in RECORD_WORDS.values() if w.encode() in raw] == []


def smlo_card_says(smlo: TeamsUser, status: str) -> bool:
    """The SMLO's card of the referral (the one it arrived as) shows this status."""
    cards = smlo.messages_showing("Referral SMA-2026-0001")
    return bool(cards) and all(status in message_texts(m) for m in cards)


CASE_GONE = [
    "This case is no longer open to you",
    "It may have been withdrawn, closed or given to another advocate, or its details were "
    "removed. Nothing has changed, and there is nothing you need to do.",
]
NOT_YOURS = ["This is not available to you", "You do not have access to this. Nothing has changed."]


async def test_nobody_but_its_advocate_can_read_or_add_to_the_record_and_each_try_is_audited(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await an_active_case(people, connector)
    advocate = people.advocate_a
    await advocate.click("Log a contact")
    await saved(advocate, how="phone", note=RECORD_WORDS["reached"])
    _, open_entry = advocate.find_action("Open")
    referral_id, entry_id = open_entry["data"]["referral_id"], open_entry["data"]["entry_id"]
    before = await the_case(bot)
    contact = {"date": "2026-03-02", "time": "08:00", "how": "phone", "note": "forged"}
    # What each of the advocate's buttons would send, sent by someone else.
    forged: list[tuple[Verb, dict[str, str]]] = [
        (Verb.RECORD, {}),
        (Verb.RECORD_ENTRY, {"entry_id": entry_id}),
        (Verb.RECORD_FORM, {"kind": "contact"}),
        (Verb.RECORD_SAVE, {"kind": "contact", "form_id": uuid.uuid4().hex, **contact}),
        (
            Verb.RECORD_SAVE,
            {
                "kind": "correction",
                "entry_id": entry_id,
                "of_kind": "contact",
                "reason": "forged",
                "wrong": "entry",
            },
        ),
        (Verb.RECORD_SAVE, {"kind": "closure", "outcome": "other", "person_told": "no"}),
    ]
    others = (people.advocate_b, people.referrer, people.stranger)

    for someone in others:
        for verb, data in forged:
            button = {"verb": verb.value, "data": {"verb": verb.value, "referral_id": referral_id}}
            answer = await someone.press("m-forged", button, data)
            # Another advocate may once have held it; nobody else ever could.
            expected = CASE_GONE if someone is people.advocate_b else NOT_YOURS
            assert card_texts(answer) == expected, f"{someone.name} {verb}"

    after = await bot.runtime.stores.referrals.get(referral_id)
    assert (after.version, after.state) == (before.version, ReferralState.ACTIVE)
    assert [e.id for e in await bot.runtime.stores.records.entries(after)] == [entry_id]
    trail = await bot.runtime.services.steps.audit.for_referral(referral_id)
    refused = [(e.actor_id, e.actor_role, e.action) for e in trail if e.outcome is Outcome.REFUSED]
    A = AuditAction
    actions = [A.VIEW_RECORD] * 3 + [A.ADD_CONTACT, A.CORRECT_ENTRY, A.CLOSE]
    who = [
        (ADVOCATE_B_ID, ActorRole.OTHER),
        ("", ActorRole.REFERRER),  # the trail never holds the referrer's id
        (STRANGER_ID, ActorRole.OTHER),
    ]
    assert refused == [(actor, role, action) for actor, role in who for action in actions]
    for someone in others:
        assert not shows(someone, RECORD_WORDS["reached"])


async def test_the_record_on_cosmos_db_survives_a_restart_and_is_sealed_there(
    tmp_path: Path, connector: ConnectorStandIn, cosmos_server: CosmosTestServer
) -> None:
    database = f"bot-{uuid.uuid4().hex}"
    settings = on_cosmos(make_settings(str(tmp_path), connector.url), cosmos_server, database)
    clock = FakeClock()
    async with aiohttp.ClientSession() as http:
        async with serving(settings, clock) as first:
            people = people_at(first.url, connector, http)
            await an_active_case(people, connector)
            kept = await keep_the_whole_record(people.advocate_a)
        assert timeline_lines(kept) == TIMELINE

        async with serving(settings, clock) as second:
            for person in people.everyone():
                person.bot_url = second.url
            advocate = people.advocate_a
            await advocate.say("my cases")
            await advocate.click("Open")
            timeline = await advocate.click("Case record")
            newest = await advocate.click("Open")

    assert timeline_lines(timeline) == TIMELINE
    assert RECORD_WORDS["right_update"] in card_texts(newest), "and each entry reads back"
    held = await cosmos_items(cosmos_server.settings(database=database))
    assert len(held["case_record"]) == len(TIMELINE)
    raw = json.dumps(held, ensure_ascii=False)
    assert "Alex Morgan" in raw, "the scan reads what is there in clear"
    assert [w for w in RECORD_WORDS.values() if w in raw] == []
