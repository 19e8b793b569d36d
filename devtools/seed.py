"""Two years of made-up history for `make run`, so a newcomer's `stats` shows figures.

DEMO DATA, for the development store only (`make run` seeds `var/dev.sqlite3` once, when
it holds no closed referral). Every referral is walked through the real domain (sent,
allocated, contacts, risk, referred on, closed; some sent elsewhere, some withdrawn) by
made-up demo people, its text says it is demo data, and it queues no message to anyone:
its notifications are dropped before it is saved. Deterministic: the same run gives the
same history.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from referrals.case_record import (
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    OnwardReferral,
    RiskAssessment,
    RiskLevel,
)
from referrals.intake import AgeBand, Employment, Gender, IntakeAnswers, IntakeStep, Route, Wish
from referrals.pathway import PathwayStep, StepConsent, StepKind, StepStatus
from referrals.people import Actor, Advocate
from referrals.referral import Referral
from referrals.signposting import Signpost
from referrals.states import ReferralState
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores

DEMO_TEXT = "DEMO DATA: not a real referral."
MONTHS = 24
SMLO = Actor("demo-smlo", "Demo service lead", is_smlo=True)


def service_start(now: datetime) -> str:
    """The month two years before `now`'s: the demo service's start ("2024-12")."""
    index = now.year * 12 + now.month - 1 - MONTHS
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def history(now: datetime, advocates: list[Advocate]) -> list[Referral]:
    """Every demo referral, oldest first, each as it stands `now`."""
    rng, made = random.Random(2026), []  # noqa: S311 (made-up figures, not secrets)
    start = datetime.fromisoformat(service_start(now) + "-01").replace(tzinfo=UTC)
    serial = 0
    for month in range(MONTHS):
        first = start + timedelta(days=31 * month)
        for _ in range(rng.randint(4, 12)):
            serial += 1
            sent = first + timedelta(days=rng.randint(0, 27), hours=rng.randint(8, 18))
            if sent >= now - timedelta(days=30):
                continue  # recent months stay for people to fill in
            made.append(_one(rng, serial, sent, rng.choice(advocates)))
    return made


def _one(rng: random.Random, serial: int, sent: datetime, advocate: Advocate) -> Referral:
    referrer = Actor(f"demo-referrer-{serial:04d}", f"Demo person {serial}")
    answers = IntakeAnswers(
        route=rng.choice([Route.EXPERIENCED] * 5 + [Route.WITNESSED, Route.CONCERN]),
        employment=rng.choice(list(Employment)),
        wishes=tuple(rng.sample(list(Wish), rng.randint(1, 2))),
        account=DEMO_TEXT,
        gender=rng.choice(list(Gender)),
        age_band=rng.choice(list(AgeBand)),
        consent=True,
    )
    referral = Referral.start_draft(referrer, sent)
    referral.record_answers(referrer, answers, IntakeStep.REVIEW, sent)
    # Its own kind of reference, so no real referral's number is ever taken.
    referral.submit(referrer, f"DEMO-{sent.year}-{serial:04d}", [SMLO.user_id], sent)
    later = sent + timedelta(hours=rng.randint(2, 60))
    fate = rng.random()
    if fate < 0.12:
        referral.mark_out_of_remit(SMLO, rng.choice(list(Signpost)), later)
    elif fate < 0.18:
        referral.withdraw(referrer, [SMLO.user_id], later)
    else:
        _supported(rng, referral, advocate, later)
    referral.new_notifications.clear()  # demo history tells nobody anything
    return referral


def _supported(rng: random.Random, referral: Referral, advocate: Advocate, at: datetime) -> None:
    holder = Actor(advocate.user_id, advocate.display_name, is_advocate=True)
    referral.offer(SMLO, advocate, at)
    at += timedelta(hours=rng.randint(1, 30))
    referral.accept(holder, [SMLO.user_id], at)
    for _ in range(rng.randint(0, 2)):
        at += timedelta(days=rng.randint(1, 4))
        referral.add_entry(holder, ContactLogged(at, ContactHow.ATTEMPT), (), at)
    at += timedelta(days=rng.randint(0, 5))
    how = rng.choice([ContactHow.TEAMS, ContactHow.PHONE, ContactHow.IN_PERSON])
    referral.add_entry(holder, ContactLogged(at, how, DEMO_TEXT), (), at)
    level = rng.choice([RiskLevel.LOW] * 4 + [RiskLevel.MEDIUM] * 2 + [RiskLevel.HIGH])
    referral.add_entry(holder, RiskAssessment(at.date(), level), (), at)
    if rng.random() < 0.5:
        service, internal = rng.choice([("rape-crisis", False), ("eap", True)])
        onward = OnwardReferral(service, True, at.date(), internal)
        referral.add_entry(holder, onward, (), at)
    if rng.random() < 0.3:  # what some became: a misconduct or criminal investigation
        kind = rng.choice([StepKind.MISCONDUCT] * 3 + [StepKind.CRIMINAL])
        step = PathwayStep(kind, StepStatus.STARTED, at.date(), StepConsent.CONSENTED)
        referral.record_pathway_step(SMLO, step, at)
    at += timedelta(days=rng.randint(10, 80))
    outcome = rng.choice([CloseOutcome.SUPPORT_COMPLETED] * 4 + list(CloseOutcome))
    referral.close(holder, at, Closure(outcome, True, DEMO_TEXT), [SMLO.user_id])


async def seed(path: Path, now: datetime, advocates: list[Advocate]) -> int:
    """Seed the store at `path` once; returns how many referrals were written (0 if it
    already held closed referrals)."""
    cipher = FieldCipher(development_key_ring())
    async with await SqliteStores.open(path, cipher) as sqlite:
        referrals = sqlite.stores.referrals
        if await referrals.list_in_states([ReferralState.CLOSED]):
            return 0
        made = [r for r in history(now, advocates) if r.updated_at < now]
        for referral in made:
            await referrals.save(referral)
        return len(made)


def seed_now(path: Path, advocates: list[Advocate]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return asyncio.run(seed(path, datetime.now(UTC), advocates))
