"""Messages someone must receive because a referral changed (the outbox).

A notification records only who, what kind and which referral. The words and cards are
built when it is sent, from the referral's state then, so the outbox holds no disclosure
content and a late delivery never shows stale facts.

Delivery bookkeeping (attempts, when to try next, the last error *code*) lets the
dispatcher back off and, once its retry budget is spent, park a notification for an SMLO
to retry by hand:

    PENDING --sent--> SENT
    PENDING --failed (budget left)--> PENDING (later)
    PENDING --failed (budget spent, or refused for good)--> PARKED --retried--> PENDING

Several app instances deliver from one store (App Service scale-out, a slot swap), so an
instance *claims* a pending notification before sending it: a lease to its owner id until
a given time. Nobody else may claim it while the lease lasts; the holder may claim it
again (to renew it); once the lease has run out (the instance was killed) anyone may
take it over. Being sent, failing or being parked ends the lease. A takeover still finds
the activity id the killed instance recorded (`posted`), so it updates that message in
place rather than posting a second one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class NotificationKind(StrEnum):
    NEW_REFERRAL = "new_referral"  # to each SMLO: the referral's card
    OFFERED = "offered"  # to the advocate: an offer with no disclosure content
    ACCEPTED = "accepted"  # to each SMLO: the card now shows who accepted
    DECLINED = "declined"  # to each SMLO: back for reallocation
    ADVOCATE_ALLOCATED = "advocate_allocated"  # to the referrer
    SIGNPOSTED = "signposted"  # to the referrer: outside the remit, where to go
    WITHDRAWN = "withdrawn"  # to each SMLO and the advocate: nothing more to do
    RISK_HIGH = "risk_high"  # to each SMLO: a risk assessment found the risk high
    CASE_CLOSED = "case_closed"  # to the referrer (help lines, how to come back) and SMLOs,
    # and to the advocate who held it when an SMLO closed it
    REASSIGNED = "reassigned"  # to the advocate who held it: now with someone else
    NEW_ADVOCATE_ASKED = "new_advocate_asked"  # to each SMLO: the person asked for a change
    ESCALATED = "escalated"  # to the referrer: information was (or was not) passed on
    CONSENT_WITHDRAWN = "consent_withdrawn"  # to each SMLO: the person withdrew a consent
    # To each SMLO and the advocate who holds it: an anonymous referrer told the service
    # who they are (the card says only that; the name is on the details).
    IDENTITY_SHARED = "identity_shared"
    # To the other side of a message (referrals.messages): the referrer, the advocate who
    # holds the case, or each SMLO before one did; never the message itself.
    NEW_MESSAGE = "new_message"
    # A referral made for someone without Teams (`referrals.outside`): the news its referrer
    # would be sent goes, as a to-do, to the SMLO who made it or the advocate who holds it.
    TELL_PERSON_ALLOCATED = "tell_person_allocated"  # their advocate has taken it on
    TELL_PERSON_SIGNPOSTED = "tell_person_signposted"  # outside the remit, where to go
    TELL_PERSON_CLOSED = "tell_person_closed"  # their case is closed
    TELL_PERSON_ESCALATED = "tell_person_escalated"  # information was (or was not) passed on
    # To each SMLO (not one it is about): referrals from different people may be about
    # the same person (referrals.subjects); names only the references.
    SUBJECT_MATCH = "subject_match"
    # Reminders (referrals/timers.py): content-free nudges, then escalations.
    NOT_TRIAGED = "not_triaged"  # to each SMLO: not triaged in time
    NOT_ALLOCATED = "not_allocated"  # to each SMLO: no advocate in the time the receipt promised
    OFFER_REMINDER = "offer_reminder"  # to the advocate (the SMLOs if away): please answer
    OFFER_LAPSED = "offer_lapsed"  # to each SMLO: not answered in time, back to allocate
    CONTACT_REMINDER = "contact_reminder"  # to the advocate (the SMLOs if away): first contact
    CONTACT_OVERDUE = "contact_overdue"  # to each SMLO: still no first contact
    CASE_QUIET = "case_quiet"  # to the advocate (the SMLOs if away): still supporting them?
    RISK_REVIEW_DUE = "risk_review_due"  # to the advocate (the SMLOs if away)
    AGREEMENT_REVIEW_DUE = "agreement_review_due"  # to the advocate (the SMLOs if away)
    NEXT_CONTACT_DUE = "next_contact_due"  # to the advocate (the SMLOs if away)
    REVIEW_OVERDUE = "review_overdue"  # to each SMLO: a review or agreed contact is overdue
    DRAFT_EXPIRING = "draft_expiring"  # to the referrer, once: their draft is deleted soon
    # Not about a referral: `referral_id` names the check-in notice that holds them.
    CHECKIN_DUE = "checkin_due"  # to an advocate: this month's wellbeing check-in card
    ONE_TO_ONE_ASKED = "one_to_one_asked"  # to each SMLO: an advocate would like to talk
    WEEKLY_DIGEST = "weekly_digest"  # to each SMLO: counts of what waits (referrals.digest)


# Notifications about the advocates' check-ins, not a referral: nothing to load or update.
CHECKIN_KINDS = frozenset({NotificationKind.CHECKIN_DUE, NotificationKind.ONE_TO_ONE_ASKED})
CHECKIN_NOTICE_PREFIX = "checkin-notice:"  # the `referral_id` of a check-in notification
# Every kind about no referral (`referral_id` names the notice that holds it).
ABOUT_NO_REFERRAL = CHECKIN_KINDS | {NotificationKind.WEEKLY_DIGEST}


# The news a referrer in Teams is sent, and the to-do that stands in for it when the person
# has no Teams chat (`referrals.outside`).
TELL_PERSON: dict[NotificationKind, NotificationKind] = {
    NotificationKind.ADVOCATE_ALLOCATED: NotificationKind.TELL_PERSON_ALLOCATED,
    NotificationKind.SIGNPOSTED: NotificationKind.TELL_PERSON_SIGNPOSTED,
    NotificationKind.CASE_CLOSED: NotificationKind.TELL_PERSON_CLOSED,
    NotificationKind.ESCALATED: NotificationKind.TELL_PERSON_ESCALATED,
}


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    PARKED = "parked"  # gave up retrying on its own; an SMLO can try it again


@dataclass(frozen=True)
class Notification:
    id: str
    referral_id: str
    recipient_id: str
    kind: NotificationKind
    created_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    conversation_id: str = ""  # set once sent, so the card can be updated in place
    activity_id: str = ""
    attempts: int = 0  # failed attempts since it was queued or last retried by hand
    next_attempt_at: datetime | None = None  # None: due now
    last_error: str = ""  # an HTTP status or exception class name: never content
    failing_since: datetime | None = None  # the first failure, for "since when"
    claimed_by: str = ""  # the instance delivering it, while its lease lasts: no person
    lease_until: datetime | None = None

    def is_due(self, now: datetime) -> bool:
        return self.status is DeliveryStatus.PENDING and (
            self.next_attempt_at is None or self.next_attempt_at <= now
        )

    def is_held_elsewhere(self, owner: str, now: datetime) -> bool:
        """Another instance holds a lease on it that has not run out by `now`."""
        return self.lease_until is not None and self.lease_until > now and self.claimed_by != owner

    def may_claim(self, owner: str, now: datetime) -> bool:
        """Due (so still pending, and not put off by a retry another instance recorded)
        and not held by anyone else's unexpired lease."""
        return self.is_due(now) and not self.is_held_elsewhere(owner, now)

    def claimed(self, owner: str, lease_until: datetime, now: datetime) -> Notification | None:
        """Leased to `owner` until `lease_until`; None if `owner` may not claim it now."""
        if not self.may_claim(owner, now):
            return None
        return replace(self, claimed_by=owner, lease_until=lease_until)

    def posted(self, conversation_id: str, activity_id: str) -> Notification:
        """The message is in the chat, not yet marked sent: a later pass updates it in
        place rather than posting it again (see `bot/outbox/scheduler.py`)."""
        return replace(self, conversation_id=conversation_id, activity_id=activity_id)

    def sent(self, conversation_id: str, activity_id: str) -> Notification:
        return replace(
            self.posted(conversation_id, activity_id),
            status=DeliveryStatus.SENT,
            next_attempt_at=None,
            claimed_by="",
            lease_until=None,
        )

    def failed(self, error_code: str, retry_at: datetime, now: datetime) -> Notification:
        """Put off until `retry_at`, when any instance may try it again: the lease ends."""
        return replace(
            self,
            attempts=self.attempts + 1,
            next_attempt_at=retry_at,
            last_error=error_code,
            failing_since=self.failing_since or now,
            claimed_by="",
            lease_until=None,
        )

    def parked(self, error_code: str, now: datetime) -> Notification:
        return replace(
            self.failed(error_code, now, now), status=DeliveryStatus.PARKED, next_attempt_at=None
        )

    def retried(self) -> Notification:
        """Back in the queue with a fresh retry budget; the last error stays for the record."""
        return replace(self, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None)

    @classmethod
    def new(
        cls, referral_id: str, recipient_id: str, kind: NotificationKind, now: datetime
    ) -> Notification:
        return cls(uuid.uuid4().hex, referral_id, recipient_id, kind, now)


def free_to_deliver(
    waiting: Iterable[Notification], owner: str, now: datetime
) -> list[Notification]:
    """`waiting`, oldest first, without those another instance holds a lease on, and
    without any later ones of the same person: their messages go out in order, so one being
    delivered elsewhere holds back what follows it until it is sent or its lease runs out."""
    held: set[str] = set()
    free: list[Notification] = []
    for n in sorted(waiting, key=lambda n: (n.created_at, n.id)):
        if n.recipient_id in held:
            continue
        if n.is_held_elsewhere(owner, now):
            held.add(n.recipient_id)
            continue
        free.append(n)
    return free
