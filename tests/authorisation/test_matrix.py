"""Every card action × every person × every state, sent as forged invokes to the real bot.

Each cell is a fresh world: a referral brought to the state through real transitions, then
one person presses one button naming that referral — whatever card they hold or forge.
The answer must be what the rules allow, or a plain refusal that changes nothing (not the
referral, not its case record) and is written to the audit trail. Roles come from the
server, never from the card. The case record's buttons are pressed for every kind of entry,
each with a form filled in well enough to save, so only who and when can stop it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

import pytest
from botbuilder.core import MemoryStorage

from cards.verbs import Verb
from referrals.audit import CHECKINS, SCRUTINY, STATISTICS, Outcome, roster_subject
from referrals.case_record import NO_RECORD_FORM, EntryKind, OnwardReferral
from referrals.clock import FakeClock
from referrals.escalation import Consent, Destination, Escalation, InfoCategory
from referrals.intake import (
    ContactMethod,
    Identity,
    IntakeAnswers,
    IntakeStep,
    Route,
    YesNoUnsure,
)
from referrals.notifications import NotificationKind
from referrals.outside import WithdrawnFor
from referrals.people import Actor, Advocate
from referrals.referral import DeclineReason, Referral
from referrals.states import ReferralState
from storage.memory import memory_stores
from tests.dialogs.harness import AUDITOR_IDS, SMLO_IDS, BotWorld, Conversation, Message, card_text

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
    "This case is closed",  # an old form of the advocate who closed it
    "Please say why you are closing it",  # an SMLO closing a held case without a note
    "messages cannot reach anyone",  # a message about a closed or withdrawn referral
)
K = EntryKind
CONSENT_WITHDRAWN = NotificationKind.CONSENT_WITHDRAWN


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
    # The data protection auditor: reads audit trails (typed `audit SMA-…`) and the access
    # report, and is refused every referral action and every case record action.
    AUDITOR = "auditor"


IDS = {
    Role.REFERRER: REFERRER_ID,
    Role.OTHER_REFERRER: "00000000-0000-4000-8000-00000000c002",
    Role.SMLO: SMLO_ID,
    Role.ADVOCATE: ADVOCATE.user_id,
    Role.OTHER_ADVOCATE: OTHER_ADVOCATE.user_id,
    Role.STRANGER: "00000000-0000-4000-8000-00000000d001",
    Role.INACTIVE_ADVOCATE: ADVOCATE.user_id,
    Role.AUDITOR: next(iter(AUDITOR_IDS)),
}
INPUTS = {
    Verb.ALLOCATE: {"advocate_id": OTHER_ADVOCATE.user_id},
    Verb.REASSIGN: {"advocate_id": OTHER_ADVOCATE.user_id, "reason": "conflict_found"},
    Verb.TRIAGE: {"in_remit": "yes", "urgency": "urgent", "risks": "safeguarding"},
    Verb.ESCALATE: {
        "destination": "psd",
        "consent": "without_consent",
        "categories": "risk",
        "decided_on": "2026-03-01",
        "rationale": "a risk to others",
        "approved_by": "the superintendent",
    },
    Verb.RECORD_PATHWAY: {
        "kind": "criminal",
        "status": "outcome",
        "outcome": "charged",
        "consent": "consented",
        "on": "2026-03-01",
    },
    Verb.OUT_OF_REMIT: {"signpost": "service:rape-crisis"},  # listed in the shipped directory
    Verb.DECLINE: {"reason": DeclineReason.OTHER.value},
    Verb.OFFER_ANYWAY: {"advocate_id": OTHER_ADVOCATE.user_id, "override": "no_one_else"},
    Verb.SEND_MESSAGE: {"text": "Can we talk on Friday?", "message_id": "a" * 32},
}
OFFERABLE = {S.SUBMITTED, S.AWAITING_ALLOCATION}
TRIAGEABLE = {S.SUBMITTED, S.AWAITING_ALLOCATION, S.OFFERED, S.ACTIVE}
ESCALATABLE = {*TRIAGEABLE, S.SIGNPOSTED, S.CLOSED}  # sent, and not withdrawn
WITHDRAWABLE = {S.SUBMITTED, S.AWAITING_ALLOCATION, S.OFFERED, S.ACTIVE, S.SIGNPOSTED}
TAKES_MESSAGES = {*WITHDRAWABLE}  # sent, and neither closed nor withdrawn
ACCEPTED = (S.ACTIVE, S.CLOSED)  # the states in which the advocate has taken it
DAY = "2026-03-01"  # the day before the fake clock's first: nothing is in the future
# Each form filled in just enough to save: a refusal can only be for who or when.
FORMS: dict[EntryKind, dict[str, str]] = {
    K.CONTACT: {"date": DAY, "time": "10:00", "how": "phone"},
    K.SUPPORT_AGREEMENT: {"confidentiality_agreed_on": DAY},
    K.RISK_ASSESSMENT: {"assessed_on": DAY, "level": "low"},
    K.ONWARD_REFERRAL: {"service_id": "victim-support", "consented": "yes", "referred_on": DAY},
    K.ONWARD_OUTCOME: {"outcome": "accepted", "on": DAY},
    K.UPDATE: {"update_kind": "other", "on": DAY},
    K.CORRECTION: {"reason": "Not this case", "wrong": "entry", "of_kind": "onward_referral"},
    K.CLOSURE: {"outcome": "other", "person_told": "no", "note": "The advocate has left"},
}
NAMES_AN_ENTRY = (K.CORRECTION, K.ONWARD_OUTCOME)
# Where nobody has taken the case there is no entry to name: a well-formed id, unknown.
NO_SUCH_ENTRY = "e" * 32
ENTRY_WORDS = "Referred on to Victim Support"  # the one entry, as the record shows it


@dataclass(frozen=True)
class Press:
    """One button: its verb, and on the case record the kind of entry it is for. `note`:
    whether a closing form says why (an SMLO closes a case someone holds only with one)."""

    verb: Verb
    kind: EntryKind | None = None
    note: bool = True

    def __str__(self) -> str:
        kind = f":{self.kind}" if self.kind else ""
        return f"{self.verb}{kind}{'' if self.note else ':no_note'}"

    def data(self, referral_id: str, entry_id: str) -> dict[str, str]:
        data = {"verb": self.verb.value, "referral_id": referral_id, **INPUTS.get(self.verb, {})}
        if self.verb is Verb.RECORD_ENTRY or self.kind in NAMES_AN_ENTRY:
            data["entry_id"] = entry_id
        if self.kind is not None:
            data["kind"] = self.kind.value
        if self.verb is Verb.RECORD_SAVE and self.kind is not None:
            data.update(FORMS[self.kind])
            if not self.note:
                data["note"] = ""
        return data


def allowed(press: Press, role: Role, state: ReferralState) -> bool:
    """The rules, written out independently of the code."""
    verb = press.verb
    sent = state is not S.DRAFT
    smlo = role is Role.SMLO and sent  # (the referrer here is never an SMLO)
    # Nothing below is ever true for Role.AUDITOR: the auditor sees trails, not referrals.
    holder = role is Role.ADVOCATE
    keeps_record = holder and state is S.ACTIVE
    # An SMLO closes a case an advocate holds only saying why; a signposted referral has
    # nobody's work to end, so its closing needs no note.
    may_close = keeps_record or (
        role is Role.SMLO and (state is S.SIGNPOSTED or (state is S.ACTIVE and press.note))
    )
    reads_thread = state is not S.WITHDRAWN and (
        smlo or (role is Role.REFERRER and sent) or (holder and state in ACCEPTED)
    )
    rules: dict[Verb, Callable[[], bool]] = {
        Verb.OPEN: lambda: smlo,
        # Referrals that may be about the same person (none here: the match lists none).
        Verb.OPEN_SUBJECT_MATCH: lambda: smlo,
        Verb.HIDE: lambda: smlo,
        Verb.AUDIT: lambda: smlo,
        Verb.SHOW_OUT_OF_REMIT: lambda: smlo,
        Verb.SHOW_ALLOCATE: lambda: smlo,
        Verb.ALLOCATE: lambda: smlo and state in OFFERABLE,
        # Offer anyway: the list of those not offered, and an offer with the SMLO's reason.
        Verb.SHOW_OFFER_ANYWAY: lambda: smlo,
        Verb.OFFER_ANYWAY: lambda: smlo and state in OFFERABLE,
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
        # The case record: read by the advocate who took it (open or closed) and by an SMLO;
        # kept by that advocate alone, while it is open.
        Verb.RECORD: lambda: smlo or (holder and state in ACCEPTED),
        Verb.RECORD_ENTRY: lambda: smlo or (holder and state in ACCEPTED),
        # The closing form: whoever may close it (an SMLO says why on the form itself).
        Verb.RECORD_FORM: lambda: (
            keeps_record or (press.kind is K.CLOSURE and smlo and state in (S.ACTIVE, S.SIGNPOSTED))
        ),
        # Triage: an SMLO, while it is open and not sent elsewhere (the form shows nothing
        # of the person, so it opens for an SMLO whatever the state).
        Verb.SHOW_TRIAGE: lambda: smlo,
        # Escalation: an SMLO, on any sent referral, open or closed, not withdrawn.
        Verb.SHOW_ESCALATION: lambda: smlo and state in ESCALATABLE,
        Verb.ESCALATE: lambda: smlo and state in ESCALATABLE,
        Verb.TRIAGE: lambda: smlo and state in TRIAGEABLE,
        # Pathway: as for escalation, on any sent referral, not withdrawn.
        Verb.SHOW_PATHWAY: lambda: smlo and state in ESCALATABLE,
        Verb.RECORD_PATHWAY: lambda: smlo and state in ESCALATABLE,
        # A case given to another advocate: an SMLO, while someone holds it.
        Verb.REASSIGN: lambda: smlo and state is S.ACTIVE,
        # The referrer asks for a different advocate while one supports them; asked in any
        # other state, they are shown their referrals (a withdrawn one no longer knows them).
        Verb.ASK_NEW_ADVOCATE_ASK: lambda: role is Role.REFERRER and state is not S.WITHDRAWN,
        Verb.ASK_NEW_ADVOCATE: lambda: role is Role.REFERRER and state is S.ACTIVE,
        # An anonymous referrer tells the service who they are while it is open; asked in
        # any other state, they are shown their referrals (a withdrawn one no longer knows
        # them). The referral of these presses is anonymous (`SHARES_IDENTITY`).
        Verb.SHARE_IDENTITY_ASK: lambda: role is Role.REFERRER and state is not S.WITHDRAWN,
        Verb.SHARE_IDENTITY: lambda: role is Role.REFERRER and state in WITHDRAWABLE,
        Verb.RECORD_SAVE: lambda: may_close if press.kind is K.CLOSURE else keeps_record,
        # Messages: the referrer, an SMLO, and the advocate once they took it; sent while
        # the referral is open, read until it is withdrawn (the thread goes with it).
        Verb.THREAD: lambda: reads_thread,
        Verb.HIDE_THREAD: lambda: reads_thread,
        Verb.SEND_MESSAGE: lambda: reads_thread and state in TAKES_MESSAGES,
    }
    return rules[verb]()


async def bring_to(world: BotWorld, state: ReferralState, *, anonymous: bool = False) -> Referral:
    """`anonymous`: its referrer chose to be anonymous to the service."""
    service, now = world.services, world.clock.now
    referrer, smlo = Actor(REFERRER_ID), Actor(SMLO_ID, is_smlo=True)
    advocate = Actor(ADVOCATE.user_id, is_advocate=True)
    draft = await service.intake.start_draft(referrer)
    identity = Identity.ANONYMOUS if anonymous else None
    answers = IntakeAnswers(
        route=Route.EXPERIENCED, account="what happened", identity=identity, consent=True
    )
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
        elif state in ACCEPTED:
            await service.casework.accept(advocate, draft.id)
            # One entry, for a correction, an outcome or its details to name.
            onward = OnwardReferral("victim-support", True, date.fromisoformat(DAY), False)
            await service.case_record.add(advocate, draft.id, onward)
            if state is S.CLOSED:
                referral = await world.stores.referrals.get(draft.id)
                referral.close(advocate, now())
                await world.stores.referrals.save(referral)
    return await world.stores.referrals.get(draft.id)


_VERBS = (
    Verb.OPEN,
    Verb.OPEN_SUBJECT_MATCH,
    Verb.HIDE,
    Verb.AUDIT,
    Verb.SHOW_OUT_OF_REMIT,
    Verb.SHOW_ALLOCATE,
    Verb.ALLOCATE,
    Verb.SHOW_OFFER_ANYWAY,
    Verb.OFFER_ANYWAY,
    Verb.OUT_OF_REMIT,
    Verb.ACCEPT,
    Verb.SHOW_DECLINE,
    Verb.DECLINE,
    Verb.OPEN_CASE,
    Verb.HIDE_CASE,
    Verb.WITHDRAW_ASK,
    Verb.WITHDRAW,
    Verb.DELETE_DRAFT,
    Verb.REASSIGN,
    Verb.SHOW_TRIAGE,
    Verb.TRIAGE,
    Verb.SHOW_ESCALATION,
    Verb.ESCALATE,
    Verb.SHOW_PATHWAY,
    Verb.RECORD_PATHWAY,
    Verb.THREAD,
    Verb.SEND_MESSAGE,
    Verb.HIDE_THREAD,
    Verb.ASK_NEW_ADVOCATE_ASK,
    Verb.ASK_NEW_ADVOCATE,
    Verb.SHARE_IDENTITY_ASK,
    Verb.SHARE_IDENTITY,
)
SHARES_IDENTITY = (Verb.SHARE_IDENTITY_ASK, Verb.SHARE_IDENTITY)
_ACTIONS = (
    *(Press(verb) for verb in _VERBS),
    Press(Verb.RECORD),
    Press(Verb.RECORD_ENTRY),
    *(Press(Verb.RECORD_FORM, kind) for kind in EntryKind if kind not in NO_RECORD_FORM),
    *(Press(Verb.RECORD_SAVE, kind) for kind in EntryKind if kind not in NO_RECORD_FORM),
    Press(Verb.RECORD_SAVE, K.CLOSURE, note=False),
)


@pytest.mark.parametrize("state", list(ReferralState), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("press", _ACTIONS, ids=str)
async def test_every_action_is_allowed_only_to_the_right_person_in_the_right_state(
    press: Press, role: Role, state: ReferralState
) -> None:
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral = await bring_to(world, state, anonymous=press.verb in SHARES_IDENTITY)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    before = await world.stores.referrals.get(referral.id)
    entries_before = await world.stores.records.entries(before)
    refused_before = await refusals(world, referral.id)
    person = Conversation(world, IDS[role], f"Person {role}")
    entry_id = entries_before[0].id if entries_before else NO_SUCH_ENTRY
    data = press.data(referral.id, entry_id)

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": press.verb.value, "data": data}},
        Message("msg-forged"),  # Teams names the message whose card was pressed
    )

    words = card_text(response.body.value)
    was_refused = any(refusal in words for refusal in REFUSALS)
    if allowed(press, role, state):
        assert not was_refused, f"{role} should be able to {press} when {state}: {words}"
        if press.verb in (Verb.RECORD, Verb.RECORD_ENTRY) and entries_before:
            assert ENTRY_WORDS in words, f"the entry is not shown: {words}"
        if press.verb is Verb.RECORD_SAVE:
            saved = await world.stores.records.entries(before)
            assert len(saved) > len(entries_before), f"nothing saved: {words}"
        if press.verb is Verb.SHARE_IDENTITY:
            after = await world.stores.referrals.get(referral.id)
            assert after.answers.identity is Identity.NAMED, f"still anonymous: {words}"
    else:
        assert was_refused, f"{role} must not {press} when {state}, yet got: {words}"
        after = await world.stores.referrals.get(referral.id)
        entries_after = await world.stores.records.entries(after)
        assert (after.state, after.answers, after.offered_to, after.advocate_id) == (
            before.state,
            before.answers,
            before.offered_to,
            before.advocate_id,
        ), "a refusal changes nothing"
        assert (entries_after, after.history) == (entries_before, before.history), (
            "a refusal adds nothing to the record"
        )
        assert await refusals(world, referral.id) > refused_before, "a refusal is audited"
        assert "what happened" not in words
        assert ENTRY_WORDS not in words


async def refusals(world: BotWorld, referral_id: str) -> int:
    entries = await world.services.steps.audit.for_referral(referral_id)
    return sum(e.outcome is Outcome.REFUSED for e in entries)


@pytest.mark.parametrize("state", list(ReferralState), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
async def test_the_short_way_acts_only_on_the_senders_own_draft_whatever_id_it_carries(
    role: Role, state: ReferralState
) -> None:
    """ "Ask an advocate to contact me" carries the id of what it sends (so a second press
    sends nothing more): the referrer's own draft is sent, their own sent referral shown
    again; an id of someone else's referral is refused, audited, and changes nothing."""
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

    answer = card_text(response.body.value)
    if state is S.WITHDRAWN:  # its referrer is erased: the same plain answer for anyone
        assert "This referral is already withdrawn" in answer
    elif role is not Role.REFERRER:
        assert "This is not available to you" in answer
        assert await refusals(world, referral.id) >= 1
    else:
        assert "Your referral has been sent" in answer
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


# -- The person's consent to an escalation, and the SMLO's sealed decision ----------------


class Decision(StrEnum):
    """The escalation decision on the referral whose consent the button names."""

    CONSENTED = "consented"  # they agreed, and were told: the one they may withdraw
    NOT_TOLD = "consented_not_told"  # they agreed; telling them would increase the risk
    DECLINED = "declined"
    WITHOUT_CONSENT = "without_consent"
    WITHDRAWN = "withdrawn"  # they agreed, and have withdrawn it already
    ELSEWHERE = "elsewhere"  # a consent on another referral of theirs, named on this one


SEALED = "SEALED-CANARY"  # in every sealed field: only an SMLO's look at the entry shows it


def decision_of(kind: Decision, day: date) -> Escalation:
    consent = {
        Decision.DECLINED: Consent.DECLINED,
        Decision.WITHOUT_CONSENT: Consent.WITHOUT_CONSENT,
    }.get(kind, Consent.CONSENTED)
    categories = () if consent is Consent.DECLINED else (InfoCategory.IDENTITY,)
    return Escalation(
        Destination.PSD,
        consent,
        day,
        f"{SEALED} rationale",
        categories,
        approved_by=f"{SEALED} approver" if consent is Consent.WITHOUT_CONSENT else "",
        note=f"{SEALED} note",
        tell_person=kind is not Decision.NOT_TOLD,
        not_told_reason=f"{SEALED} reason" if kind is Decision.NOT_TOLD else "",
    )


async def with_a_decision(world: BotWorld, state: ReferralState, kind: Decision) -> tuple[str, str]:
    """A referral brought to `state` with one escalation decision of `kind` on it (none on a
    draft, where there cannot be one): its id and the decision's id (one never stored, on
    a draft)."""
    smlo, referrer = Actor(SMLO_ID, is_smlo=True), Actor(REFERRER_ID)
    service, day = world.services, world.clock.now().date()
    referral = await bring_to(world, S.SUBMITTED if state is S.WITHDRAWN else state)
    if state is S.DRAFT:
        return referral.id, NO_SUCH_ENTRY
    decided_on = referral.id
    if kind is Decision.ELSEWHERE:  # their other referral: its decision is named here
        decided_on = (await bring_to(world, S.SUBMITTED)).id
    await service.triage.record_escalation(smlo, decided_on, decision_of(kind, day))
    (decision,) = (await world.stores.referrals.get(decided_on)).escalations
    if kind is Decision.WITHDRAWN:
        await service.intake.withdraw_consent(referrer, decided_on, decision.id)
    if state is S.WITHDRAWN:
        await service.intake.withdraw(referrer, referral.id)
    return referral.id, decision.id


def may_withdraw_consent(role: Role, state: ReferralState, kind: Decision) -> bool:
    """The referrer, of a consent they gave to a decision they were told of, on that
    referral, while it is sent and not withdrawn (closed included)."""
    return role is Role.REFERRER and state in ESCALATABLE and kind is Decision.CONSENTED


@pytest.mark.parametrize("kind", list(Decision), ids=str)
@pytest.mark.parametrize("state", list(ReferralState), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("verb", [Verb.WITHDRAW_CONSENT_ASK, Verb.WITHDRAW_CONSENT], ids=str)
async def test_only_the_referrer_withdraws_a_consent_they_gave_and_were_told_of(
    verb: Verb, role: Role, state: ReferralState, kind: Decision
) -> None:
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral_id, escalation_id = await with_a_decision(world, state, kind)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    before = await world.stores.referrals.get(referral_id)
    entries_before = await world.stores.records.entries(before)
    pending = await world.stores.outbox.pending()
    withdrawals_before = sum(n.kind is CONSENT_WITHDRAWN for n in pending)
    person = Conversation(world, IDS[role], f"Person {role}")
    data = {"referral_id": referral_id, "escalation_id": escalation_id}

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb.value, "data": data}},
        Message("msg-forged"),
    )

    words = card_text(response.body.value)
    after = await world.stores.referrals.get(referral_id)
    withdrawals = [n for n in await world.stores.outbox.pending() if n.kind is CONSENT_WITHDRAWN]
    assert SEALED not in words, "the sealed text is never on the person's cards"
    if not may_withdraw_consent(role, state, kind):
        # Refused; or, to the referrer asking on their own referral, where it stands: no
        # question about a consent they cannot withdraw (or never heard of).
        own = role is Role.REFERRER and verb is Verb.WITHDRAW_CONSENT_ASK
        if own and state is not S.WITHDRAWN:
            assert "Your referrals" in words, words
            assert "Withdraw your consent" not in words
            if kind is not Decision.ELSEWHERE:  # that one is theirs to withdraw, elsewhere
                assert "Withdraw consent" not in words
                assert "Professional Standards" not in words
        else:
            assert any(refusal in words for refusal in (*REFUSALS, "We could not find")), (
                f"{role} must not {verb} a {kind} decision when {state}, yet got: {words}"
            )
        assert (after.history, await world.stores.records.entries(after)) == (
            before.history,
            entries_before,
        ), "a refusal changes nothing"
        assert len(withdrawals) == withdrawals_before, "and tells nobody"
    elif verb is Verb.WITHDRAW_CONSENT_ASK:
        assert "Withdraw your consent" in words, words
        assert after.history == before.history
    else:
        assert "Your consent is withdrawn" in words, words
        assert after.escalations[-1].consent_withdrawn
        assert {n.recipient_id for n in withdrawals} == set(SMLO_IDS), "the SMLOs are told"


@pytest.mark.parametrize("state", sorted(ESCALATABLE), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("verb", [Verb.RECORD, Verb.RECORD_ENTRY], ids=str)
async def test_an_escalation_decision_on_the_record_is_read_by_an_smlo_alone(
    verb: Verb, role: Role, state: ReferralState
) -> None:
    """The case record's buttons naming the decision's entry: its sealed text (rationale,
    note, approver, why the person is not told) is shown to an SMLO and nobody else, not
    even the advocate who holds the case and reads the rest of its record."""
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral_id, escalation_id = await with_a_decision(world, state, Decision.NOT_TOLD)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    person = Conversation(world, IDS[role], f"Person {role}")
    data = {"referral_id": referral_id, "entry_id": escalation_id}

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb.value, "data": data}},
        Message("msg-forged"),
    )

    words = card_text(response.body.value)
    if role is Role.SMLO:
        assert (
            f"{SEALED} rationale" in words if verb is Verb.RECORD_ENTRY else "Escalation" in words
        )
    else:
        assert SEALED not in words, f"{role} read the sealed decision: {words}"
        assert "Professional Standards" not in words, f"{role} learnt of the decision: {words}"


@pytest.mark.parametrize("role", list(Role), ids=str)
async def test_only_an_smlo_is_offered_the_figures_as_a_file_whatever_the_card_says(
    role: Role,
) -> None:
    """ "Get this as a spreadsheet" pressed by each person on a forged figures card: an
    SMLO keeps the figures card and is sent the file's consent card; anyone else is
    refused, audited, and offered nothing. (Accepting an offer is checked again: the
    protocol tests forge that answer, tests/protocol/test_figures_file.py.)"""
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())  # June-November 2025 ended
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    await bring_to(world, S.ACTIVE)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    person = Conversation(world, IDS[role], f"Person {role}")
    verb = Verb.FIGURES_FILE.value
    data = {"verb": verb, "period": "window-2025-06"}

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb, "data": data}}, Message("msg-forged")
    )

    words = card_text(response.body.value)
    looks = await world.services.steps.audit.for_referral(STATISTICS)
    if role is Role.SMLO:
        assert "Figures for the six-month review June to November 2025" in words
        assert [m.card for m in person.messages] == [None], "one message: the consent card"
        assert [e.outcome for e in looks] == [Outcome.ALLOWED]
    else:
        assert "This is not available to you" in words
        assert person.messages == [], "no file offered"
        assert [e.outcome for e in looks] == [Outcome.REFUSED]


@pytest.mark.parametrize("role", list(Role), ids=str)
async def test_only_an_smlo_is_offered_the_scrutiny_panels_file_whatever_the_card_says(
    role: Role,
) -> None:
    """ "Closed cases for the scrutiny panel" pressed by each person on a forged figures
    card: an SMLO keeps the card and is sent the file's consent card; anyone else is
    refused, audited, and offered nothing. A quarter is not a review: refused to all."""
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())  # June-November 2025 ended
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    await bring_to(world, S.CLOSED)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    person = Conversation(world, IDS[role], f"Person {role}")
    verb = Verb.SCRUTINY_FILE.value

    async def press(period: str) -> str:
        data = {"verb": verb, "period": period}
        action = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
        response = await person.invoke(action, Message("msg-forged"))
        return card_text(response.body.value)

    words = await press("window-2025-06")
    quarter = await press("quarter-2025-06")
    latest = await press("")  # no period: the latest review, and the card still answers

    exports = await world.services.steps.audit.for_referral(SCRUTINY)
    if role is Role.SMLO:
        assert "Figures for the six-month review June to November 2025" in words
        assert "Figures for the six-month review June to November 2025" in latest
        assert [m.card for m in person.messages] == [None, None], "two consent cards"
        assert [e.outcome for e in exports] == [Outcome.ALLOWED, Outcome.REFUSED, Outcome.ALLOWED]
        assert "Those figures are not available" in quarter
    else:
        assert "This is not available to you" in words
        assert person.messages == [], "no file offered"
        assert [e.outcome for e in exports] == [Outcome.REFUSED] * 3


# -- Advocates' capacity: their own availability, and the SMLO's caseload limits ------------

CAPACITY_PRESSES = {
    Verb.AVAILABILITY: {},
    Verb.SET_AVAILABILITY: {"availability": "away", "until": "2026-03-20"},
    Verb.LIMITS: {},
    Verb.SET_LIMIT: {"advocate_id": OTHER_ADVOCATE.user_id, "limit": "5"},
}


def may_change_capacity(verb: Verb, role: Role) -> bool:
    """An active advocate, their own availability (whatever the card names); the SMLO,
    any advocate's caseload limit."""
    if verb in (Verb.AVAILABILITY, Verb.SET_AVAILABILITY):
        return role in (Role.ADVOCATE, Role.OTHER_ADVOCATE)
    return role is Role.SMLO


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("verb", list(CAPACITY_PRESSES), ids=str)
async def test_availability_is_set_by_the_advocate_and_limits_by_the_smlo_alone(
    verb: Verb, role: Role
) -> None:
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    roster_before = await world.stores.roster.list_advocates()
    person = Conversation(world, IDS[role], f"Person {role}")
    data = {"verb": verb.value, **CAPACITY_PRESSES[verb]}

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb.value, "data": data}},
        Message("msg-forged"),
    )

    words = card_text(response.body.value)
    roster_after = await world.stores.roster.list_advocates()
    if may_change_capacity(verb, role):
        assert not any(refusal in words for refusal in REFUSALS), words
        changed = {a.user_id for a in roster_after} - {a.user_id for a in roster_before}
        assert not changed
        if verb is Verb.SET_AVAILABILITY:
            mine = await world.stores.roster.get_advocate(IDS[role])
            assert mine is not None
            assert mine.availability.until == date(2026, 3, 20)
        if verb is Verb.SET_LIMIT:
            assert "can now hold 5 cases" in words
    else:
        assert "This is not available to you" in words, words
        assert roster_after == roster_before, "a refusal changes nothing"
        if verb in (Verb.SET_AVAILABILITY, Verb.SET_LIMIT):
            subject = IDS[role] if verb is Verb.SET_AVAILABILITY else OTHER_ADVOCATE.user_id
            trail = await world.services.steps.audit.for_referral(roster_subject(subject))
            assert [e.outcome for e in trail] == [Outcome.REFUSED], "a refusal is audited"


CHECKIN_PRESSES: dict[Verb, dict[str, str]] = {
    Verb.CHECKIN: {},
    Verb.ANSWER_CHECKIN: {"feeling": "stretched", "capacity": "1", "hours": "4"},
}


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("verb", list(CHECKIN_PRESSES), ids=str)
async def test_only_an_advocate_on_the_list_may_open_or_answer_a_check_in(
    verb: Verb, role: Role
) -> None:
    """The check-in card and its answer pressed by each person: an advocate on the list
    gets the card or the thank-you; anyone else is refused, audited, and nothing is kept."""
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    person = Conversation(world, IDS[role], f"Person {role}")
    data = {"verb": verb.value, **CHECKIN_PRESSES[verb]}

    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb.value, "data": data}},
        Message("msg-forged"),
    )

    words = card_text(response.body.value)
    kept = await world.stores.checkins.latest()
    trail = await world.services.steps.audit.for_referral(CHECKINS)
    if role in (Role.ADVOCATE, Role.OTHER_ADVOCATE):
        assert "This is not available to you" not in words, words
        expected = "Thank you for checking in" if verb is Verb.ANSWER_CHECKIN else "How are you"
        assert expected in words
        assert list(kept) == ([IDS[role]] if verb is Verb.ANSWER_CHECKIN else [])
    else:
        assert "This is not available to you" in words, words
        assert kept == {}, "a refusal keeps nothing"
        assert [e.outcome for e in trail] == [Outcome.REFUSED], "a refusal is audited"


# -- A referral an SMLO took for someone without Teams (referrals/outside.py) -------------

OUTSIDE_ANSWERS = IntakeAnswers(
    route=Route.ON_BEHALF,
    behalf_consent=YesNoUnsure.YES,
    contact_methods=(ContactMethod.PERSONAL_PHONE,),
    personal_phone="07700 900111",
    account="what happened",
    consent=True,
)
FOR_PERSON = (Verb.WITHDRAW_FOR_PERSON_ASK, Verb.WITHDRAW_FOR_PERSON)


async def bring_outside_to(world: BotWorld, state: ReferralState) -> Referral:
    """A referral the SMLO took for someone without Teams, brought to `state`."""
    service, now = world.services, world.clock.now
    smlo, advocate = Actor(SMLO_ID, is_smlo=True), Actor(ADVOCATE.user_id, is_advocate=True)
    draft, _ = await service.outside.start_draft(smlo)
    await service.intake.record_answers(smlo, draft.id, OUTSIDE_ANSWERS, IntakeStep.REVIEW)
    if state is S.DRAFT:
        return draft
    await service.intake.submit(smlo, draft.id)
    if state is S.WITHDRAWN:
        await service.outside.withdraw_for_person(smlo, draft.id, WithdrawnFor.BY_PHONE)
    elif state is S.SIGNPOSTED:
        await service.triage.signpost_to_service(smlo, draft.id, "rape-crisis")
    elif state is not S.SUBMITTED:
        await service.triage.offer(smlo, draft.id, ADVOCATE.user_id)
        if state is S.AWAITING_ALLOCATION:
            await service.casework.decline(advocate, draft.id, DeclineReason.NO_CAPACITY)
        elif state in ACCEPTED:
            await service.casework.accept(advocate, draft.id)
            if state is S.CLOSED:
                referral = await world.stores.referrals.get(draft.id)
                referral.close(advocate, now())
                await world.stores.referrals.save(referral)
    return await world.stores.referrals.get(draft.id)


async def press_on(world: BotWorld, role: Role, verb: Verb, referral_id: str) -> str:
    person = Conversation(world, IDS[role], f"Person {role}")
    data = {"verb": verb.value, "referral_id": referral_id, "how": "by_phone"}
    response = await person.invoke(
        {"action": {"type": "Action.Execute", "verb": verb.value, "data": data}},
        Message("msg-forged"),
    )
    return card_text(response.body.value)


@pytest.mark.parametrize("state", list(ReferralState), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("verb", FOR_PERSON, ids=str)
async def test_only_an_smlo_withdraws_a_referral_for_someone_without_teams(
    verb: Verb, role: Role, state: ReferralState
) -> None:
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral = await bring_outside_to(world, state)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    before = await world.stores.referrals.get(referral.id)
    refused_before = await refusals(world, referral.id)

    words = await press_on(world, role, verb, referral.id)

    after = await world.stores.referrals.get(referral.id)
    if role is Role.SMLO and state in WITHDRAWABLE:
        assert not any(refusal in words for refusal in REFUSALS), words
        withdrawn = verb is Verb.WITHDRAW_FOR_PERSON
        assert (after.state is S.WITHDRAWN) is withdrawn
    else:
        assert any(refusal in words for refusal in REFUSALS), f"{role} {verb} {state}: {words}"
        assert (after.state, after.answers, after.history) == (
            before.state,
            before.answers,
            before.history,
        ), "a refusal changes nothing"
        assert await refusals(world, referral.id) > refused_before, "a refusal is audited"
        assert "what happened" not in words


@pytest.mark.parametrize("state", sorted(WITHDRAWABLE), ids=str)
@pytest.mark.parametrize("verb", FOR_PERSON, ids=str)
async def test_a_referral_made_in_teams_is_never_withdrawn_for_its_referrer(
    verb: Verb, state: ReferralState
) -> None:
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral = await bring_to(world, state)

    words = await press_on(world, Role.SMLO, verb, referral.id)

    assert "This is not available to you" in words
    assert (await world.stores.referrals.get(referral.id)).state is state
    assert await refusals(world, referral.id) >= 1


@pytest.mark.parametrize("role", list(Role), ids=str)
async def test_only_an_smlo_takes_a_referral_for_someone_without_teams(role: Role) -> None:
    """Anyone else who types or forges `new referral` is welcomed to refer for themselves,
    and no referral for someone without Teams is started."""
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    await world.stores.roster.put_advocate(ADVOCATE)
    if role is Role.INACTIVE_ADVOCATE:
        await world.stores.roster.put_advocate(replace(ADVOCATE, active=False))
    person = Conversation(world, IDS[role], f"Person {role}")
    verb = Verb.NEW_FOR_SOMEONE.value

    response = await person.invoke({"action": {"type": "Action.Execute", "verb": verb, "data": {}}})

    draft = await world.stores.referrals.find_draft(IDS[role])
    if role is Role.SMLO:
        assert draft is not None
        assert draft.outside_teams
        assert "someone who is not in Teams" in card_text(response.body.value)
    else:
        assert draft is None
        assert "Start a referral" in card_text(response.body.value)


# Every button an SMLO may press on a referral: pressed by the SMLO it is about.
SMLO_PRESSES = tuple(
    p
    for p in _ACTIONS
    if p.verb
    not in (
        Verb.ACCEPT,
        Verb.SHOW_DECLINE,
        Verb.DECLINE,
        Verb.WITHDRAW_ASK,
        Verb.WITHDRAW,
        Verb.DELETE_DRAFT,
        Verb.ASK_NEW_ADVOCATE_ASK,
        Verb.ASK_NEW_ADVOCATE,
    )
    and allowed(p, Role.SMLO, S.ACTIVE) | allowed(p, Role.SMLO, S.SUBMITTED)
)


@pytest.mark.parametrize("state", sorted(set(ReferralState) - {S.DRAFT}), ids=str)
@pytest.mark.parametrize("press", SMLO_PRESSES, ids=str)
async def test_the_smlo_a_referral_is_about_is_refused_every_smlo_action_on_it(
    press: Press, state: ReferralState
) -> None:
    """The referrer named an SMLO, whose e-mail the directory resolved when it was sent
    (`referrals.subjects`): whatever they press or forge on it, they are refused and
    audited, and it does not change."""
    world = BotWorld(memory_stores(), FakeClock(), MemoryStorage())
    for advocate in (ADVOCATE, OTHER_ADVOCATE):
        await world.stores.roster.put_advocate(advocate)
    referral = await bring_to(world, state)
    if state is not S.WITHDRAWN:  # withdrawn, whom it named is erased with the rest
        # As the directory resolves it on sending (there is no directory here).
        referral.answers = referral.answers.with_changes(subject_user_id=SMLO_ID)
        await world.stores.referrals.save(referral)
    before = await world.stores.referrals.get(referral.id)
    entries_before = await world.stores.records.entries(before)
    refused_before = await refusals(world, referral.id)
    person = Conversation(world, SMLO_ID, "The SMLO it is about")
    entry_id = entries_before[0].id if entries_before else NO_SUCH_ENTRY

    response = await person.invoke(
        {
            "action": {
                "type": "Action.Execute",
                "verb": press.verb.value,
                "data": press.data(referral.id, entry_id),
            }
        },
        Message("msg-forged"),
    )

    words = card_text(response.body.value)
    if state is S.WITHDRAWN:
        return  # (covered above: a withdrawn referral shows nobody what it named)
    assert any(refusal in words for refusal in REFUSALS), f"{press} when {state}: {words}"
    after = await world.stores.referrals.get(referral.id)
    assert (after.state, after.answers, after.history) == (
        before.state,
        before.answers,
        before.history,
    ), "a refusal changes nothing"
    assert await refusals(world, referral.id) > refused_before, "a refusal is audited"
    assert "what happened" not in words
