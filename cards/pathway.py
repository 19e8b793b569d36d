"""A referral's pathway on cards: the SMLO's form for a step, and the steps in
categories (they hold no free text, so they may show wherever the referral's details do)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from cards import wording as w
from cards.elements import Element, action, card, choice_input, date_input, heading, para
from cards.record_inputs import FormReader
from cards.verbs import Verb
from referrals.pathway import Outcome, PathwayStep, StepConsent, StepKind, StepStatus
from referrals.referral import Referral

PROBLEM_WORDS = {
    "required": "Please choose how it ended.",
    "only when it ended": "An outcome goes only with a step that ended: choose Ended.",
    "in the future": "This date is in the future.",
}


def pathway_card(
    r: Referral,
    problems: Mapping[str, str] | None = None,
    sent: Mapping[str, str] | None = None,
    today: str = "",
) -> Element:
    """The form (with what was sent, if it had problems), under the steps so far."""
    problems, sent = problems or {}, sent or {}
    data = {"referral_id": r.id}

    def said(name: str) -> str:
        value = sent.get(name, "")
        return value if len(value) <= 40 else ""

    body: list[Element] = [heading(f"What it became: {r.reference}")]
    body += [para(f"Before: {step_words(s)}", subtle=True) for s in r.pathway] or [
        para("No step is recorded yet.", subtle=True)
    ]
    body += [
        *_choice("kind", "What", StepKind, said("kind"), problems),
        *_choice("status", "Started or ended", StepStatus, said("status"), problems),
        *choice_input(
            "outcome",
            "If it ended: the outcome",
            w.options(Outcome),
            value=said("outcome"),
            problem=problems.get("outcome"),
        ),
        *_choice("consent", "The consent it rested on", StepConsent, said("consent"), problems),
        *date_input(
            "on",
            "When it happened",
            value=said("on") or today,
            latest=today,
            required=True,
            problem=problems.get("on"),
        ),
        para("A step cannot be changed later, only followed by another one.", subtle=True),
    ]
    return card(
        body,
        [
            action("Save the step", Verb.RECORD_PATHWAY, data, primary=True),
            action("Back", Verb.HIDE, data, validate=False),
        ],
    )


def _choice(
    name: str, label: str, enum: type[StrEnum], value: str, problems: Mapping[str, str]
) -> list[Element]:
    return choice_input(
        name, label, w.options(enum), value=value, required=True, problem=problems.get(name)
    )


def read_step(inputs: Mapping[str, str]) -> tuple[PathwayStep | None, dict[str, str]]:
    """The form's inputs as a step, or the problems (by input) that kept it from it."""
    reader = FormReader(inputs)
    kind, status = reader.choice("kind", StepKind), reader.choice("status", StepStatus)
    consent = reader.choice("consent", StepConsent)
    on = reader.day("on", required=True)
    outcome = reader.choice("outcome", Outcome) if reader.raw("outcome") else None
    if reader.problems or kind is None or status is None or consent is None or on is None:
        return None, reader.problems
    return PathwayStep(kind, status, on, consent, outcome), {}


def in_words(problems: Mapping[str, str]) -> dict[str, str]:
    return {name: PROBLEM_WORDS.get(p, p) for name, p in problems.items()}


def step_words(s: PathwayStep) -> str:
    """ "Looked into as misconduct: ended, upheld, 1 May 2026 (with their consent)"."""
    what = "started" if s.status is StepStatus.STARTED else "ended"
    if s.outcome is not None:
        what += f", {w.label(s.outcome).lower()}"
    day = f"{s.on.day} {s.on:%B %Y}"
    return f"{w.label(s.kind)}: {what}, {day} ({w.label(s.consent).lower()})"
