"""`python -m ops.subject_access`: what the service holds about one person, on SQLite and
on Cosmos DB: references, dates and kinds, never what a referral says."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
from pathlib import Path

import pytest

from ops import subject_access
from ops.subject_access import main as subject_access_main
from referrals.audit import SUBJECT_SEARCH, ActorRole, AuditAction, AuditEntry, AuditLog
from referrals.clock import FakeClock
from referrals.intake import Identity, IntakeAnswers, IntakeStep, Route
from referrals.people import Actor
from referrals.ports import Stores
from referrals.services import Services
from referrals.subjects import BlindIndex
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.memory import MemoryAuditLog, memory_stores
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from tests.ops.test_recount import ENVIRONMENT
from tests.storage.conftest import CIPHER
from tests.storage.cosmos_server import EMULATOR_KEY, CosmosTestServer

REFERRER = Actor("00000000-0000-4000-8000-00000000c001")
SMLO = Actor("00000000-0000-4000-8000-00000000a001", is_smlo=True)
CANARY = "CANARY what happened in the canteen"


async def fill(stores: Stores, audit: AuditLog) -> str:
    """A sent referral and a draft by the referrer; the SMLO reads the first. Its reference."""
    service = Services.build(stores, FakeClock(), frozenset({SMLO.user_id}), audit)
    draft = await service.intake.start_draft(REFERRER)
    answers = IntakeAnswers(route=Route.EXPERIENCED, account=CANARY, consent=True)
    await service.intake.record_answers(REFERRER, draft.id, answers, IntakeStep.REVIEW)
    sent = await service.intake.submit(REFERRER, draft.id)
    await service.triage.view(SMLO, sent.id)
    await service.intake.start_draft(REFERRER)
    return sent.reference


def test_the_command_lists_a_referrers_referrals_and_an_smlos_reads_and_no_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "referrals.db"

    async def filled() -> str:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            return await fill(sqlite.stores, SqliteAuditLog(sqlite.database))

    reference = asyncio.run(filled())

    assert subject_access_main([REFERRER.user_id, "--sqlite", str(path)], ENVIRONMENT) == 0
    referrer = capsys.readouterr().out
    assert subject_access_main([SMLO.user_id, "--sqlite", str(path)], ENVIRONMENT) == 0
    smlo = capsys.readouterr().out

    assert "Referrals they made: 1" in referrer
    assert reference in referrer
    assert "ReferralSubmitted" in referrer
    assert "Unsent draft: 1" in referrer
    assert "Referrals naming this person: not searched" in referrer
    assert "Referrals they made: 0" in smlo
    assert "Audit trail entries where they acted: 1" in smlo
    assert "view_details" in smlo
    assert CANARY not in referrer + smlo
    assert subject_access_main(["not-an-id", "--sqlite", str(path)], ENVIRONMENT) == 2
    assert (
        subject_access_main([SMLO.user_id, "--sqlite", str(tmp_path / "no.db")], ENVIRONMENT) == 2
    )


async def test_the_command_reads_cosmos_through_the_same_ports(
    cosmos_server: CosmosTestServer,
) -> None:
    env = ENVIRONMENT | {
        "SMA_COSMOS_ENDPOINT": cosmos_server.endpoint,
        "SMA_COSMOS_DATABASE": "subject-access",
        "SMA_COSMOS_KEY": EMULATOR_KEY,
        "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY": "true",
    }
    settings = cosmos_server.settings("subject-access")
    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        reference = await fill(cosmos.stores, CosmosAuditLog(cosmos.database))
    out = io.StringIO()

    assert await subject_access.run(REFERRER.user_id, None, env, out) == 0
    assert reference in out.getvalue()
    assert CANARY not in out.getvalue()
    smlo = io.StringIO()
    assert await subject_access.run(SMLO.user_id, None, env, smlo) == 0
    assert "Audit trail entries where they acted: 1" in smlo.getvalue()
    assert await subject_access.run(SMLO.user_id, None, {}, io.StringIO()) == 2, "no keys"


async def test_an_anonymous_referral_is_listed_for_its_referrer_with_a_note_to_keep_it_so() -> None:
    """Their own data, so it is listed; the note keeps the answer from the service."""
    stores, audit = memory_stores(), MemoryAuditLog()
    service = Services.build(stores, FakeClock(), frozenset({SMLO.user_id}), audit)
    draft = await service.intake.start_draft(REFERRER)
    answers = IntakeAnswers(route=Route.EXPERIENCED, identity=Identity.ANONYMOUS, consent=True)
    await service.intake.record_answers(REFERRER, draft.id, answers, IntakeStep.REVIEW)
    sent = await service.intake.submit(REFERRER, draft.id)
    out = io.StringIO()

    await subject_access.subject_access(REFERRER.user_id, stores, audit, out)

    assert sent.reference in out.getvalue()
    assert subject_access.ANONYMOUS_NOTE in out.getvalue()


SUBJECT_ID = "00000000-0000-4000-8000-00000000d001"
BLIND_KEY = base64.b64encode(hashlib.sha256(b"ops blind index key").digest()).decode()


async def name_the_subject(stores: Stores, audit: AuditLog, referrer: Actor) -> str:
    """A referral by `referrer` naming the canary subject; its reference."""
    blind = BlindIndex(base64.b64decode(BLIND_KEY))
    service = Services.build(stores, FakeClock(), frozenset(), audit, blind_index=blind)
    draft = await service.intake.start_draft(referrer)
    answers = IntakeAnswers(
        route=Route.WITNESSED,
        account=CANARY,
        subject_name="Jo CANARY-Subject",
        subject_number="PC 0042",
        consent=True,
    )
    await service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    return (await service.intake.submit(referrer, draft.id)).reference


def test_the_dpo_finds_the_referrals_naming_someone_by_blind_index_and_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "referrals.db"

    async def filled() -> tuple[str, str]:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            audit = SqliteAuditLog(sqlite.database)
            first = await name_the_subject(sqlite.stores, audit, REFERRER)
            other = Actor("00000000-0000-4000-8000-00000000c009")
            return first, await name_the_subject(sqlite.stores, audit, other)

    first, second = asyncio.run(filled())
    env = ENVIRONMENT | {"SMA_BLIND_INDEX_KEY": BLIND_KEY}
    by_name = [SUBJECT_ID, "--sqlite", str(path), "--name", "  jo canary-subject "]

    assert subject_access_main(by_name, env) == 0
    found = capsys.readouterr().out
    assert subject_access_main([SUBJECT_ID, "--sqlite", str(path), "--number", "pc42"], env) == 0
    by_number = capsys.readouterr().out
    assert subject_access_main([SUBJECT_ID, "--sqlite", str(path)], env) == 0
    by_id_only = capsys.readouterr().out

    assert "Referrals naming them: 2" in found
    assert first in found
    assert second in found
    assert "SubjectMatched" not in found, "another person's referral is never named"
    assert "ReferralSubmitted" not in found, "references, states and dates only"
    assert "Referrals naming them: 2" in by_number
    assert "Referrals naming them: 0" in by_id_only, "never resolved through a directory"
    for out in (found, by_number):
        assert "CANARY" not in out, "no content, no name"

    async def searches() -> list[AuditEntry]:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            trail = SqliteAuditLog(sqlite.database)
            return await trail.for_referral(SUBJECT_SEARCH)

    logged = asyncio.run(searches())
    assert [e.action for e in logged] == [AuditAction.SEARCH_BY_SUBJECT] * 5  # one a kind asked
    assert {e.actor_role for e in logged} == {ActorRole.AUDITOR}


async def test_a_referral_naming_the_person_is_listed_by_reference_state_and_dates_only() -> None:
    """Someone else's referral: not its history (what was done on it), nor whether its
    referrer chose anonymity; and never the note that would say this person made it."""
    stores, audit = memory_stores(), MemoryAuditLog()
    blind = BlindIndex(base64.b64decode(BLIND_KEY))
    service = Services.build(stores, FakeClock(), frozenset(), audit, blind_index=blind)
    draft = await service.intake.start_draft(REFERRER)
    answers = IntakeAnswers(
        route=Route.WITNESSED,
        identity=Identity.ANONYMOUS,
        subject_name="Jo CANARY-Subject",
        consent=True,
    )
    await service.intake.record_answers(REFERRER, draft.id, answers, IntakeStep.REVIEW)
    sent = await service.intake.submit(REFERRER, draft.id)
    out = io.StringIO()
    named = subject_access.Named(name="Jo Canary-Subject")

    await subject_access.subject_access(SUBJECT_ID, stores, audit, out, blind, named)

    listed = out.getvalue().split("Referrals naming them: 1\n")[1]
    assert sent.reference in listed
    assert subject_access.ANONYMOUS_NOTE not in listed
    assert "ReferralSubmitted" not in listed
    assert "DraftStarted" not in listed
