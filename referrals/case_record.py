"""The advocate's case record: contacts, support agreements, risk assessments, onward
referrals, updates, corrections and the closing note. Standard library only.

Entries are append-only value objects. Each carries its own free text (sealed at rest)
and is stored apart from the referral (see `ReferralStore.save`), so a long case never
grows one document without bound. The referral's history holds one content-free line
per entry (`entry_event`: kind, id, and the category statistics count, never text), which
is also what survives the retention purge: counts by kind, outcome and month.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from referrals import errors, escalation
from referrals.escalation import ConsentWithdrawn, Escalation
from referrals.intake import text_problem
from referrals.messages import Message

ENTRY_ADDED = "CaseEntryAdded"  # the history event of every entry


class EntryKind(StrEnum):
    CONTACT = "contact"
    SUPPORT_AGREEMENT = "support_agreement"
    RISK_ASSESSMENT = "risk_assessment"
    ONWARD_REFERRAL = "onward_referral"
    ONWARD_OUTCOME = "onward_outcome"
    UPDATE = "update"
    CORRECTION = "correction"
    CLOSURE = "closure"
    ESCALATION = "escalation"  # the SMLO's decision (`referrals.escalation`)
    CONSENT_WITHDRAWN = "consent_withdrawn"  # by the person, of an escalation's consent
    MESSAGE = "message"  # between the referrer and the service (`referrals.messages`)


# An SMLO's, never shown to the advocate, never corrected (a later decision follows).
SMLO_ONLY = frozenset({EntryKind.ESCALATION, EntryKind.CONSENT_WITHDRAWN})
# Not casework: kept in the record for its sealing and erasure, shown only in the thread.
NOT_CASEWORK = frozenset({EntryKind.MESSAGE})
# Kinds no record form adds, nor any correction retracts.
NO_RECORD_FORM = SMLO_ONLY | NOT_CASEWORK


class ContactHow(StrEnum):
    TEAMS = "teams"
    PHONE = "phone"
    IN_PERSON = "in_person"
    EMAIL = "email"
    LETTER = "letter"
    ATTEMPT = "attempt"  # tried, and did not reach them


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


REVIEW_AFTER = {
    RiskLevel.HIGH: timedelta(days=7),
    RiskLevel.MEDIUM: timedelta(days=14),
    RiskLevel.LOW: timedelta(days=28),
}


class OnwardOutcome(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WAITING = "waiting"
    NOT_TAKEN_UP = "not_taken_up"


class UpdateKind(StrEnum):
    INVESTIGATION_UPDATE = "investigation_update"
    STATEMENT_ATTENDED = "statement_attended"
    HEARING_ATTENDED = "hearing_attended"
    SPECIAL_MEASURES = "special_measures"
    DECISION_SUPPORTED = "decision_supported"
    OTHER = "other"


class CloseOutcome(StrEnum):
    SUPPORT_COMPLETED = "support_completed"
    NO_LONGER_WANTED = "no_longer_wanted"
    COULD_NOT_REACH = "could_not_reach"
    MOVED_SERVICE = "moved_service"
    OTHER = "other"


# The limit on each free-text field, by name; the same name on any entry shares it.
TEXT_LIMITS: dict[str, int] = {
    "note": 500,
    "arrangements": 500,
    "wants": 1000,
    "other_concern": 500,
    "own_view": 500,
    "actions": 1000,
    "service_id": 80,
    "reason": 500,
    "rationale": 1000,
    "approved_by": 120,
    "not_told_reason": 500,
}


@dataclass(frozen=True)
class ContactLogged:
    at: datetime
    how: ContactHow
    note: str = ""
    next_contact: date | None = None
    first_success: bool = False  # set by the referral, not the form

    @property
    def reached(self) -> bool:
        return self.how is not ContactHow.ATTEMPT


@dataclass(frozen=True)
class SupportAgreement:
    confidentiality_agreed_on: date
    arrangements: str = ""
    wants: str = ""
    review_on: date | None = None
    supersedes: str = ""  # the id of the agreement it replaces; set by the referral


@dataclass(frozen=True)
class RiskAssessment:
    assessed_on: date
    level: RiskLevel
    still_in_contact: bool = False  # with the person they reported, at work
    harm_to_self: bool = False
    risk_from_other: bool = False
    safeguarding_others: bool = False
    other_concern: str = ""
    own_view: str = ""  # the person's own view of their risk
    actions: str = ""
    review_on: date | None = None  # None: the default for the level

    def review_due(self) -> date:
        return self.review_on or self.assessed_on + REVIEW_AFTER[self.level]


@dataclass(frozen=True)
class OnwardReferral:
    service_id: str  # an id from the support directory
    consented: bool
    referred_on: date
    internal: bool


@dataclass(frozen=True)
class OnwardReferralOutcome:
    onward_id: str  # the onward referral entry it is the outcome of
    outcome: OnwardOutcome
    on: date


@dataclass(frozen=True)
class UpdateRecorded:
    kind: UpdateKind
    on: date
    note: str = ""


@dataclass(frozen=True)
class Correction:
    retracts: str  # the id of the entry it retracts
    reason: str


@dataclass(frozen=True)
class Closure:
    outcome: CloseOutcome
    person_told: bool
    note: str = ""  # for the SMLO


Content = (
    ContactLogged
    | SupportAgreement
    | RiskAssessment
    | OnwardReferral
    | OnwardReferralOutcome
    | UpdateRecorded
    | Correction
    | Closure
    | Escalation
    | ConsentWithdrawn
    | Message
)
KIND_OF: dict[type, EntryKind] = {
    ContactLogged: EntryKind.CONTACT,
    SupportAgreement: EntryKind.SUPPORT_AGREEMENT,
    RiskAssessment: EntryKind.RISK_ASSESSMENT,
    OnwardReferral: EntryKind.ONWARD_REFERRAL,
    OnwardReferralOutcome: EntryKind.ONWARD_OUTCOME,
    UpdateRecorded: EntryKind.UPDATE,
    Correction: EntryKind.CORRECTION,
    Closure: EntryKind.CLOSURE,
    Escalation: EntryKind.ESCALATION,
    ConsentWithdrawn: EntryKind.CONSENT_WITHDRAWN,
    Message: EntryKind.MESSAGE,
}
TYPE_OF = {kind: cls for cls, kind in KIND_OF.items()}


@dataclass(frozen=True)
class CaseEntry:
    """One line of the case record: who wrote it, when, and its content (sealed at rest)."""

    id: str
    referral_id: str
    author_id: str
    recorded_at: datetime
    content: Content

    @property
    def kind(self) -> EntryKind:
        return KIND_OF[type(self.content)]

    @classmethod
    def new(
        cls, referral_id: str, author_id: str, now: datetime, content: Content, entry_id: str = ""
    ) -> CaseEntry:
        """`entry_id`: the id the form that made it was given, so a second press of its
        Save is seen for what it is; a new one if none."""
        return cls(entry_id or uuid.uuid4().hex, referral_id, author_id, now, content)


def check_content(content: Content, now: datetime) -> None:
    """Raises `EntryInvalid` naming each field over its limit, unstorable, or in the future."""
    problems: dict[str, str] = {}
    for f in fields(content):
        value = getattr(content, f.name)
        limit = TEXT_LIMITS.get(f.name)
        if isinstance(value, str) and limit and (problem := text_problem(value, limit)):
            problems[f.name] = problem
    for name in _HAPPENED.get(type(content), ()):
        when = getattr(content, name)
        moment = when if isinstance(when, datetime) else None
        if moment is not None and moment.utcoffset() is None:
            problems[name] = "a time without its offset"
        elif (moment is not None and moment > now) or (
            moment is None and isinstance(when, date) and when > now.date()
        ):
            problems[name] = "in the future"
    if isinstance(content, OnwardReferral) and not content.service_id:
        problems["service_id"] = "required"
    if isinstance(content, Correction) and not content.reason.strip():
        problems["reason"] = "required"
    if isinstance(content, Escalation):
        problems = escalation.problems(content) | problems
    if problems:
        raise errors.EntryInvalid(problems)


# Dates of things that have happened: none may be in the future.
_HAPPENED: dict[type, tuple[str, ...]] = {
    ContactLogged: ("at",),
    SupportAgreement: ("confidentiality_agreed_on",),
    RiskAssessment: ("assessed_on",),
    OnwardReferral: ("referred_on",),
    OnwardReferralOutcome: ("on",),
    UpdateRecorded: ("on",),
    Escalation: ("decided_on",),
}


def entry_event(entry: CaseEntry) -> str:
    """The history line's detail: kind, id and what statistics count; never free text."""
    content, parts = entry.content, [entry.kind.value, entry.id]
    if isinstance(content, Correction):
        parts.append(content.retracts)
    elif isinstance(content, OnwardReferralOutcome):
        parts += [content.onward_id, content.outcome.value]
    elif isinstance(content, OnwardReferral):
        parts.append("internal" if content.internal else "external")
    elif isinstance(content, ContactLogged):
        parts.append("first" if content.first_success else content.how.value)
    elif isinstance(content, RiskAssessment):
        parts.append(content.level.value)
    elif isinstance(content, UpdateRecorded):
        parts.append(content.kind.value)
    elif isinstance(content, Closure):
        parts.append(content.outcome.value)
    elif isinstance(content, Escalation):
        parts += escalation.history_parts(content)
    elif isinstance(content, ConsentWithdrawn):
        parts.append(content.escalation_id)
    return ":".join(parts)


@dataclass(frozen=True)
class EntryLine:
    """An entry as the history names it: enough to check a new entry's rules."""

    kind: EntryKind
    id: str
    extra: tuple[str, ...]


def parse_event(detail: str) -> EntryLine:
    kind, entry_id, *extra = detail.split(":")
    return EntryLine(EntryKind(kind), entry_id, tuple(extra))


def retracted_ids(lines: list[EntryLine]) -> set[str]:
    return {line.extra[0] for line in lines if line.kind is EntryKind.CORRECTION}


def settle(content: Content, lines: list[EntryLine]) -> Content:
    """Check a new entry against the entries before it, and fill in what they decide:
    the first successful contact, the agreement a new one supersedes."""
    retracted = retracted_ids(lines)
    live = [line for line in lines if line.id not in retracted]
    if isinstance(content, Correction):
        target = next((line for line in lines if line.id == content.retracts), None)
        uncorrectable = (EntryKind.CORRECTION, EntryKind.CLOSURE, *SMLO_ONLY)
        if target is None or target.kind in uncorrectable:
            raise errors.EntryNotFound(content.retracts)
        if target.id in retracted:
            raise errors.EntryAlreadyRetracted(content.retracts)
    if isinstance(content, OnwardReferralOutcome) and not any(
        line.id == content.onward_id and line.kind is EntryKind.ONWARD_REFERRAL for line in live
    ):
        raise errors.EntryNotFound(content.onward_id)
    if isinstance(content, ContactLogged) and content.reached:
        first = not any(line.kind is EntryKind.CONTACT and "first" in line.extra for line in live)
        return replace(content, first_success=first)
    if isinstance(content, SupportAgreement):
        agreements = [line.id for line in live if line.kind is EntryKind.SUPPORT_AGREEMENT]
        return replace(content, supersedes=agreements[-1] if agreements else "")
    return content
