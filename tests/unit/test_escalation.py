"""The SMLO's escalation decisions: each consent case, declined passes nothing, without
consent needs why and who approved it, the person told (or why not), withdrawing a
consent, only an SMLO and only on a sent referral; never text on the history."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cards.escalation import TEXTS, escalation_card
from referrals import errors
from referrals.case_record import TEXT_LIMITS, Correction, EntryKind, entry_event, parse_event
from referrals.escalation import Consent, Destination, Escalation, InfoCategory
from referrals.notifications import NotificationKind
from referrals.referral import Referral
from tests.unit.builders import ACTORS, CANARY, NOW, PATHS, SMLO_IDS, Path, Role, walk

SMLO, REFERRER = ACTORS[Role.SMLO], ACTORS[Role.REFERRER]
CONSENTED = Escalation(
    Destination.PSD,
    Consent.CONSENTED,
    NOW.date(),
    rationale=f"They asked us to {CANARY}",
    categories=(InfoCategory.IDENTITY, InfoCategory.ACCOUNT),
    note=f"Passed {CANARY}",
)
DECLINED = Escalation(Destination.CCU, Consent.DECLINED, NOW.date(), rationale=CANARY)
WITHOUT = Escalation(
    Destination.SAFEGUARDING,
    Consent.WITHOUT_CONSENT,
    NOW.date(),
    rationale=f"A risk to others: {CANARY}",
    categories=(InfoCategory.RISK,),
    approved_by=f"Superintendent {CANARY}",
)


def active() -> Referral:
    return walk(next(p for p in PATHS if p.state.value == "active"))


@pytest.mark.parametrize("decision", [CONSENTED, DECLINED, WITHOUT], ids=lambda d: d.consent)
def test_each_consent_case_is_recorded_and_the_person_told(decision: Escalation) -> None:
    referral = active()
    entry = referral.record_escalation(SMLO, decision, NOW)

    assert referral.new_entries == [entry]
    assert entry.content == decision
    (line,) = referral.escalations
    assert (line.destination, line.consent, line.told) == (
        decision.destination,
        decision.consent,
        True,
    )
    assert line.categories == decision.categories
    told = [n for n in referral.new_notifications if n.kind is NotificationKind.ESCALATED]
    assert [n.recipient_id for n in told] == [REFERRER.user_id]
    assert all(CANARY not in e.detail for e in referral.history)


def test_a_history_line_reads_back_with_its_categories() -> None:
    referral = active()
    entry = referral.record_escalation(SMLO, CONSENTED, NOW)
    assert parse_event(entry_event(entry)).kind is EntryKind.ESCALATION


def test_declined_passes_nothing() -> None:
    with pytest.raises(errors.EntryInvalid) as refused:
        active().record_escalation(SMLO, replace(DECLINED, categories=(InfoCategory.RISK,)), NOW)
    assert set(refused.value.problems) == {"categories"}


def test_what_was_passed_says_what_kind() -> None:
    with pytest.raises(errors.EntryInvalid) as refused:
        active().record_escalation(SMLO, replace(CONSENTED, categories=()), NOW)
    assert set(refused.value.problems) == {"categories"}


def test_without_consent_needs_a_rationale_and_who_approved_it() -> None:
    with pytest.raises(errors.EntryInvalid) as refused:
        active().record_escalation(SMLO, replace(WITHOUT, rationale=" ", approved_by=""), NOW)
    assert set(refused.value.problems) == {"rationale", "approved_by"}


def test_a_decision_in_the_future_is_refused() -> None:
    later = replace(CONSENTED, decided_on=(NOW + timedelta(days=2)).date())
    with pytest.raises(errors.EntryInvalid):
        active().record_escalation(SMLO, later, NOW)


def test_not_telling_the_person_needs_a_reason_and_tells_nobody() -> None:
    referral = active()
    with pytest.raises(errors.EntryInvalid) as refused:
        referral.record_escalation(SMLO, replace(WITHOUT, tell_person=False), NOW)
    assert set(refused.value.problems) == {"not_told_reason"}

    silent = replace(WITHOUT, tell_person=False, not_told_reason=CANARY)
    referral.record_escalation(SMLO, silent, NOW)
    assert all(n.kind is not NotificationKind.ESCALATED for n in referral.new_notifications)
    assert referral.escalations[-1].told is False


def test_the_person_withdraws_a_consent_and_the_smlos_are_told() -> None:
    referral = active()
    decision = referral.record_escalation(SMLO, CONSENTED, NOW)
    referral.new_notifications.clear()

    referral.withdraw_consent(REFERRER, decision.id, SMLO_IDS, NOW)

    assert referral.escalations[-1].consent_withdrawn
    assert not referral.escalations[-1].may_withdraw
    kinds = {(n.recipient_id, n.kind) for n in referral.new_notifications}
    assert kinds == {(s, NotificationKind.CONSENT_WITHDRAWN) for s in set(SMLO_IDS)}
    with pytest.raises(errors.EntryNotFound):  # once
        referral.withdraw_consent(REFERRER, decision.id, SMLO_IDS, NOW)


@pytest.mark.parametrize("decision", [DECLINED, WITHOUT], ids=lambda d: d.consent)
def test_only_a_consent_given_can_be_withdrawn(decision: Escalation) -> None:
    referral = active()
    entry = referral.record_escalation(SMLO, decision, NOW)
    with pytest.raises(errors.EntryNotFound):
        referral.withdraw_consent(REFERRER, entry.id, SMLO_IDS, NOW)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.REFERRER], ids=str)
def test_only_the_referrer_withdraws_a_consent(role: Role) -> None:
    referral = active()
    entry = referral.record_escalation(SMLO, CONSENTED, NOW)
    with pytest.raises(errors.NotTheReferrer):
        referral.withdraw_consent(ACTORS[role], entry.id, SMLO_IDS, NOW)


def test_a_decision_cannot_be_corrected_only_followed() -> None:
    referral = active()
    entry = referral.record_escalation(SMLO, CONSENTED, NOW)
    with pytest.raises(errors.EntryNotFound):
        referral.add_entry(ACTORS[Role.ADVOCATE], Correction(entry.id, "wrong"), SMLO_IDS, NOW)
    referral.record_escalation(SMLO, DECLINED, NOW)
    assert [d.consent for d in referral.escalations] == [Consent.CONSENTED, Consent.DECLINED]


def test_a_second_save_of_the_same_form_adds_nothing() -> None:
    referral = active()
    referral.record_escalation(SMLO, CONSENTED, NOW, entry_id="form-1")
    with pytest.raises(errors.EntryAlreadySaved):
        referral.record_escalation(SMLO, CONSENTED, NOW, entry_id="form-1")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_only_an_smlo_escalates_and_only_a_sent_referral(path: Path, role: Role) -> None:
    referral = walk(path)
    sent = referral.state.value not in ("draft", "withdrawn")

    if role is Role.SMLO and sent:
        referral.record_escalation(ACTORS[role], WITHOUT, NOW)
        assert len(referral.escalations) == 1
    else:
        with pytest.raises(errors.NotAnSmlo if role is not Role.SMLO else errors.InvalidTransition):
            referral.record_escalation(ACTORS[role], WITHOUT, NOW)


def test_every_box_on_the_escalation_form_says_its_limit_and_never_cuts_text_off() -> None:
    boxes = [e for e in escalation_card(active())["body"] if e.get("type") == "Input.Text"]

    assert {box["id"] for box in boxes} == set(TEXTS)
    for box in boxes:
        assert f"Up to {TEXT_LIMITS[box['id']]:,} characters." in box["label"]
        assert "maxLength" not in box


def test_a_decision_kept_from_the_person_is_never_theirs_to_withdraw() -> None:
    """Offering it would tell them of it: the SMLO recorded why that would raise the risk."""
    referral = active()
    kept = replace(CONSENTED, tell_person=False, not_told_reason=f"It would {CANARY}")
    entry = referral.record_escalation(SMLO, kept, NOW)

    assert not referral.escalations[-1].may_withdraw
    with pytest.raises(errors.EntryNotFound):
        referral.withdraw_consent(REFERRER, entry.id, SMLO_IDS, NOW)
