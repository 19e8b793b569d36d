"""The referral's message thread (`referrals.messages`): who may send and read, where a
message goes, and when it was read. A message is saved as a case record entry with the
referral change that sends it; the history names it with a content-free line.

Who may read the thread: the referrer, the advocate who holds the case (on the roster)
and any SMLO who did not refer it. Never another advocate, nor the auditor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from referrals import case_record, errors
from referrals.case_record import CaseEntry
from referrals.escalating import Escalating
from referrals.messages import (
    MESSAGE_LIMIT,
    MESSAGE_READ,
    MESSAGE_SENT,
    OPEN_FOR_MESSAGES,
    Message,
    Recipient,
    Sender,
    ThreadMessage,
    recipient_for,
    sent_line,
    text_problem_of,
)
from referrals.notifications import NotificationKind
from referrals.people import Actor
from referrals.referral_base import ADVOCATE_MAY_VIEW, CaseEvent
from referrals.states import ReferralState

ENDED = frozenset({ReferralState.CLOSED, ReferralState.WITHDRAWN})
SIDE_OF = {
    Sender.REFERRER: Recipient.REFERRER,
    Sender.ADVOCATE: Recipient.ADVOCATE,
    Sender.SMLO: Recipient.SMLOS,
}


class Messaging(Escalating):
    def ensure_can_read_thread(self, actor: Actor) -> Sender:
        """Who the reader is to the thread; refused for anyone but its readers."""
        if self.is_erased:  # withdrawn or purged: every message went with it
            raise errors.ThreadClosed(self.id, self.state)
        if self.state is not ReferralState.DRAFT and actor.user_id:
            if self.is_own(actor.user_id):
                return Sender.REFERRER
            self._refuse_subject(actor)  # an SMLO it is about never reads its thread
            if actor.user_id == self.advocate_id and self.state in ADVOCATE_MAY_VIEW:
                self._require_active_advocate(actor)
                return Sender.ADVOCATE
            if actor.is_smlo:
                return Sender.SMLO
        raise errors.NotPermitted(f"{actor.user_id} may not read the messages of {self.id}")

    def send_message(
        self,
        actor: Actor,
        text: str,
        smlo_ids: Iterable[str],
        now: datetime,
        message_id: str = "",
        *,
        holder_on_list: bool = True,
    ) -> CaseEntry:
        """Send `text` to the other side; its recipients are told, content-free.
        `message_id`: the card's own id, so a second press of Send sends nothing more.
        `holder_on_list`: False when the advocate who holds the case has been taken off
        the list (they may not open it): the referrer's message goes to the SMLOs."""
        sender = self.ensure_can_read_thread(actor)
        self._require_in_teams("send a message about")  # the person has no chat to reach
        if self.state in ENDED:
            raise errors.ThreadClosed(self.id, self.state)
        if self.state not in OPEN_FOR_MESSAGES:
            raise errors.InvalidTransition("send a message about", self.state)
        if problem := text_problem_of(text):
            raise errors.MessageInvalid(problem, MESSAGE_LIMIT)
        if message_id and message_id in self.record_ids():
            raise errors.EntryAlreadySaved(message_id)
        to = recipient_for(sender, self.state, self.advocate_id if holder_on_list else "")
        entry = CaseEntry.new(self.id, actor.user_id, now, Message(sender, to, text), message_id)
        self.new_entries.append(entry)
        self._record(now, actor, MESSAGE_SENT, sent_line(entry.id, Message(sender, to, "")))
        self._notify(self._recipients(to, actor, smlo_ids), NotificationKind.NEW_MESSAGE, now)
        return entry

    def mark_messages_read(self, actor: Actor, now: datetime) -> list[str]:
        """Mark every unread message for the reader's side read; returns their ids. Not a
        change to the case: `updated_at` (the retention clock) stays where it was."""
        side, read = SIDE_OF[self.ensure_can_read_thread(actor)], self._read()
        unread = [mid for mid, to in self._sent() if to is side and mid not in read]
        self.history += [CaseEvent(now, actor.user_id, MESSAGE_READ, mid) for mid in unread]
        return unread

    def thread(self, entries: Iterable[CaseEntry]) -> list[ThreadMessage]:
        """The messages among the record's `entries`, oldest first, with when each was read."""
        read = self._read()
        return [
            ThreadMessage(
                e.id, e.content.sender, e.content.to, e.content.text, e.recorded_at, read.get(e.id)
            )
            for e in entries
            if isinstance(e.content, Message)
        ]

    def record_ids(self) -> list[str]:
        """The id of every entry the history names (casework and messages), in order."""
        return [
            case_record.parse_event(e.detail).id
            if e.name == case_record.ENTRY_ADDED
            else e.detail.split(":")[0]
            for e in self.history
            if e.name in (case_record.ENTRY_ADDED, MESSAGE_SENT)
        ]

    def _sent(self) -> list[tuple[str, Recipient]]:
        lines = [e.detail.split(":") for e in self.history if e.name == MESSAGE_SENT]
        return [(mid, Recipient(to)) for mid, _, to in lines]

    def _read(self) -> dict[str, datetime]:
        read: dict[str, datetime] = {}
        for e in self.history:
            if e.name == MESSAGE_READ:
                read.setdefault(e.detail, e.at)
        return read

    def _recipients(self, to: Recipient, actor: Actor, smlo_ids: Iterable[str]) -> list[str]:
        if to is Recipient.REFERRER:
            return [self.referrer_id]
        if to is Recipient.ADVOCATE:
            return [self.advocate_id]
        return [s for s in smlo_ids if s not in (self.referrer_id, actor.user_id)]
