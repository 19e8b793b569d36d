"""Escalation decisions on a referral (`referrals.escalation`): an SMLO records one on
any sent referral, open or closed; the person is told, content-free, unless the SMLO
records why that would increase the risk; the person may withdraw a consent they gave.
Each is a case record entry (sealed) and a history line in categories only.

The referral's pathway (`referrals.pathway`) follows the same rule of who and when: an
SMLO records each step on any sent referral, as a history line in categories only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from referrals import case_record, errors
from referrals.case_keeping import CaseKeeping
from referrals.case_record import CaseEntry, EntryKind
from referrals.escalation import ConsentWithdrawn, DecisionLine, Escalation
from referrals.notifications import NotificationKind
from referrals.pathway import PATHWAY_STEP, PathwayStep, problems
from referrals.people import Actor
from referrals.referral_base import ERASED_REFERRER
from referrals.states import ReferralState

# Sent, open or closed; not a draft, not withdrawn (its content is deleted).
ESCALATABLE = frozenset(
    {
        ReferralState.SUBMITTED,
        ReferralState.AWAITING_ALLOCATION,
        ReferralState.OFFERED,
        ReferralState.ACTIVE,
        ReferralState.SIGNPOSTED,
        ReferralState.CLOSED,
    }
)


class Escalating(CaseKeeping):
    def ensure_can_escalate(self, actor: Actor) -> None:
        """An SMLO who did not refer it, while it is sent and not withdrawn or erased."""
        self._require_smlo(actor)
        self._require_escalatable("record an escalation on")

    def record_escalation(
        self, actor: Actor, decision: Escalation, now: datetime, entry_id: str = ""
    ) -> CaseEntry:
        self.ensure_can_escalate(actor)
        if entry_id and any(line.id == entry_id for line in self.entry_lines()):
            raise errors.EntryAlreadySaved(entry_id)
        case_record.check_content(decision, now)
        entry = self._add(actor, decision, now, entry_id)
        if decision.tell_person and self.referrer_id != ERASED_REFERRER:
            self._tell_referrer(NotificationKind.ESCALATED, now, instead=actor.user_id)
        return entry

    def withdraw_consent(
        self, actor: Actor, escalation_id: str, smlo_ids: Iterable[str], now: datetime
    ) -> CaseEntry:
        """The referrer, of a decision that rests on their consent and that they were told
        of (`DecisionLine.may_withdraw`); the SMLOs are told."""
        self._require_referrer(actor)
        self._require_in_teams("withdraw consent on")
        self._require_escalatable("withdraw consent on")
        decision = next((d for d in self.escalations if d.id == escalation_id), None)
        if decision is None or not decision.may_withdraw:
            raise errors.EntryNotFound(escalation_id)
        entry = self._add(actor, ConsentWithdrawn(escalation_id), now)
        self._notify(smlo_ids, NotificationKind.CONSENT_WITHDRAWN, now)
        return entry

    def record_pathway_step(self, actor: Actor, step: PathwayStep, now: datetime) -> bool:
        """A step of what the referral became; never edited, a later step follows. The same
        step again (a second press of Save) changes nothing: returns False."""
        self.ensure_can_escalate(actor)
        found = problems(step, now.date())
        if found:
            raise errors.EntryInvalid(found)
        if step in self.pathway:
            return False
        self._record(now, actor, PATHWAY_STEP, step.detail())
        return True

    @property
    def pathway(self) -> list[PathwayStep]:
        """Every step, in the order recorded."""
        return [PathwayStep.from_detail(e.detail) for e in self.history if e.name == PATHWAY_STEP]

    def _require_escalatable(self, what: str) -> None:
        if self.state not in ESCALATABLE or self.is_purged or self.is_erased:
            raise errors.InvalidTransition(what, self.state)

    @property
    def escalations(self) -> list[DecisionLine]:
        """Every decision, oldest first, in categories only, with withdrawn consents."""
        lines = self.entry_lines()
        withdrawn = {line.extra[0] for line in lines if line.kind is EntryKind.CONSENT_WITHDRAWN}
        return [
            DecisionLine.parse(line.id, line.extra).withdrawn_if(line.id in withdrawn)
            for line in lines
            if line.kind is EntryKind.ESCALATION
        ]
