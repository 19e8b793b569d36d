"""Encryption at rest: the cipher's promises, and nothing sensitive in the SQLite files
or in what the Cosmos DB server holds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from botbuilder.core import ConversationState, MessageFactory, Storage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogTurnStatus, WaterfallDialog
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt

from bot.ingress.replay import AnswerStore
from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from referrals.case_record import (
    ContactHow,
    ContactLogged,
    Correction,
    OnwardReferral,
    RiskAssessment,
    RiskLevel,
    SupportAgreement,
    UpdateKind,
    UpdateRecorded,
)
from referrals.checkins import Checkin, Feeling
from referrals.clock import FakeClock
from referrals.intake import IntakeStep
from referrals.people import Actor, Advocate
from referrals.ports import Stores
from referrals.services import TimerPlan
from referrals.subjects import BlindIndex, identifiers, marks_for
from referrals.support import Category, Contact, SupportService
from referrals.views import ShownView
from storage.bot_state_codec import STATE_FIELD
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.cosmos_bot_state import CosmosBotStateStorage
from storage.crypto import FieldCipher, KeyRing, UndecryptableValue
from storage.sqlite import SqliteStores
from storage.sqlite_bot_state import SqliteBotStateStorage
from storage.sqlite_database import MIGRATIONS
from tests.storage.at_rest import cosmos_items, sqlite_bytes
from tests.storage.conftest import (
    ADVOCATE,
    CIPHER,
    FULL_ANSWERS,
    SMLO,
    SMLO_IDS,
    Scenario,
    as_advocate,
    key_ring,
)

BLIND = BlindIndex(bytes(range(32)))
CANARY_REFERRER = Actor("canary-referrer-id-3f9a", "Canary Referrer-Name 7c21")
CANARY_ANSWERS = FULL_ANSWERS.with_changes(
    account="canary-account-e41d: what happened, in their words",
    avoid="canary-avoid-0b7e",
    safe_times="canary-safe-times-92aa",
    work_phone="canary-work-phone-55c3",
    personal_phone="canary-personal-phone-1d08",
    personal_email="canary-email-a6f4@example.org",
    behalf_name="canary-person-name-b31f",
    subject_name="canary-subject-name-c5e2",
    subject_number="canary-subject-number-77d0",
    subject_email="canary-subject-email-19ab@example.org",
)
CANARY_REFERENCE = {
    "user": {"id": "29:canary-teams-user-8e12", "name": "Canary Referrer-Name 7c21"},
    "conversation": {"id": "a:canary-chat-c0de"},
    "channelId": "msteams",
}
CANARY_DIALOG_ANSWER = "canary-dialog-text-4b6d"
# The case record: every free text of an entry, and a directory id a person might be
# known by (which service they were referred to).
CANARY_ENTRIES = (
    ContactLogged(datetime(2026, 6, 1, 7, 0, tzinfo=UTC), ContactHow.PHONE, "canary-note-77d1"),
    SupportAgreement(date(2026, 6, 1), "canary-arrangements-5e0a", "canary-wants-c3b9"),
    RiskAssessment(
        date(2026, 6, 1),
        RiskLevel.HIGH,
        other_concern="canary-concern-1f2e",
        own_view="canary-own-view-8a8a",
        actions="canary-actions-0d0d",
    ),
    OnwardReferral("canary-service-6b6b", True, date(2026, 6, 1), internal=False),
    UpdateRecorded(UpdateKind.OTHER, date(2026, 6, 1), "canary-update-4c4c"),
)
CANARY_ENTRY_TEXTS = [
    "canary-note-77d1",
    "canary-arrangements-5e0a",
    "canary-wants-c3b9",
    "canary-concern-1f2e",
    "canary-own-view-8a8a",
    "canary-actions-0d0d",
    "canary-service-6b6b",
    "canary-update-4c4c",
    "canary-reason-9e9e",
]
# The service an out-of-remit referral was sent to says what it was about.
CANARY_SERVICE = SupportService(
    "canary-signposted-4e4e",
    "Canary service",
    "Help.",
    Category.RAPE_CRISIS,
    internal=False,
    contact=Contact("0100 000 0000"),
    source="Test",
)
CANARIES = [
    *CANARY_ENTRY_TEXTS,
    CANARY_SERVICE.id,
    CANARY_REFERRER.user_id,
    CANARY_REFERRER.display_name,
    *(getattr(CANARY_ANSWERS, name) for name in ("account", "avoid", "safe_times")),
    *(getattr(CANARY_ANSWERS, name) for name in ("work_phone", "personal_phone")),
    CANARY_ANSWERS.personal_email,
    CANARY_ANSWERS.behalf_name,
    *(getattr(CANARY_ANSWERS, n) for n in ("subject_name", "subject_number", "subject_email")),
    "canary-teams-user-8e12",
    "canary-chat-c0de",
    CANARY_DIALOG_ANSWER,
]
# Stored in clear on purpose (staff roster): proves the scan can see what is there.
CLEAR_ADVOCATE = Advocate("u-adv-clear", "Visible Advocate-Name 6a6a")


# -- the cipher ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "plain", "First line.\nSecond — “quoted” ✓ 🙂", "x" * 5000])
def test_a_value_round_trips_exactly(text: str) -> None:
    token = CIPHER.encrypt(text, "referral.sealed", "r-1")
    assert CIPHER.decrypt(token, "referral.sealed", "r-1") == text


def test_a_token_names_its_format_and_key_and_two_encryptions_differ() -> None:
    first = CIPHER.encrypt("same words", "f", "r-1")
    second = CIPHER.encrypt("same words", "f", "r-1")

    assert first != second  # a fresh random nonce each time
    version, key_id, nonce, sealed = first.split(".")
    assert (version, key_id) == ("v1", "test")
    assert len(nonce) == 16  # 96 bits, base64url
    assert sealed
    assert "same words" not in first


@pytest.mark.parametrize(("field", "record"), [("f", "r-2"), ("g", "r-1"), ("g", "r-2")])
def test_a_value_moved_to_another_record_or_field_does_not_decrypt(field: str, record: str) -> None:
    token = CIPHER.encrypt("Pat Jones", "f", "r-1")
    with pytest.raises(UndecryptableValue, match="altered or moved"):
        CIPHER.decrypt(token, field, record)


def test_a_tampered_value_does_not_decrypt_and_the_error_names_no_content() -> None:
    token = CIPHER.encrypt("Pat Jones", "referral.sealed", "r-secret-id")
    head, sealed = token.rsplit(".", 1)
    flipped = sealed[:5] + ("A" if sealed[5] != "A" else "B") + sealed[6:]

    with pytest.raises(UndecryptableValue) as caught:
        CIPHER.decrypt(f"{head}.{flipped}", "referral.sealed", "r-secret-id")

    assert (caught.value.field, caught.value.key_id) == ("referral.sealed", "test")
    assert "Pat" not in str(caught.value)
    assert "r-secret-id" not in str(caught.value)


def test_a_value_under_a_key_not_in_the_ring_fails_clearly() -> None:
    token = FieldCipher(key_ring("k2025", current="k2025")).encrypt("words", "f", "r")
    with pytest.raises(UndecryptableValue, match=r"'k2025'.*not in the key ring"):
        CIPHER.decrypt(token, "f", "r")


@pytest.mark.parametrize("token", ["", "plain text", "v2.test.AAAA.AAAA", "v1.test.!!.AAAA"])
def test_something_that_is_not_a_token_fails_as_undecryptable(token: str) -> None:
    with pytest.raises(UndecryptableValue, match="not an encrypted value"):
        CIPHER.decrypt(token, "f", "r")


def test_the_same_key_reads_what_another_cipher_wrote_and_a_different_key_does_not() -> None:
    token = FieldCipher(key_ring("test", current="test")).encrypt("words", "f", "r")
    assert CIPHER.decrypt(token, "f", "r") == "words"
    impostor = KeyRing({"test": bytes(32)}, "test")  # same id, other key
    with pytest.raises(UndecryptableValue, match="wrong key"):
        FieldCipher(impostor).decrypt(token, "f", "r")


def test_a_blind_index_is_stable_per_key_and_differs_across_purposes_and_keys() -> None:
    rotated = FieldCipher(key_ring("test", "next", current="next"))

    assert CIPHER.blind_index("u-1", "referrer") == CIPHER.blind_index("u-1", "referrer")
    assert CIPHER.blind_index("u-1", "referrer") != CIPHER.blind_index("u-1", "recipient")
    assert CIPHER.blind_index("u-1", "referrer") != CIPHER.blind_index("u-2", "referrer")
    assert rotated.blind_index("u-1", "referrer") != CIPHER.blind_index("u-1", "referrer")
    assert rotated.blind_indexes("u-1", "referrer") == (
        rotated.blind_index("u-1", "referrer"),
        CIPHER.blind_index("u-1", "referrer"),
    )
    assert "u-1" not in CIPHER.blind_index("u-1", "referrer")


def test_a_key_ring_never_shows_its_keys() -> None:
    ring = KeyRing({"k1": b"\x01" * 32}, "k1")
    assert repr(ring) == "KeyRing(key_ids=['k1'], current='k1')"
    with pytest.raises(ValueError, match="32 bytes"):
        KeyRing({"k1": b"short"}, "k1")
    with pytest.raises(ValueError, match="not in the key ring"):
        KeyRing({"k1": b"\x01" * 32}, "k2")


# -- at rest in SQLite -----------------------------------------------------------------


async def test_no_canary_reaches_the_sqlite_file_or_its_wal(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        await _write_canaries_and_read_them_back(sqlite.stores, clock)
        await _keep_a_canary_answer(sqlite.answers, clock)
        await _talk_through_a_dialog(SqliteBotStateStorage(sqlite), CANARY_DIALOG_ANSWER)
        rows = await sqlite.database.fetch_all("SELECT key, document FROM bot_state")
        assert len(rows) == 1
        # The stored state really holds the answer, so the scan below is a real test of it.
        assert CANARY_DIALOG_ANSWER in CIPHER.decrypt(rows[0][1], STATE_FIELD, rows[0][0])

        before_checkpoint = sqlite_bytes(path)
        assert path.with_name(path.name + "-wal").stat().st_size > 0
        await sqlite.database.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
        after_checkpoint = sqlite_bytes(path)

    for raw in (before_checkpoint, after_checkpoint):
        assert CLEAR_ADVOCATE.display_name.encode() in raw
        leaked = [canary for canary in CANARIES if canary.encode() in raw]
        assert leaked == []


async def test_no_canary_reaches_what_the_cosmos_server_stores(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    await _write_canaries_and_read_them_back(cosmos.stores, clock)
    await _keep_a_canary_answer(cosmos.answers, clock)
    await _talk_through_a_dialog(CosmosBotStateStorage(cosmos.database), CANARY_DIALOG_ANSWER)
    await CosmosAuditLog(cosmos.database).append(
        AuditEntry(
            clock.now(), "r-1", "u-smlo", ActorRole.SMLO, AuditAction.VIEW_DETAILS, Outcome.ALLOWED
        )
    )
    pending = await cosmos.stores.outbox.pending()
    await cosmos.stores.outbox.mark_sent(pending[0].id, "a:canary-chat-c0de", "act-1", clock.now())
    # An advocate's check-in: how they are finding it is theirs and the SMLO's alone.
    checkin = Checkin("u-adv", "2026-03", Feeling.STRETCHED, 2, 17, clock.now())
    await cosmos.stores.checkins.record(checkin, [])

    # What the server holds, read with a plain client: no key ring, no adapters.
    containers = await cosmos_items(cosmos.settings)

    assert set(containers) == {
        "referrals",
        "roster",
        "conversations",
        "audit",
        "bot_state",
        "views",
        "case_record",
        "checkins",
        "timers",
        "subjects",
        "leases",
    }
    assert all(containers.values()), "every container holds something to scan"
    (state,) = containers["bot_state"]
    assert CANARY_DIALOG_ANSWER in CIPHER.decrypt(state["document"], STATE_FIELD, state["realId"])
    raw = json.dumps(containers, ensure_ascii=False)
    assert CLEAR_ADVOCATE.display_name in raw
    leaked = [canary for canary in CANARIES if canary in raw]
    assert leaked == []
    assert Feeling.STRETCHED.value not in json.dumps(containers["checkins"]), "sealed"


async def _keep_a_canary_answer(answers: AnswerStore, clock: FakeClock) -> None:
    """A replay answer: a card that shows what was disclosed, for a turn in the canary's
    chat (bot/ingress/replay.py keeps it compressed; plain here, the harder case)."""
    key = json.dumps(["msteams", "a:canary-chat-c0de", "act-canary"])
    card = json.dumps({"card": CANARY_ANSWERS.account, "by": CANARY_REFERRER.display_name})
    now = clock.now()
    assert await answers.claim(key, "instance", now + timedelta(seconds=30), now)
    await answers.keep(key, 200, card.encode(), now + timedelta(minutes=10), now)
    assert await answers.answer(key, now) == (200, card.encode())


async def _write_canaries_and_read_them_back(stores: Stores, clock: FakeClock) -> None:
    scenario = Scenario(stores, clock)
    draft = await scenario.draft(CANARY_REFERRER)
    draft.record_answers(CANARY_REFERRER, CANARY_ANSWERS, IntakeStep.REVIEW, scenario.tick())
    await stores.referrals.save(draft)
    active = await scenario.accept(await scenario.offer(await scenario.submit(
        await scenario.draft(CANARY_REFERRER), CANARY_REFERRER
    )))  # fmt: skip
    await stores.conversations.put_reference(CANARY_REFERRER.user_id, CANARY_REFERENCE)
    await stores.roster.put_advocate(CLEAR_ADVOCATE)
    written = [
        active.add_entry(as_advocate(ADVOCATE), content, SMLO_IDS, scenario.tick())
        for content in CANARY_ENTRIES
    ]
    written.append(
        active.add_entry(
            as_advocate(ADVOCATE),
            Correction(written[0].id, "canary-reason-9e9e"),
            SMLO_IDS,
            scenario.tick(),
        )
    )
    await stores.referrals.save(active)
    assert await stores.records.entries(active) == written
    for timer in TimerPlan().timers_for(active):  # its reminders: ids and times only
        await stores.timers.schedule(timer)
    # Whom it names: keyed hashes only (referrals.subjects), never the words or the referrer.
    a = CANARY_ANSWERS
    named = identifiers(a.subject_name, a.subject_number, a.subject_email)
    await stores.subjects.put(active.id, marks_for(active.id, active.referrer_id, named, BLIND))
    signposted = await scenario.submit(await scenario.draft(CANARY_REFERRER), CANARY_REFERRER)
    await scenario.change(
        signposted, lambda at: signposted.mark_out_of_remit(SMLO, CANARY_SERVICE, at)
    )
    stored = await stores.referrals.get(signposted.id)
    assert stored.signpost_service == CANARY_SERVICE.id
    view = ShownView("a:canary-chat-c0de", "act-9", active.id, CLEAR_ADVOCATE.user_id, clock.now())
    await stores.views.remember(view)

    # Everything reads back exactly, through the blind indexes too.
    found = await stores.referrals.find_draft(CANARY_REFERRER.user_id)
    assert found is not None
    assert (found.referrer_name, found.answers) == (CANARY_REFERRER.display_name, CANARY_ANSWERS)
    mine = await stores.referrals.list_for_referrer(CANARY_REFERRER.user_id)
    assert {r.id for r in mine} == {active.id, signposted.id}
    assert await stores.conversations.get_reference(CANARY_REFERRER.user_id) == CANARY_REFERENCE
    to_referrer = [
        n for n in await stores.outbox.pending() if n.recipient_id == CANARY_REFERRER.user_id
    ]
    assert to_referrer
    # One in flight: an instance's lease on it and the post it recorded, not yet sent.
    now = clock.now()
    lease_until = now + timedelta(minutes=5)
    assert await stores.outbox.claim(to_referrer[0].id, "instance-1", lease_until, now)
    await stores.outbox.record_posted(to_referrer[0].id, "a:canary-chat-c0de", "act-2")
    assert await stores.views.list_views() == [view]


async def test_a_sealed_document_copied_into_another_referral_does_not_read(
    clock: FakeClock,
) -> None:
    async with await SqliteStores.open(":memory:", CIPHER) as sqlite:
        scenario = Scenario(sqlite.stores, clock)
        victim, other = await scenario.draft(), await scenario.draft(CANARY_REFERRER)
        row = await sqlite.database.fetch_one(
            "SELECT document FROM referrals WHERE id = ?", (other.id,)
        )
        assert row is not None
        moved = {**json.loads(row[0]), "id": victim.id}
        async with sqlite.database.transaction() as connection:
            await connection.execute(
                "UPDATE referrals SET document = ? WHERE id = ?", (json.dumps(moved), victim.id)
            )

        with pytest.raises(UndecryptableValue, match=r"referral\.sealed"):
            await sqlite.stores.referrals.get(victim.id)


async def test_a_database_written_before_encryption_with_data_in_it_is_refused(
    tmp_path: Path,
) -> None:
    empty, used = tmp_path / "empty.db", tmp_path / "used.db"
    for path in (empty, used):
        async with aiosqlite.connect(path) as connection:
            for statement in MIGRATIONS[0]:
                await connection.execute(statement)
            await connection.execute("PRAGMA user_version = 1")
            await connection.commit()
    async with aiosqlite.connect(used) as connection:
        await connection.execute("INSERT INTO bot_state VALUES ('k', 'e', '{\"a\":1}', 'now')")
        await connection.commit()

    async with await SqliteStores.open(empty, CIPHER):
        pass
    with pytest.raises(RuntimeError, match="predates encryption at rest"):
        await SqliteStores.open(used, CIPHER)


async def _talk_through_a_dialog(storage: Storage, answer: str) -> None:
    """A real botbuilder dialog whose state, holding what the user typed, is stored."""
    state = ConversationState(storage)
    dialogs = DialogSet(state.create_property("DialogState"))
    dialogs.add(TextPrompt("text"))

    async def ask(step: Any) -> Any:
        return await step.prompt("text", PromptOptions(prompt=MessageFactory.text("Name?")))

    async def ask_again(step: Any) -> Any:
        step.values["name"] = step.result
        prompt = MessageFactory.text(f"Team, {step.result}?")
        return await step.prompt("text", PromptOptions(prompt=prompt))

    dialogs.add(WaterfallDialog("ask", [ask, ask_again]))

    async def logic(turn: TurnContext) -> None:
        context = await dialogs.create_context(turn)
        if (await context.continue_dialog()).status == DialogTurnStatus.Empty:
            await context.begin_dialog("ask")
        await state.save_changes(turn)

    flow = await TestAdapter(logic).send("hello")
    flow = await flow.assert_reply("Name?")
    flow = await flow.send(answer)
    await flow.assert_reply(f"Team, {answer}?")
