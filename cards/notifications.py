"""The card each outbox notification shows, rendered when it is sent from the referral as
it is then, so cards are never stale and the outbox holds no content. Never disclosure
content on a notification's face."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from cards import advocate, checkins, escalation, notices, outside, reminders, smlo, subjects
from cards.digest import DIGEST_PREVIEW
from cards.elements import Element, plain
from cards.messages import new_message_card
from cards.support import help_lines
from referrals.checkins import month_of
from referrals.notifications import TELL_PERSON, Notification, NotificationKind
from referrals.referral import Referral
from referrals.support import SupportDirectory

K = NotificationKind
CHECKIN_PREVIEW = "Your monthly check-in"
# Sent to an SMLO, these are a short note, and their referral card is updated in place.
UPDATES_SMLO_CARD = frozenset(
    {
        K.ACCEPTED,
        K.DECLINED,
        K.WITHDRAWN,
        K.CASE_CLOSED,
        K.NEW_ADVOCATE_ASKED,
        K.CONSENT_WITHDRAWN,
        K.OFFER_LAPSED,
        K.IDENTITY_SHARED,
    }
)


def update_words(kind: NotificationKind, r: Referral, names: Mapping[str, str]) -> str:
    """What an update note to the SMLO says: who did what; never content."""
    if kind is K.WITHDRAWN:
        # Not "by the person": on the on-behalf route the sender withdrew it.
        return f"{r.reference} was withdrawn. There is nothing more to do."
    if kind is K.RISK_HIGH:
        return f"{r.reference}: risk assessed as high."
    if kind is K.NEW_ADVOCATE_ASKED:
        return (
            f"The person supported on {r.reference} asked for a different advocate. Open it "
            "to give it to someone else."
        )
    if kind is K.CASE_CLOSED:
        return f"{r.reference} has been closed."
    if kind is K.CONSENT_WITHDRAWN:
        return (
            f"The person on {r.reference} withdrew a consent to escalation. Open it to see "
            "which decision."
        )
    if kind is K.IDENTITY_SHARED:  # the name itself is only on the details
        return (
            f"The person who referred {r.reference} has told the service who they are. "
            "Open it to see."
        )
    if kind is K.ACCEPTED:
        who = plain(names.get(r.advocate_id, "An advocate"))
        return f"{who} has taken {r.reference}."
    if kind in reminders.REMINDERS:
        return reminders.words(kind, r, names)
    return smlo.refusal_words(r, names, r.reference)


def preview_text(kind: NotificationKind, r: Referral) -> str:
    """What Teams shows of the message in its notification and the chat list (the
    activity's `summary`), often on a lock screen: the kind of news and, for staff, the
    reference; never disclosure, never who referred. The referrer's says least of all."""
    if kind is K.NEW_REFERRAL:
        return f"New referral {r.reference}"
    if kind is K.OFFERED:
        return "You have been asked to support someone"
    if kind is K.ACCEPTED:
        return f"An advocate has taken {r.reference}"
    if kind is K.DECLINED:
        return f"{r.reference} needs another advocate"
    if kind is K.WITHDRAWN:
        return f"{r.reference} has been withdrawn"
    if kind is K.RISK_HIGH:
        return f"{r.reference}: risk assessed as high"
    if kind is K.NEW_ADVOCATE_ASKED:
        return f"{r.reference}: a different advocate is asked for"
    if kind is K.REASSIGNED:
        return f"{r.reference} is now with another advocate"
    if kind is K.CONSENT_WITHDRAWN:
        return f"{r.reference}: a consent was withdrawn"
    if kind is K.IDENTITY_SHARED:
        return f"{r.reference}: the person told the service who they are"
    if kind is K.NEW_MESSAGE:  # to the referrer too: their own reference, never the text
        return f"New message about {r.reference}"
    if kind is K.SUBJECT_MATCH:
        return subjects.MATCH_PREVIEW
    if kind is K.CHECKIN_DUE:
        return CHECKIN_PREVIEW
    if kind is K.ONE_TO_ONE_ASKED:
        return checkins.ONE_TO_ONE_PREVIEW
    if kind is K.WEEKLY_DIGEST:
        return DIGEST_PREVIEW
    if kind in reminders.REMINDERS:
        return reminders.preview(kind, r)
    if kind in TELL_PERSON.values():  # to staff: a to-do for someone without Teams
        return outside.tell_person_preview(kind, r)
    # The referrer gets a case-closed note too, so it says least of all.
    if kind in (K.ADVOCATE_ALLOCATED, K.SIGNPOSTED, K.CASE_CLOSED, K.ESCALATED):
        return "There is news about your referral"
    raise ValueError(f"no preview for {kind}")


def notification_card(
    kind: NotificationKind,
    r: Referral,
    names: Mapping[str, str],
    smlo_ids: AbstractSet[str],
    recipient_id: str,
    *,
    support: SupportDirectory,
) -> Element:
    """The card a notification of `kind` about `r` shows to `recipient_id`. `support`, the
    support directory: where an out-of-remit referral was sent, and the crisis lines on
    the cards that end with them."""
    if kind in UPDATES_SMLO_CARD and recipient_id in smlo_ids:
        return notices.update_card(r.reference, update_words(kind, r, names))
    if kind is K.NEW_REFERRAL:
        return smlo.referral_card(r, dict(names), smlo_ids=smlo_ids, support=support)
    if kind is K.OFFERED:
        return advocate.offer_card(r)
    if kind is K.ADVOCATE_ALLOCATED:
        return notices.allocated_card(r)
    if kind is K.SIGNPOSTED:
        return notices.signposted_card(r, support)
    if kind is K.WITHDRAWN:
        return notices.withdrawn_for_advocate_card(r)
    if kind in (K.RISK_HIGH, K.IDENTITY_SHARED):  # to the advocate, for this one
        return notices.update_card(r.reference, update_words(kind, r, names))
    if kind is K.NEW_MESSAGE:  # content-free; Read opens the thread for the reader alone
        return new_message_card(r)
    if kind is K.SUBJECT_MATCH:
        return subjects.match_alert_card(r)
    if kind is K.REASSIGNED:
        return notices.reassigned_card(r)
    if kind is K.CASE_CLOSED and recipient_id == r.advocate_id:  # closed by an SMLO
        return notices.closed_for_advocate_card(r)
    if kind is K.CASE_CLOSED:
        return notices.case_closed_card(r, help_lines(support))
    if kind is K.ESCALATED:
        return escalation.escalated_card(r, help_lines(support))
    if kind in reminders.REMINDERS:
        return reminders.reminder_card(kind, r, names, to_smlo=recipient_id in smlo_ids)
    if kind in TELL_PERSON.values():
        return outside.tell_person_card(kind, r, for_smlo=recipient_id in smlo_ids)
    raise ValueError(f"no card for {kind}")


def checkin_notice_card(n: Notification) -> Element:
    """A check-in notification's card: the month's check-in for the advocate (the month
    it was queued in), or the SMLO's content-free note that someone would like to talk."""
    if n.kind is K.CHECKIN_DUE:
        return checkins.checkin_card(month_of(n.created_at))
    if n.kind is K.ONE_TO_ONE_ASKED:
        return checkins.one_to_one_card()
    raise ValueError(f"no check-in card for {n.kind}")


def checkin_preview(n: Notification) -> str:
    return CHECKIN_PREVIEW if n.kind is K.CHECKIN_DUE else checkins.ONE_TO_ONE_PREVIEW
