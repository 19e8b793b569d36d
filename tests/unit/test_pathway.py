"""A referral's pathway: each step in categories with its date and the consent it rested
on; an outcome only with an ended step; only an SMLO, only on a sent referral; never
edited, only followed; it survives the retention purge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referrals import errors
from referrals.pathway import Outcome, PathwayStep, StepConsent, StepKind, StepStatus
from referrals.referral import Referral
from referrals.states import ReferralState
from tests.unit.builders import ACTORS, NOW, PATHS, Path, Role, walk

SMLO = ACTORS[Role.SMLO]
STARTED = PathwayStep(StepKind.MISCONDUCT, StepStatus.STARTED, NOW.date(), StepConsent.CONSENTED)
UPHELD = PathwayStep(
    StepKind.MISCONDUCT,
    StepStatus.OUTCOME,
    NOW.date(),
    StepConsent.CONSENTED,
    Outcome.UPHELD,
)


def in_state(state: str) -> Referral:
    return walk(next(p for p in PATHS if p.state.value == state))


def test_a_step_is_one_history_line_in_categories() -> None:
    referral = in_state("active")
    assert referral.record_pathway_step(SMLO, STARTED, NOW)

    assert referral.pathway == [STARTED]
    assert referral.history[-1].detail == f"misconduct:started::consented:{NOW.date()}"


def test_a_later_step_follows_an_earlier_one() -> None:
    referral = in_state("active")
    referral.record_pathway_step(SMLO, STARTED, NOW)
    referral.record_pathway_step(SMLO, UPHELD, NOW)

    assert referral.pathway == [STARTED, UPHELD]


def test_the_same_step_again_changes_nothing() -> None:
    referral = in_state("active")
    referral.record_pathway_step(SMLO, STARTED, NOW)

    assert not referral.record_pathway_step(SMLO, STARTED, NOW)
    assert referral.pathway == [STARTED]


def test_an_outcome_goes_with_an_ended_step_only() -> None:
    referral = in_state("active")
    no_outcome = PathwayStep(StepKind.CRIMINAL, StepStatus.OUTCOME, NOW.date(), STARTED.consent)
    with pytest.raises(errors.EntryInvalid) as raised:
        referral.record_pathway_step(SMLO, no_outcome, NOW)
    assert raised.value.problems == {"outcome": "required"}

    early = PathwayStep(
        StepKind.CRIMINAL, StepStatus.STARTED, NOW.date(), STARTED.consent, Outcome.CHARGED
    )
    with pytest.raises(errors.EntryInvalid):
        referral.record_pathway_step(SMLO, early, NOW)
    assert referral.pathway == []


def test_a_step_in_the_future_is_refused() -> None:
    referral = in_state("active")
    later = PathwayStep(
        StepKind.GRIEVANCE, StepStatus.STARTED, NOW.date() + timedelta(days=1), STARTED.consent
    )
    with pytest.raises(errors.EntryInvalid) as raised:
        referral.record_pathway_step(SMLO, later, NOW)
    assert raised.value.problems == {"on": "in the future"}


def test_the_pathway_survives_the_purge() -> None:
    referral = in_state("closed")
    referral.record_pathway_step(SMLO, UPHELD, NOW)
    assert referral.state is ReferralState.CLOSED

    assert referral.purge(NOW)
    assert referral.pathway == [UPHELD]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_only_an_smlo_records_a_step_and_only_on_a_sent_referral(path: Path, role: Role) -> None:
    referral = walk(path)
    sent = referral.state.value not in ("draft", "withdrawn")

    if role is Role.SMLO and sent:
        assert referral.record_pathway_step(ACTORS[role], STARTED, NOW)
    else:
        with pytest.raises(errors.NotAnSmlo if role is not Role.SMLO else errors.InvalidTransition):
            referral.record_pathway_step(ACTORS[role], STARTED, NOW)
        assert referral.pathway == []
