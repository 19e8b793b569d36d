"""The data protection auditor: a role of its own (never with the SMLO or advocate role),
every referral's trail and a monthly access report, never a referral's details; every look
audited, and every refusal too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cards.audit import ACTIONS, audit_card
from cards.elements import Element
from cards.help import HelpFor, help_card
from cards.oversight import PEOPLE_PER_PAGE, access_report_card
from cards.verbs import Verb
from referrals import errors
from referrals.access_report import REFERRERS, build_access_report, complete_months, month_bounds
from referrals.audit import ACCESS_REPORT, ActorRole, AuditAction, AuditEntry, Outcome
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate
from referrals.services import Services
from storage.memory import MemoryAuditLog, memory_stores
from tests.support.teams import card_texts

SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
AUDITOR_ID = "auditor-1"
ADA = Advocate("advocate-1", "Ada Advocate")
ACCOUNT = "CANARY what happened at the station"
MAY = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def service() -> Services:
    stores = memory_stores()
    await stores.roster.put_advocate(ADA)
    return Services.build(
        stores,
        FakeClock(MAY),
        frozenset({SMLO.user_id, "smlo-and-auditor"}),
        MemoryAuditLog(),
        auditor_ids=frozenset({AUDITOR_ID, "smlo-and-auditor", ADA.user_id}),
    )


async def refer(service: Services, n: int = 1) -> str:
    referrer = Actor(f"referrer-{n}")
    draft = await service.intake.start_draft(referrer)
    answers = IntakeAnswers(route=Route.EXPERIENCED, account=ACCOUNT, consent=True)
    await service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await service.intake.submit(referrer, draft.id)
    return draft.id


def all_text(card: Element) -> str:
    return "\n".join(card_texts(card))


def clock_of(service: Services) -> FakeClock:
    assert isinstance(service.steps.clock, FakeClock)
    return service.steps.clock


async def test_the_auditor_role_comes_from_the_auditor_ids_and_never_with_another_role(
    service: Services,
) -> None:
    auditor = await service.identify(AUDITOR_ID)
    both = await service.identify("smlo-and-auditor")
    advocate = await service.identify(ADA.user_id)
    someone = await service.identify("someone")

    assert auditor.is_auditor
    assert not auditor.is_smlo
    assert not auditor.is_advocate
    assert both.is_smlo
    assert not both.is_auditor, "an SMLO is never their own auditor"
    assert advocate.is_advocate
    assert not advocate.is_auditor
    assert not someone.is_auditor
    assert not (await service.identify("")).is_auditor


async def test_the_auditor_reads_any_referrals_trail_and_the_look_is_on_it(
    service: Services,
) -> None:
    referral_id = await refer(service)
    reference = (await service.steps.stores.referrals.get(referral_id)).reference
    auditor = await service.identify(AUDITOR_ID)

    referral, entries = await service.oversight.audit_trail(auditor, reference.lower())

    assert referral.id == referral_id
    assert [e.action for e in entries][-2:] == [AuditAction.SUBMIT, AuditAction.VIEW_AUDIT]
    assert (entries[-1].actor_id, entries[-1].actor_role) == (AUDITOR_ID, ActorRole.AUDITOR)
    card = audit_card(referral, entries, {}, for_auditor=True)
    words = all_text(card)
    assert ACCOUNT not in words
    assert f"id {AUDITOR_ID}" in words
    assert "smlo.hide" not in str(card), "no way from the trail to the referral's card"


@pytest.mark.parametrize(
    "look",
    [
        lambda s, a, r: s.triage.view(a, r),
        lambda s, a, r: s.triage.face(a, r),
        lambda s, a, r: s.triage.allocation_options(a, r),
        lambda s, a, r: s.case_record.read(a, r),
        lambda s, a, r: s.intake.withdraw(a, r),
        lambda s, a, r: s.triage.offer(a, r, ADA.user_id),
    ],
    ids=["details", "face", "allocation", "case record", "withdraw", "offer"],
)
async def test_the_auditor_can_never_open_or_act_on_a_referral_and_each_try_is_audited(
    service: Services, look: object
) -> None:
    referral_id = await refer(service)
    auditor = await service.identify(AUDITOR_ID)

    with pytest.raises(errors.NotPermitted):
        await look(service, auditor, referral_id)  # type: ignore[operator]

    last = (await service.steps.audit.for_referral(referral_id))[-1]
    assert (last.actor_id, last.actor_role, last.outcome) == (
        AUDITOR_ID,
        ActorRole.AUDITOR,
        Outcome.REFUSED,
    )


async def test_only_the_auditor_gets_the_access_report_and_the_smlo_is_refused_on_the_record(
    service: Services,
) -> None:
    with pytest.raises(errors.NotAnAuditor):
        await service.oversight.access_report(SMLO)
    with pytest.raises(errors.NotAnAuditor):
        await service.oversight.audit_trail(SMLO, "SMA-2026-0001")

    [refused] = await service.steps.audit.for_referral(ACCESS_REPORT)
    assert (refused.actor_id, refused.action, refused.outcome) == (
        SMLO.user_id,
        AuditAction.VIEW_ACCESS_REPORT,
        Outcome.REFUSED,
    )


async def test_the_access_report_counts_last_months_reads_by_person_and_is_audited(
    service: Services,
) -> None:
    referral_id = await refer(service)
    await service.triage.view(SMLO, referral_id)
    await service.triage.view(SMLO, referral_id)
    with pytest.raises(errors.NotPermitted):
        await service.triage.view(Actor("nosy-1"), referral_id)
    clock_of(service).advance(timedelta(days=20))  # June: May is the last whole month
    await service.triage.view(SMLO, referral_id)  # in June: not in May's report
    auditor = await service.identify(AUDITOR_ID)

    report = await service.oversight.access_report(auditor)

    assert report.month == "2026-05"
    assert report.months[:2] == ("2026-05", "2026-04")
    assert len(report.months) == 12
    people = {p.actor_id: p for p in report.people}
    assert report.people[0].actor_id == "nosy-1", "the most refused first"
    assert dict(people[SMLO.user_id].allowed) == {AuditAction.VIEW_DETAILS: 2}
    assert dict(people["nosy-1"].refused) == {AuditAction.VIEW_DETAILS: 1}
    assert dict(people[REFERRERS].allowed) == {AuditAction.CHANGE_DRAFT: 1, AuditAction.SUBMIT: 1}
    assert (report.entries, report.refusals) == (5, 1)
    [look] = await service.steps.audit.for_referral(ACCESS_REPORT)
    assert (look.actor_id, look.actor_role, look.outcome) == (
        AUDITOR_ID,
        ActorRole.AUDITOR,
        Outcome.ALLOWED,
    )
    words = all_text(access_report_card(report, {SMLO.user_id: "Sam Smlo"}))
    assert "Access report for May 2026" in words
    assert "Sam Smlo (service lead)" in words
    assert "id nosy-1" in words
    assert ACCOUNT not in words


async def test_an_earlier_whole_month_may_be_chosen_but_not_the_month_in_progress(
    service: Services,
) -> None:
    auditor = await service.identify(AUDITOR_ID)

    april = await service.oversight.access_report(auditor, "2026-04")
    now = await service.oversight.access_report(auditor, "2026-05")  # not over yet
    long_ago = await service.oversight.access_report(auditor, "2019-01")

    assert (april.month, now.month, long_ago.month) == ("2026-04", "2026-04", "2026-04")


def test_months_are_whole_calendar_months_in_utc() -> None:
    assert complete_months(datetime(2026, 1, 15, tzinfo=UTC), 3) == (
        "2025-12",
        "2025-11",
        "2025-10",
    )
    assert month_bounds("2025-12") == (
        datetime(2025, 12, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_a_busy_month_comes_a_page_of_people_at_a_time_within_the_card_limit() -> None:
    at = datetime(2026, 4, 2, tzinfo=UTC)
    entries = [
        AuditEntry(at, f"r{n}", f"person-{n:03d}", ActorRole.OTHER, action, outcome)
        for n in range(200)
        for action in AuditAction
        for outcome in Outcome
    ]
    report = build_access_report("2026-04", entries, complete_months(MAY))

    first = access_report_card(report, {})
    last = access_report_card(report, {}, page=99)

    assert len(str(first)) < 28_000
    assert f"page 1 of {-(-200 // PEOPLE_PER_PAGE)}" in all_text(first)
    assert "Next page" in str(first)
    assert "Next page" not in str(last)
    assert "Previous page" in str(last)


def test_the_auditors_help_offers_the_access_report() -> None:
    card: Element = help_card(HelpFor(auditor=True), help_lines="")

    assert Verb.ACCESS_REPORT.value in str(card)
    assert "audit SMA-2026-0042" in all_text(card)
    assert Verb.INBOX.value not in str(card)


def test_every_kind_of_audited_action_has_its_words_on_the_trail() -> None:
    assert set(ACTIONS) == set(AuditAction)
