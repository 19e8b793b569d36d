"""The words and cards of reminders (referrals/timers.py): who is waiting and for what,
by reference only; never content, never who referred."""

from __future__ import annotations

from collections.abc import Mapping

from cards import advocate, notices
from cards import wording as w
from cards.elements import Element, action, card, heading, para, plain
from cards.verbs import Verb
from referrals.intake import is_on_behalf
from referrals.notifications import NotificationKind
from referrals.referral import Referral

K = NotificationKind
REMINDERS = frozenset(
    {
        K.NOT_TRIAGED,
        K.NOT_ALLOCATED,
        K.OFFER_REMINDER,
        K.OFFER_LAPSED,
        K.CONTACT_REMINDER,
        K.CONTACT_OVERDUE,
        K.CASE_QUIET,
        K.RISK_REVIEW_DUE,
        K.AGREEMENT_REVIEW_DUE,
        K.NEXT_CONTACT_DUE,
        K.REVIEW_OVERDUE,
        K.DRAFT_EXPIRING,
    }
)
# What falls due on the day, in the words of a sentence: "the risk review".
DUE_ON_THE_DAY = {
    K.RISK_REVIEW_DUE: "the risk review",
    K.AGREEMENT_REVIEW_DUE: "the review of the support agreement",
    K.NEXT_CONTACT_DUE: "the next contact you agreed",
}
OFFER_NOTICE = (
    "A reminder: this is still waiting for your answer. If there is no answer soon, it goes "
    "back to the service lead."
)


def preview(kind: NotificationKind, r: Referral) -> str:
    if kind is K.NOT_TRIAGED:
        return f"{r.reference} is waiting for triage"
    if kind is K.NOT_ALLOCATED:
        return f"{r.reference} is waiting for an advocate"
    if kind is K.OFFER_REMINDER:
        return "Reminder: you have been asked to support someone"
    if kind is K.OFFER_LAPSED:
        return f"{r.reference}: the offer lapsed"
    if kind is K.CONTACT_REMINDER:
        return f"Reminder: first contact for {r.reference}"
    if kind is K.CASE_QUIET:
        return f"Are you still supporting the person on {r.reference}?"
    if kind in DUE_ON_THE_DAY:
        return f"Reminder: {DUE_ON_THE_DAY[kind]} on {r.reference} is due"
    if kind is K.REVIEW_OVERDUE:
        return f"{r.reference}: a review or agreed contact is overdue"
    if kind is K.DRAFT_EXPIRING:
        return "There is news about your referral"  # it may show on a locked screen
    return f"{r.reference}: no first contact yet"


def words(kind: NotificationKind, r: Referral, names: Mapping[str, str]) -> str:
    """What a reminder to the SMLOs says (and an advocate's contact reminder)."""
    holder = plain(names.get(r.offered_to or r.advocate_id, "The advocate"))
    if kind is K.NOT_TRIAGED:
        return f"{r.reference} has not been triaged yet. Please open it and triage it."
    if kind is K.NOT_ALLOCATED:
        return (
            f"{r.reference} does not have an advocate yet. We told the person it usually "
            "takes two working days. Please open it and find an advocate."
        )
    if kind is K.OFFER_REMINDER:
        return f"{holder} is away and has not answered the offer of {r.reference}."
    if kind is K.OFFER_LAPSED:
        who = plain(names.get(_lapsed_by(r), "The advocate"))
        return f"Offer lapsed: {who} did not answer in time. Please choose someone else."
    if kind is K.CONTACT_REMINDER:
        return (
            f"A reminder: please get in touch with the person on {r.reference}, and log "
            "the contact in its case record. Type my cases to open it."
        )
    if kind is K.CASE_QUIET:
        return (
            f"Nothing has been added to the case record of {r.reference} for a while. Are "
            "you still supporting the person? If so, please log a contact or an update. If "
            "not, you can close the case. Type my cases to open it."
        )
    if kind in DUE_ON_THE_DAY:
        return (
            f"A reminder: {DUE_ON_THE_DAY[kind]} on {r.reference} is due. Please log it in "
            "the case record once it is done. Type my cases to open it."
        )
    if kind is K.REVIEW_OVERDUE:
        return (
            f"A review or a contact agreed on {r.reference} is overdue. Open its case record "
            "to see which, or talk to the advocate."
        )
    return f"{holder} has not logged a first contact on {r.reference} yet."


def _lapsed_by(r: Referral) -> str:
    event = r.latest_refusal()
    return event.detail if event is not None and event.name == "OfferLapsed" else ""


def reminder_card(
    kind: NotificationKind, r: Referral, names: Mapping[str, str], *, to_smlo: bool
) -> Element:
    """An advocate's offer reminder is the offer again, with its buttons; everything else
    is a short note."""
    if kind is K.OFFER_REMINDER and not to_smlo:
        return advocate.offer_card(r, OFFER_NOTICE)
    if kind is K.DRAFT_EXPIRING:
        return draft_expiring_card(r)
    holder = plain(names.get(r.advocate_id, "The advocate"))
    if kind is K.OFFER_LAPSED and not to_smlo:
        return notices.update_card(
            r.reference,
            "This offer has lapsed, as it was not answered in time. The service lead will "
            "ask someone else. You do not need to do anything.",
        )
    if kind is K.CONTACT_REMINDER and to_smlo:
        return notices.update_card(
            r.reference, f"{holder} is away and has not logged a first contact yet."
        )
    if kind in DUE_ON_THE_DAY and to_smlo:
        return notices.update_card(
            r.reference, f"{holder} is away, and {DUE_ON_THE_DAY[kind]} is due."
        )
    if kind is K.CASE_QUIET and to_smlo:
        return notices.update_card(
            r.reference, f"{holder} is away, and nothing has been added to its record for a while."
        )
    return notices.update_card(r.reference, words(kind, r, names))


def draft_expiring_card(r: Referral) -> Element:
    """To the referrer alone: what they started is kept a few days more. Nothing of it."""
    danger = w.DANGER_FOR_SENDER if is_on_behalf(r.answers) else w.DANGER
    return card(
        [
            heading("You have a referral you have not sent"),
            para(
                "We keep what you wrote for a few more days, then delete it. You can carry "
                "on where you left off, or leave it and it will go."
            ),
            para(danger, attention=True),
        ],
        [action("Carry on", Verb.RESUME, primary=True)],
    )
