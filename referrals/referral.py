"""The referral aggregate: its answers, its state, and every change it may go through.

Each transition checks who is acting before it looks at the state (so a refusal never
reveals what state someone else's referral is in), moves the state through
`STATE_TABLE`, appends a content-free event to the history, and queues the
notifications the change calls for. The store saves all of it in one write.

The aggregate is in three parts: `referral_base` (its fields, who may look, and the
bookkeeping every change uses), `case_keeping` (the case record and closing a case), and
this module (the lifecycle: the referrer's, the SMLO's and the advocate's changes).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from referrals import errors
from referrals.availability import Exclusion, OverrideReason
from referrals.identity import anonymity_problems, is_anonymous, name_kept_for
from referrals.intake import (
    STEP_ORDER,
    Identity,
    IntakeAnswers,
    IntakeStep,
    Route,
    first_unanswered_step,
    is_on_behalf,
    limit_problems,
    missing_answers,
)
from referrals.messaging import Messaging
from referrals.notifications import NotificationKind
from referrals.outside import WithdrawnFor, channel_of, withdrawal_detail
from referrals.people import Actor, Advocate
from referrals.referral_base import (
    ERASED_REFERRER,
    REMINDER_SENT,
    SUBJECT_MATCHED,
    SUBJECT_RELEASED,
    SYSTEM,
    CaseEvent,
)
from referrals.signposting import Signpost, can_signpost_to, history_detail, kind_of
from referrals.states import OPEN_STATES, ReferralState, Transition
from referrals.support import SupportService
from referrals.triage import TRIAGE_RECORDED, TriageDecision

# The SMLO offered it to someone it would not be offered to; detail "reason:why,why".
EXCLUSION_OVERRIDDEN = "ExclusionOverridden"
IDENTITY_SHARED = "IdentityShared"  # an anonymous referrer told the service who they are
# An anonymous referrer may tell the service who they are while it is open.
SHAREABLE = OPEN_STATES
PURGEABLE = frozenset({ReferralState.CLOSED, ReferralState.WITHDRAWN})
# While it is open and not sent elsewhere, an SMLO may triage it (again).
TRIAGEABLE = frozenset(
    {
        ReferralState.SUBMITTED,
        ReferralState.AWAITING_ALLOCATION,
        ReferralState.OFFERED,
        ReferralState.ACTIVE,
    }
)


class ReassignReason(StrEnum):
    ADVOCATE_UNAVAILABLE = "advocate_unavailable"
    CONFLICT_FOUND = "conflict_found"
    PERSON_ASKED = "person_asked"
    ADVOCATE_LEFT = "advocate_left"  # taken off the advocate list


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    CONFLICT = "conflict"
    OTHER = "other"


def _require_answered(answers: IntakeAnswers, *, before: IntakeStep) -> None:
    """No step before `before` may be left with a required question unanswered."""
    step = first_unanswered_step(answers, before)
    if step is not None:
        raise errors.RequiredAnswerMissing(step, missing_answers(step, answers))


def _require_may_override(
    advocate: Advocate, excluded_for: tuple[Exclusion, ...], override: OverrideReason | None
) -> None:
    """Someone excluded only with the SMLO's reason; a private conflict never (the SMLO
    cannot check what they are not shown)."""
    if Exclusion.PRIVATE_CONFLICT in excluded_for:
        raise errors.AdvocateNotAvailable(advocate.user_id)
    if excluded_for and override is None:
        raise errors.AdvocateExcluded(advocate.user_id, excluded_for)


class Referral(Messaging):
    """A referral: the lifecycle from a draft to its end (see `referrals.states`)."""

    @classmethod
    def start_draft(cls, actor: Actor, now: datetime, referral_id: str = "") -> Referral:
        """`referral_id`: the id a card gave the referral it would send, so that pressing
        its Send twice sends one referral (a new id if none)."""
        draft = cls(referral_id or uuid.uuid4().hex, actor.user_id, actor.display_name, now, now)
        draft._record(now, actor, "DraftStarted")
        return draft

    @classmethod
    def start_outside_draft(cls, actor: Actor, now: datetime, referral_id: str = "") -> Referral:
        """An SMLO takes a referral for someone without Teams, from a phone call or an
        e-mail (`referrals.outside`): the SMLO is its maker, on the on-behalf route."""
        if not actor.is_smlo:
            raise errors.NotAnSmlo(f"{actor.user_id} may not refer someone outside Teams")
        draft = cls.start_draft(actor, now, referral_id)
        draft.outside_teams = True
        draft.answers = IntakeAnswers(route=Route.ON_BEHALF)
        return draft

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
        problems = limit_problems(answers) | anonymity_problems(answers)
        if problems:
            raise errors.AnswerInvalid(problems)
        answers = self.as_kept(answers)
        start = leaving if leaving is not None else self.step
        if start is None or STEP_ORDER.index(step) > STEP_ORDER.index(start):
            _require_answered(answers, before=step)
        self.answers, self.step, self.updated_at = answers, step, now
        # Anonymous: no name is kept at all, not even in the draft (`referrals.identity`).
        self.referrer_name = name_kept_for(answers, self.referrer_name, actor.display_name)

    def as_kept(self, answers: IntakeAnswers) -> IntakeAnswers:
        """The answers as this referral keeps them: one taken by an SMLO for someone
        without Teams is always on their behalf, whatever route a card sends."""
        return answers.with_changes(route=Route.ON_BEHALF) if self.outside_teams else answers

    def ensure_can_submit(self, actor: Actor) -> None:
        """Every check `submit` makes, so a refused submit uses up no reference number."""
        self._require_referrer(actor)
        self._require_state(Transition.SUBMIT)
        _require_answered(self.answers, before=IntakeStep.REVIEW)
        if problems := anonymity_problems(self.answers):
            raise errors.AnswerInvalid(problems)
        if not self.answers.consent:
            raise errors.ConsentRequired(self.id)
        if self.outside_teams and channel_of(self.answers) is None:
            raise errors.ContactOutsideTeamsMissing()

    def submit(
        self,
        actor: Actor,
        reference: str,
        smlo_ids: Iterable[str],
        now: datetime,
        *,
        subject_user_id: str = "",
    ) -> None:
        """`subject_user_id`: the directory's object id of the person it is about, if the
        e-mail given resolved to one (`referrals.subjects`); from then on nothing about it
        is sent to them, and they may not open it, whatever their role."""
        self.ensure_can_submit(actor)
        self.answers = self.answers.with_changes(
            subject_user_id=subject_user_id if self.answers.names_someone else ""
        )
        if is_on_behalf(self.answers):
            # The monitoring questions are the person's; a sender's own, given before they
            # chose this route, must not be counted as the person's.
            self.answers = self.answers.with_changes(gender=None, age_band=None)
        self._move(Transition.SUBMIT, actor, now, "ReferralSubmitted")
        self.reference, self.submitted_at = reference, now
        # An SMLO who refers someone is not sent their own referral to triage; one who took
        # it for someone without Teams is, like every SMLO.
        others = [s for s in smlo_ids if s != self.referrer_id or self.outside_teams]
        self._notify(others, NotificationKind.NEW_REFERRAL, now)

    def ask_for_new_advocate(self, actor: Actor, smlo_ids: Iterable[str], now: datetime) -> bool:
        """The referrer asks for someone else to support them: the SMLOs are told,
        content-free; the advocate keeps the case until an SMLO gives it to someone else.
        Asked again before then, nothing more happens (returns False)."""
        self._require_referrer(actor)
        self._require_in_teams("ask for a new advocate for")
        if self.state is not ReferralState.ACTIVE:
            raise errors.InvalidTransition("ask for a new advocate for", self.state)
        if self.new_advocate_asked:
            return False
        self._record(now, actor, "NewAdvocateAsked")
        self._notify(smlo_ids, NotificationKind.NEW_ADVOCATE_ASKED, now)
        return True

    def share_identity(self, actor: Actor, smlo_ids: Iterable[str], now: datetime) -> None:
        """An anonymous referrer tells the service who they are: from now on staff see the
        name Teams gives for them. The SMLOs, and the advocate who holds the case, are told,
        content-free. Only while it is open, and only once (`IdentityAlreadyShared`)."""
        self._require_referrer(actor)
        if self.state not in SHAREABLE:
            raise errors.InvalidTransition("tell the service who referred", self.state)
        if not is_anonymous(self.answers):
            raise errors.IdentityAlreadyShared(self.id)
        self.answers = self.answers.with_changes(identity=Identity.NAMED)
        self.referrer_name = actor.display_name
        self._record(now, actor, IDENTITY_SHARED)
        holder = [self.advocate_id] if self.state is ReferralState.ACTIVE else []
        told = [s for s in [*smlo_ids, *holder] if s and s != self.referrer_id]
        self._notify(told, NotificationKind.IDENTITY_SHARED, now)

    def withdraw(self, actor: Actor, smlo_ids: Iterable[str], now: datetime) -> None:
        """Taken back by the referrer: whoever holds it is told, and everything that could
        identify the person, or that they wrote, is erased at once."""
        self.ensure_not_withdrawn()
        self._require_referrer(actor)
        self._require_in_teams("withdraw")  # an SMLO withdraws it for them instead
        self._withdraw(actor, smlo_ids, now)

    def withdraw_for_person(
        self, actor: Actor, how: WithdrawnFor, smlo_ids: Iterable[str], now: datetime
    ) -> None:
        """A referral made for someone without Teams, withdrawn by an SMLO because the
        person asked (`how`: by phone, e-mail, in person); erased as any withdrawal is."""
        self.ensure_can_withdraw_for_person(actor)
        self._withdraw(actor, [s for s in smlo_ids if s != actor.user_id], now, how)

    def ensure_can_withdraw_for_person(self, actor: Actor) -> None:
        """An SMLO, for a referral made for someone without Teams, while it is open."""
        self.ensure_not_withdrawn()
        if not actor.is_smlo:
            raise errors.NotAnSmlo(f"{actor.user_id} may not withdraw {self.id}")
        self._refuse_subject(actor)  # nor erase one about them
        if not self.outside_teams:  # a person in Teams withdraws their own
            raise errors.NotTheReferrer(f"{self.id} is withdrawn by its referrer")
        self._require_state(Transition.WITHDRAW)

    def _withdraw(
        self,
        actor: Actor,
        smlo_ids: Iterable[str],
        now: datetime,
        how: WithdrawnFor | None = None,
    ) -> None:
        """Whoever holds it is told, and everything that could identify the person, or that
        they wrote, is erased at once."""
        holder = self.advocate_id or self.offered_to
        detail = withdrawal_detail(how) if how else ""
        self._move(Transition.WITHDRAW, actor, now, "ReferralWithdrawn", detail)
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
        # Which referrals it matched says, in effect, whom it named: the line stays (a
        # match was found), its references go with the subject (`referrals.subjects`).
        self.history = [
            replace(e, detail="") if e.name == SUBJECT_MATCHED else e for e in self.history
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
        reason's category), returned or lapsed offer (its detail is the advocate), if no
        offer was made since."""
        for event in reversed(self.history):
            if event.name in ("AllocationDeclined", "OfferReturned", "OfferLapsed"):
                return event
            if event.name == "AllocationOffered":
                return None
        return None

    # -- the SMLO ----------------------------------------------------------------------

    def offer(
        self,
        actor: Actor,
        advocate: Advocate,
        now: datetime,
        excluded_for: tuple[Exclusion, ...] = (),
        override: OverrideReason | None = None,
    ) -> None:
        """`excluded_for`: why they would not be offered it (`allocation.exclusions`); then
        only with the SMLO's `override` reason, kept in categories on the history."""
        self._require_smlo(actor)
        if not advocate.active or advocate.user_id == self.referrer_id:
            raise errors.AdvocateNotAvailable(advocate.user_id)
        if self.is_subject(advocate.user_id):  # no override reason can change this
            raise errors.AdvocateNotAvailable(advocate.user_id)
        if self.state in (ReferralState.OFFERED, ReferralState.ACTIVE):
            raise errors.ReferralAlreadyAllocated(Transition.OFFER, self.state)
        _require_may_override(advocate, excluded_for, override)
        if self.state is ReferralState.SUBMITTED:
            self._record(now, actor, "ReferralTriaged")
        if excluded_for and override is not None:
            why = ",".join(excluded_for)
            self._record(now, actor, EXCLUSION_OVERRIDDEN, f"{override}:{why}")
        self._move(Transition.OFFER, actor, now, "AllocationOffered", advocate.user_id)
        self.offered_to = advocate.user_id
        self._notify([advocate.user_id], NotificationKind.OFFERED, now)

    def record_triage(self, actor: Actor, decision: TriageDecision, now: datetime) -> None:
        """The SMLO's triage: whether it is for this service, how urgent, who is at risk.
        A later decision replaces an earlier one; both stay on the history."""
        self._require_smlo(actor)
        if self.state not in TRIAGEABLE:
            raise errors.InvalidTransition("triage", self.state)
        self._record(now, actor, TRIAGE_RECORDED, decision.detail())

    @property
    def triage(self) -> TriageDecision | None:
        """The latest triage decision, if any."""
        for event in reversed(self.history):
            if event.name == TRIAGE_RECORDED:
                return TriageDecision.from_detail(event.detail)
        return None

    def reassign(
        self,
        actor: Actor,
        advocate: Advocate,
        reason: ReassignReason,
        now: datetime,
        excluded_for: tuple[Exclusion, ...] = (),
        override: OverrideReason | None = None,
    ) -> None:
        """A case given to another advocate: offered to them at once, and the advocate who
        held it loses it now (a conflict found, or the person's wish, cannot wait for the
        new advocate's answer); they are told, content-free. If the offer is declined, the
        case waits for an advocate like any other."""
        self._require_smlo(actor)
        if not advocate.active or advocate.user_id in (self.referrer_id, self.advocate_id):
            raise errors.AdvocateNotAvailable(advocate.user_id)
        if self.is_subject(advocate.user_id):
            raise errors.AdvocateNotAvailable(advocate.user_id)
        self._require_state(Transition.REASSIGN)
        _require_may_override(advocate, excluded_for, override)
        previous = self.advocate_id
        self._record(now, actor, "CaseReassigned", f"{reason}:{previous}")
        if excluded_for and override is not None:
            why = ",".join(excluded_for)
            self._record(now, actor, EXCLUSION_OVERRIDDEN, f"{override}:{why}")
        self._move(Transition.REASSIGN, actor, now, "AllocationOffered", advocate.user_id)
        self.advocate_id, self.offered_to = "", advocate.user_id
        self._notify([previous], NotificationKind.REASSIGNED, now)
        self._notify([advocate.user_id], NotificationKind.OFFERED, now)

    @property
    def previous_advocates(self) -> tuple[str, ...]:
        """Advocates who held the case before it was given to someone else."""
        return tuple(e.detail.partition(":")[2] for e in self.history if e.name == "CaseReassigned")

    @property
    def new_advocate_asked(self) -> bool:
        """The person asked for a different advocate, and no one has taken it on since."""
        for event in reversed(self.history):
            if event.name == "NewAdvocateAsked":
                return self.state is ReferralState.ACTIVE
            if event.name in ("AllocationAccepted", "CaseReassigned"):
                return False
        return False

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
        self._tell_referrer(NotificationKind.SIGNPOSTED, now, instead=actor.user_id)

    # -- the advocate ------------------------------------------------------------------

    def accept(self, actor: Actor, smlo_ids: Iterable[str], now: datetime) -> None:
        self._require_offered_advocate(actor, Transition.ACCEPT)
        self._move(Transition.ACCEPT, actor, now, "AllocationAccepted")
        self.advocate_id = actor.user_id
        self._notify(smlo_ids, NotificationKind.ACCEPTED, now)
        self._tell_referrer(NotificationKind.ADVOCATE_ALLOCATED, now)

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

    # -- whom it is about (referrals.subjects) ------------------------------------------

    def record_subject_match(
        self, references: tuple[str, ...], smlo_ids: Iterable[str], now: datetime
    ) -> bool:
        """Referrals from someone else may be about the same person (`references`, this
        one first): the SMLOs are alerted, content-free, naming only the references (never
        the SMLO it is about: `_notify`). Found again with no new referral among them,
        nothing more happens (returns False). A system action: nobody asked for it."""
        if self.state is ReferralState.DRAFT or len(references) < 2:
            raise errors.InvalidTransition("match", self.state)
        known = set(self.subject_matches)
        if set(references) <= known:
            return False
        self._record(now, Actor(SYSTEM), SUBJECT_MATCHED, ",".join(references))
        self._notify(smlo_ids, NotificationKind.SUBJECT_MATCH, now)
        return True

    def release_subject(self, now: datetime) -> bool:
        """Someone else named the same person: whom this referral is about, held until
        now, may be shown to the SMLOs. False if it was not held, or is already shown."""
        if not self.answers.names_someone or self.subject_shown:
            return False
        kept = self.updated_at  # not a change of the case: the retention clock runs on
        self._record(now, Actor(SYSTEM), SUBJECT_RELEASED)
        self.updated_at = kept
        return True

    # -- the clock (referrals.timers) ----------------------------------------------------

    def record_reminder(
        self, stage_key: str, recipients: Iterable[str], kind: NotificationKind, now: datetime
    ) -> bool:
        """A timer's stage fired: its content-free notice is queued, and the history says
        it was sent (so it is never sent twice). False if it was sent already."""
        if self.reminder_sent(stage_key):
            return False
        self._record(now, Actor(SYSTEM), REMINDER_SENT, stage_key)
        self._notify(recipients, kind, now)
        return True

    def lapse_offer(
        self, actor: Actor, stage_key: str, smlo_ids: Iterable[str], now: datetime
    ) -> None:
        """An offer not answered in time goes back to the SMLOs ("offer lapsed"), as a
        decline would; the advocate is told they need do nothing, and can no longer answer
        it. Only the timers (the system) do this; no card can."""
        if actor.user_id != SYSTEM:
            raise errors.NotPermitted(f"{actor.user_id} may not lapse an offer of {self.id}")
        self._require_state(Transition.LAPSE_OFFER)
        advocate = self.offered_to
        self._move(Transition.LAPSE_OFFER, actor, now, "OfferLapsed", advocate)
        self._record(now, actor, REMINDER_SENT, stage_key)
        self.offered_to = ""
        self._notify([*smlo_ids, advocate], NotificationKind.OFFER_LAPSED, now)

    def reminder_sent(self, stage_key: str) -> bool:
        return any(e.name == REMINDER_SENT and e.detail == stage_key for e in self.history)
