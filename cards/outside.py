"""Cards for a referral an SMLO took for someone without Teams (`referrals.outside`): the
to-do that stands in for news the person would have been sent, the line that says how to
reach them, and withdrawing it for them. Never what the person said, nor their details,
on a to-do's face: the reference, the kind of news and the way to reach them."""

from __future__ import annotations

from cards import wording as w
from cards.details import channel_words, when
from cards.elements import Element, action, card, choice_input, facts, heading, para
from cards.verbs import Verb
from referrals.notifications import NotificationKind
from referrals.outside import WithdrawnFor
from referrals.referral import Referral

K = NotificationKind
# The news, as the to-do says it: "Please let them know <news>, by phone."
NEWS = {
    K.TELL_PERSON_ALLOCATED: "that an advocate has taken on {ref}",
    K.TELL_PERSON_SIGNPOSTED: "that {ref} is outside what we do, and where to get help",
    K.TELL_PERSON_CLOSED: "that {ref} is closed, and how to come back to us",
    K.TELL_PERSON_ESCALATED: "about the escalation decision on {ref}",
}
WITHDRAWN_FOR_WORDS = {
    WithdrawnFor.BY_PHONE: "They asked by phone",
    WithdrawnFor.BY_EMAIL: "They asked by email",
    WithdrawnFor.IN_PERSON: "They asked in person",
}
NO_TEAMS_INTRO = (
    "You are taking a referral for someone who is not in Teams, from a call or an email. "
    "It goes in as one made on their behalf: answer as they tell you, and give a phone or "
    "email to reach them. We never message them. News for them comes to you, or to their "
    "advocate, to pass on."
)


def taken_receipt_card(r: Referral) -> Element:
    """The receipt for the SMLO who took the referral for someone without Teams."""
    return card(
        [
            heading("Your referral has been sent"),
            facts([("Reference", r.reference), ("Sent", when(r.submitted_at))]),
            para(
                "Like any referral, its card goes to every service lead, you too, so you may "
                "triage it and find an advocate yourself. The advocate will reach the person "
                f"{channel_words(r)}."
            ),
            para(
                "We never message the person. News for them comes to you, or to their "
                "advocate once one takes it on, to pass on."
            ),
            para("We have cleared the answers from this chat, to keep them private."),
            para(w.DANGER_FOR_SENDER, attention=True),
        ]
    )


def outside_notes(r: Referral) -> list[str]:
    """What staff should know first: the person is not in Teams."""
    if not r.outside_teams:
        return []
    return [
        f"This person is not in Teams. A service lead took this referral for them. Please "
        f"reach them {channel_words(r)}, at a safe time. Messages through the bot cannot "
        "reach them."
    ]


def tell_person_preview(kind: NotificationKind, r: Referral) -> str:
    return f"{r.reference}: please let the person know"


def tell_person_card(kind: NotificationKind, r: Referral, *, for_smlo: bool) -> Element:
    """The to-do: content-free, with the way to reach them; the details stay behind its
    button (the SMLO's details, or the advocate's case), each look authorised and audited."""
    news = NEWS[kind].format(ref=r.reference)
    data = {"referral_id": r.id}
    open_it = (
        action("Open details", Verb.OPEN, data)
        if for_smlo
        else action("Open the case", Verb.OPEN_CASE, data)
    )
    return card(
        [
            heading(f"Please let the person know: {r.reference}"),
            para(
                f"They are not in Teams, so we cannot tell them ourselves. Please let them "
                f"know {news}, {channel_words(r)}."
            ),
            para(
                "Their contact details are in the referral's details."
                if for_smlo
                else "Their contact details are on the case.",
                subtle=True,
            ),
        ],
        [open_it],
    )


def withdraw_for_person_card(r: Referral, problem: str | None = None) -> Element:
    """Withdrawing a referral for someone without Teams, who asked the service to; a way
    back to the details for a press made by mistake, as the referrer's own has."""
    return card(
        [
            heading(f"Withdraw {r.reference} for the person"),
            para(
                "Only do this if the person asked. Everything that could name them, or that "
                "they told us, is deleted at once. It cannot be undone."
            ),
            *choice_input(
                "how",
                "How did they ask?",
                [(how.value, words) for how, words in WITHDRAWN_FOR_WORDS.items()],
                required=True,
                problem=problem,
            ),
        ],
        [
            action("Withdraw it", Verb.WITHDRAW_FOR_PERSON, {"referral_id": r.id}, primary=True),
            action("No, keep it", Verb.OPEN, {"referral_id": r.id}, validate=False),
        ],
    )


def withdrawn_for_person_card(reference: str) -> Element:
    return card(
        [
            heading(f"{reference} is withdrawn"),
            para(
                "We have deleted what the person told us. Please let them know it is done. "
                "They can come back to us at any time."
            ),
        ]
    )
