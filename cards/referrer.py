"""The referrer's view of what they have sent, and taking a referral back."""

from __future__ import annotations

from collections.abc import Sequence

from cards import wording as w
from cards.details import when
from cards.elements import Element, action, card, heading, para, row_with_button
from cards.verbs import Verb
from referrals.referral import Referral
from referrals.states import STATE_TABLE, Transition

CAN_WITHDRAW = STATE_TABLE[Transition.WITHDRAW][0]


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
