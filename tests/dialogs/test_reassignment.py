"""A case given to another advocate, through the real bot: the SMLO chooses who and why;
the advocate who held it loses it at once and is told; the new one accepts and finds the
record; the referrer hears a new advocate is in place. Also: a case whose advocate left
the list waits in the inbox, the referrer asks for someone else, and the SMLO closes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from referrals import errors
from referrals.case_record import ContactHow, ContactLogged, EntryKind
from referrals.notifications import NotificationKind
from referrals.people import Actor
from referrals.referral import Referral
from referrals.states import ReferralState
from tests.dialogs.conftest import REFERRER_ID
from tests.dialogs.harness import SMLO_IDS, BotWorld, Conversation, problem_under
from tests.dialogs.test_case_record import ADVOCATE, OTHER, active_case

SMLO_ID = next(iter(SMLO_IDS))
HOLDER = Actor(ADVOCATE.user_id, "Alex Morgan", is_advocate=True)
NEXT = Actor(OTHER.user_id, "Sam Okafor", is_advocate=True)


@pytest.fixture
async def case(world: BotWorld) -> Referral:
    referral = await active_case(world)
    contact = ContactLogged(world.clock.now(), ContactHow.PHONE, "first call")
    await world.services.case_record.add(HOLDER, referral.id, contact)
    return referral


@pytest.fixture
async def smlo(world: BotWorld, case: Referral) -> Conversation:
    chat = Conversation(world, SMLO_ID, "Sky Patel")
    await chat.say(f"referral {case.reference}")
    await chat.click("Open details")
    return chat


async def told(world: BotWorld, kind: NotificationKind) -> list[str]:
    return [n.recipient_id for n in await world.stores.outbox.pending() if n.kind is kind]


async def test_the_smlo_gives_a_case_to_another_advocate_who_takes_on_its_record(
    world: BotWorld, case: Referral, smlo: Conversation
) -> None:
    form = await smlo.click("Give to another advocate")
    assert "Alex Morgan" not in smlo.card_text(form)  # not the one who has it now

    done = await smlo.click("Ask them", reason="conflict_found", advocate_id=OTHER.user_id)

    assert "We have asked Sam Okafor" in smlo.card_text(done)
    moved = await world.stores.referrals.get(case.id)
    assert (moved.state, moved.offered_to, moved.advocate_id) == (
        ReferralState.OFFERED,
        OTHER.user_id,
        "",
    )
    assert await told(world, NotificationKind.REASSIGNED) == [ADVOCATE.user_id]
    with pytest.raises(errors.NotPermitted):
        await world.services.case_record.read(HOLDER, case.id)  # lost at once

    await world.services.casework.accept(NEXT, case.id)
    _, entries = await world.services.case_record.read(NEXT, case.id)  # the handover
    assert [e.kind for e in entries] == [EntryKind.CONTACT]
    assert REFERRER_ID in await told(world, NotificationKind.ADVOCATE_ALLOCATED)


async def test_giving_a_case_away_needs_a_reason_and_someone(
    world: BotWorld, case: Referral, smlo: Conversation
) -> None:
    await smlo.click("Give to another advocate")

    again = await smlo.click("Ask them")

    assert problem_under(again, "reason") == "Please choose why."
    assert problem_under(again, "advocate_id") == "Please choose someone."
    assert (await world.stores.referrals.get(case.id)).advocate_id == ADVOCATE.user_id


async def test_a_case_whose_advocate_left_the_list_waits_in_the_inbox(
    world: BotWorld, case: Referral, smlo: Conversation
) -> None:
    await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))

    await smlo.say("inbox")

    assert re.search(rf"{case.reference}: Needs a new advocate", smlo.card_text())


async def test_the_referrer_asks_for_someone_else_and_the_smlo_is_told_once(
    world: BotWorld, case: Referral
) -> None:
    referrer = Conversation(world, REFERRER_ID, "Robin Referrer")
    await referrer.say("my referrals")
    await referrer.click("Ask for a different advocate")

    done = await referrer.click("Yes, ask for someone else")

    assert "We have told the service lead" in referrer.card_text(done)
    assert await told(world, NotificationKind.NEW_ADVOCATE_ASKED) == [SMLO_ID]
    await referrer.say("my referrals")
    assert "Ask for a different advocate" not in referrer.card_text()  # asked already
    assert "You asked for a different advocate" in referrer.card_text()


async def test_the_smlo_closes_a_held_case_only_saying_why_and_the_advocate_is_told(
    world: BotWorld, case: Referral, smlo: Conversation
) -> None:
    await smlo.click("Close")

    again = await smlo.click("Close the case", outcome="other", person_told="no")
    assert problem_under(again, "note") is not None
    assert (await world.stores.referrals.get(case.id)).state is ReferralState.ACTIVE

    closed = await smlo.click("Close the case", note="The advocate has left the force")

    assert "You closed" in smlo.card_text(closed)
    assert (await world.stores.referrals.get(case.id)).state is ReferralState.CLOSED
    assert ADVOCATE.user_id in await told(world, NotificationKind.CASE_CLOSED)
