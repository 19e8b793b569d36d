"""The advocate's case record through the real bot: from the case card to the timeline,
each form saved from its card, problems shown under the input with the words kept, a
second press of Save adding nothing, a correction, and closing the case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cards.details import LOCAL_TIME
from referrals.case_record import EntryKind
from referrals.intake import ContactMethod, IntakeAnswers, IntakeStep, Route, YesNoUnsure
from referrals.notifications import NotificationKind
from referrals.people import Actor, Advocate
from referrals.referral import Referral
from referrals.states import ReferralState
from tests.dialogs.conftest import REFERRER_ID
from tests.dialogs.harness import SMLO_IDS, BotWorld, Conversation, input_values, problem_under

ADVOCATE = Advocate("00000000-0000-4000-8000-00000000b001", "Alex Morgan")
OTHER = Advocate("00000000-0000-4000-8000-00000000b002", "Sam Okafor")
SMLO_ID = next(iter(SMLO_IDS))


async def active_case(world: BotWorld) -> Referral:
    service = world.services
    referrer, smlo = Actor(REFERRER_ID), Actor(SMLO_ID, is_smlo=True)
    for advocate in (ADVOCATE, OTHER):
        await world.stores.roster.put_advocate(advocate)
    draft = await service.intake.start_draft(referrer)
    answers = IntakeAnswers(
        route=Route.EXPERIENCED,
        account="what happened",
        contact_methods=(ContactMethod.TEAMS,),
        safe_times="after six",
        leave_message=YesNoUnsure.NO,
        consent=True,
    )
    await service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await service.intake.submit(referrer, draft.id)
    await service.triage.offer(smlo, draft.id, ADVOCATE.user_id)
    return await service.casework.accept(Actor(ADVOCATE.user_id, is_advocate=True), draft.id)


@pytest.fixture
async def case(world: BotWorld) -> Referral:
    return await active_case(world)


@pytest.fixture
async def advocate(world: BotWorld, case: Referral) -> Conversation:
    chat = Conversation(world, ADVOCATE.user_id, "Alex Morgan")
    await chat.say("my cases")
    await chat.click("Open")
    return chat


async def entries(world: BotWorld, case: Referral) -> list[EntryKind]:
    return [e.kind for e in await world.stores.records.entries(case)]


async def test_a_contact_logged_from_the_case_card_shows_on_the_timeline(
    world: BotWorld, case: Referral, advocate: Conversation
) -> None:
    form = await advocate.click("Log a contact")
    local = world.clock.now().astimezone(LOCAL_TIME)
    assert input_values(form)["date"] == local.date().isoformat()  # today, by default
    assert input_values(form)["time"] == local.strftime("%H:%M")

    timeline = await advocate.click("Save", how="phone", note="Talked about options")

    text = advocate.card_text(timeline)
    assert "Saved: Contact: Phone (first contact)." in text
    assert "Contact: Phone (first contact)" in text
    assert "Talked about options" not in text  # free text only on tap
    assert await entries(world, case) == [EntryKind.CONTACT]
    details = await advocate.click("Open")
    assert "Talked about options" in advocate.card_text(details)


async def test_a_problem_is_shown_under_its_input_and_nothing_is_lost_or_saved(
    world: BotWorld, case: Referral, advocate: Conversation
) -> None:
    await advocate.click("Log a contact")
    tomorrow = (world.clock.now() + timedelta(days=2)).astimezone(LOCAL_TIME).date()

    form = await advocate.click("Save", note="x" * 501)

    assert problem_under(form, "how") == "Please choose one."
    assert "The limit is 500" in (problem_under(form, "note") or "")
    assert input_values(form)["note"] == "x" * 501  # shown back, to shorten, not retype

    form = await advocate.click("Save", how="phone", note="ok", date=tomorrow.isoformat())

    assert problem_under(form, "date") == (
        "This is in the future. Please give a date that has passed."
    )
    assert input_values(form)["note"] == "ok"
    assert await entries(world, case) == []


async def test_a_second_press_of_save_adds_nothing(
    world: BotWorld, case: Referral, advocate: Conversation
) -> None:
    form = await advocate.click("Log a contact")
    await advocate.click_on(form, "Save", how="attempt")
    old_copy = {**form}  # the same form, pressed again (a double click, another device)

    again = await advocate.click_on(old_copy, "Save")

    assert "That was saved already" in advocate.card_text(again)
    assert await entries(world, case) == [EntryKind.CONTACT]


async def test_a_high_risk_tells_the_smlo_without_saying_why(
    world: BotWorld, case: Referral, advocate: Conversation
) -> None:
    await advocate.click("Case record")
    await advocate.click("Risk assessment")

    timeline = await advocate.click("Save", level="high", actions="Daily check-in")

    assert "The service lead has been told that the risk is high" in advocate.card_text(timeline)
    told = [n for n in await world.stores.outbox.pending() if n.kind is NotificationKind.RISK_HIGH]
    assert [n.recipient_id for n in told] == [SMLO_ID]


async def test_the_agreement_form_starts_from_the_intake_arrangements(
    advocate: Conversation,
) -> None:
    await advocate.click("Case record")
    form = await advocate.click("Support agreement")

    assert input_values(form)["arrangements"] == (
        "By a Teams chat. Safe times: after six. A message may be left: no."
    )


async def test_a_correction_keeps_both_entries_marked(
    world: BotWorld, case: Referral, advocate: Conversation
) -> None:
    await advocate.click("Case record")
    await advocate.click("Record an update")
    await advocate.click("Save", update_kind="statement_attended")
    await advocate.click("Open")
    form = await advocate.click("Correct this")
    assert input_values(form)["update_kind"] == "statement_attended"  # its own values

    timeline = await advocate.click(
        "Save", reason="Wrong kind", wrong="details", update_kind="hearing_attended"
    )

    text = advocate.card_text(timeline)
    assert "Went with them to give a statement (corrected)" in text
    assert "Correction of an entry" in text
    assert "Went with them to a misconduct or court hearing" in text
    assert await entries(world, case) == [
        EntryKind.UPDATE,
        EntryKind.CORRECTION,
        EntryKind.UPDATE,
    ]


async def test_closing_the_case_ends_it_and_clears_the_form(
    world: BotWorld, case: Referral, advocate: Conversation
) -> None:
    await advocate.click("Case record")
    await advocate.click("Close the case")

    closed = await advocate.click("Close the case", outcome="support_completed", person_told="yes")

    assert "You closed" in advocate.card_text(closed)
    stored = await world.stores.referrals.get(case.id)
    assert stored.state is ReferralState.CLOSED
    assert await entries(world, case) == [EntryKind.CLOSURE]


async def test_another_advocate_cannot_open_or_add_to_the_record(
    world: BotWorld, case: Referral, advocate: Conversation
) -> None:
    form = await advocate.click("Log a contact")
    stranger = Conversation(world, OTHER.user_id, "Sam Okafor")
    stranger.shown = advocate.shown  # a forged copy of the form, sent as the other advocate

    answer = await stranger.click_on(form, "Save", how="phone")

    assert "no longer open to you" in stranger.card_text(answer)
    assert await entries(world, case) == []
