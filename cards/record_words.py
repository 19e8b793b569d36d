"""The words of the case record: each entry kind and each choice on its forms, as an
advocate reads them. Joined into `cards.wording.LABELS`, so `label(value)` finds them."""

from __future__ import annotations

from enum import StrEnum

from referrals.case_record import (
    CloseOutcome,
    ContactHow,
    EntryKind,
    OnwardOutcome,
    RiskLevel,
    UpdateKind,
)

RECORD_LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    EntryKind: {
        EntryKind.CONTACT: "Contact",
        EntryKind.SUPPORT_AGREEMENT: "Support agreement",
        EntryKind.RISK_ASSESSMENT: "Risk assessment",
        EntryKind.ONWARD_REFERRAL: "Referred on",
        EntryKind.ONWARD_OUTCOME: "Outcome of a referral on",
        EntryKind.UPDATE: "Update",
        EntryKind.CORRECTION: "Correction",
        EntryKind.CLOSURE: "Case closed",
        EntryKind.ESCALATION: "Escalation decision",
        EntryKind.CONSENT_WITHDRAWN: "Consent withdrawn",
    },
    ContactHow: {
        ContactHow.TEAMS: "Teams chat or call",
        ContactHow.PHONE: "Phone",
        ContactHow.IN_PERSON: "In person",
        ContactHow.EMAIL: "Email",
        ContactHow.LETTER: "Letter",
        ContactHow.ATTEMPT: "Tried, but did not reach them",
    },
    RiskLevel: {
        RiskLevel.LOW: "Low",
        RiskLevel.MEDIUM: "Medium",
        RiskLevel.HIGH: "High",
    },
    OnwardOutcome: {
        OnwardOutcome.ACCEPTED: "Accepted",
        OnwardOutcome.DECLINED: "Declined",
        OnwardOutcome.WAITING: "Waiting",
        OnwardOutcome.NOT_TAKEN_UP: "Not taken up",
    },
    UpdateKind: {
        UpdateKind.INVESTIGATION_UPDATE: "Passed on an update on the investigation",
        UpdateKind.STATEMENT_ATTENDED: "Went with them to give a statement",
        UpdateKind.HEARING_ATTENDED: "Went with them to a misconduct or court hearing",
        UpdateKind.SPECIAL_MEASURES: "Talked through special measures",
        UpdateKind.DECISION_SUPPORTED: "Supported them at a de-brief or a decision",
        UpdateKind.OTHER: "Something else",
    },
    CloseOutcome: {
        CloseOutcome.SUPPORT_COMPLETED: "Support is complete",
        CloseOutcome.NO_LONGER_WANTED: "They no longer want support",
        CloseOutcome.COULD_NOT_REACH: "We could not reach them after several tries",
        CloseOutcome.MOVED_SERVICE: "They moved to another service",
        CloseOutcome.OTHER: "Another reason",
    },
}

# What each form is called: its heading and the button that opens it.
FORM_TITLES: dict[EntryKind, str] = {
    EntryKind.CONTACT: "Log a contact",
    EntryKind.SUPPORT_AGREEMENT: "Support agreement",
    EntryKind.RISK_ASSESSMENT: "Risk assessment",
    EntryKind.ONWARD_REFERRAL: "Refer on",
    EntryKind.ONWARD_OUTCOME: "Outcome of a referral on",
    EntryKind.UPDATE: "Record an update",
    EntryKind.CORRECTION: "Correct an entry",
    EntryKind.CLOSURE: "Close the case",
    EntryKind.ESCALATION: "Escalation decision",  # the SMLO's own form (cards.escalation)
    EntryKind.CONSENT_WITHDRAWN: "Withdraw consent",
}

# The risk assessment's yes-or-no questions, by the field they answer.
RISK_QUESTIONS: dict[str, str] = {
    "still_in_contact": "Are they still in contact at work with the person they reported?",
    "harm_to_self": "Is there a risk they may harm themselves?",
    "risk_from_other": "Is there a risk to them from the other person?",
    "safeguarding_others": "Is there a concern for the safety of anyone else?",
}
