"""Messages through the use cases over the in-memory stores: sent with a content-free
notice in the same write, read back as a thread by its readers only, marked read by the
recipient side, every step audited, and the text nowhere but the sealed record."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from cards.notifications import notification_card, preview_text
from referrals import errors
from referrals.audit import AuditAction, Outcome
from referrals.case_record import CloseOutcome, Closure, ContactHow, ContactLogged, EntryKind
from referrals.clock import FakeClock
from referrals.messages import Message, Recipient, Sender
from referrals.notifications import NotificationKind
from referrals.people import Actor
from referrals.ports import Stores
from referrals.referral import Referral
from referrals.services import RetentionPolicy, Services
from referrals.support import SupportDirectory
from tests.unit.test_services import SMLOS, offered, pending, submitted

A = AuditAction
K = NotificationKind
CANARY = "CANARY-message-5e2b"
OUTSIDERS = {
    "another advocate": Actor("advocate-2", is_advocate=True),
    "a stranger": Actor("stranger-1"),
    "the auditor": Actor("auditor-1", is_auditor=True),
}


@pytest.fixture
async def case(service: Services, referrer: Actor, smlo: Actor, advocate: Actor) -> Referral:
    referral = await offered(service, referrer, smlo)
    return await service.casework.accept(advocate, referral.id)


async def audited(service: Services, referral_id: str) -> list[tuple[AuditAction, Outcome]]:
    return [(e.action, e.outcome) for e in await service.steps.audit.for_referral(referral_id)]


async def messages_told(stores: Stores) -> list[str]:
    return [who for kind, who in await pending(stores) if kind is K.NEW_MESSAGE]


async def test_a_message_before_allocation_reaches_the_smlos_and_the_reply_the_referrer(
    service: Services, stores: Stores, referrer: Actor, smlo: Actor, clock: FakeClock
) -> None:
    referral = await submitted(service, referrer)
    await service.messages.send(referrer, referral.id, "Is anyone there?")
    assert await messages_told(stores) == sorted(SMLOS)
    clock.advance(timedelta(minutes=5))
    await service.messages.send(smlo, referral.id, "Yes, we are.")

    _, thread = await service.messages.thread(referrer, referral.id)

    assert [(m.sender, m.to, m.text) for m in thread] == [
        (Sender.REFERRER, Recipient.SMLOS, "Is anyone there?"),
        (Sender.SMLO, Recipient.REFERRER, "Yes, we are."),
    ]
    assert await messages_told(stores) == sorted([*SMLOS, referrer.user_id])


async def test_after_acceptance_the_advocate_is_told_and_the_smlo_can_read_the_thread(
    service: Services,
    stores: Stores,
    case: Referral,
    referrer: Actor,
    advocate: Actor,
    smlo: Actor,
) -> None:
    before = set(await messages_told(stores))
    await service.messages.send(referrer, case.id, "Can we talk?")

    assert set(await messages_told(stores)) - before == {advocate.user_id}
    for reader in (referrer, advocate, smlo):
        _, thread = await service.messages.thread(reader, case.id)
        assert [m.text for m in thread] == ["Can we talk?"]


async def test_the_sender_sees_when_the_recipient_read_it(
    service: Services, case: Referral, referrer: Actor, advocate: Actor, clock: FakeClock
) -> None:
    sent = await service.messages.send(referrer, case.id, "hello")
    clock.advance(timedelta(hours=2))

    assert await service.messages.mark_read(advocate, case.id) == [sent.id]
    assert await service.messages.mark_read(advocate, case.id) == []

    _, (shown,) = await service.messages.thread(referrer, case.id)
    assert shown.read_at == clock.now()
    assert (A.MARK_MESSAGES_READ, Outcome.ALLOWED) in await audited(service, case.id)


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
async def test_others_may_neither_send_nor_read_and_each_refusal_is_audited(
    service: Services, stores: Stores, case: Referral, who: str
) -> None:
    actor = OUTSIDERS[who]
    before = await pending(stores)

    with pytest.raises(errors.NotPermitted):
        await service.messages.send(actor, case.id, "hi")
    with pytest.raises(errors.NotPermitted):
        await service.messages.thread(actor, case.id)
    with pytest.raises(errors.NotPermitted):
        await service.messages.mark_read(actor, case.id)

    trail = await audited(service, case.id)
    for action in (A.SEND_MESSAGE, A.READ_MESSAGES, A.MARK_MESSAGES_READ):
        assert (action, Outcome.REFUSED) in trail
    assert await pending(stores) == before
    assert await stores.records.entries(await stores.referrals.get(case.id)) == []


async def test_a_closed_case_takes_no_message_but_its_thread_can_still_be_read(
    service: Services, case: Referral, referrer: Actor, advocate: Actor
) -> None:
    await service.messages.send(advocate, case.id, "take care")
    await service.case_record.close(advocate, case.id, Closure(CloseOutcome.OTHER, True))

    with pytest.raises(errors.ThreadClosed):
        await service.messages.send(referrer, case.id, "one more thing")

    _, thread = await service.messages.thread(referrer, case.id)
    assert [m.text for m in thread] == ["take care"]
    assert (A.SEND_MESSAGE, Outcome.REFUSED) in await audited(service, case.id)


async def test_a_withdrawn_or_purged_referral_loses_its_thread_and_takes_no_message(
    service: Services,
    stores: Stores,
    case: Referral,
    referrer: Actor,
    advocate: Actor,
    smlo: Actor,
    clock: FakeClock,
) -> None:
    await service.messages.send(referrer, case.id, CANARY)
    await service.case_record.close(advocate, case.id, Closure(CloseOutcome.OTHER, True))
    clock.advance(timedelta(days=400))
    await service.retention.purge_expired(RetentionPolicy(ended_days=365, draft_days=30))

    purged = await stores.referrals.get(case.id)
    assert purged.is_purged
    assert await stores.records.entries(purged) == []
    with pytest.raises(errors.ThreadClosed):
        await service.messages.thread(smlo, case.id)
    with pytest.raises(errors.ThreadClosed):
        await service.messages.send(smlo, case.id, "hello?")


async def test_messages_stay_out_of_the_case_record_view(
    service: Services, case: Referral, referrer: Actor, advocate: Actor, smlo: Actor
) -> None:
    await service.messages.send(referrer, case.id, "hello")
    contact = ContactLogged(service.steps.clock.now(), ContactHow.PHONE, "rang")
    await service.case_record.add(advocate, case.id, contact)

    for reader in (advocate, smlo):
        _, entries = await service.case_record.read(reader, case.id)
        assert [e.kind for e in entries] == [EntryKind.CONTACT]


async def test_the_text_is_in_no_notification_audit_entry_history_or_log(
    service: Services,
    stores: Stores,
    case: Referral,
    referrer: Actor,
    advocate: Actor,
    smlo: Actor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await service.messages.send(referrer, case.id, f"{CANARY} first")
    await service.messages.thread(advocate, case.id)
    await service.messages.mark_read(advocate, case.id)
    await service.messages.send(advocate, case.id, f"{CANARY} reply")
    with pytest.raises(errors.MessageInvalid):
        await service.messages.send(referrer, case.id, CANARY * 200)

    stored = await stores.referrals.get(case.id)
    notices = await stores.outbox.pending(limit=1000)
    faces = [
        str(
            notification_card(n.kind, stored, {}, SMLOS, n.recipient_id, support=SupportDirectory())
        )
        + preview_text(n.kind, stored)
        for n in notices
        if n.kind is K.NEW_MESSAGE
    ]
    assert len(faces) == 2
    assert f"New message about {stored.reference}" in faces[0]
    trail = await service.steps.audit.for_referral(case.id)
    for text in (*faces, repr(notices), repr(trail), repr(stored.history), caplog.text):
        assert CANARY not in text


async def test_an_old_button_pressed_after_withdrawal_does_not_tie_the_referrer_to_it(
    service: Services, stores: Stores, referrer: Actor
) -> None:
    """Withdrawn, the referral no longer knows who made it; a press on an old card of
    theirs is refused and audited, but without their id (the trail is never erased)."""
    sent = await submitted(service, referrer)
    await service.messages.send(referrer, sent.id, CANARY)
    await service.intake.withdraw(referrer, sent.id)

    for pressed in (
        service.messages.thread(referrer, sent.id),
        service.messages.send(referrer, sent.id, "hello?"),
        service.intake.withdraw(referrer, sent.id),
    ):
        with pytest.raises(errors.ReferralError):
            await pressed

    trail = await service.steps.audit.for_referral(sent.id)
    assert [e for e in trail if e.outcome is Outcome.REFUSED], "still audited"
    assert referrer.user_id not in {e.actor_id for e in trail}


async def test_a_message_for_an_advocate_taken_off_the_list_goes_to_the_smlos(
    service: Services, stores: Stores, case: Referral, referrer: Actor, smlo: Actor
) -> None:
    """They may no longer open the case, so they could not read it (nor should they hear
    of it); the SMLOs, who must find someone else, read it instead."""
    gone = await stores.roster.get_advocate(case.advocate_id)
    assert gone is not None
    await stores.roster.put_advocate(replace(gone, active=False))
    before = set(await messages_told(stores))

    sent = await service.messages.send(referrer, case.id, "Is anyone there?")

    told = set(await messages_told(stores)) - before
    assert case.advocate_id not in told
    assert smlo.user_id in told
    assert isinstance(sent.content, Message)
    assert sent.content.to is Recipient.SMLOS
