"""The SMLO's triage decision: kept as a content-free history line, the latest one
counts, only an SMLO makes it, and only while the referral is open here."""

from __future__ import annotations

import itertools

import pytest

from referrals import errors
from referrals.triage import Risk, TriageDecision, Urgency
from tests.unit.builders import ACTORS, CANARY, NOW, PATHS, Path, Role, walk

DECISIONS = [
    TriageDecision(in_remit, urgency, frozenset(risks))
    for in_remit in (True, False)
    for urgency in Urgency
    for n in range(len(Risk) + 1)
    for risks in itertools.combinations(Risk, n)
]


@pytest.mark.parametrize("decision", DECISIONS, ids=str)
def test_a_decision_reads_back_from_its_history_line(decision: TriageDecision) -> None:
    assert TriageDecision.from_detail(decision.detail()) == decision
    assert decision.comes_first is (decision.urgency is Urgency.URGENT or bool(decision.risks))


def test_the_latest_decision_counts_and_the_history_holds_no_content() -> None:
    referral = walk(next(p for p in PATHS if p.state.value == "submitted"))
    smlo = ACTORS[Role.SMLO]
    referral.record_triage(smlo, TriageDecision(True, Urgency.URGENT), NOW)
    referral.record_triage(smlo, TriageDecision(True, Urgency.ROUTINE), NOW)

    assert referral.triage == TriageDecision(True, Urgency.ROUTINE)
    assert all(CANARY not in e.detail for e in referral.history)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_only_an_smlo_triages_and_only_an_open_referral(path: Path, role: Role) -> None:
    referral = walk(path)
    open_here = referral.state.value in ("submitted", "awaiting_allocation", "offered", "active")
    decision = TriageDecision(True, Urgency.URGENT, frozenset({Risk.TO_OTHERS}))

    if role is Role.SMLO and open_here:
        referral.record_triage(ACTORS[role], decision, NOW)
        assert referral.triage == decision
    else:
        with pytest.raises(errors.NotAnSmlo if role is not Role.SMLO else errors.InvalidTransition):
            referral.record_triage(ACTORS[role], decision, NOW)
