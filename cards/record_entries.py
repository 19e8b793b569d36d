"""One case record entry in words: its line on the timeline (kind, date and categories,
never what anyone wrote) and its details on tap (everything, free text made plain)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards import wording as w
from cards.details import LOCAL_TIME, when
from cards.elements import plain
from cards.escalation import TEAMS
from cards.record_words import RISK_QUESTIONS
from referrals.case_record import (
    CaseEntry,
    Closure,
    ContactLogged,
    Correction,
    EntryKind,
    OnwardReferral,
    OnwardReferralOutcome,
    RiskAssessment,
    SupportAgreement,
    UpdateRecorded,
)
from referrals.escalation import ConsentWithdrawn, Escalation
from referrals.support import SupportDirectory

Facts = list[tuple[str, str]]


@dataclass(frozen=True)
class Record:
    """A case's entries as the cards read them: by id, and which were corrected by what."""

    entries: Sequence[CaseEntry]
    directory: SupportDirectory

    @property
    def by_id(self) -> Mapping[str, CaseEntry]:
        return {e.id: e for e in self.entries}

    @property
    def corrections(self) -> Mapping[str, CaseEntry]:
        """Retracted entry id -> the correction that retracted it."""
        return {e.content.retracts: e for e in self.entries if isinstance(e.content, Correction)}

    def live(self) -> list[CaseEntry]:
        """The entries that stand: not corrections, not retracted."""
        retracted = self.corrections
        return [
            e
            for e in self.entries
            if e.id not in retracted and not isinstance(e.content, Correction)
        ]

    def service_name(self, service_id: str) -> str:
        service = self.directory.get(service_id)
        return plain(service.name) if service else "a service no longer in the directory"


def day(value: date) -> str:
    return value.strftime("%d %b %Y")


def happened_on(entry: CaseEntry) -> date:
    """The day the entry is about (a contact's, an update's); else the day it was written."""
    c = entry.content
    if isinstance(c, ContactLogged):
        return c.at.astimezone(LOCAL_TIME).date()
    for name in ("confidentiality_agreed_on", "assessed_on", "referred_on", "on", "decided_on"):
        value = getattr(c, name, None)
        if isinstance(value, date):
            return value
    return entry.recorded_at.astimezone(LOCAL_TIME).date()


def summary(entry: CaseEntry, record: Record) -> str:
    """What the entry is, in a few words and categories only."""
    c = entry.content
    if isinstance(c, ContactLogged):
        return f"Contact: {w.label(c.how)}" + (" (first contact)" if c.first_success else "")
    if isinstance(c, RiskAssessment):
        return f"Risk assessment: {w.label(c.level)}"
    if isinstance(c, OnwardReferral):
        return f"Referred on to {record.service_name(c.service_id)}"
    if isinstance(c, OnwardReferralOutcome):
        onward = record.by_id.get(c.onward_id)
        to = (
            f" to {record.service_name(onward.content.service_id)}"
            if onward and isinstance(onward.content, OnwardReferral)
            else ""
        )
        return f"Referral on{to}: {w.label(c.outcome).lower()}"
    if isinstance(c, UpdateRecorded):
        return w.label(c.kind)
    if isinstance(c, Correction):
        target = record.by_id.get(c.retracts)
        what = f"{w.label(target.kind).lower()} of {day(happened_on(target))}" if target else ""
        return f"Correction of an entry: {what}" if what else "Correction of an entry"
    if isinstance(c, Closure):
        return f"Case closed: {w.label(c.outcome).lower()}"
    if isinstance(c, Escalation):
        return f"Escalation to {TEAMS[c.destination]}: {w.label(c.consent).lower()}"
    if isinstance(c, ConsentWithdrawn):
        decision = record.by_id.get(c.escalation_id)
        if decision is not None and isinstance(decision.content, Escalation):
            return f"Consent withdrawn for {TEAMS[decision.content.destination]}"
        return w.label(EntryKind.CONSENT_WITHDRAWN)
    return w.label(entry.kind)


def line(entry: CaseEntry, record: Record) -> str:
    text = f"{day(happened_on(entry))} · {summary(entry, record)}"
    return f"{text} (corrected)" if entry.id in record.corrections else text


def details(entry: CaseEntry, record: Record) -> Facts:
    """Every field of the entry, for the one person tapping it."""
    c = entry.content
    facts: Facts = [("What", summary(entry, record))]
    if isinstance(c, ContactLogged):
        facts += [
            ("When", when(c.at)),
            ("How", w.label(c.how)),
            ("Note", _text(c.note)),
            ("Next contact agreed", _day(c.next_contact)),
        ]
    elif isinstance(c, SupportAgreement):
        facts += [
            ("Confidentiality agreed", day(c.confidentiality_agreed_on)),
            ("Contact arrangements", _text(c.arrangements)),
            ("What they want from us", _text(c.wants)),
            ("Review", _day(c.review_on)),
        ]
        if c.supersedes:
            facts.append(("Replaces", "the agreement before it"))
    elif isinstance(c, RiskAssessment):
        facts.append(("Assessed", day(c.assessed_on)))
        facts += [(q, "Yes" if getattr(c, name) else "No") for name, q in RISK_QUESTIONS.items()]
        facts += [
            ("Other concern", _text(c.other_concern)),
            ("Their own view", _text(c.own_view)),
            ("Level", w.label(c.level)),
            ("Actions agreed", _text(c.actions)),
            ("Next review", day(c.review_due())),
        ]
    elif isinstance(c, OnwardReferral):
        facts += [
            ("They agreed", "Yes" if c.consented else "No"),
            ("Referred on", day(c.referred_on)),
            ("Service", "In the force" if c.internal else "Outside the force"),
        ]
    elif isinstance(c, OnwardReferralOutcome):
        facts += [("Outcome", w.label(c.outcome)), ("On", day(c.on))]
    elif isinstance(c, UpdateRecorded):
        facts += [("On", day(c.on)), ("Note", _text(c.note))]
    elif isinstance(c, Correction):
        facts.append(("Why", _text(c.reason)))
    elif isinstance(c, Closure):
        facts += [("They were told", "Yes" if c.person_told else "No"), ("Note", _text(c.note))]
    elif isinstance(c, Escalation):
        facts += _escalation_facts(c)
    facts.append(("Written", when(entry.recorded_at)))
    correction = record.corrections.get(entry.id)
    if correction is not None and isinstance(correction.content, Correction):
        facts.append(
            ("Corrected", f"{when(correction.recorded_at)}: {plain(correction.content.reason)}")
        )
    return facts


def _escalation_facts(c: Escalation) -> Facts:
    told = "Yes" if c.tell_person else f"No: {_text(c.not_told_reason)}"
    return [
        ("To", w.label(c.destination)),
        ("Consent", w.label(c.consent)),
        ("What kind of information", w.labels(c.categories)),
        ("When", day(c.decided_on)),
        ("Why", _text(c.rationale)),
        ("Approved by", _text(c.approved_by)),
        ("What was passed", _text(c.note)),
        ("The person told", told),
    ]


def _text(value: str) -> str:
    return plain(value) or w.NOT_GIVEN


def _day(value: date | None) -> str:
    return day(value) if value else w.NOT_GIVEN
