"""A referral's pathway: what it became after it was sent, step by step (a formal report
made, a misconduct investigation, a criminal investigation, a grievance), each with its
date, whether it started or ended (and how), and the consent it rested on. This is what
"referrals converted into misconduct" counts. Standard library only.

Categories only, so each step is one line on the referral's history (no free text, nothing
to seal) and survives the retention purge like every other history line. Steps are never
edited: a later step follows an earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

PATHWAY_STEP = "PathwayStepRecorded"  # the history event of a pathway step


class StepKind(StrEnum):
    FORMAL_REPORT = "formal_report"  # a formal report was made
    MISCONDUCT = "misconduct"  # a misconduct investigation
    CRIMINAL = "criminal"  # a criminal investigation
    GRIEVANCE = "grievance"


class StepStatus(StrEnum):
    STARTED = "started"
    OUTCOME = "outcome"  # it ended, with an outcome


class Outcome(StrEnum):
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"
    NO_FURTHER_ACTION = "no_further_action"
    CHARGED = "charged"
    RESOLVED = "resolved"  # a grievance resolved
    OTHER = "other"


class StepConsent(StrEnum):
    CONSENTED = "consented"
    WITHOUT_CONSENT = "without_consent"


@dataclass(frozen=True)
class PathwayStep:
    kind: StepKind
    status: StepStatus
    on: date  # when it happened, not when it was recorded
    consent: StepConsent
    outcome: Outcome | None = None  # only, and always, with an outcome

    def detail(self) -> str:
        """The history line's detail: "misconduct:outcome:upheld:consented:2026-05-01"."""
        outcome = self.outcome.value if self.outcome else ""
        parts = [self.kind.value, self.status.value, outcome, self.consent.value]
        return ":".join([*parts, self.on.isoformat()])

    @classmethod
    def from_detail(cls, detail: str) -> PathwayStep:
        kind, status, outcome, consent, on = detail.split(":")
        return cls(
            StepKind(kind),
            StepStatus(status),
            date.fromisoformat(on),
            StepConsent(consent),
            Outcome(outcome) if outcome else None,
        )


def problems(step: PathwayStep, today: date) -> dict[str, str]:
    """An outcome goes with an ended step and only with it; a step has happened."""
    found: dict[str, str] = {}
    if step.status is StepStatus.OUTCOME and step.outcome is None:
        found["outcome"] = "required"
    if step.status is StepStatus.STARTED and step.outcome is not None:
        found["outcome"] = "only when it ended"
    if step.on > today:
        found["on"] = "in the future"
    return found
