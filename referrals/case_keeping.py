"""The referral's case record and its close: who may read and add to the record, entries
and corrections recorded on the history (their content is stored apart: `referrals.
case_record`), and closing a case with its outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from referrals import case_record, errors
from referrals.case_record import CaseEntry, Closure, RiskAssessment, RiskLevel
from referrals.messages import Message
from referrals.notifications import NotificationKind
from referrals.people import Actor
from referrals.referral_base import ADVOCATE_MAY_VIEW, ReferralBase
from referrals.states import ReferralState, Transition


class CaseKeeping(ReferralBase):
    def close(
        self,
        actor: Actor,
        now: datetime,
        closure: Closure | None = None,
        smlo_ids: Iterable[str] = (),
    ) -> None:
        """A signposted referral by an SMLO; a case by the advocate who holds it, or by an
        SMLO with a note saying why. A closure's outcome goes in the history, its note in
        the case record; the referrer and the SMLOs are told, content-free."""
        holder = self.ensure_can_close(actor)
        needs_reason = not holder and self.state is not ReferralState.SIGNPOSTED
        if needs_reason and not (closure and closure.note.strip()):
            raise errors.CloseReasonRequired(self.id)
        if closure is not None:
            case_record.check_content(closure, now)
        self._require_state(Transition.CLOSE)
        if closure is not None:
            self._add(actor, closure, now)
        self._move(
            Transition.CLOSE, actor, now, "ReferralClosed", closure.outcome if closure else ""
        )
        if self.advocate_id:  # a case, not a signposted referral
            # An SMLO's own referral tells them once, as its referrer.
            own = "" if self.outside_teams else self.referrer_id
            others = [s for s in smlo_ids if s not in (actor.user_id, own)]
            held_by = [] if holder else [self.advocate_id]  # closed by an SMLO: they are told
            # The SMLO who took it for someone without Teams is told as an SMLO too.
            self._tell_referrer(NotificationKind.CASE_CLOSED, now)
            self._notify([*others, *held_by], NotificationKind.CASE_CLOSED, now)

    def ensure_can_close(self, actor: Actor) -> bool:
        """Who may close it (an SMLO, or the advocate who holds the case); True for the
        advocate. The state is checked by `close`, after who."""
        holder = self.advocate_id == actor.user_id != ""
        if self.state is ReferralState.SIGNPOSTED or not holder:
            if not actor.is_smlo:
                raise errors.NotTheAllocatedAdvocate(f"{actor.user_id} may not close {self.id}")
            self._require_smlo(actor)
            return False
        self._require_active_advocate(actor)
        return True

    def ensure_can_read_record(self, actor: Actor) -> None:
        """Only the advocate who holds the case (on the roster) and an SMLO who did not
        refer it (or took it for someone without Teams): a previous advocate, the referrer
        and anyone else are refused."""
        if actor.is_smlo and (actor.user_id != self.referrer_id or self.outside_teams):
            if self.state is ReferralState.DRAFT:
                raise errors.NotPermitted(f"{actor.user_id} may not read {self.id}")
            return
        if self.advocate_id == actor.user_id != "" and self.state in ADVOCATE_MAY_VIEW:
            self._require_active_advocate(actor)
            return
        raise errors.NotPermitted(f"{actor.user_id} may not read the record of {self.id}")

    def ensure_can_add(self, actor: Actor) -> None:
        """Only the advocate who holds the case (on the roster), while it is open."""
        if self.advocate_id != actor.user_id or not actor.user_id:
            raise errors.NotTheAllocatedAdvocate(f"{actor.user_id} holds no {self.id}")
        self._require_active_advocate(actor)
        if self.state is not ReferralState.ACTIVE:
            raise errors.CaseNotOpen("add to the record of", self.state)

    def correct_entry(
        self,
        actor: Actor,
        correction: case_record.Correction,
        replacement: case_record.Content | None,
        smlo_ids: Iterable[str],
        now: datetime,
        entry_id: str = "",
    ) -> list[CaseEntry]:
        """Retract an entry with a reason and, where it applies, record the right one (of
        the same kind) after it: both, or neither."""
        retracted = next((e for e in self.entry_lines() if e.id == correction.retracts), None)
        added = [self.add_entry(actor, correction, smlo_ids, now, entry_id)]
        if replacement is not None:
            if retracted is None or case_record.KIND_OF[type(replacement)] is not retracted.kind:
                raise errors.ReplacementOfAnotherKind(correction.retracts)
            added.append(self.add_entry(actor, replacement, smlo_ids, now))
        return added

    def add_entry(
        self,
        actor: Actor,
        content: case_record.Content,
        smlo_ids: Iterable[str],
        now: datetime,
        entry_id: str = "",
    ) -> CaseEntry:
        """An entry by the advocate who holds the open case; a high risk tells the SMLOs.
        An `entry_id` already on the record was saved before: nothing is added twice."""
        self.ensure_can_add(actor)
        if isinstance(content, Closure):
            raise errors.EntryInvalid({"kind": "a case is closed by closing it"})
        if isinstance(content, Message):
            raise errors.EntryInvalid({"kind": "a message is sent by sending it"})
        if entry_id and any(line.id == entry_id for line in self.entry_lines()):
            raise errors.EntryAlreadySaved(entry_id)
        case_record.check_content(content, now)
        entry = self._add(actor, content, now, entry_id)
        if isinstance(content, RiskAssessment) and content.level is RiskLevel.HIGH:
            self._notify(smlo_ids, NotificationKind.RISK_HIGH, now)
        return entry

    def entry_lines(self) -> list[case_record.EntryLine]:
        return [
            case_record.parse_event(e.detail)
            for e in self.history
            if e.name == case_record.ENTRY_ADDED
        ]

    def _add(
        self, actor: Actor, content: case_record.Content, now: datetime, entry_id: str = ""
    ) -> CaseEntry:
        settled = (
            content
            if isinstance(content, Closure)
            else case_record.settle(content, self.entry_lines())
        )
        entry = CaseEntry.new(self.id, actor.user_id, now, settled, entry_id)
        self.new_entries.append(entry)
        self._record(now, actor, case_record.ENTRY_ADDED, case_record.entry_event(entry))
        return entry
