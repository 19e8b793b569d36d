"""Messages between the referrer and the service (`referrals.messages`): send one, read
the thread, mark it read. Each loads the referral, asks the domain who may (and in which
state), and, for a change, saves it with its content-free notification in one write. All
are audited: who, when and what kind of step; never the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from referrals.audit import AuditAction
from referrals.case_record import CaseEntry
from referrals.messages import OPEN_FOR_MESSAGES, Sender, ThreadMessage
from referrals.people import Actor
from referrals.referral import Referral
from referrals.services.steps import Steps

A = AuditAction


@dataclass(frozen=True)
class Messages:
    steps: Steps

    async def send(
        self, actor: Actor, referral_id: str, text: str, message_id: str = ""
    ) -> CaseEntry:
        """Send `text` to the other side of the referral; they are told there is a message.
        `message_id`: the card's own id, so a second press of Send sends it once."""
        sent: list[CaseEntry] = []
        now = self.steps.clock.now()

        async def act(referral: Referral) -> None:
            on_list = await self._on_list(referral.advocate_id)
            sent.append(
                referral.send_message(
                    actor, text, self.steps.smlo_ids, now, message_id, holder_on_list=on_list
                )
            )

        await self.steps.change(actor, referral_id, A.SEND_MESSAGE, act)
        return sent[-1]  # a retried change acts again: the last is the one saved

    async def _on_list(self, advocate_id: str) -> bool:
        """Whether the advocate who holds the case (if any) is on the active list."""
        if not advocate_id:
            return True
        held_by = await self.steps.stores.roster.get_advocate(advocate_id)
        return held_by is not None and held_by.active

    async def thread(self, actor: Actor, referral_id: str) -> tuple[Referral, list[ThreadMessage]]:
        """The thread, oldest first, for the referrer, the advocate who holds the case and
        the SMLOs; read, not yet marked read (`mark_read`)."""
        referral = await self.steps.load(actor, referral_id, A.READ_MESSAGES)
        async with self.steps.audited(actor, referral, A.READ_MESSAGES):
            referral.ensure_can_read_thread(actor)
        return referral, referral.thread(await self.steps.stores.records.entries(referral))

    async def open_threads(self, actor: Actor) -> list[Referral]:
        """The person's own referrals that take messages now (to offer words they typed in
        the chat as a message), oldest first: nobody else's, so nothing to authorise
        beyond who they are. Not those an SMLO took for someone without Teams, which are
        the person's and take no messages."""
        own = await self.steps.stores.referrals.list_for_referrer(actor.user_id)
        open_ = (r for r in own if r.state in OPEN_FOR_MESSAGES and not r.outside_teams)
        return sorted(open_, key=lambda r: r.reference)

    async def thread_face(self, actor: Actor, referral_id: str) -> tuple[Referral, Sender]:
        """The referral and who the reader is to its thread, without its messages (to fold
        the card back): for the thread's readers; a refusal is audited."""
        referral = await self.steps.load(actor, referral_id, A.READ_MESSAGES)
        async with self.steps.audited(actor, referral, A.READ_MESSAGES, only_refusals=True):
            reader = referral.ensure_can_read_thread(actor)
        return referral, reader

    async def mark_read(self, actor: Actor, referral_id: str) -> list[str]:
        """Mark the messages for the reader's side read (the sender sees when); returns
        the ids marked, none if all were read already."""
        marked: list[str] = []
        now = self.steps.clock.now()

        def act(referral: Referral) -> None:
            marked[:] = referral.mark_messages_read(actor, now)

        await self.steps.change(actor, referral_id, A.MARK_MESSAGES_READ, act)
        return marked
