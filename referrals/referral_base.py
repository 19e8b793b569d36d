"""What every part of the referral aggregate shares: its fields, its history lines, who
may look at it, and the bookkeeping each change uses (the rules on who is acting, the
state table, the history, the notifications). The changes themselves are in
`referrals.referral` (the lifecycle) and `referrals.case_keeping` (the case record).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Self

from referrals import errors
from referrals.case_record import CaseEntry
from referrals.intake import IntakeAnswers, IntakeStep
from referrals.notifications import TELL_PERSON, Notification, NotificationKind
from referrals.outside import OutsideChannel, channel_of
from referrals.people import Actor
from referrals.signposting import Signpost
from referrals.states import STATE_TABLE, ReferralState, Transition

ADVOCATE_MAY_VIEW = frozenset({ReferralState.ACTIVE, ReferralState.CLOSED})
# Stands in the history for a referrer whose identity has been erased.
ERASED_REFERRER = "erased-referrer"
SYSTEM = "system"  # the actor of scheduled work such as retention
REMINDER_SENT = "ReminderSent"  # a timer's stage fired (referrals.timers); detail: its key
# Another referrer named the same person (referrals.subjects); detail: the references.
SUBJECT_MATCHED = "SubjectMatched"
SUBJECT_RELEASED = "SubjectReleased"  # a held subject may now be shown to the SMLOs


@dataclass(frozen=True)
class CaseEvent:
    """One line of a referral's history: who did what, when; never content."""

    at: datetime
    actor_id: str
    name: str
    detail: str = ""


@dataclass
class ReferralBase:
    """A referral's fields; `Referral` is what the rest of the product uses."""

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
    # Made by an SMLO (the referrer) for someone without Teams (`referrals.outside`).
    outside_teams: bool = False
    history: list[CaseEvent] = field(default_factory=list)
    version: int = 0  # the stored version this object was read at
    new_notifications: list[Notification] = field(default_factory=list, repr=False)
    # Case record entries to store with this change (kept apart: `ReferralStore.save`).
    new_entries: list[CaseEntry] = field(default_factory=list, repr=False)

    # -- reading -------------------------------------------------------------------

    def ensure_can_view(self, actor: Actor) -> None:
        """The referrer; an SMLO once it is sent; the advocate who accepted it; nobody else,
        and never the person it is about, whatever their role."""
        if self.is_own(actor.user_id):
            return
        self._refuse_subject(actor)
        if actor.is_smlo and self.state is not ReferralState.DRAFT:  # drafts are not sent yet
            return
        if self.advocate_id == actor.user_id != "" and self.state in ADVOCATE_MAY_VIEW:
            self._require_active_advocate(actor)
            return
        raise errors.NotPermitted(f"{actor.user_id} may not view {self.id}")

    def is_subject(self, user_id: str) -> bool:
        """Whether `user_id` is the person this referral is about (the directory's object
        id the named e-mail resolved to when it was sent)."""
        return bool(user_id) and user_id == self.answers.subject_user_id

    def is_own(self, user_id: str) -> bool:
        """Whether `user_id` made it as its referrer. An SMLO who took it for someone
        without Teams made it as staff: if it is about them, it is not theirs."""
        if not user_id or user_id != self.referrer_id:
            return False
        return not (self.outside_teams and self.is_subject(user_id))

    def _refuse_subject(self, actor: Actor) -> None:
        if self.is_subject(actor.user_id):
            raise errors.NotPermitted(f"{actor.user_id} may not see {self.id}")

    @property
    def subject_shown(self) -> bool:
        """Whether the SMLOs may see whom it is about: the person said act now, or someone
        else has since named the same person (`referrals.subjects`)."""
        if not self.answers.names_someone:
            return False
        return not self.answers.subject_held or self.subject_released

    @property
    def subject_released(self) -> bool:
        return any(e.name == SUBJECT_RELEASED for e in self.history)

    @property
    def subject_matches(self) -> tuple[str, ...]:
        """The references of the referrals last found to name the same person, this one
        first; () if none was, or its personal data has been erased since."""
        for event in reversed(self.history):
            if event.name == SUBJECT_MATCHED:
                return tuple(event.detail.split(",")) if event.detail else ()  # "": erased
        return ()

    @property
    def outside_channel(self) -> OutsideChannel | None:
        """How the person is reached, for a referral made for someone without Teams."""
        return channel_of(self.answers) if self.outside_teams else None

    @property
    def is_purged(self) -> bool:
        return any(e.name == "ReferralPurged" for e in self.history)

    @property
    def is_erased(self) -> bool:
        return any(e.name == "PersonalDataErased" for e in self.history)

    # -- rules and bookkeeping -------------------------------------------------------

    def _require_referrer(self, actor: Actor) -> None:
        if actor.user_id != self.referrer_id:
            raise errors.NotTheReferrer(f"{actor.user_id} is not the referrer of {self.id}")

    def _require_smlo(self, actor: Actor) -> None:
        if not actor.is_smlo:
            raise errors.NotAnSmlo(f"{actor.user_id} is not an SMLO")
        self._refuse_subject(actor)
        if actor.user_id == self.referrer_id and not self.outside_teams:
            raise errors.CannotTriageOwnReferral(f"{actor.user_id} referred {self.id}")

    def _require_in_teams(self, what: str) -> None:
        """What only the person may do in Teams cannot be done for one who has no Teams."""
        if self.outside_teams:
            raise errors.ReachedOutsideTeams(self.id, what)

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

    def ensure_state_allows(self, transition: Transition) -> None:
        """Whether the referral's state lets `transition` happen now (after who is asking
        has been checked, so a refusal never tells a stranger what state it is in)."""
        self._require_state(transition)

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
        """Queue `kind` for each recipient, once; never for the person it is about (an SMLO
        or advocate named by the referrer is told nothing of it, by any change or timer)."""
        for recipient in dict.fromkeys(recipients):
            if self.is_subject(recipient) and not self.is_own(recipient):
                continue
            self.new_notifications.append(Notification.new(self.id, recipient, kind, now))

    def _tell_referrer(self, kind: NotificationKind, now: datetime, instead: str = "") -> None:
        """News for the referrer (`TELL_PERSON`'s kinds). For a referral taken for someone
        without Teams it becomes a to-do for the advocate who holds it, or before one does
        for the SMLO who took it: the one place such news is queued, so nothing meant for
        the person ever goes to a chat. `instead`: the SMLO acting, who gets the to-do if
        the one who took it is the person it is about (and so is told nothing of it)."""
        if not self.outside_teams:
            self._notify([self.referrer_id], kind, now)
            return
        to = self.advocate_id or self.referrer_id
        if self.is_subject(to) and instead:
            to = instead
        self._notify([to], TELL_PERSON[kind], now)

    def copy(self) -> Self:
        return replace(self, history=list(self.history), new_notifications=[], new_entries=[])
