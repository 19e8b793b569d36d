"""The referrer's view of what they have sent, and taking a referral back."""

from __future__ import annotations

from collections.abc import Sequence

from cards import wording as w
from cards.details import when
from cards.elements import Element, action, buttons, card, heading, para, row_with_button
from cards.escalation import TEAMS
from cards.verbs import Verb
from referrals.identity import is_anonymous
from referrals.messages import OPEN_FOR_MESSAGES
from referrals.referral import SHAREABLE, Referral
from referrals.states import STATE_TABLE, ReferralState, Transition

CAN_WITHDRAW = STATE_TABLE[Transition.WITHDRAW][0]
ANONYMOUS_NOW = "You are anonymous to the service: nobody there can see your name."
ASKED = (
    "You asked for a different advocate. The service lead will find someone else, and the "
    "new advocate will get in touch."
)


def my_referrals_card(referrals: Sequence[Referral]) -> Element:
    if not referrals:
        return card([heading("Your referrals"), para("You have not sent us a referral.")])
    body: list[Element] = [heading("Your referrals")]
    for r in referrals:
        line = f"{r.reference}: {w.label(r.state)}, sent {when(r.submitted_at)}"
        if r.state in CAN_WITHDRAW:
            body.append(
                row_with_button(line, action("Withdraw", Verb.WITHDRAW_ASK, {"referral_id": r.id}))
            )
        else:
            body.append(para(line))
        if r.state in OPEN_FOR_MESSAGES:
            body.append(buttons(action("Messages", Verb.THREAD, {"referral_id": r.id})))
        if r.state is ReferralState.ACTIVE and r.new_advocate_asked:
            body.append(para(ASKED, subtle=True))
        elif r.state is ReferralState.ACTIVE:
            change = action(
                "Ask for a different advocate", Verb.ASK_NEW_ADVOCATE_ASK, {"referral_id": r.id}
            )
            body.append(buttons(change))
        if is_anonymous(r.answers) and r.state in SHAREABLE:
            tell = action(
                "Tell the service who I am", Verb.SHARE_IDENTITY_ASK, {"referral_id": r.id}
            )
            body.append(row_with_button(ANONYMOUS_NOW, tell))
        for d in r.escalations:
            if d.may_withdraw:
                ask = {"referral_id": r.id, "escalation_id": d.id}
                line = f"You agreed we could share information with {TEAMS[d.destination]}."
                withdraw = action("Withdraw consent", Verb.WITHDRAW_CONSENT_ASK, ask)
                body.append(row_with_button(line, withdraw))
    body.append(
        para("You can withdraw a referral at any time. We will then delete what you told us.")
    )
    return card(body)


def withdraw_confirm_card(r: Referral) -> Element:
    data = {"referral_id": r.id}
    return card(
        [
            heading(f"Withdraw {r.reference}?"),
            para(
                "If you withdraw it, we delete what you told us and how to reach you. We keep "
                "only numbers with no names, to count how the service is used. The service "
                "lead, and your advocate if you have one, will be told it is withdrawn."
            ),
            para("You can always come back and make a new referral."),
        ],
        [
            action("Yes, withdraw it", Verb.WITHDRAW, data),
            action("No, keep it", Verb.MY_REFERRALS),
        ],
    )


def withdrawn_card(reference: str) -> Element:
    return card(
        [
            heading(f"{reference} is withdrawn"),
            para(
                "We have deleted what you told us. Type refer if you ever want to talk to us again."
            ),
            para(w.DANGER, attention=True),
        ]
    )


def new_advocate_confirm_card(r: Referral) -> Element:
    data = {"referral_id": r.id}
    return card(
        [
            heading(f"A different advocate for {r.reference}?"),
            para(
                "We will tell the service lead, who will find someone else. You do not need "
                "to say why. Your advocate is not told you asked."
            ),
            para("Until then, your advocate is still there for you."),
        ],
        [
            action("Yes, ask for someone else", Verb.ASK_NEW_ADVOCATE, data, primary=True),
            action("No, keep my advocate", Verb.MY_REFERRALS),
        ],
    )


def new_advocate_asked_card(r: Referral) -> Element:
    return card(
        [
            heading(f"We have told the service lead: {r.reference}"),
            para(ASKED),
            para(w.DANGER, attention=True),
        ]
    )


def share_identity_confirm_card(r: Referral) -> Element:
    """Before an anonymous referrer tells the service who they are: what changes, and that
    it cannot be undone."""
    data = {"referral_id": r.id}
    return card(
        [
            heading(f"Tell the service who you are on {r.reference}?"),
            para(
                "The service lead, and your advocate if you have one, will see your name as "
                "it shows in Teams. We will tell them you have done this, and nothing else."
            ),
            para("You cannot be anonymous again on this referral once you have told them."),
            para("You do not have to. Your support stays the same either way."),
        ],
        [
            action("Yes, tell them who I am", Verb.SHARE_IDENTITY, data, primary=True),
            action("No, stay anonymous", Verb.MY_REFERRALS),
        ],
    )


def identity_shared_card(r: Referral) -> Element:
    return card(
        [
            heading(f"The service now knows who you are: {r.reference}"),
            para(
                "The service lead, and your advocate if you have one, can now see your name. "
                "Messages still come to you here."
            ),
            para(w.DANGER, attention=True),
        ]
    )
