"""The audit trail: every read of a referral's details and every change, allowed or refused.

An entry says who, when, which referral, what and the outcome. It never holds content,
and the application can only add entries, never change or remove them (the port has no
such method; the SQLite table refuses UPDATE and DELETE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class AuditAction(StrEnum):
    VIEW_DETAILS = "view_details"
    VIEW_OFFER = "view_offer"
    VIEW_ALLOCATION = "view_allocation"
    VIEW_AUDIT = "view_audit"
    CHANGE_DRAFT = "change_draft"
    DELETE_DRAFT = "delete_draft"
    SUBMIT = "submit"
    OFFER = "offer"
    MARK_OUT_OF_REMIT = "mark_out_of_remit"
    ACCEPT = "accept"
    DECLINE = "decline"
    RETURN_OFFER = "return_offer"  # the advocate offered it was taken off the list
    TRIAGE = "triage"  # the SMLO's triage on receipt: remit, urgency, immediate risk
    ESCALATE = "escalate"  # an escalation decision, with the consent it rests on
    PATHWAY = "pathway"  # a step of what the referral became: a report, an investigation
    WITHDRAW_CONSENT = "withdraw_consent"  # the person withdrew a consent to escalation
    REASSIGN = "reassign"  # a case given to another advocate
    ASK_NEW_ADVOCATE = "ask_new_advocate"  # the referrer asked for a different advocate
    SHARE_IDENTITY = "share_identity"  # an anonymous referrer told the service who they are
    WITHDRAW = "withdraw"
    # An SMLO withdrew a referral for someone without Teams, who asked them to.
    WITHDRAW_FOR_PERSON = "withdraw_for_person"
    CLOSE = "close"
    # The case record (referrals/case_record.py): what kind of entry, never what it says.
    VIEW_RECORD = "view_record"
    ADD_CONTACT = "add_contact"
    ADD_SUPPORT_AGREEMENT = "add_support_agreement"
    ADD_RISK_ASSESSMENT = "add_risk_assessment"
    ADD_ONWARD_REFERRAL = "add_onward_referral"
    ADD_ONWARD_OUTCOME = "add_onward_outcome"
    ADD_UPDATE = "add_update"
    CORRECT_ENTRY = "correct_entry"
    PURGE = "purge"
    # Messages between the referrer and the service (referrals/messages.py): never the text.
    SEND_MESSAGE = "send_message"
    READ_MESSAGES = "read_messages"
    MARK_MESSAGES_READ = "mark_messages_read"
    # The advocate roster: the entry's subject is `roster_subject(advocate id)`, not a referral.
    ADD_ADVOCATE = "add_advocate"
    REMOVE_ADVOCATE = "remove_advocate"
    SET_AVAILABILITY = "set_availability"  # the advocate's own: available, limited, away
    SET_CASELOAD_LIMIT = "set_caseload_limit"  # the SMLO's, for one advocate
    # An offer to an advocate who is away, full or has a conflict: on the referral, beside
    # its OFFER entry; the reason's category is on the case history (ExclusionOverridden).
    OVERRIDE_EXCLUSION = "override_exclusion"
    # The anonymous statistics: the entry's subject is `STATISTICS`, not a referral.
    VIEW_STATISTICS = "view_statistics"
    EXPORT_STATISTICS = "export_statistics"  # the figures saved as a file (the same subject)
    # The auditor's monthly access report: the entry's subject is `ACCESS_REPORT`.
    VIEW_ACCESS_REPORT = "view_access_report"
    # The scrutiny panel's export of closed cases: the entry's subject is `SCRUTINY`.
    EXPORT_SCRUTINY = "export_scrutiny"
    # The advocates' wellbeing check-ins: the subject is `CHECKINS`; never what was said.
    SEND_CHECKINS = "send_checkins"
    ANSWER_CHECKIN = "answer_checkin"
    VIEW_CHECKINS = "view_checkins"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


class ActorRole(StrEnum):
    """How the person stood to this referral at the time (not who they are)."""

    REFERRER = "referrer"
    SMLO = "smlo"
    ADVOCATE = "advocate"  # the advocate it was offered to or is held by
    AUDITOR = "auditor"  # the data protection auditor: reads the trail, never a referral
    OTHER = "other"  # anyone else: every access by them is refused
    SYSTEM = "system"  # retention and other scheduled work


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    referral_id: str
    actor_id: str
    actor_role: ActorRole
    action: AuditAction
    outcome: Outcome


ROSTER = "roster"  # the subject of a refused roster change, refused before any look-up


def roster_subject(advocate_id: str) -> str:
    """Where a change to one advocate's place on the roster is filed in the trail."""
    return f"{ROSTER}:{advocate_id}"


STATISTICS = "statistics"  # the subject of every look at the anonymous statistics
ACCESS_REPORT = "access_report"  # the subject of every look at the monthly access report
SCRUTINY = "scrutiny"  # the subject of every scrutiny panel export
CHECKINS = "checkins"  # the subject of every check-in sent, answered or read


class AuditLog(Protocol):
    async def append(self, entry: AuditEntry) -> None: ...

    async def for_referral(self, referral_id: str) -> list[AuditEntry]:
        """Oldest first."""

    async def between(self, start: datetime, end: datetime) -> list[AuditEntry]:
        """Every entry with `start <= at < end`, whatever its subject, oldest first."""
