"""The referrer's cards around the questions: welcome, the short way ("ask an advocate to
contact me"), review, receipt, stop and resume."""

from __future__ import annotations

from datetime import datetime

from cards import outside
from cards import wording as w
from cards.details import answer_facts, when
from cards.elements import Element, action, card, facts, heading, para, toggle
from cards.intake_steps import STOP_HINT, step_header, stop_action
from cards.verbs import Verb
from referrals.identity import is_anonymous
from referrals.intake import IntakeAnswers, IntakeStep, is_on_behalf
from referrals.referral import Referral

ROLE_HINTS = {
    "smlo": "You are a service lead. Type inbox to see referrals that need you, or roster "
    "to see the advocates. To change the list, type add advocate or remove advocate and "
    "then their name or work email. Type stats to see the figures.",
    "advocate": "You are an advocate. Type my cases to see your cases.",
    "auditor": "You are the data protection auditor. Type access report to see who opened "
    "or changed referrals last month, or audit and a referral's number to see its trail.",
}


WHO_SEES = (
    "Who sees what you tell us: only the service lead and the advocate who supports you. "
    "We are separate from Professional Standards. We do not pass anything on unless you "
    "agree."
)
ASK_CONTACT = "Ask an advocate to contact me"


def welcome_card(has_draft: bool, role: str = "", *, help_lines: str) -> Element:
    """First contact, `hi`, `help` and `refer`: what the service is and who sees what.
    `role` ("smlo", "advocate" or "auditor") puts that person's own work first; `help_lines` are the
    support directory's crisis lines (cards.support.help_lines)."""
    body = [heading("Welcome to the SMA service")]
    if role:
        body.append(para(ROLE_HINTS[role]))
    body += [
        para(
            "We support colleagues who have faced or seen unwanted sexual behaviour at work. "
            "You can talk to us in confidence."
        ),
        para(WHO_SEES),
        para(
            "You can ask an advocate to contact you, and talk it through with them. Or you "
            "can tell us more first."
        ),
        para(w.DANGER, attention=True),
        *([para(help_lines, subtle=True)] if help_lines else []),
    ]
    title = "Carry on where I left off" if has_draft else "Start a referral"
    actions = [
        action(ASK_CONTACT, Verb.ASK_CONTACT, primary=not role),
        action(title, Verb.START),
        action(w.GET_HELP_NOW, Verb.SUPPORT),
        action("Not now", Verb.NOT_NOW),
    ]
    if role == "smlo":
        actions.insert(0, action("Open inbox", Verb.INBOX, primary=True))
    elif role == "advocate":
        actions.insert(0, action("My cases", Verb.MY_CASES, primary=True))
    elif role == "auditor":
        actions.insert(0, action("Access report", Verb.ACCESS_REPORT, primary=True))
    return card(body, actions)


def ask_contact_card(send_as: str, has_draft: bool, problem: str | None = None) -> Element:
    """The short way: one tick and Send. Everything else is for the first conversation.
    Someone with a draft is told it goes too, or can carry on with it instead. `send_as`:
    the id of what Send sends (their draft's, or a new one), so it is sent once."""
    body = [
        heading("Ask an advocate to contact you"),
        para(
            "An advocate will send you a message here in Teams. You do not need to tell us "
            "anything else now. You can talk it through with them."
        ),
        para(WHO_SEES),
    ]
    if has_draft:
        body.append(
            para(
                "You have a referral you have not sent yet. What you have told us so far "
                "will go with this. Or you can carry on with it first.",
                attention=True,
            )
        )
    body += [
        *toggle("consent", "Your consent", CONSENT_TEXT, problem=problem),
        para(w.DANGER, attention=True),
    ]
    more = "Carry on where I left off" if has_draft else "Tell us more first"
    return card(
        body,
        [
            action("Send", Verb.SEND_ASK_CONTACT, {"referral_id": send_as}, primary=True),
            action(more, Verb.START, validate=False),
            action("Not now", Verb.NOT_NOW, validate=False),
        ],
    )


def not_now_card() -> Element:
    return card(
        [
            heading("That is fine"),
            para("We are here when you are ready. Type refer at any time to start."),
            para(w.DANGER, attention=True),
        ]
    )


CONSENT_NEEDED = "Please tick this box so we can send your referral."
CONSENT_TEXT = (
    "I agree that the SMA service may keep this and share it with the service lead "
    "and the advocate who supports me."
)
SENDER_CONSENT_TEXT = (
    "I agree that the SMA service may keep this and share it with the service lead "
    "and the advocate who supports the person."
)
# An SMLO taking a referral for someone not in Teams records the person's own agreement.
OUTSIDE_CONSENT_TEXT = (
    "The person agrees that the SMA service may keep this and share it with the service "
    "leads and the advocate who supports them."
)
SENDER_NOTE = (
    "We will contact the person in the way you gave. We only go ahead if they know and agree."
)


def review_card(referral: Referral, problem: str | None = None, notice: str = "") -> Element:
    """Everything they said, for a last check. Replaced by a receipt once sent."""
    data = {"referral_id": referral.id, "step": IntakeStep.REVIEW.value}
    body: list[Element] = [step_header(IntakeStep.REVIEW, referral.answers)]
    if notice:
        body.append(para(notice, attention=True))
    sender = is_on_behalf(referral.answers)
    body += [
        para("Please check what you told us. Use Back to change anything."),
        *([para(SENDER_NOTE)] if sender else []),
        facts(answer_facts(referral.answers, for_referrer=True)),
        *toggle(
            "consent",
            "Your consent",
            _consent_text(referral),
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
            stop_action(data),
        ],
    )


def _consent_text(referral: Referral) -> str:
    if referral.outside_teams:
        return OUTSIDE_CONSENT_TEXT
    return SENDER_CONSENT_TEXT if is_on_behalf(referral.answers) else CONSENT_TEXT


def receipt_card(referral: Referral) -> Element:
    """Shown in place of the review card: no answers, only the reference and next steps."""
    ways = w.contact_ways(referral.answers.contact_methods)
    anonymous = is_anonymous(referral.answers)
    reach = (
        "Your advocate will send you messages here, through this app."
        if anonymous
        else f"Your advocate will get in touch by {ways}."
        if ways
        else "You did not choose a way for us to contact you, so your advocate will send "
        "you a message here in Teams."
    )
    return card(
        [
            heading("Your referral has been sent"),
            facts([("Reference", referral.reference), ("Sent", when(referral.submitted_at))]),
            para(
                "What happens next: the service lead will read it, usually within two working "
                f"days. They will then ask an advocate to support you. {reach}"
            ),
            *(para(words) for words in (w.ANONYMOUS_RECEIPT if anonymous else ())),
            *[para(note) for note in subject_notes(referral.answers)],
            para("We have cleared your answers from this chat, to keep them private."),
            para(w.DANGER, attention=True),
        ]
    )


def subject_notes(a: IntakeAnswers) -> list[str]:
    """What the receipt says of the person they named (never who): what they chose,
    once more, in the words the step used (`referrals.subjects`)."""
    if not a.names_someone:
        return []
    if not a.subject_held:
        return ["The service lead and your advocate will see who you named, with your referral."]
    chose = "You chose to" if a.subject_wish else "You did not choose, so we"
    return [
        f"{chose} keep the name you gave sealed. Nobody at the service sees it unless "
        "someone else names the same person."
    ]


def sender_receipt_card(reference: str, submitted_at: datetime | None) -> Element:
    """The receipt for someone who referred another person as part of their job: what
    happens to the person, and what may happen for the sender."""
    return card(
        [
            heading("Your referral has been sent"),
            facts([("Reference", reference), ("Sent", when(submitted_at))]),
            para(
                "What happens next: the service lead will read it, usually within two working "
                "days. They will then ask an advocate to contact the person, in the way you "
                "gave. The service lead may contact you in Teams if they need to know more."
            ),
            para(
                "We will tell you when an advocate is in place. What the person tells their "
                "advocate stays between them."
            ),
            para("We have cleared your answers from this chat, to keep them private."),
            para(w.DANGER_FOR_SENDER, attention=True),
        ]
    )


def receipt_for(referral: Referral) -> Element:
    """The receipt that fits the route: the sender's own on the on-behalf route, the SMLO's
    own for someone without Teams."""
    if referral.outside_teams:
        return outside.taken_receipt_card(referral)
    if is_on_behalf(referral.answers):
        return sender_receipt_card(referral.reference, referral.submitted_at)
    return receipt_card(referral)


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
