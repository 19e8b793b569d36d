"""Every store keeps the SMLO's oversight alike: a triage, the pathway's steps, a case given
to another advocate (the first no longer lists it, the next does, and takes on its record),
a case stranded by its advocate leaving the list, and a case closed by an SMLO with their
note; the pathway outlives the purge. (Escalation decisions and withdrawn consents: see
test_case_record_contract.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from referrals.case_record import CloseOutcome, Closure, ContactHow, ContactLogged, EntryKind
from referrals.pathway import Outcome, PathwayStep, StepConsent, StepKind, StepStatus
from referrals.ports import Stores
from referrals.referral import ReassignReason, Referral
from referrals.states import HELD_BY_ADVOCATE, ReferralState
from referrals.triage import Risk, TriageDecision, Urgency
from tests.storage.conftest import (
    ADVOCATE,
    SECOND_ADVOCATE,
    SMLO,
    SMLO_IDS,
    Scenario,
    as_advocate,
)

DAY = date(2026, 5, 30)
URGENT = TriageDecision(True, Urgency.URGENT, frozenset({Risk.SAFEGUARDING, Risk.TO_OTHERS}))
STEPS = [
    PathwayStep(StepKind.MISCONDUCT, StepStatus.STARTED, DAY, StepConsent.CONSENTED),
    PathwayStep(
        StepKind.MISCONDUCT, StepStatus.OUTCOME, DAY, StepConsent.CONSENTED, Outcome.UPHELD
    ),
    PathwayStep(StepKind.CRIMINAL, StepStatus.STARTED, DAY, StepConsent.WITHOUT_CONSENT),
]


def held_by(referrals: list[Referral]) -> list[str]:
    return [r.id for r in referrals]


async def test_a_triage_and_the_pathway_read_back_exactly_and_outlive_the_purge(
    stores: Stores, scenario: Scenario
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    await scenario.change(case, lambda at: case.record_triage(SMLO, URGENT, at))
    for step in STEPS:
        assert case.record_pathway_step(SMLO, step, scenario.tick())
        await stores.referrals.save(case)

    stored = await stores.referrals.get(case.id)
    assert stored == case
    assert repr(stored) == repr(case)
    assert stored.triage == URGENT
    assert stored.pathway == STEPS

    closure = Closure(CloseOutcome.SUPPORT_COMPLETED, True, "done")
    await scenario.change(stored, lambda at: stored.close(as_advocate(ADVOCATE), at, closure))
    await scenario.change(stored, lambda at: _ignore(stored.purge(at)))
    purged = await stores.referrals.get(case.id)
    assert purged.is_purged
    assert purged.pathway == STEPS, "what it became is counted after the purge"


async def test_a_case_given_to_another_advocate_moves_with_its_record_and_leaves_the_first(
    stores: Stores, scenario: Scenario
) -> None:
    for advocate in (ADVOCATE, SECOND_ADVOCATE):
        await stores.roster.put_advocate(advocate)
    case = await scenario.active()
    contact = ContactLogged(scenario.clock.now(), ContactHow.PHONE, "first call — “kept”")
    (entry,) = [case.add_entry(as_advocate(ADVOCATE), contact, SMLO_IDS, scenario.tick())]
    await stores.referrals.save(case)

    await scenario.change(
        case,
        lambda at: case.reassign(SMLO, SECOND_ADVOCATE, ReassignReason.CONFLICT_FOUND, at),
    )

    stored = await stores.referrals.get(case.id)
    assert stored == case
    assert (stored.state, stored.offered_to, stored.advocate_id) == (
        ReferralState.OFFERED,
        SECOND_ADVOCATE.user_id,
        "",
    )
    assert stored.previous_advocates == (ADVOCATE.user_id,)
    assert held_by(await stores.referrals.list_for_advocate(ADVOCATE.user_id)) == []
    assert held_by(await stores.referrals.list_for_advocate(SECOND_ADVOCATE.user_id)) == [case.id]
    await scenario.accept(stored, SECOND_ADVOCATE)
    handed_over = await stores.referrals.get(case.id)
    assert handed_over.advocate_id == SECOND_ADVOCATE.user_id
    assert await stores.records.entries(handed_over) == [entry], "the record goes with it"
    assert (await stores.referrals.caseloads()).get(ADVOCATE.user_id, 0) == 0


async def test_a_stranded_case_is_found_and_closed_by_an_smlo_with_their_note(
    stores: Stores, scenario: Scenario
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    await stores.roster.put_advocate(replace(ADVOCATE, active=False))  # taken off the list

    (gone,) = [a for a in await stores.roster.list_advocates() if not a.active]
    held = await stores.referrals.list_for_advocate(gone.user_id)
    assert [r.id for r in held if r.state in HELD_BY_ADVOCATE] == [case.id]

    closure = Closure(CloseOutcome.OTHER, False, "The advocate has left — “why”")
    await scenario.change(case, lambda at: case.close(SMLO, at, closure, SMLO_IDS))

    stored = await stores.referrals.get(case.id)
    assert stored == case
    assert stored.state is ReferralState.CLOSED
    assert stored.history[-1].actor_id == SMLO.user_id
    (closing,) = await stores.records.entries(stored)
    assert (closing.kind, closing.content, closing.author_id) == (
        EntryKind.CLOSURE,
        closure,
        SMLO.user_id,
    )
    assert await stores.referrals.list_for_advocate(ADVOCATE.user_id) == []


def _ignore(_: object) -> None:
    """`Scenario.change` takes an action that returns nothing; some transitions say if they
    did anything."""
