"""Messages Teams would not take: the SMLO sees them, content-free, and can try again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet

from cards.details import when
from cards.elements import Element, action, card, heading, para, plain, row_with_button
from cards.verbs import Verb
from referrals.notifications import Notification, NotificationKind
from referrals.referral import Referral

K = NotificationKind
WHAT = {
    K.NEW_REFERRAL: "the new referral card",
    K.OFFERED: "the offer",
    K.ACCEPTED: "an update",
    K.DECLINED: "an update",
    K.ADVOCATE_ALLOCATED: "the news that an advocate is found",
    K.SIGNPOSTED: "where to get help",
    K.WITHDRAWN: "the note that it was withdrawn",
    K.RISK_HIGH: "the note that a risk was assessed as high",
    K.CASE_CLOSED: "the note that the case is closed",
    K.REASSIGNED: "the note that the case is with another advocate",
    K.NEW_ADVOCATE_ASKED: "the note that a different advocate is asked for",
    K.NEW_MESSAGE: "the note that there is a new message",
    K.SUBJECT_MATCH: "the alert that referrals may be about the same person",
    K.ESCALATED: "the news that something was passed on",
    K.CONSENT_WITHDRAWN: "the note that consent was withdrawn",
    K.IDENTITY_SHARED: "the note that the person told the service who they are",
    K.NOT_TRIAGED: "the reminder that it is not triaged",
    K.NOT_ALLOCATED: "the reminder that it has no advocate",
    K.OFFER_REMINDER: "the reminder to answer the offer",
    K.OFFER_LAPSED: "the note that the offer lapsed",
    K.CONTACT_REMINDER: "the reminder to make first contact",
    K.CONTACT_OVERDUE: "the note that first contact is overdue",
    K.CASE_QUIET: "the question whether the case is still open",
    K.RISK_REVIEW_DUE: "the reminder that a risk review is due",
    K.AGREEMENT_REVIEW_DUE: "the reminder that an agreement review is due",
    K.NEXT_CONTACT_DUE: "the reminder that a contact is due",
    K.REVIEW_OVERDUE: "the note that a review is overdue",
    K.DRAFT_EXPIRING: "the note that an unsent referral will be deleted",
    K.TELL_PERSON_ALLOCATED: "the to-do to tell the person an advocate is found",
    K.TELL_PERSON_SIGNPOSTED: "the to-do to tell the person where to get help",
    K.TELL_PERSON_CLOSED: "the to-do to tell the person the case is closed",
    K.TELL_PERSON_ESCALATED: "the to-do to tell the person of an escalation",
}
# Messages about no referral (a check-in, a one-to-one note, the digest) are not listed:
# the undelivered list is of referrals' messages (`ABOUT_NO_REFERRAL`).


def _for_whom(
    n: Notification, r: Referral, smlo_ids: AbstractSet[str], names: Mapping[str, str]
) -> str:
    # The referrer first: one who is also staff is in `names`, and an anonymous one must
    # not be named by the list of what did not reach them.
    # One who took it for someone without Teams is its maker, but is sent it as staff.
    if n.recipient_id == r.referrer_id and not r.outside_teams:
        return "the person who referred"  # never their name
    if n.recipient_id in smlo_ids:
        return "a service lead"
    if n.recipient_id in names:
        return plain(names[n.recipient_id])
    return "someone"


def undelivered_card(
    items: Sequence[tuple[Notification, Referral]],
    smlo_ids: AbstractSet[str],
    names: Mapping[str, str],
    notice: str = "",
) -> Element:
    if not items:
        done = [heading("Nothing is stuck"), para("Every message has gone out.")]
        return card([done[0], para(notice), done[1]] if notice else done)
    body: list[Element] = [heading(f"Not delivered: {len(items)}")]
    if notice:
        body.append(para(notice))
    body.append(para("Teams would not take these. Try again when the problem is fixed."))
    for n, r in items:
        since = when(n.failing_since or n.created_at)
        line = (
            f"{r.reference}: {WHAT[n.kind]} for {_for_whom(n, r, smlo_ids, names)}. "
            f"Stuck since {since} (error {n.last_error or 'unknown'})."
        )
        body.append(
            row_with_button(
                line, action("Try again", Verb.RETRY_DELIVERY, {"notification_id": n.id})
            )
        )
    return card(body, [action("Check again", Verb.UNDELIVERED)])
