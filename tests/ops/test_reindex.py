"""`python -m ops.reindex`: after the blind index key changes, every sent referral's rows
are worked out again under the new key, so referrals sent before and after still match;
erased ones keep none; nothing it prints names anyone."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path

import pytest

from ops.reindex import main as reindex_main
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.people import Actor
from referrals.services import Services
from referrals.subjects import BlindIndex, Identifier, IdentifierKind
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from tests.ops.test_recount import ENVIRONMENT
from tests.storage.conftest import CIPHER

OLD = hashlib.sha256(b"old blind index key").digest()
NEW = hashlib.sha256(b"new blind index key").digest()
NAME = "Jo CANARY-Reindexed"


async def send(services: Services, referrer: Actor) -> str:
    draft = await services.intake.start_draft(referrer)
    answers = IntakeAnswers(route=Route.WITNESSED, subject_name=NAME, consent=True)
    await services.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    return (await services.intake.submit(referrer, draft.id)).id


def test_a_new_key_reindexes_every_sent_referral_and_matching_carries_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "referrals.db"

    async def under(key: bytes, referrer: Actor) -> str:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            audit = SqliteAuditLog(sqlite.database)
            services = Services.build(
                sqlite.stores, FakeClock(), frozenset(), audit, blind_index=BlindIndex(key)
            )
            return await send(services, referrer)

    async def rows(referral_id: str) -> set[str]:
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            return {m.index for m in await sqlite.stores.subjects.sharing(referral_id)}

    first = asyncio.run(under(OLD, Actor("referrer-a")))
    env = ENVIRONMENT | {"SMA_BLIND_INDEX_KEY": base64.b64encode(NEW).decode()}

    assert reindex_main(["--sqlite", str(path)], env) == 0
    printed = capsys.readouterr().out
    assert "re-indexed: 1 referrals name someone" in printed
    assert "CANARY" not in printed
    wanted = BlindIndex(NEW).of(Identifier(IdentifierKind.NAME, "canary jo reindexed"))
    assert asyncio.run(rows(first)) == {wanted}

    second = asyncio.run(under(NEW, Actor("referrer-b")))
    assert asyncio.run(rows(second)) == {wanted}
    assert reindex_main(["--sqlite", str(path)], ENVIRONMENT) == 2, "no key: refused"
