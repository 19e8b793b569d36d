"""The advocate's case record: add an entry of each kind, correct one, read the record,
close the case with its outcome. Each loads the referral, asks the domain (which checks
who may, and in which state), and saves the change with its entries, audited: who, when
and what kind of entry, never what it says.
"""

from __future__ import annotations

from dataclasses import dataclass

from referrals.audit import AuditAction
from referrals.case_record import (
    KIND_OF,
    NOT_CASEWORK,
    SMLO_ONLY,
    CaseEntry,
    Closure,
    Content,
    Correction,
    EntryKind,
)
from referrals.people import Actor
from referrals.referral import Referral
from referrals.services.steps import Steps
from referrals.states import Transition

A = AuditAction
ACTION_OF = {
    EntryKind.CONTACT: A.ADD_CONTACT,
    EntryKind.SUPPORT_AGREEMENT: A.ADD_SUPPORT_AGREEMENT,
    EntryKind.RISK_ASSESSMENT: A.ADD_RISK_ASSESSMENT,
    EntryKind.ONWARD_REFERRAL: A.ADD_ONWARD_REFERRAL,
    EntryKind.ONWARD_OUTCOME: A.ADD_ONWARD_OUTCOME,
    EntryKind.UPDATE: A.ADD_UPDATE,
    EntryKind.CORRECTION: A.CORRECT_ENTRY,
    EntryKind.CLOSURE: A.CLOSE,
    EntryKind.ESCALATION: A.ESCALATE,
    EntryKind.CONSENT_WITHDRAWN: A.WITHDRAW_CONSENT,
    EntryKind.MESSAGE: A.SEND_MESSAGE,  # refused here: a message is sent (services.messages)
}


@dataclass(frozen=True)
class CaseRecord:
    steps: Steps

    async def add(
        self, actor: Actor, referral_id: str, content: Content, entry_id: str = ""
    ) -> CaseEntry:
        """Any entry but a closure (`close`); a correction is better made with `correct`.
        `entry_id`: the form's own id, so a second press of its Save adds nothing."""
        added: list[CaseEntry] = []
        now = self.steps.clock.now()

        def act(referral: Referral) -> None:
            added.append(referral.add_entry(actor, content, self.steps.smlo_ids, now, entry_id))

        await self.steps.change(actor, referral_id, ACTION_OF[KIND_OF[type(content)]], act)
        return added[-1]  # a retried change acts again: the last is the one saved

    async def correct(
        self,
        actor: Actor,
        referral_id: str,
        correction: Correction,
        replacement: Content | None = None,
        entry_id: str = "",
    ) -> list[CaseEntry]:
        """Retract an entry with a reason and, where it applies, record the right one: both
        in one save, or neither."""
        added: list[CaseEntry] = []
        now = self.steps.clock.now()

        def act(referral: Referral) -> None:
            added[:] = referral.correct_entry(
                actor, correction, replacement, self.steps.smlo_ids, now, entry_id
            )

        await self.steps.change(actor, referral_id, A.CORRECT_ENTRY, act)
        return added

    async def read(self, actor: Actor, referral_id: str) -> tuple[Referral, list[CaseEntry]]:
        """The record, oldest first, for the advocate who holds the case or an SMLO."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_RECORD)
        async with self.steps.audited(actor, referral, A.VIEW_RECORD):
            referral.ensure_can_read_record(actor)
        return referral, _shown_to(actor, await self.steps.stores.records.entries(referral))

    async def writable(self, actor: Actor, referral_id: str) -> tuple[Referral, list[CaseEntry]]:
        """The record, to add to it: only for the advocate who holds the open case."""
        referral = await self.steps.load(actor, referral_id, A.VIEW_RECORD)
        async with self.steps.audited(actor, referral, A.VIEW_RECORD):
            referral.ensure_can_add(actor)
        return referral, _shown_to(actor, await self.steps.stores.records.entries(referral))

    async def closable(self, actor: Actor, referral_id: str) -> Referral:
        """The case (or signposted referral), to close it: the advocate who holds it, or an
        SMLO. Content-free: the closing form shows nothing the person said."""
        referral = await self.steps.load(actor, referral_id, A.CLOSE)
        async with self.steps.audited(actor, referral, A.CLOSE, only_refusals=True):
            referral.ensure_can_close(actor)
            referral.ensure_state_allows(Transition.CLOSE)
        return referral

    async def close(self, actor: Actor, referral_id: str, closure: Closure) -> Referral:
        """Close with an outcome: the advocate who holds it, or an SMLO with a note why."""
        now = self.steps.clock.now()
        return await self.steps.change(
            actor,
            referral_id,
            A.CLOSE,
            lambda r: r.close(actor, now, closure, self.steps.smlo_ids),
        )


def _shown_to(actor: Actor, entries: list[CaseEntry]) -> list[CaseEntry]:
    """Escalation decisions and withdrawn consents are the SMLOs' alone; messages are shown
    in their thread (`services.messages`), not the record."""
    hidden = NOT_CASEWORK if actor.is_smlo else NOT_CASEWORK | SMLO_ONLY
    return [e for e in entries if e.kind not in hidden]
