"""Every store keeps the blind indexes of whom referrals name alike: a referral's rows
replaced whole, found by the rows they share and by one index, forgotten on request (and
with a deleted draft), and nothing but keyed hashes and ids at rest."""

from __future__ import annotations

import hashlib
from pathlib import Path

from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.ports import Stores
from referrals.services import Services
from referrals.subjects import BlindIndex, SubjectMark, SubjectWish, identifiers, marks_for
from storage.cosmos import CosmosStores
from storage.memory import MemoryAuditLog
from storage.sqlite import SqliteStores
from tests.storage.at_rest import cosmos_items, sqlite_bytes
from tests.storage.conftest import CIPHER, REFERRER, SMLO_IDS

BLIND = BlindIndex(hashlib.sha256(b"contract blind index key").digest())
CANARY_NAME = "Canary Subjectname-5b1c"
CANARY_NUMBER = "PC 0077123"
CANARY_EMAIL = "canary.subject-5b1c@police.example"


def rows(referral_id: str, referrer: str, name: str, number: str = "") -> tuple[SubjectMark, ...]:
    return marks_for(referral_id, referrer, identifiers(name, number, ""), BLIND)


def key(marks: list[SubjectMark]) -> list[tuple[str, str, str]]:
    return sorted((m.referral_id, m.index, m.referrer) for m in marks)


async def test_rows_are_found_by_what_they_share_and_replaced_whole(stores: Stores) -> None:
    first = rows("r-1", "alice", "Jo Smith", "1234")
    same_name = rows("r-2", "bob", "smith jo")
    same_number = rows("r-3", "carol", "Sam Other", "01-234")
    unrelated = rows("r-4", "dan", "Pat Nobody")
    for referral_id, marks in (("r-1", first), ("r-2", same_name), ("r-3", same_number)):
        await stores.subjects.put(referral_id, marks)
    await stores.subjects.put("r-4", unrelated)

    found = await stores.subjects.sharing("r-1")

    assert key(found) == key([*first, *same_name, same_number[1]])
    assert {m.referral_id for m in found[: len(first)]} == {"r-1"}, "its own rows first"

    await stores.subjects.put("r-1", rows("r-1", "alice", "Pat Nobody"))
    assert {m.referral_id for m in await stores.subjects.sharing("r-1")} == {"r-1", "r-4"}
    assert await stores.subjects.sharing("r-2") == list(same_name)


async def test_one_index_finds_every_referral_naming_it(stores: Stores) -> None:
    await stores.subjects.put("r-1", rows("r-1", "alice", "Jo Smith"))
    await stores.subjects.put("r-2", rows("r-2", "bob", "Jo Smith", "99"))
    (index,) = {m.index for m in rows("x", "y", "JO SMITH")}

    assert sorted(m.referral_id for m in await stores.subjects.find(index)) == ["r-1", "r-2"]
    assert await stores.subjects.find("0" * 64) == []


async def test_forgetting_a_referral_drops_its_rows_and_nothing_else(stores: Stores) -> None:
    await stores.subjects.put("r-1", rows("r-1", "alice", "Jo Smith"))
    await stores.subjects.put("r-2", rows("r-2", "bob", "Jo Smith"))

    await stores.subjects.forget("r-1")
    await stores.subjects.forget("r-unknown")

    assert await stores.subjects.sharing("r-1") == []
    assert [m.referral_id for m in await stores.subjects.sharing("r-2")] == ["r-2"]


async def test_no_rows_is_no_rows(stores: Stores) -> None:
    await stores.subjects.put("r-1", rows("r-1", "alice", "Jo Smith"))
    await stores.subjects.put("r-1", ())

    assert await stores.subjects.sharing("r-1") == []


async def _send_canary(stores: Stores, clock: FakeClock) -> str:
    """A referral naming the canary, sent through the use cases (sealed answers, index)."""
    services = Services.build(
        stores, clock, frozenset(SMLO_IDS), MemoryAuditLog(), blind_index=BLIND
    )
    draft = await services.intake.start_draft(REFERRER)
    answers = IntakeAnswers(
        route=Route.WITNESSED,
        subject_name=CANARY_NAME,
        subject_number=CANARY_NUMBER,
        subject_email=CANARY_EMAIL,
        subject_wish=SubjectWish.ACT_NOW,
        consent=True,
    )
    await services.intake.record_answers(REFERRER, draft.id, answers, IntakeStep.REVIEW)
    sent = await services.intake.submit(REFERRER, draft.id)
    assert len(await stores.subjects.sharing(sent.id)) == 3
    stored = await stores.referrals.get(sent.id)
    assert stored.answers.subject_name == CANARY_NAME
    return sent.id


CLEAR = (CANARY_NAME, "Subjectname", "0077123", CANARY_EMAIL, "canary.subject", REFERRER.user_id)


async def test_on_sqlite_whom_it_names_is_never_in_clear_on_disk(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        await _send_canary(sqlite.stores, clock)
        index_rows = await sqlite.database.fetch_all("SELECT * FROM subject_index")
        await sqlite.database.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
    assert len(index_rows) == 3
    raw = sqlite_bytes(path)
    assert [c for c in CLEAR[:5] if c.encode() in raw] == []
    assert not [r for r in index_rows if REFERRER.user_id in tuple(r)]


async def test_on_cosmos_whom_it_names_is_never_in_clear_in_any_item(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    await _send_canary(cosmos.stores, clock)
    containers = await cosmos_items(cosmos.settings)
    assert len(containers["subjects"]) == 3
    assert [c for c in CLEAR[:5] if c in repr(containers)] == []
    assert REFERRER.user_id not in repr(containers["subjects"])
