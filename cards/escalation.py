"""Escalation decisions on cards: the SMLO's form and the decisions in categories, the
note that tells the person (content-free on its face), and the person withdrawing a
consent they gave. What anyone wrote is shown only on the case record's entry."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from cards import wording as w
from cards.elements import (
    Element,
    action,
    card,
    choice_input,
    date_input,
    heading,
    para,
    text_input,
    toggle,
)
from cards.record_inputs import ECHO_EXTRA, FormReader
from cards.verbs import Verb
from referrals.case_record import TEXT_LIMITS
from referrals.escalation import Consent, DecisionLine, Destination, Escalation, InfoCategory
from referrals.identity import is_anonymous
from referrals.referral import Referral

PROBLEM_WORDS = {
    "required": "Please fill this in.",
    "in the future": "This date is in the future.",
    "nothing is passed when the person declined": (
        "They said no, so nothing was passed: untick these, or choose another answer."
    ),
    "each kind once": "Please tick each kind once.",
}
TEXTS = ("rationale", "approved_by", "note", "not_told_reason")


ANONYMOUS_ESCALATION = (
    "This person is anonymous to the service, so nobody here knows who they are and it "
    "cannot be passed on. You can ask them, in a message, whether they would tell us."
)


def escalation_card(
    r: Referral,
    problems: Mapping[str, str] | None = None,
    sent: Mapping[str, str] | None = None,
    today: str = "",
) -> Element:
    """The form (filled in again with what was sent, if it had problems), under the
    decisions recorded before it."""
    problems, sent = problems or {}, sent or {}
    data = {"referral_id": r.id, "entry_id": sent.get("entry_id") or uuid.uuid4().hex}

    def said(name: str) -> str:
        value = sent.get(name, "")
        return value if len(value) <= TEXT_LIMITS.get(name, 100) + ECHO_EXTRA else ""

    def box(name: str, label: str, *, multiline: bool = False) -> list[Element]:
        """A free-text box that says its limit and never cuts text off (see the intake)."""
        limit = TEXT_LIMITS[name]
        return text_input(
            name,
            f"{label}. {w.up_to(limit)}",
            value=said(name),
            multiline=multiline,
            problem=problems.get(name),
        )

    body: list[Element] = [heading(f"Escalation decision: {r.reference}")]
    if is_anonymous(r.answers):  # the service cannot pass on what it was never told
        body.append(para(ANONYMOUS_ESCALATION, attention=True))
    body += [para(line, subtle=True) for line in decision_lines(r)]
    body += [
        *choice_input(
            "destination",
            "To whom?",
            w.options(Destination),
            value=said("destination"),
            required=True,
            problem=problems.get("destination"),
        ),
        *choice_input(
            "consent",
            "The person's consent",
            w.options(Consent),
            value=said("consent"),
            required=True,
            problem=problems.get("consent"),
        ),
        *choice_input(
            "categories",
            "What kind of information was passed? None if they said no.",
            w.options(InfoCategory),
            value=[c for c in said("categories").split(",") if c],
            multi=True,
            problem=problems.get("categories"),
        ),
        *date_input(
            "decided_on",
            "When",
            value=said("decided_on") or today,
            latest=today,
            required=True,
            problem=problems.get("decided_on"),
        ),
        *box("rationale", "Why (the rationale)", multiline=True),
        *box("approved_by", "Without consent: who approved it"),
        *box("note", "What was passed (optional; kept sealed)", multiline=True),
        *toggle(
            "increases_risk",
            "Telling the person",
            "Telling them would increase the risk: do not tell them",
            value=said("increases_risk") == "true",
        ),
        *box("not_told_reason", "If not told: why it would increase the risk", multiline=True),
        para("A decision cannot be changed later, only followed by another one.", subtle=True),
    ]
    return card(
        body,
        [
            action("Save the decision", Verb.ESCALATE, data, primary=True),
            action("Back", Verb.HIDE, {"referral_id": r.id}, validate=False),
        ],
    )


def read_escalation(inputs: Mapping[str, str]) -> tuple[Escalation | None, dict[str, str]]:
    """The form's inputs as a decision, or the problems (by input) that kept it from it."""
    reader = FormReader(inputs)
    destination = reader.choice("destination", Destination)
    consent = reader.choice("consent", Consent)
    decided_on = reader.day("decided_on", required=True)
    rationale, approved_by = reader.text("rationale"), reader.text("approved_by")
    note, not_told_reason = reader.text("note"), reader.text("not_told_reason")
    try:
        categories = tuple(InfoCategory(c) for c in reader.raw("categories").split(",") if c)
    except ValueError:
        reader.problems["categories"], categories = "Please choose from the list.", ()
    if reader.problems or destination is None or consent is None or decided_on is None:
        return None, reader.problems
    tell = not reader.ticked("increases_risk")
    decision = Escalation(
        destination,
        consent,
        decided_on,
        rationale,
        categories,
        approved_by,
        note,
        tell,
        not_told_reason,
    )
    return decision, {}


def in_words(problems: Mapping[str, str]) -> dict[str, str]:
    return {name: PROBLEM_WORDS.get(p, p) for name, p in problems.items()}


def decision_words(d: DecisionLine) -> str:
    """ "Professional Standards (PSD): with their consent (who the person is); not told"."""
    words = f"{w.label(d.destination)}: {w.label(d.consent).lower()}"
    if d.categories:
        words += f" ({', '.join(w.label(c).lower() for c in d.categories)})"
    if not d.told:
        words += "; the person not told"
    if d.consent_withdrawn:
        words += "; consent since withdrawn"
    return words


def decision_lines(r: Referral) -> list[str]:
    found = r.escalations
    if not found:
        return ["No escalation decision is recorded."]
    return [f"Decided before: {decision_words(d)}" for d in found]


def escalated_card(r: Referral, help_lines: str) -> Element:
    """To the person: what kind of team it went to and how to ask about it; no content.
    The latest decision they are told of (a later one they are not told of stays hidden)."""
    told = [d for d in r.escalations if d.told]
    latest = told[-1] if told else None
    if latest is None or latest.consent is Consent.DECLINED:
        news = "The service lead has recorded that nothing was passed on, as you asked."
    else:
        news = f"The service lead has shared information with {_team(latest)}."
        if latest.consent is Consent.WITHOUT_CONSENT:
            news += " This was done without your consent because of a risk to others."
    body = [
        heading(f"About your referral {r.reference}"),
        para(news),
        para(
            "To ask about it, type my referrals, or talk to your advocate if you have one. "
            "If you agreed to it, you can withdraw your consent there."
        ),
        para(w.DANGER, attention=True),
    ]
    return card(body + ([para(help_lines, subtle=True)] if help_lines else []))


def withdraw_consent_confirm_card(r: Referral, d: DecisionLine) -> Element:
    data = {"referral_id": r.id, "escalation_id": d.id}
    return card(
        [
            heading(f"Withdraw your consent: {r.reference}?"),
            para(
                f"You agreed that we could share information with {_team(d)}. If you "
                "withdraw your consent, the service lead is told at once and will not pass "
                "anything more. What was already shared cannot be taken back, but the service "
                "lead can tell them you have withdrawn it."
            ),
        ],
        [
            action("Yes, withdraw my consent", Verb.WITHDRAW_CONSENT, data, primary=True),
            action("No, keep it", Verb.MY_REFERRALS),
        ],
    )


def consent_withdrawn_card(r: Referral) -> Element:
    return card(
        [
            heading(f"Your consent is withdrawn: {r.reference}"),
            para("We have told the service lead. Nothing more will be passed with your consent."),
            para(w.DANGER, attention=True),
        ]
    )


TEAMS = {
    Destination.PSD: "Professional Standards (PSD)",
    Destination.CCU: "the counter-corruption unit",
    Destination.SAFEGUARDING: "the safeguarding team",
    Destination.CRIME_REPORT: "the police, as a crime report",
    Destination.HR: "HR",
    Destination.OTHER: "another team",
}


def _team(d: DecisionLine) -> str:
    return TEAMS[d.destination]
