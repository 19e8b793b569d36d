"""Messages someone must receive because a referral changed (the outbox).

A notification records only who, what kind and which referral. The words and cards are
built when it is sent, from the referral's state then, so the outbox holds no disclosure
content and a late delivery never shows stale facts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"


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

    @classmethod
    def new(
        cls, referral_id: str, recipient_id: str, kind: NotificationKind, now: datetime
    ) -> Notification:
        return cls(uuid.uuid4().hex, referral_id, recipient_id, kind, now)
