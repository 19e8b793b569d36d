"""The message rules of the referral aggregate, with no stores: where a message goes in
each state, who may send and read, the length limit, and read receipts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from referrals import errors
from referrals.case_record import CloseOutcome, Closure
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.messages import MESSAGE_LIMIT, Message, Recipient, Sender, text_problem_of
from referrals.notifications import NotificationKind
from referrals.people import Actor, Advocate
from referrals.referral import Referral

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REFERRER = Actor("referrer-1")
SMLO = Actor("smlo-1", is_smlo=True)
SMLOS = ("smlo-1", "smlo-2")
ADA = Advocate("advocate-1", "Ada")
ADA_ACTOR = Actor("advocate-1", is_advocate=True)
BEN_ACTOR = Actor("advocate-2", is_advocate=True)
AUDITOR = Actor("auditor-1", is_auditor=True)
ANSWERS = IntakeAnswers(route=Route.EXPERIENCED, account="what happened", consent=True)


def submitted() -> Referral:
    referral = Referral.start_draft(REFERRER, NOW)
    referral.record_answers(REFERRER, ANSWERS, IntakeStep.REVIEW, NOW)
    referral.submit(REFERRER, "SMA-2026-0007", SMLOS, NOW)
    referral.new_notifications.clear()
    return referral


def offered() -> Referral:
    referral = submitted()
    referral.offer(SMLO, ADA, NOW)
    return referral


def active() -> Referral:
    referral = offered()
    referral.accept(ADA_ACTOR, SMLOS, NOW)
    referral.new_notifications.clear()
    return referral


def told(referral: Referral) -> list[tuple[NotificationKind, str]]:
    return [(n.kind, n.recipient_id) for n in referral.new_notifications]


def test_before_acceptance_the_referrers_message_goes_to_the_smlos() -> None:
    for referral in (submitted(), offered()):
        referral.new_notifications.clear()
        entry = referral.send_message(REFERRER, "Hello?", SMLOS, NOW)

        assert entry.content == Message(Sender.REFERRER, Recipient.SMLOS, "Hello?")
        assert told(referral) == [(NotificationKind.NEW_MESSAGE, s) for s in SMLOS]


def test_after_acceptance_the_referrers_message_goes_to_their_advocate_only() -> None:
    referral = active()
    entry = referral.send_message(REFERRER, "Hello", SMLOS, NOW)

    assert entry.content == Message(Sender.REFERRER, Recipient.ADVOCATE, "Hello")
    assert told(referral) == [(NotificationKind.NEW_MESSAGE, "advocate-1")]


def test_the_advocate_and_an_smlo_reply_to_the_referrer() -> None:
    referral = active()
    by_advocate = referral.send_message(ADA_ACTOR, "Hi", SMLOS, NOW)
    by_smlo = referral.send_message(SMLO, "Hi too", SMLOS, NOW)

    assert (by_advocate.content.sender, by_advocate.content.to) == (  # type: ignore[union-attr]
        Sender.ADVOCATE,
        Recipient.REFERRER,
    )
    assert by_smlo.content.sender is Sender.SMLO  # type: ignore[union-attr]
    assert told(referral) == [(NotificationKind.NEW_MESSAGE, "referrer-1")] * 2


def test_the_sending_smlo_is_not_told_of_their_own_message_nor_an_smlo_who_referred() -> None:
    referral = Referral.start_draft(SMLO, NOW)
    referral.record_answers(SMLO, ANSWERS, IntakeStep.REVIEW, NOW)
    referral.submit(SMLO, "SMA-2026-0008", SMLOS, NOW)
    referral.new_notifications.clear()

    referral.send_message(SMLO, "a question", SMLOS, NOW)

    assert told(referral) == [(NotificationKind.NEW_MESSAGE, "smlo-2")]


def test_the_history_names_a_message_without_its_text_and_not_as_casework() -> None:
    referral = active()
    entry = referral.send_message(REFERRER, "CANARY text", SMLOS, NOW)

    line = referral.history[-1]
    assert (line.name, line.detail) == ("MessageSent", f"{entry.id}:referrer:advocate")
    assert referral.entry_lines() == []  # statistics, timers and corrections never see it
    assert referral.record_ids() == [entry.id]
    assert referral.new_entries == [entry]


@pytest.mark.parametrize("actor", [BEN_ACTOR, AUDITOR, Actor("stranger-1")], ids=str)
def test_other_advocates_the_auditor_and_strangers_may_neither_send_nor_read(
    actor: Actor,
) -> None:
    referral = active()
    with pytest.raises(errors.NotPermitted):
        referral.send_message(actor, "hi", SMLOS, NOW)
    with pytest.raises(errors.NotPermitted):
        referral.ensure_can_read_thread(actor)
    assert referral.new_entries == []


def test_the_offered_advocate_may_not_read_before_accepting_nor_once_off_the_roster() -> None:
    with pytest.raises(errors.NotPermitted):
        offered().ensure_can_read_thread(ADA_ACTOR)
    with pytest.raises(errors.NotAnActiveAdvocate):
        active().ensure_can_read_thread(Actor("advocate-1"))


def test_a_draft_takes_no_message() -> None:
    draft = Referral.start_draft(REFERRER, NOW)
    with pytest.raises(errors.NotPermitted):
        draft.send_message(REFERRER, "hi", SMLOS, NOW)


@pytest.mark.parametrize("ending", ["closed", "withdrawn", "purged"])
def test_an_ended_referral_takes_no_new_message(ending: str) -> None:
    referral = active()
    if ending == "withdrawn":
        referral.withdraw(REFERRER, SMLOS, NOW)
    else:
        referral.close(ADA_ACTOR, NOW, Closure(CloseOutcome.SUPPORT_COMPLETED, True))
    if ending == "purged":
        referral.purge(NOW)
    referral.new_notifications.clear()
    referral.new_entries.clear()

    for actor in (REFERRER, ADA_ACTOR, SMLO):
        with pytest.raises(errors.ThreadClosed):
            referral.send_message(actor, "still there?", SMLOS, NOW)
    assert referral.new_entries == []
    assert referral.new_notifications == []


def test_a_message_over_the_limit_is_refused_naming_the_limit() -> None:
    referral = active()
    referral.send_message(REFERRER, "x" * MESSAGE_LIMIT, SMLOS, NOW)  # at the limit: kept

    with pytest.raises(errors.MessageInvalid) as refused:
        referral.send_message(REFERRER, "x" * (MESSAGE_LIMIT + 1), SMLOS, NOW)

    assert refused.value.limit == MESSAGE_LIMIT == 2000
    assert "2,000 characters" in str(refused.value)
    assert "x" * 10 not in str(refused.value)
    assert len(referral.new_entries) == 1


def test_an_empty_message_or_one_with_unstorable_characters_is_refused() -> None:
    assert text_problem_of("  \n") == "empty"
    assert text_problem_of("bad \ud800") == "characters that cannot be stored"
    with pytest.raises(errors.MessageInvalid):
        active().send_message(REFERRER, " ", SMLOS, NOW)


def test_a_second_press_of_send_sends_nothing_more() -> None:
    referral = active()
    referral.send_message(REFERRER, "once", SMLOS, NOW, message_id="m1")
    with pytest.raises(errors.EntryAlreadySaved):
        referral.send_message(REFERRER, "once", SMLOS, NOW, message_id="m1")
    assert len(referral.new_entries) == 1


def test_a_message_cannot_be_added_as_casework() -> None:
    referral = active()
    with pytest.raises(errors.EntryInvalid):
        referral.add_entry(
            ADA_ACTOR, Message(Sender.ADVOCATE, Recipient.REFERRER, "hi"), SMLOS, NOW
        )


def test_only_the_recipient_side_marks_a_message_read_and_only_once() -> None:
    referral = active()
    first = referral.send_message(REFERRER, "one", SMLOS, NOW)
    later = NOW + timedelta(hours=1)
    updated_at = referral.updated_at

    assert referral.mark_messages_read(SMLO, later) == []  # the SMLO reads, not the recipient
    assert referral.mark_messages_read(REFERRER, later) == []  # their own message
    assert referral.mark_messages_read(ADA_ACTOR, later) == [first.id]
    assert referral.mark_messages_read(ADA_ACTOR, later + timedelta(hours=1)) == []
    assert referral.updated_at == updated_at  # reading never moves the retention clock

    (shown,) = referral.thread(referral.new_entries)
    assert (shown.text, shown.sent_at, shown.read_at) == ("one", NOW, later)


def test_before_acceptance_any_smlo_reading_marks_it_read() -> None:
    referral = submitted()
    sent = referral.send_message(REFERRER, "one", SMLOS, NOW)

    assert referral.mark_messages_read(Actor("smlo-2", is_smlo=True), NOW) == [sent.id]
