"""The referrer's cards around the questions: welcome, review, receipt, stop and resume."""

from __future__ import annotations

from datetime import datetime

from cards import wording as w
from cards.details import answer_facts, when
from cards.elements import Element, action, card, facts, heading, para, toggle
from cards.intake_steps import STOP_HINT, step_header
from cards.verbs import Verb
from referrals.intake import IntakeStep
from referrals.referral import Referral

ROLE_HINTS = {
    "smlo": "You are a service lead. Type inbox to see referrals that need you, or roster "
    "to see the advocates. To change the list, type add advocate or remove advocate and "
    "then their name or work email. Type stats to see the figures.",
    "advocate": "You are an advocate. Type my cases to see your cases.",
}


def welcome_card(has_draft: bool, role: str = "") -> Element:
    """First contact, `hi`, `help` and `refer`: what the service is and who sees what.
    `role` ("smlo" or "advocate") puts that person's own work first."""
    body = [heading("Welcome to the SMA service")]
    if role:
        body.append(para(ROLE_HINTS[role]))
    body += [
        para(
            "We support colleagues who have faced or seen unwanted sexual behaviour at work. "
            "You can talk to us in confidence."
        ),
        para(
            "Who sees what you tell us: only the service lead and the advocate who supports "
            "you. We are separate from Professional Standards. We do not pass anything on "
            "unless you agree."
        ),
        para(w.DANGER, attention=True),
        para(w.HELP_LINES, subtle=True),
    ]
    title = "Carry on where I left off" if has_draft else "Start a referral"
    actions = [action(title, Verb.START, primary=not role), action("Not now", Verb.NOT_NOW)]
    if role == "smlo":
        actions.insert(0, action("Open inbox", Verb.INBOX, primary=True))
    elif role == "advocate":
        actions.insert(0, action("My cases", Verb.MY_CASES, primary=True))
    return card(body, actions)


def not_now_card() -> Element:
    return card(
        [
            heading("That is fine"),
            para("We are here when you are ready. Type refer at any time to start."),
            para(w.DANGER, attention=True),
        ]
    )


CONSENT_TEXT = (
    "I agree that the SMA service may keep this and share it with the service lead "
    "and the advocate who supports me."
)


def review_card(referral: Referral, problem: str | None = None, notice: str = "") -> Element:
    """Everything they said, for a last check. Replaced by a receipt once sent."""
    data = {"referral_id": referral.id, "step": IntakeStep.REVIEW.value}
    body: list[Element] = [step_header(IntakeStep.REVIEW, referral.answers)]
    if notice:
        body.append(para(notice, attention=True))
    body += [
        para("Please check what you told us. Use Back to change anything."),
        facts(answer_facts(referral.answers, for_referrer=True)),
        *toggle(
            "consent",
            "Your consent",
            CONSENT_TEXT,
            value=referral.answers.consent,
            problem=problem,
        ),
        para(STOP_HINT, subtle=True),
    ]
    return card(
        body,
        [
            action("Send my referral", Verb.SUBMIT, data, primary=True),
            action("Back", Verb.BACK, data),
            action("Finish later", Verb.LATER, data),
        ],
    )


def receipt_card(reference: str, submitted_at: datetime | None) -> Element:
    """Shown in place of the review card: no answers, only the reference and next steps."""
    sent = when(submitted_at)
    return card(
        [
            heading("Your referral has been sent"),
            facts([("Reference", reference), ("Sent", sent)]),
            para(
                "What happens next: the service lead will read it, usually within two working "
                "days. They will then ask an advocate to support you. Your advocate will get in "
                "touch in the way you chose."
            ),
            para("We have cleared your answers from this chat, to keep them private."),
            para(w.DANGER, attention=True),
        ]
    )


def stop_card(referral_id: str) -> Element:
    data = {"referral_id": referral_id}
    return card(
        [
            heading("You have stopped"),
            para("Do you want us to keep what you have told us so far, so you can carry on later?"),
        ],
        [
            action("Keep it for later", Verb.KEEP_DRAFT, data, validate=False),
            action("Delete it", Verb.DELETE_DRAFT, data, validate=False),
        ],
    )


def kept_card(keep_days: int) -> Element:
    return card(
        [
            heading("Saved for later"),
            para(
                f"Type continue when you are ready. If you do not come back, we delete it "
                f"after {w.count_of(keep_days, 'day')}."
            ),
        ]
    )


def cleared_card() -> Element:
    """Put in place of any earlier message that showed answers, once the person leaves."""
    return card(
        [
            heading("Cleared for your privacy"),
            para(
                "This card showed your answers. We have cleared it. Type continue to carry on "
                "a referral you have not sent."
            ),
        ]
    )


def deleted_card() -> Element:
    return card(
        [
            heading("Deleted"),
            para("We have deleted what you told us in this referral. Type refer to start again."),
        ]
    )
