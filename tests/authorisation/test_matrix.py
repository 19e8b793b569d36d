"""Every card action × every person × every state, sent as forged invokes to the real bot.

Each cell is a fresh world: a referral brought to the state through real transitions, then
one person presses one button naming that referral — whatever card they hold or forge.
The answer must be what the rules allow, or a plain refusal that changes nothing and is
written to the audit trail. Roles come from the server, never from the card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum

import pytest
from botbuilder.core import MemoryStorage

from cards.verbs import Verb
from referrals.audit import Outcome
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate
from referrals.referral import DeclineReason, Referral
from referrals.states import ReferralState
from storage.memory import memory_stores
from tests.dialogs.harness import SMLO_IDS, BotWorld, Conversation, card_text

S = ReferralState
SMLO_ID = next(iter(SMLO_IDS))
REFERRER_ID = "00000000-0000-4000-8000-00000000c001"
ADVOCATE = Advocate("00000000-0000-4000-8000-00000000b001", "Alex Morgan")
OTHER_ADVOCATE = Advocate("00000000-0000-4000-8000-00000000b002", "Sam Okafor")
REFUSALS = (
    "This is not available to you",
    "That has already been done",
    "so nothing has changed",
    "no longer open to you",
    "Your referral has been sent",  # Delete pressed on an old card after sending it
    "This referral is already withdrawn",  # an old withdraw button, whoever presses it
)


class Role(StrEnum):
    REFERRER = "referrer"
    OTHER_REFERRER = "other_referrer"
    SMLO = "smlo"
    ADVOCATE = "advocate"  # offered or holding this referral (where it has one)
    OTHER_ADVOCATE = "other_advocate"
    STRANGER = "stranger"
    # The advocate it was offered to or held by, since taken off the list (roster written
    # directly, so an offer may still name them): nothing at all is open to them.
    INACTIVE_ADVOCATE = "inactive_advocate"


IDS = {
    Role.REFERRER: REFERRER_ID,
    Role.OTHER_REFERRER: "00000000-0000-4000-8000-00000000c002",
    Role.SMLO: SMLO_ID,
    Role.ADVOCATE: ADVOCATE.user_id,
    Role.OTHER_ADVOCATE: OTHER_ADVOCATE.user_id,
    Role.STRANGER: "00000000-0000-4000-8000-00000000d001",
    Role.INACTIVE_ADVOCATE: ADVOCATE.user_id,
}
INPUTS = {
    Verb.ALLOCATE: {"advocate_id": OTHER_ADVOCATE.user_id},
    Verb.OUT_OF_REMIT: {"signpost": "service:rape-crisis"},  # listed in the shipped directory
    Verb.DECLINE: {"reason": DeclineReason.OTHER.value},
}
OFFERABLE = {S.SUBMITTED, S.AWAITING_ALLOCATION}
WITHDRAWABLE = {S.SUBMITTED, S.AWAITING_ALLOCATION, S.OFFERED, S.ACTIVE, S.SIGNPOSTED}


def allowed(verb: Verb, role: Role, state: ReferralState) -> bool:
    """The rules, written out independently of the code."""
    sent = state is not S.DRAFT
    smlo = role is Role.SMLO and sent
    holder = role is Role.ADVOCATE
    rules: dict[Verb, Callable[[], bool]] = {
        Verb.OPEN: lambda: smlo,
        Verb.HIDE: lambda: smlo,
        Verb.AUDIT: lambda: smlo,
        Verb.SHOW_OUT_OF_REMIT: lambda: smlo,
        Verb.SHOW_ALLOCATE: lambda: smlo,
        Verb.ALLOCATE: lambda: smlo and state in OFFERABLE,
        Verb.OUT_OF_REMIT: lambda: smlo and state in OFFERABLE,
        # Pressed again by the advocate who took it: they are shown the case (a double click).
        Verb.ACCEPT: lambda: holder and state in (S.OFFERED, S.ACTIVE, S.CLOSED),
        Verb.SHOW_DECLINE: lambda: holder and state is S.OFFERED,
        Verb.DECLINE: lambda: holder and state is S.OFFERED,
        Verb.OPEN_CASE: lambda: smlo or (holder and state in (S.OFFERED, S.ACTIVE, S.CLOSED)),
        Verb.HIDE_CASE: lambda: smlo or (holder and state in (S.ACTIVE, S.CLOSED)),
        Verb.WITHDRAW_ASK: lambda: role is Role.REFERRER and state in WITHDRAWABLE,
        Verb.WITHDRAW: lambda: role is Role.REFERRER and state in WITHDRAWABLE,
        Verb.DELETE_DRAFT: lambda: role is Role.REFERRER and state is S.DRAFT,
    }
    return rules[verb]()


async def bring_to(world: BotWorld, state: ReferralState) -> Referral:
    service, now = world.services, world.clock.now
    referrer, smlo = Actor(REFERRER_ID), Actor(SMLO_ID, is_smlo=True)
    advocate = Actor(ADVOCATE.user_id, is_advocate=True)
    draft = await service.intake.start_draft(referrer)
    answers = IntakeAnswers(route=Route.EXPERIENCED, account="what happened", consent=True)
    await service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    if state is S.DRAFT:
        return draft
    await service.intake.submit(referrer, draft.id)
    if state is S.WITHDRAWN:
        await service.intake.withdraw(referrer, draft.id)
    elif state is S.SIGNPOSTED:
        await service.triage.signpost_to_service(smlo, draft.id, "rape-crisis")
    elif state is not S.SUBMITTED:
        await service.triage.offer(smlo, draft.id, ADVOCATE.user_id)
        if state is S.AWAITING_ALLOCATION:
            await service.casework.decline(advocate, draft.id, DeclineReason.NO_CAPACITY)
        elif state in (S.ACTIVE, S.CLOSED):
            referral = await service.casework.accept(advocate, draft.id)
            if state is S.CLOSED:
                referral.close(advocate, now())
                await world.stores.referrals.save(referral)
    return await world.stores.referrals.get(draft.id)


_ACTIONS = (
    Verb.OPEN,
    Verb.HIDE,
    Verb.AUDIT,
    Verb.SHOW_OUT_OF_REMIT,
    Verb.SHOW_ALLOCATE,
    Verb.ALLOCATE,
    Verb.OUT_OF_REMIT,
    Verb.ACCEPT,
    Verb.SHOW_DECLINE,
    Verb.DECLINE,
    Verb.OPEN_CASE,
    Verb.HIDE_CASE,
    Verb.WITHDRAW_ASK,
    Verb.WITHDRAW,
    Verb.DELETE_DRAFT,
)


@pytest.mark.parametrize("state", list(ReferralState), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("verb", _ACTIONS, ids=str)
async def test_every_action_is_allowed_only_to_the_right_person_in_the_right_state(
    verb: Verb, role: Role, state: ReferralState
) -> None:
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral = await bring_to(world, state)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    before = await world.stores.referrals.get(referral.id)
    refused_before = await refusals(world, referral.id)
    person = Conversation(world, IDS[role], f"Person {role}")
    data = {"verb": verb.value, "referral_id": referral.id, **INPUTS.get(verb, {})}

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb.value, "data": data}}
    )

    words = card_text(response.body.value)
    was_refused = any(refusal in words for refusal in REFUSALS)
    if allowed(verb, role, state):
        assert not was_refused, f"{role} should be able to {verb} when {state}: {words}"
    else:
        assert was_refused, f"{role} must not {verb} when {state}, yet got: {words}"
        after = await world.stores.referrals.get(referral.id)
        assert (after.state, after.answers, after.offered_to, after.advocate_id) == (
            before.state,
            before.answers,
            before.offered_to,
            before.advocate_id,
        ), "a refusal changes nothing"
        assert await refusals(world, referral.id) > refused_before, "a refusal is audited"
        assert "what happened" not in words


async def refusals(world: BotWorld, referral_id: str) -> int:
    entries = await world.services.steps.audit.for_referral(referral_id)
    return sum(e.outcome is Outcome.REFUSED for e in entries)


@pytest.mark.parametrize("state", list(ReferralState), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
async def test_the_short_way_acts_only_on_the_senders_own_draft_whatever_id_it_carries(
    role: Role, state: ReferralState
) -> None:
    """ "Ask an advocate to contact me" names no referral; a forged id is ignored, so it can
    only ever send the sender's own draft (the referrer's, here, when it is one)."""
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral = await bring_to(world, state)
    before = await world.stores.referrals.get(referral.id)
    person = Conversation(world, IDS[role], f"Person {role}")
    verb = Verb.SEND_ASK_CONTACT.value
    data = {"verb": verb, "referral_id": referral.id, "consent": "true"}

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    )

    assert "Your referral has been sent" in card_text(response.body.value)
    after = await world.stores.referrals.get(referral.id)
    if role is Role.REFERRER and state is S.DRAFT:
        assert after.state is S.SUBMITTED  # their own draft, as the card said
    else:
        assert (after.state, after.answers, after.offered_to, after.advocate_id) == (
            before.state,
            before.answers,
            before.offered_to,
            before.advocate_id,
        ), "someone else's referral is never touched"
