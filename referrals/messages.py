"""Messages between the referrer and the service about one referral. Standard library only.

A message is a case record entry of its own kind (`EntryKind.MESSAGE`), not a store of
its own, because the case record already gives a message everything it must have:

- sealed at rest with the other entries (`storage.entry_codec`: kind, author and text);
- written in the referral's own save, with the content-free notification to the outbox,
  in one write (nothing lost, nothing sent twice);
- deleted with the rest of the record when the referral is withdrawn or purged, by every
  store, with the Cosmos DB ordering that keeps a half-written save unseen.

What the case record does not give, this module and `referrals.messaging` add: the
history names a message with its own line (`MESSAGE_SENT`, not `CaseEntryAdded`), so the
statistics, the timers ("case quiet") and corrections never take a message for casework,
and the case record view leaves messages out; the thread has its own readers (the
referrer among them, who never reads the case record).

Who sent it is kept as a role (`Sender`); the sender's id stays server-side, sealed as the
entry's author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from referrals.intake import text_problem
from referrals.states import ReferralState

MESSAGE_LIMIT = 2000  # characters in one message
MESSAGE_SENT = "MessageSent"  # history line; detail "id:sender:to", never the text
MESSAGE_READ = "MessageRead"  # history line; detail the message's id

# A referral takes messages while it is sent and not ended (a signposted one too: its
# referrer may still ask the SMLOs something until they close it).
OPEN_FOR_MESSAGES = frozenset(
    {
        ReferralState.SUBMITTED,
        ReferralState.AWAITING_ALLOCATION,
        ReferralState.OFFERED,
        ReferralState.ACTIVE,
        ReferralState.SIGNPOSTED,
    }
)


class Sender(StrEnum):
    REFERRER = "referrer"
    ADVOCATE = "advocate"
    SMLO = "smlo"


class Recipient(StrEnum):
    """The side a message is for; the first reader on that side marks it read."""

    REFERRER = "referrer"
    SMLOS = "smlos"  # before an advocate accepted the referral
    ADVOCATE = "advocate"  # the advocate who holds the case


@dataclass(frozen=True)
class Message:
    """A case record entry's content: who sent it (as a role), for whom, and the text."""

    sender: Sender
    to: Recipient
    text: str


@dataclass(frozen=True)
class ThreadMessage:
    """A message as a reader of the thread sees it: when sent, and when read (if yet)."""

    id: str
    sender: Sender
    to: Recipient
    text: str
    sent_at: datetime
    read_at: datetime | None = None


def text_problem_of(text: str) -> str:
    """Why the text cannot be sent ("" if it can): empty, over the limit, or unstorable."""
    if not text.strip():
        return "empty"
    return text_problem(text, MESSAGE_LIMIT)


def recipient_for(sender: Sender, state: ReferralState, advocate_id: str) -> Recipient:
    """The referrer's messages go to the SMLOs until an advocate accepted the case, then
    to that advocate; the service's go to the referrer."""
    if sender is not Sender.REFERRER:
        return Recipient.REFERRER
    if state is ReferralState.ACTIVE and advocate_id:
        return Recipient.ADVOCATE
    return Recipient.SMLOS


def sent_line(message_id: str, message: Message) -> str:
    return f"{message_id}:{message.sender.value}:{message.to.value}"
