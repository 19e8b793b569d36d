"""The advocate's cards. An offer shows nothing about the person until it is accepted."""

from __future__ import annotations

from collections.abc import Sequence

from cards import wording as w
from cards.details import anonymity_notes, behalf_notes, referral_facts, when
from cards.elements import (
    Element,
    action,
    card,
    choice_input,
    facts,
    heading,
    para,
    refresh_for,
    row_with_button,
)
from cards.outside import outside_notes
from cards.verbs import Verb
from referrals.referral import DeclineReason, Referral
from referrals.states import ReferralState


def offer_card(r: Referral, notice: str = "") -> Element:
    data = {"referral_id": r.id}
    body = [heading("Can you support someone?")]
    if notice:
        body.append(para(notice, attention=True))
    body += [
        facts([("Reference", r.reference), ("Sent", when(r.submitted_at))]),
        para(
            "You will see the details once you say yes. Please answer soon, so they are "
            "not kept waiting."
        ),
    ]
    return card(
        body,
        [
            action("Yes, I can", Verb.ACCEPT, data, primary=True),
            action("I can't take this", Verb.SHOW_DECLINE, data),
        ],
    )


def decline_card(r: Referral, problem: str = "") -> Element:
    data = {"referral_id": r.id}
    return card(
        [
            heading(f"Say no to {r.reference}"),
            para("That is fine. The service lead will ask someone else."),
            *choice_input(
                "reason",
                "Why can't you take it?",
                w.options(DeclineReason),
                required=True,
                problem=problem or None,
            ),
        ],
        [
            action("Send my answer", Verb.DECLINE, data, primary=True),
            action("Back", Verb.OPEN_CASE, data, validate=False),
        ],
    )


def declined_card(r: Referral) -> Element:
    return card(
        [
            heading(f"Thank you: {r.reference}"),
            para("You said no to this case. The service lead will ask someone else."),
        ]
    )


def case_card(r: Referral) -> Element:
    """After accepting: what they need to make first contact. Teams asks for the current
    version whenever it is shown, so withdrawn or purged details vanish from the chat."""
    # Shown again later, the card comes back folded: details reopen only on their tap.
    how = action("Refresh", Verb.HIDE_CASE, {"referral_id": r.id})
    first = (
        anonymity_notes(r, for_advocate=True)
        or outside_notes(r)
        or behalf_notes(r.answers, for_advocate=True)
        or ["Please get in touch in the way they chose, at a safe time."]
    )
    return card(
        [
            heading(f"You are supporting {r.reference}"),
            *(para(note) for note in first),
            facts(referral_facts(r)),
            para(w.FOLDS_BACK, subtle=True),
        ],
        [
            action("Case record", Verb.RECORD, {"referral_id": r.id}, primary=True),
            action("Log a contact", Verb.RECORD_FORM, {"referral_id": r.id, "kind": "contact"}),
            # Someone without Teams has no chat to relay messages to: the contact log it is.
            *([] if r.outside_teams else [action("Messages", Verb.THREAD, {"referral_id": r.id})]),
            action("Hide details", Verb.HIDE_CASE, {"referral_id": r.id}),
        ],
        refresh=refresh_for([r.advocate_id] if r.advocate_id else [], how),
    )


def case_folded_card(r: Referral) -> Element:
    """The case with its details out of sight: nothing about the person on it."""
    return card(
        [
            heading(f"Your case {r.reference}"),
            para("The details are hidden, so they do not stay on your screen."),
        ],
        [action("Show details", Verb.OPEN_CASE, {"referral_id": r.id}, primary=True)],
    )


def case_gone_card() -> Element:
    return card(
        [
            heading("This case is no longer open to you"),
            para(
                "It may have been withdrawn, closed or given to another advocate, or its "
                "details were removed. Nothing has changed, and there is nothing you need to do."
            ),
        ]
    )


def my_cases_card(cases: Sequence[Referral]) -> Element:
    availability = action("Free or away", Verb.AVAILABILITY)
    if not cases:
        empty = [heading("My cases"), para("You have no cases or offers right now.")]
        return card(empty, [availability])
    body: list[Element] = [heading("My cases")]
    for r in cases:
        state = "Waiting for your answer" if r.state is ReferralState.OFFERED else w.label(r.state)
        body.append(
            row_with_button(
                f"{r.reference}: {state}", action("Open", Verb.OPEN_CASE, {"referral_id": r.id})
            )
        )
    return card(body, [availability])
