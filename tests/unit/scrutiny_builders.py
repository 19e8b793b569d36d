"""Closed cases for the scrutiny export, walked through the real domain, with a canary in
every name, contact detail, free-text answer and case record text (and the onward
referral's service id), so a test can show none of it reaches the panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from referrals.case_record import (
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    OnwardReferral,
    RiskAssessment,
    RiskLevel,
    SupportAgreement,
    UpdateKind,
    UpdateRecorded,
)
from referrals.escalation import Consent, Destination, Escalation, InfoCategory
from referrals.intake import (
    ContactMethod,
    Employment,
    IntakeAnswers,
    IntakeStep,
    Route,
    Wish,
    YesNoUnsure,
)
from referrals.people import Actor, Advocate
from referrals.periods import Period
from referrals.referral import Referral
from referrals.signposting import Signpost

PERIOD = Period("2025-12")  # December 2025 to May 2026
AFTER = datetime(2026, 6, 20, tzinfo=UTC)  # the review has ended
CANARY = "CANARY-7d1e"  # in every text; never in the export
SMLO = Actor("smlo-1", f"{CANARY} Sam Lead", is_smlo=True)
ADVOCATE = Advocate("advocate-1", f"{CANARY} Ada Advocate")
HOLDER = Actor(ADVOCATE.user_id, ADVOCATE.display_name, is_advocate=True)


@dataclass(frozen=True)
class Case:
    route: Route | None = Route.EXPERIENCED
    employment: Employment | None = Employment.OFFICER
    wishes: tuple[Wish, ...] = (Wish.TALK_TO_ADVOCATE,)
    month: int = 0  # the month of the review it closed in, 0 to 5
    signposted: bool = False
    outcome: CloseOutcome = CloseOutcome.SUPPORT_COMPLETED
    onward: tuple[bool, ...] = ()  # each onward referral: inside the force?
    escalations: tuple[tuple[Destination, Consent], ...] = ()
    hours_to_accept: int = 30
    days_to_contact: int | None = 2  # None: never reached


cases = st.builds(
    Case,
    route=st.sampled_from([None, *Route]),
    employment=st.sampled_from([None, *Employment]),
    wishes=st.lists(st.sampled_from(list(Wish)), unique=True, max_size=3).map(tuple),
    month=st.integers(0, 5),
    signposted=st.booleans(),
    outcome=st.sampled_from(list(CloseOutcome)),
    onward=st.lists(st.booleans(), max_size=3).map(tuple),
    escalations=st.lists(
        st.tuples(st.sampled_from(list(Destination)), st.sampled_from(list(Consent))),
        max_size=2,
    ).map(tuple),
    hours_to_accept=st.integers(0, 24 * 20),
    days_to_contact=st.none() | st.integers(0, 20),
)


def closed_case(case: Case, serial: int) -> Referral:
    """The case, closed on the 27th of its month of `PERIOD`."""
    month = PERIOD.months[case.month]
    closed_at = datetime.fromisoformat(f"{month}-27T15:00:00+00:00")
    contact_days = case.days_to_contact or 0
    sent = closed_at - timedelta(hours=case.hours_to_accept + 24 * (contact_days + 1))
    referrer = Actor(f"referrer-{serial}", f"{CANARY} Person {serial}")
    referral = Referral.start_draft(referrer, sent)
    referral.record_answers(referrer, _answers(case), IntakeStep.REVIEW, sent)
    referral.submit(referrer, f"SMA-2026-{serial:04d}", [SMLO.user_id], sent)
    at = sent + timedelta(hours=1)
    if case.signposted:
        referral.mark_out_of_remit(SMLO, Signpost.WELLBEING, at)
    else:
        referral.offer(SMLO, ADVOCATE, at)
        at = sent + timedelta(hours=case.hours_to_accept)
        referral.accept(HOLDER, [SMLO.user_id], at)
        _keep_record(referral, case, at)
    for destination, consent in case.escalations:
        referral.record_escalation(SMLO, escalation_of(destination, consent, at), at)
    if case.signposted:
        referral.close(SMLO, closed_at)
    else:
        referral.close(HOLDER, closed_at, Closure(case.outcome, True, CANARY), [SMLO.user_id])
    referral.new_notifications.clear()
    return referral


def _answers(case: Case) -> IntakeAnswers:
    return IntakeAnswers(
        route=case.route,
        employment=case.employment,
        wishes=case.wishes,
        behalf_consent=YesNoUnsure.YES if case.route is Route.ON_BEHALF else None,
        behalf_name=f"{CANARY} Named Person",
        account=f"{CANARY} what happened",
        avoid=f"{CANARY} team",
        contact_methods=(ContactMethod.PERSONAL_EMAIL, ContactMethod.PERSONAL_PHONE),
        work_phone=CANARY,
        personal_phone=CANARY,
        personal_email=f"{CANARY}@example.org",
        safe_times=f"{CANARY} evenings",
        consent=True,
    )


def _keep_record(referral: Referral, case: Case, accepted: datetime) -> None:
    at = accepted + timedelta(hours=2)
    referral.add_entry(HOLDER, ContactLogged(at, ContactHow.ATTEMPT, CANARY), (), at)
    day = at.date()
    referral.add_entry(HOLDER, SupportAgreement(day, CANARY, CANARY), (), at)
    risk = RiskAssessment(day, RiskLevel.LOW, other_concern=CANARY, own_view=CANARY)
    referral.add_entry(HOLDER, risk, (), at)
    referral.add_entry(HOLDER, UpdateRecorded(UpdateKind.OTHER, day, CANARY), (), at)
    for inside in case.onward:
        onward = OnwardReferral(f"{CANARY}-service", True, day, inside)
        referral.add_entry(HOLDER, onward, (), at)
    if case.days_to_contact is not None:
        reached = accepted + timedelta(days=case.days_to_contact, hours=3)
        contact = ContactLogged(reached, ContactHow.PHONE, CANARY)
        referral.add_entry(HOLDER, contact, (), reached)


def escalation_of(destination: Destination, consent: Consent, at: datetime) -> Escalation:
    passed = consent is not Consent.DECLINED
    return Escalation(
        destination,
        consent,
        at.date(),
        rationale=CANARY,
        categories=(InfoCategory.RISK,) if passed else (),
        approved_by=CANARY if consent is Consent.WITHOUT_CONSENT else "",
        note=CANARY,
        tell_person=False,
        not_told_reason=CANARY,
    )
