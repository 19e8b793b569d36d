"""The referral aggregate: its answers, its state, and every change it may go through.

Each transition checks who is acting before it looks at the state (so a refusal never
reveals what state someone else's referral is in), moves the state through
`STATE_TABLE`, appends a content-free event to the history, and queues the
notifications the change calls for. The store saves all of it in one write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from referrals import case_record, errors
from referrals.case_record import CaseEntry, Closure, RiskAssessment, RiskLevel
from referrals.intake import (
    STEP_ORDER,
    IntakeAnswers,
    IntakeStep,
    first_unanswered_step,
    is_on_behalf,
    limit_problems,
    missing_answers,
)
from referrals.notifications import Notification, NotificationKind
from referrals.people import Actor, Advocate
from referrals.signposting import Signpost, can_signpost_to, history_detail, kind_of
from referrals.states import STATE_TABLE, ReferralState, Transition
from referrals.support import SupportService

_ADVOCATE_MAY_VIEW = frozenset({ReferralState.ACTIVE, ReferralState.CLOSED})
# Stands in the history for a referrer whose identity has been erased.
ERASED_REFERRER = "erased-referrer"
SYSTEM = "system"  # the actor of scheduled work such as retention
PURGEABLE = frozenset({ReferralState.CLOSED, ReferralState.WITHDRAWN})


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    CONFLICT = "conflict"
    OTHER = "other"


@dataclass(frozen=True)
class CaseEvent:
    """One line of a referral's history: who did what, when; never content."""

    at: datetime
    actor_id: str
    name: str
    detail: str = ""


def _require_answered(answers: IntakeAnswers, *, before: IntakeStep) -> None:
    """No step before `before` may be left with a required question unanswered."""
    step = first_unanswered_step(answers, before)
    if step is not None:
        raise errors.RequiredAnswerMissing(step, missing_answers(step, answers))


@dataclass
class Referral:
    id: str
    referrer_id: str
    referrer_name: str
    created_at: datetime
    updated_at: datetime
    state: ReferralState = ReferralState.DRAFT
    answers: IntakeAnswers = field(default_factory=IntakeAnswers)
    step: IntakeStep | None = None  # the last intake step answered
    reference: str = ""
    submitted_at: datetime | None = None
    offered_to: str = ""
    advocate_id: str = ""
    declined_by: tuple[str, ...] = ()
    signpost: Signpost | None = None  # out of remit: the kind of help they were sent to
    signpost_service: str = ""  # and the support directory's id of the service, if one
    history: list[CaseEvent] = field(default_factory=list)
    version: int = 0  # the stored version this object was read at
    new_notifications: list[Notification] = field(default_factory=list, repr=False)
    # Case record entries to store with this change (kept apart: `ReferralStore.save`).
    new_entries: list[CaseEntry] = field(default_factory=list, repr=False)

    @classmethod
    def start_draft(cls, actor: Actor, now: datetime, referral_id: str = "") -> Referral:
        """`referral_id`: the id a card gave the referral it would send, so that pressing
        its Send twice sends one referral (a new id if none)."""
        draft = cls(referral_id or uuid.uuid4().hex, actor.user_id, actor.display_name, now, now)
        draft._record(now, actor, "DraftStarted")
        return draft

    # -- reading -------------------------------------------------------------------

    def ensure_can_view(self, actor: Actor) -> None:
        """The referrer; an SMLO once it is sent; the advocate who accepted it; nobody else."""
        if actor.user_id == self.referrer_id:
            return
        if actor.is_smlo and self.state is not ReferralState.DRAFT:  # drafts are not sent yet
            return
        if self.advocate_id == actor.user_id != "" and self.state in _ADVOCATE_MAY_VIEW:
            self._require_active_advocate(actor)
            return
        raise errors.NotPermitted(f"{actor.user_id} may not view {self.id}")

    # -- the referrer ----------------------------------------------------------------

    def record_answers(
        self,
        actor: Actor,
        answers: IntakeAnswers,
        step: IntakeStep,
        now: datetime,
        *,
        leaving: IntakeStep | None = None,
    ) -> None:
        """Save the answers with `step` as the place to carry on from. Going on past a step
        (from `leaving`, the step the card was for, or else from where the draft was) needs
        every required question before `step` answered; going back or stopping never does."""
        self._require_referrer(actor)
        if self.state is not ReferralState.DRAFT:
            raise errors.InvalidTransition("change answers of", self.state)
        problems = limit_problems(answers)
        if problems:
            raise errors.AnswerInvalid(problems)
        start = leaving if leaving is not None else self.step
        if start is None or STEP_ORDER.index(step) > STEP_ORDER.index(start):
            _require_answered(answers, before=step)
        self.answers, self.step, self.updated_at = answers, step, now

    def ensure_can_submit(self, actor: Actor) -> None:
        """Every check `submit` makes, so a refused submit uses up no reference number."""
        self._require_referrer(actor)
        self._require_state(Transition.SUBMIT)
        _require_answered(self.answers, before=IntakeStep.REVIEW)
        if not self.answers.consent:
            raise errors.ConsentRequired(self.id)

    def submit(self, actor: Actor, reference: str, smlo_ids: Iterable[str], now: datetime) -> None:
        self.ensure_can_submit(actor)
        if is_on_behalf(self.answers):
            # The monitoring questions are the person's; a sender's own, given before they
            # chose this route, must not be counted as the person's.
            self.answers = self.answers.with_changes(gender=None, age_band=None)
        self._move(Transition.SUBMIT, actor, now, "ReferralSubmitted")
        self.reference, self.submitted_at = reference, now
        # An SMLO who refers someone is not sent their own referral to triage.
        others = [smlo for smlo in smlo_ids if smlo != self.referrer_id]
        self._notify(others, NotificationKind.NEW_REFERRAL, now)

    def withdraw(self, actor: Actor, smlo_ids: Iterable[str], now: datetime) -> None:
        """Taken back by the referrer: whoever holds it is told, and everything that could
        identify the person, or that they wrote, is erased at once."""
        self.ensure_not_withdrawn()
        self._require_referrer(actor)
        holder = self.advocate_id or self.offered_to
        self._move(Transition.WITHDRAW, actor, now, "ReferralWithdrawn")
        self._notify([*smlo_ids, *([holder] if holder else [])], NotificationKind.WITHDRAWN, now)
        self.erase_personal_data(now)

    def ensure_not_withdrawn(self) -> None:
        """Withdrawn, the referrer is erased: an old withdraw button gets a plain answer."""
        if self.state is ReferralState.WITHDRAWN and self.is_erased:
            raise errors.AlreadyWithdrawn(self.id)

    def erase_personal_data(self, now: datetime) -> None:
        """Keep the statistics; drop identity, contact details and free text, including
        the referrer's id wherever the history names them as the actor. Idempotent."""
        if self.is_erased:
            return
        referrer = self.referrer_id
        self.answers = self.answers.statistical_only()
        self.referrer_id = self.referrer_name = ""
        self.history = [
            replace(e, actor_id=ERASED_REFERRER) if referrer and e.actor_id == referrer else e
            for e in self.history
        ]
        self.history.append(CaseEvent(now, ERASED_REFERRER, "PersonalDataErased"))
        self.new_entries = []  # the store deletes the saved ones with an erased referral
        self.updated_at = now

    def purge(self, now: datetime) -> bool:
        """End of the retention period for a closed or withdrawn referral: erase personal
        data, keep the statistics. A system action; returns False if there was nothing to do."""
        if self.state not in PURGEABLE:
            raise errors.InvalidTransition("purge", self.state)
        if self.is_purged:
            return False
        self.erase_personal_data(now)
        self.history.append(CaseEvent(now, SYSTEM, "ReferralPurged"))
        return True

    def latest_refusal(self) -> CaseEvent | None:
        """Why it is waiting for an advocate again: the last decline (its detail is the
        reason's category) or returned offer (its detail is the advocate), if no offer
        was made since."""
        for event in reversed(self.history):
            if event.name in ("AllocationDeclined", "OfferReturned"):
                return event
            if event.name == "AllocationOffered":
                return None
        return None

    @property
    def is_purged(self) -> bool:
        return any(e.name == "ReferralPurged" for e in self.history)

    @property
    def is_erased(self) -> bool:
        return any(e.name == "PersonalDataErased" for e in self.history)

    # -- the SMLO ----------------------------------------------------------------------

    def offer(self, actor: Actor, advocate: Advocate, now: datetime) -> None:
        self._require_smlo(actor)
        if not advocate.active or advocate.user_id == self.referrer_id:
            raise errors.AdvocateNotAvailable(advocate.user_id)
        if self.state in (ReferralState.OFFERED, ReferralState.ACTIVE):
            raise errors.ReferralAlreadyAllocated(Transition.OFFER, self.state)
        if self.state is ReferralState.SUBMITTED:
            self._record(now, actor, "ReferralTriaged")
        self._move(Transition.OFFER, actor, now, "AllocationOffered", advocate.user_id)
        self.offered_to = advocate.user_id
        self._notify([advocate.user_id], NotificationKind.OFFERED, now)

    def mark_out_of_remit(self, actor: Actor, to: Signpost | SupportService, now: datetime) -> None:
        """Outside the remit: the referrer is told where to go instead, a service in the
        support directory (kept by its id, with its kind to fall back on should it leave
        the directory) or a broad kind of help."""
        self._require_smlo(actor)
        if isinstance(to, SupportService):
            if not can_signpost_to(to):
                raise errors.UnknownSupportService(to.id)
            kind, service_id = kind_of(to), to.id
        else:
            kind, service_id = to, ""
        detail = history_detail(kind, service_id)
        self._move(Transition.MARK_OUT_OF_REMIT, actor, now, "ReferralSignposted", detail)
        self.signpost, self.signpost_service = kind, service_id
        self._notify([self.referrer_id], NotificationKind.SIGNPOSTED, now)

    # -- the advocate ------------------------------------------------------------------

    def accept(self, actor: Actor, smlo_ids: Iterable[str], now: datetime) -> None:
        self._require_offered_advocate(actor, Transition.ACCEPT)
        self._move(Transition.ACCEPT, actor, now, "AllocationAccepted")
        self.advocate_id = actor.user_id
        self._notify(smlo_ids, NotificationKind.ACCEPTED, now)
        self._notify([self.referrer_id], NotificationKind.ADVOCATE_ALLOCATED, now)

    def decline(
        self, actor: Actor, reason: DeclineReason, smlo_ids: Iterable[str], now: datetime
    ) -> None:
        self._require_offered_advocate(actor, Transition.DECLINE)
        self._move(Transition.DECLINE, actor, now, "AllocationDeclined", reason)
        self.offered_to = ""
        self.declined_by = (*self.declined_by, actor.user_id)
        self._notify(smlo_ids, NotificationKind.DECLINED, now)

    def return_offer(
        self, actor: Actor, advocate: Advocate, smlo_ids: Iterable[str], now: datetime
    ) -> None:
        """The advocate it is offered to was taken off the list (by an SMLO, or by the
        directory): it goes back to be allocated, and the SMLOs are told as for a decline."""
        if not actor.is_smlo and actor.user_id != SYSTEM:
            raise errors.NotAnSmlo(f"{actor.user_id} may not return an offer of {self.id}")
        self._require_state(Transition.RETURN_OFFER)
        if advocate.active or advocate.user_id != self.offered_to:
            raise errors.AdvocateNotAvailable(advocate.user_id)
        self._move(Transition.RETURN_OFFER, actor, now, "OfferReturned", advocate.user_id)
        self.offered_to = ""
        self._notify(smlo_ids, NotificationKind.DECLINED, now)

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
        holder = self.advocate_id == actor.user_id != ""
        if self.state is ReferralState.SIGNPOSTED or not holder:
            if not actor.is_smlo:
                raise errors.NotTheAllocatedAdvocate(f"{actor.user_id} may not close {self.id}")
            self._require_smlo(actor)
            if self.state is not ReferralState.SIGNPOSTED and not (closure and closure.note):
                raise errors.CloseReasonRequired(self.id)
        else:
            self._require_active_advocate(actor)
        if closure is not None:
            case_record.check_content(closure, now)
        self._require_state(Transition.CLOSE)
        if closure is not None:
            self._add(actor, closure, now)
        self._move(
            Transition.CLOSE, actor, now, "ReferralClosed", closure.outcome if closure else ""
        )
        if self.advocate_id:  # a case, not a signposted referral
            others = [s for s in smlo_ids if s != actor.user_id]
            self._notify([self.referrer_id, *others], NotificationKind.CASE_CLOSED, now)

    # -- the case record (referrals.case_record) -------------------------------------

    def ensure_can_read_record(self, actor: Actor) -> None:
        """Only the advocate who holds the case (on the roster) and an SMLO who did not
        refer it: a previous advocate, the referrer and anyone else are refused."""
        if actor.is_smlo and actor.user_id != self.referrer_id:
            if self.state is ReferralState.DRAFT:
                raise errors.NotPermitted(f"{actor.user_id} may not read {self.id}")
            return
        if self.advocate_id == actor.user_id != "" and self.state in _ADVOCATE_MAY_VIEW:
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

    # -- rules and bookkeeping -------------------------------------------------------

    def _require_referrer(self, actor: Actor) -> None:
        if actor.user_id != self.referrer_id:
            raise errors.NotTheReferrer(f"{actor.user_id} is not the referrer of {self.id}")

    def _require_smlo(self, actor: Actor) -> None:
        if not actor.is_smlo:
            raise errors.NotAnSmlo(f"{actor.user_id} is not an SMLO")
        if actor.user_id == self.referrer_id:
            raise errors.CannotTriageOwnReferral(f"{actor.user_id} referred {self.id}")

    def _require_offered_advocate(self, actor: Actor, transition: Transition) -> None:
        holder = self.offered_to or self.advocate_id
        if not holder or actor.user_id != holder:
            raise errors.NotTheOfferedAdvocate(f"{actor.user_id} holds no offer of {self.id}")
        self._require_active_advocate(actor)
        if self.state is not ReferralState.OFFERED:
            raise errors.OfferAlreadyAnswered(transition, self.state)

    @staticmethod
    def _require_active_advocate(actor: Actor) -> None:
        """The roster says who is an advocate now (`Actor.is_advocate`); someone taken off
        it can neither answer an offer nor open a case until they are back on it."""
        if not actor.is_advocate:
            raise errors.NotAnActiveAdvocate(f"{actor.user_id} is not an active advocate")

    def _require_state(self, transition: Transition) -> None:
        if self.state not in STATE_TABLE[transition][0]:
            raise errors.InvalidTransition(transition, self.state)

    def _move(
        self, transition: Transition, actor: Actor, now: datetime, event: str, detail: str = ""
    ) -> None:
        self._require_state(transition)
        self.state = STATE_TABLE[transition][1]
        self._record(now, actor, event, detail)

    def _record(self, now: datetime, actor: Actor, event: str, detail: str = "") -> None:
        self.history.append(CaseEvent(now, actor.user_id, event, str(detail)))
        self.updated_at = now

    def _notify(self, recipients: Iterable[str], kind: NotificationKind, now: datetime) -> None:
        for recipient in dict.fromkeys(recipients):
            self.new_notifications.append(Notification.new(self.id, recipient, kind, now))

    def copy(self) -> Referral:
        return replace(self, history=list(self.history), new_notifications=[], new_entries=[])
