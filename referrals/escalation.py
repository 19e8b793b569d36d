"""The SMLO's escalation decisions: to whom information was passed (PSD, the counter-
corruption unit, safeguarding, a crime report, HR, another), what kind of information,
and the consent it rests on. Standard library only.

A decision is a case record entry (`referrals.case_record`), added by an SMLO: its free
text (the rationale, a note of what was passed, who approved passing it without consent,
why the person is not told) is sealed at rest with the rest of the record; the referral's
history holds one line in categories only (destination, kinds of information, consent,
whether the person is told). Decisions are never edited: a later decision follows an
earlier one, and the person may withdraw a consent they gave (another entry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum


class Destination(StrEnum):
    PSD = "psd"  # Professional Standards
    CCU = "ccu"  # the counter-corruption unit
    SAFEGUARDING = "safeguarding"
    CRIME_REPORT = "crime_report"
    HR = "hr"
    OTHER = "other"


class InfoCategory(StrEnum):
    """What kind of information was passed; never the information itself."""

    IDENTITY = "identity"  # who the person is
    SUBJECT = "subject"  # who it is about
    ACCOUNT = "account"  # what happened, in outline
    RISK = "risk"  # the risk seen
    CASE_RECORD = "case_record"  # parts of the case record


class Consent(StrEnum):
    CONSENTED = "consented"
    DECLINED = "declined"  # the person said no: nothing was passed
    WITHOUT_CONSENT = "without_consent"  # passed because of a risk to others, approved


@dataclass(frozen=True)
class Escalation:
    destination: Destination
    consent: Consent
    decided_on: date
    rationale: str
    categories: tuple[InfoCategory, ...] = ()
    approved_by: str = ""  # who approved passing it without consent
    note: str = ""  # optional: what was passed, for the SMLOs
    tell_person: bool = True
    not_told_reason: str = ""  # why telling them would increase the risk

    @property
    def passed(self) -> bool:
        return self.consent is not Consent.DECLINED


@dataclass(frozen=True)
class ConsentWithdrawn:
    """The person withdrew the consent an earlier decision rested on."""

    escalation_id: str


def problems(e: Escalation) -> dict[str, str]:
    """The rules a decision keeps beyond text limits and dates: declined passes nothing;
    anything passed says what kind; without consent needs why and who approved it; not
    telling the person needs why."""
    found: dict[str, str] = {}
    if not e.rationale.strip():
        found["rationale"] = "required"
    if e.consent is Consent.DECLINED and e.categories:
        found["categories"] = "nothing is passed when the person declined"
    if e.passed and not e.categories:
        found["categories"] = "required"
    if len(set(e.categories)) != len(e.categories):
        found["categories"] = "each kind once"
    if e.consent is Consent.WITHOUT_CONSENT and not e.approved_by.strip():
        found["approved_by"] = "required"
    if not e.tell_person and not e.not_told_reason.strip():
        found["not_told_reason"] = "required"
    return found


def history_parts(e: Escalation) -> list[str]:
    """The history line's categories: destination, consent, told, kinds of information."""
    told = "told" if e.tell_person else "not_told"
    return [e.destination.value, e.consent.value, told, ",".join(c.value for c in e.categories)]


@dataclass(frozen=True)
class DecisionLine:
    """A decision as the history names it (no text), and whether consent was withdrawn."""

    id: str
    destination: Destination
    consent: Consent
    told: bool
    categories: tuple[InfoCategory, ...]
    consent_withdrawn: bool = False

    @classmethod
    def parse(cls, entry_id: str, extra: tuple[str, ...]) -> DecisionLine:
        destination, consent, told, categories = extra
        kinds = tuple(InfoCategory(c) for c in categories.split(",") if c)
        return cls(entry_id, Destination(destination), Consent(consent), told == "told", kinds)

    def withdrawn_if(self, withdrawn: bool) -> DecisionLine:
        return replace(self, consent_withdrawn=withdrawn)

    @property
    def may_withdraw(self) -> bool:
        """A consent the person gave, to a decision they were told of: one the SMLO kept
        from them (telling them would increase the risk) is never offered, nor taken."""
        return self.consent is Consent.CONSENTED and self.told and not self.consent_withdrawn
