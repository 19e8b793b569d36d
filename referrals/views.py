"""Where the service has shown a referral's details, and what must become of each view.

A staff member's chat keeps every card the bot showed them, and Microsoft 365 keeps every
chat. So each message that shows a referral's details (the SMLO's details card, the
advocate's case card) or its messages (the thread, which its referrer reads too) is
remembered here — ids, a kind and a time, never content — and a sweep folds it back to a
content-free face after a while, or clears it for good when the referral is withdrawn,
closed or erased, or is no longer theirs to see.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from referrals import errors
from referrals.people import Actor
from referrals.referral import Referral
from referrals.states import ReferralState


class ViewKind(StrEnum):
    """What the message shows, which decides who may keep it and its folded face."""

    DETAILS = "details"  # the SMLO's details, the advocate's case, the case record
    THREAD = "thread"  # the messages between the referrer and the service


@dataclass(frozen=True)
class ShownView:
    """One message that shows a referral's details (or its messages) to one person."""

    conversation_id: str
    message_id: str
    referral_id: str
    user_id: str
    shown_at: datetime
    kind: ViewKind = ViewKind.DETAILS

    @property
    def key(self) -> str:
        """The message's own key: showing it again replaces the record, not adds one."""
        return message_key(self.conversation_id, self.message_id)


def message_key(conversation_id: str, message_id: str) -> str:
    """One key per message; the two ids are kept apart, so no other pair can make it."""
    joined = json.dumps([conversation_id, message_id]).encode()
    return hashlib.sha256(joined).hexdigest()[:32]


class ViewFate(StrEnum):
    KEEP = "keep"  # still theirs to see, and not open for long
    FOLD = "fold"  # open long enough: back to the content-free face, one tap to reopen
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    ERASED = "erased"  # purged under the retention policy, or gone
    NOT_YOURS = "not_yours"  # reallocated away, or they lost the role


CLEARED = frozenset({ViewFate.WITHDRAWN, ViewFate.CLOSED, ViewFate.ERASED, ViewFate.NOT_YOURS})


def fate_of(
    view: ShownView,
    referral: Referral | None,
    viewer: Actor,
    now: datetime,
    fold_after: timedelta,
) -> ViewFate:
    """What the message must show now: ended referrals and lost access clear it for good;
    otherwise it folds back once it has been open for `fold_after`. Closing clears what was
    shown until then; a closed case opened again later folds back like any other view."""
    if referral is None or referral.is_purged:
        return ViewFate.ERASED
    if referral.state is ReferralState.WITHDRAWN:
        return ViewFate.WITHDRAWN
    if referral.state is ReferralState.CLOSED and view.shown_at <= _closed_at(referral):
        return ViewFate.CLOSED  # a look taken since (allowed, and audited) folds back as usual
    if referral.is_erased:
        return ViewFate.ERASED
    if not _still_theirs(view.kind, referral, viewer):
        return ViewFate.NOT_YOURS
    return ViewFate.FOLD if now - view.shown_at >= fold_after else ViewFate.KEEP


def _still_theirs(kind: ViewKind, referral: Referral, viewer: Actor) -> bool:
    """The details are staff's alone (the referrer sees their answers in `my referrals`,
    never on these cards); the thread is its readers': the referrer, the advocate who
    holds the case, the SMLOs."""
    try:
        if kind is ViewKind.THREAD:
            referral.ensure_can_read_thread(viewer)
            return True
        referral.ensure_can_view(viewer)
    except errors.NotPermitted:
        return False
    return viewer.is_smlo or viewer.user_id == referral.advocate_id


def _closed_at(referral: Referral) -> datetime:
    return next(e.at for e in reversed(referral.history) if e.name == "ReferralClosed")
