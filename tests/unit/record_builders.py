"""A case record with one entry of every kind, written through the real domain, each free
text a canary (or filled to its limit), for the card checks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from referrals.case_record import (
    TEXT_LIMITS,
    CaseEntry,
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    Content,
    Correction,
    OnwardOutcome,
    OnwardReferral,
    OnwardReferralOutcome,
    RiskAssessment,
    RiskLevel,
    SupportAgreement,
    UpdateKind,
    UpdateRecorded,
)
from referrals.people import Actor
from referrals.referral import Referral

# Free text of the record, by field (the service id is chosen from a list, not typed).
RECORD_TEXTS = tuple(name for name in TEXT_LIMITS if name != "service_id")
RECORD_CANARIES = {name: f"CANARY-REC-{name}-91c4" for name in RECORD_TEXTS}
AT_LIMITS = {name: "😀" * TEXT_LIMITS[name] for name in RECORD_TEXTS}
SERVICE = "rape-crisis"  # listed in the shipped support directory


def kept_case(
    referral: Referral, advocate: Actor, now: datetime, texts: Mapping[str, str]
) -> list[CaseEntry]:
    """Every kind of entry on `referral` (active, held by `advocate`), oldest first."""
    day, t = now.date(), texts
    contents: list[Content] = [
        ContactLogged(now - timedelta(days=2), ContactHow.ATTEMPT),
        ContactLogged(now - timedelta(days=1), ContactHow.PHONE, t["note"], day),
        SupportAgreement(day, t["arrangements"], t["wants"], day + timedelta(days=30)),
        RiskAssessment(
            day,
            RiskLevel.HIGH,
            still_in_contact=True,
            other_concern=t["other_concern"],
            own_view=t["own_view"],
            actions=t["actions"],
        ),
        OnwardReferral(SERVICE, True, day, internal=False),
    ]
    add = referral.add_entry
    entries = [add(advocate, content, (), now) for content in contents]
    onward = entries[-1]
    entries.append(
        add(advocate, OnwardReferralOutcome(onward.id, OnwardOutcome.WAITING, day), (), now)
    )
    update = add(advocate, UpdateRecorded(UpdateKind.STATEMENT_ATTENDED, day, t["note"]), (), now)
    entries.append(update)
    fixed = UpdateRecorded(UpdateKind.HEARING_ATTENDED, day, t["note"])
    entries += referral.correct_entry(advocate, Correction(update.id, t["reason"]), fixed, (), now)
    return entries


def closed(referral: Referral, advocate: Actor, now: datetime, note: str) -> CaseEntry:
    referral.close(advocate, now, Closure(CloseOutcome.SUPPORT_COMPLETED, True, note))
    return referral.new_entries[-1]
