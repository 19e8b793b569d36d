"""The SMLO's triage on receipt, on cards: the form, and the few words the referral card
and the inbox show of it (categories only, never what the person said)."""

from __future__ import annotations

from collections.abc import Mapping

from cards import wording as w
from cards.elements import Element, action, card, choice_input, heading, para
from cards.verbs import Verb
from referrals.referral import Referral
from referrals.triage import Risk, TriageDecision, Urgency

YES, NO = "yes", "no"


def triage_card(r: Referral, problems: Mapping[str, str] | None = None) -> Element:
    """The form, filled in with the last decision if there is one."""
    data, problems = {"referral_id": r.id}, problems or {}
    last = r.triage
    remit = "" if last is None else YES if last.in_remit else NO
    return card(
        [
            heading(f"Triage {r.reference}"),
            para("Urgent referrals, and those where someone is at risk, come first in the inbox."),
            *choice_input(
                "in_remit",
                "Is it for this service?",
                [(YES, "Yes"), (NO, "No: it needs another service")],
                value=remit,
                required=True,
                problem=problems.get("in_remit"),
            ),
            *choice_input(
                "urgency",
                "How soon must it be dealt with?",
                w.options(Urgency),
                value=last.urgency.value if last else "",
                required=True,
                problem=problems.get("urgency"),
            ),
            *choice_input(
                "risks",
                "Is anyone at risk now? Tick any that apply.",
                w.options(Risk),
                value=sorted(last.risks) if last else [],
                multi=True,
                problem=problems.get("risks"),
            ),
        ],
        [
            action("Save", Verb.TRIAGE, data, primary=True),
            action("Back", Verb.HIDE, data, validate=False),
        ],
    )


def triage_words(decision: TriageDecision | None) -> str:
    """ "Urgent; risk to the person", for the referral card ("" before any triage)."""
    if decision is None:
        return ""
    words = [w.label(decision.urgency)]
    words += [w.label(risk).lower() for risk in sorted(decision.risks)]
    return "; ".join(words)
