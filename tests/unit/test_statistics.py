"""What a referral counts for, month by month, and the report built from the counts.

Referrals are moved through the real transitions; `contribution_of` is a pure function of
the referral, so counting each change as it happens must always equal counting again
from the referrals as they end up (the stores rely on this: tests/storage hold them to it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referrals import errors
from referrals.case_record import (
    CaseEntry,
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    Content,
    Correction,
    EntryKind,
    OnwardOutcome,
    OnwardReferral,
    OnwardReferralOutcome,
    RiskAssessment,
    RiskLevel,
    UpdateKind,
    UpdateRecorded,
)
from referrals.escalation import Consent, Destination, Escalation, InfoCategory
from referrals.intake import (
    AgeBand,
    ContactMethod,
    Employment,
    Gender,
    IntakeAnswers,
    IntakeStep,
    Route,
    Wish,
    YesNoUnsure,
)
from referrals.pathway import Outcome as StepOutcome
from referrals.pathway import PathwayStep, StepConsent, StepKind, StepStatus
from referrals.people import Actor, Advocate
from referrals.referral import DeclineReason, ReassignReason, Referral
from referrals.signposting import Signpost
from referrals.statistics import (
    NOT_GIVEN,
    Contact,
    Key,
    Measure,
    MonthTallies,
    Onward,
    Result,
    Wait,
    add,
    build_report,
    change,
    contribution_of,
    last_months,
    month_of,
    recount,
    wait_band,
)
from referrals.suppression import SMALL_CELL_LIMIT, Cell, Shown, is_small

M = Measure
START = datetime(2026, 1, 30, 22, 0, tzinfo=UTC)
REFERRER = Actor("referrer-1", "Rosa Referrer")
SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
ADA = Advocate("advocate-1", "Ada Advocate")
BEN = Advocate("advocate-2", "Ben Advocate")
SMLO_IDS = ("smlo-1",)
ANSWERS = IntakeAnswers(
    route=Route.WITNESSED,
    employment=Employment.STAFF,
    wishes=(Wish.INFORMATION, Wish.FORMAL_REPORT),
    account="what happened",
    personal_email="rosa@example.org",
    gender=Gender.PREFER_NOT,
    consent=True,
)


def as_actor(advocate: Advocate) -> Actor:
    return Actor(advocate.user_id, advocate.display_name, is_advocate=True)


def sent(at: datetime = START, answers: IntakeAnswers = ANSWERS) -> Referral:
    referral = Referral.start_draft(REFERRER, at)
    referral.record_answers(REFERRER, answers, IntakeStep.REVIEW, at)
    referral.submit(REFERRER, "SMA-2026-0001", SMLO_IDS, at)
    return referral


def test_a_draft_counts_for_nothing() -> None:
    draft = Referral.start_draft(REFERRER, START)
    draft.record_answers(REFERRER, ANSWERS, IntakeStep.REVIEW, START)

    assert contribution_of(draft) == {}


def test_a_sent_referral_counts_once_with_its_answers_in_the_month_it_arrived() -> None:
    assert contribution_of(sent()) == {
        "2026-01": {
            (M.RECEIVED, ""): 1,
            (M.ROUTE, Route.WITNESSED): 1,
            (M.EMPLOYMENT, Employment.STAFF): 1,
            (M.GENDER, Gender.PREFER_NOT): 1,  # "prefer not to say" is counted as such
            (M.AGE_BAND, NOT_GIVEN): 1,  # and a skipped question as "not given"
            (M.WISH, Wish.INFORMATION): 1,
            (M.WISH, Wish.FORMAL_REPORT): 1,
        }
    }


def test_a_referral_taken_for_someone_without_teams_counts_as_one_on_their_behalf() -> None:
    """No category of its own (referrals/outside.py): it would be a small cell each period."""
    taken = Referral.start_outside_draft(SMLO, START)
    by_phone = ANSWERS.with_changes(
        route=Route.EXPERIENCED,
        leaving=YesNoUnsure.YES,
        contact_methods=(ContactMethod.PERSONAL_PHONE,),
        behalf_consent=YesNoUnsure.YES,
    )
    taken.record_answers(SMLO, by_phone, IntakeStep.REVIEW, START)
    taken.submit(SMLO, "SMA-2026-0002", SMLO_IDS, START)

    counted = contribution_of(taken)["2026-01"]

    assert counted[(M.ROUTE, Route.ON_BEHALF)] == 1
    assert counted[(M.EMPLOYMENT, Employment.STAFF)] == 1
    assert (M.GENDER, NOT_GIVEN) in counted, "the monitoring step is not asked on behalf"


def test_a_case_given_to_another_advocate_counts_both_and_never_unsays_the_first() -> None:
    referral = sent()
    referral.offer(SMLO, ADA, START + timedelta(hours=1))
    referral.accept(as_actor(ADA), SMLO_IDS, START + timedelta(hours=2))
    before = contribution_of(referral)
    referral.reassign(SMLO, BEN, ReassignReason.CONFLICT_FOUND, START + timedelta(days=3))
    while_offered = contribution_of(referral)
    referral.accept(as_actor(BEN), SMLO_IDS, START + timedelta(days=4))

    assert while_offered == before  # the first advocate's work is not taken back
    months = contribution_of(referral)
    assert months["2026-01"][(M.ADVOCATE, ADA.user_id)] == 1
    assert months["2026-02"][(M.ADVOCATE, BEN.user_id)] == 1


def test_each_outcome_counts_in_the_month_it_happened_with_the_advocate_who_took_it() -> None:
    referral = sent()
    referral.offer(SMLO, BEN, START + timedelta(hours=1))
    referral.decline(as_actor(BEN), DeclineReason.NO_CAPACITY, SMLO_IDS, START + timedelta(days=1))
    referral.offer(SMLO, ADA, START + timedelta(days=2))
    referral.accept(as_actor(ADA), SMLO_IDS, START + timedelta(days=3))
    referral.close(as_actor(ADA), START + timedelta(days=40))

    months = contribution_of(referral)

    assert sorted(months) == ["2026-01", "2026-02", "2026-03"]
    assert months["2026-02"] == {
        (M.RESULT, Result.ALLOCATED): 1,
        (M.ADVOCATE, ADA.user_id): 1,
        (M.TIME_TO_ALLOCATION, Wait.DAYS_3_TO_7): 1,  # sent 30 Jan 22:00, taken 2 Feb 22:00
    }
    assert months["2026-03"] == {
        (M.RESULT, Result.CLOSED): 1,
        (M.CLOSED_AS, NOT_GIVEN): 1,  # closed without a closing entry: no outcome given
    }
    assert (M.ADVOCATE, BEN.user_id) not in months["2026-01"], "a decline deploys nobody"


def test_withdrawal_and_the_retention_purge_keep_every_statistic() -> None:
    referral = sent()
    referral.mark_out_of_remit(SMLO, Signpost.HR, START + timedelta(hours=2))
    before = contribution_of(referral)
    referral.withdraw(REFERRER, SMLO_IDS, START + timedelta(days=5))
    withdrawn = contribution_of(referral)

    assert referral.answers.account == ""
    assert referral.purge(START + timedelta(days=400))
    assert contribution_of(referral) == withdrawn
    add(before, {"2026-02": {(M.RESULT, Result.WITHDRAWN): 1}})
    assert withdrawn == before


# -- the case record ------------------------------------------------------------------------

DAY = timedelta(days=1)
CASE_MEASURES = frozenset(
    {M.CONTACT, M.ONWARD_REFERRAL, M.ONWARD_OUTCOME, M.RISK, M.UPDATE, M.CLOSED_AS}
)


def taken_on(at: datetime = START) -> Referral:
    """A referral Ada has accepted: her case, open for entries."""
    referral = sent(at)
    referral.offer(SMLO, ADA, at + timedelta(minutes=1))
    referral.accept(as_actor(ADA), SMLO_IDS, at + timedelta(minutes=2))
    return referral


def write(referral: Referral, at: datetime, *contents: Content) -> list[CaseEntry]:
    return [referral.add_entry(as_actor(ADA), c, SMLO_IDS, at) for c in contents]


def case_figures(months: MonthTallies) -> dict[str, dict[Key, int]]:
    """Only what the case record adds, month by month."""
    found = {m: {k: n for k, n in t.items() if k[0] in CASE_MEASURES} for m, t in months.items()}
    return {m: t for m, t in found.items() if t}


def test_the_case_record_counts_in_the_month_each_entry_was_written_down() -> None:
    case = taken_on()
    jan, feb, mar = START + DAY, START + 3 * DAY, START + 34 * DAY  # 31 Jan, 2 Feb, 5 Mar
    write(case, jan, ContactLogged(jan, ContactHow.ATTEMPT))
    internal, external = write(
        case,
        feb,
        ContactLogged(feb, ContactHow.PHONE),  # the first that reached them
        ContactLogged(feb, ContactHow.TEAMS),
        RiskAssessment(feb.date(), RiskLevel.HIGH),
        OnwardReferral("counselling", consented=True, referred_on=feb.date(), internal=True),
        OnwardReferral("isva", consented=True, referred_on=feb.date(), internal=False),
    )[-2:]
    write(case, feb, OnwardReferralOutcome(internal.id, OnwardOutcome.WAITING, feb.date()))
    write(
        case,
        mar,
        OnwardReferralOutcome(internal.id, OnwardOutcome.ACCEPTED, mar.date()),
        OnwardReferralOutcome(external.id, OnwardOutcome.NOT_TAKEN_UP, mar.date()),
        RiskAssessment(mar.date(), RiskLevel.LOW),
        UpdateRecorded(UpdateKind.STATEMENT_ATTENDED, mar.date(), "went along"),
        UpdateRecorded(UpdateKind.STATEMENT_ATTENDED, mar.date()),
        ContactLogged(mar, ContactHow.IN_PERSON),
        ContactLogged(mar, ContactHow.ATTEMPT),
    )
    case.close(as_actor(ADA), mar + DAY, Closure(CloseOutcome.SUPPORT_COMPLETED, True, "done"))

    assert case_figures(contribution_of(case)) == {
        "2026-01": {(M.CONTACT, Contact.NOT_REACHED): 1},
        "2026-02": {
            (M.CONTACT, Contact.FIRST): 1,
            (M.CONTACT, Contact.AGAIN): 1,
            (M.RISK, RiskLevel.HIGH): 1,
            (M.ONWARD_REFERRAL, Onward.INTERNAL): 1,
            (M.ONWARD_REFERRAL, Onward.EXTERNAL): 1,
            (M.ONWARD_OUTCOME, OnwardOutcome.WAITING): 1,
        },
        "2026-03": {
            (M.ONWARD_OUTCOME, OnwardOutcome.ACCEPTED): 1,
            (M.ONWARD_OUTCOME, OnwardOutcome.NOT_TAKEN_UP): 1,
            (M.RISK, RiskLevel.LOW): 1,
            (M.UPDATE, UpdateKind.STATEMENT_ATTENDED): 2,
            (M.CONTACT, Contact.AGAIN): 1,
            (M.CONTACT, Contact.NOT_REACHED): 1,
            (M.CLOSED_AS, CloseOutcome.SUPPORT_COMPLETED): 1,
        },
    }
    assert contribution_of(case)["2026-03"][(M.RESULT, Result.CLOSED)] == 1


def test_a_retracted_entry_counts_for_nothing_nor_does_the_outcome_of_one() -> None:
    case = taken_on()
    feb = START + 3 * DAY
    first, risk, onward, update = write(
        case,
        feb,
        ContactLogged(feb, ContactHow.PHONE),
        RiskAssessment(feb.date(), RiskLevel.HIGH),
        OnwardReferral("isva", consented=True, referred_on=feb.date(), internal=False),
        UpdateRecorded(UpdateKind.OTHER, feb.date()),
    )
    write(case, feb, OnwardReferralOutcome(onward.id, OnwardOutcome.ACCEPTED, feb.date()))
    counted_before = case_figures(contribution_of(case))["2026-02"]

    later = feb + 30 * DAY
    for wrong in (first, risk, onward):
        write(case, later, Correction(wrong.id, "written on the wrong case"))

    assert len(counted_before) == 5
    assert case_figures(contribution_of(case)) == {"2026-02": {(M.UPDATE, UpdateKind.OTHER): 1}}
    write(case, later, Correction(update.id, "did not happen"))
    assert case_figures(contribution_of(case)) == {}, "a correction is not counted itself"


def test_a_retracted_first_contact_leaves_the_next_one_that_reaches_them_first() -> None:
    case = taken_on()
    feb = START + 3 * DAY
    (first,) = write(case, feb, ContactLogged(feb, ContactHow.PHONE))
    write(case, feb, Correction(first.id, "it was another case"))
    write(case, feb, ContactLogged(feb, ContactHow.ATTEMPT), ContactLogged(feb, ContactHow.EMAIL))

    assert case_figures(contribution_of(case)) == {
        "2026-02": {(M.CONTACT, Contact.FIRST): 1, (M.CONTACT, Contact.NOT_REACHED): 1}
    }


def test_each_close_counts_by_its_outcome_and_a_signposted_one_as_not_given() -> None:
    case = taken_on()
    case.close(SMLO, START + DAY, Closure(CloseOutcome.MOVED_SERVICE, False, "advocate left"))
    signposted = sent()
    signposted.mark_out_of_remit(SMLO, Signpost.HR, START + DAY)
    signposted.close(SMLO, START + DAY)

    assert case_figures(recount([case, signposted])) == {
        "2026-01": {(M.CLOSED_AS, CloseOutcome.MOVED_SERVICE): 1, (M.CLOSED_AS, NOT_GIVEN): 1}
    }


def test_the_case_record_figures_survive_the_retention_purge() -> None:
    case = taken_on()
    feb = START + 3 * DAY
    (wrong,) = write(case, feb, RiskAssessment(feb.date(), RiskLevel.MEDIUM, actions="call"))
    write(
        case,
        feb,
        ContactLogged(feb, ContactHow.PHONE, "spoke for an hour"),
        UpdateRecorded(UpdateKind.HEARING_ATTENDED, feb.date(), "court 3"),
        Correction(wrong.id, "meant for another case"),
    )
    case.close(as_actor(ADA), feb + DAY, Closure(CloseOutcome.NO_LONGER_WANTED, True, "bye"))
    closed = contribution_of(case)

    assert case.purge(feb + 400 * DAY)
    assert contribution_of(case) == closed
    assert case_figures(closed)["2026-02"] == {
        (M.CONTACT, Contact.FIRST): 1,
        (M.UPDATE, UpdateKind.HEARING_ATTENDED): 1,
        (M.CLOSED_AS, CloseOutcome.NO_LONGER_WANTED): 1,
    }


# -- time to allocation and to first contact -------------------------------------------

HOUR = timedelta(hours=1)
WAITS = frozenset({M.TIME_TO_ALLOCATION, M.TIME_TO_FIRST_CONTACT})


def waits(months: MonthTallies) -> dict[str, dict[Key, int]]:
    """Only the waits, month by month."""
    found = {m: {k: n for k, n in t.items() if k[0] in WAITS} for m, t in months.items()}
    return {m: t for m, t in found.items() if t}


@pytest.mark.parametrize(
    ("took", "band"),
    [
        (timedelta(0), Wait.WITHIN_A_DAY),
        (DAY - timedelta(seconds=1), Wait.WITHIN_A_DAY),
        (DAY, Wait.DAYS_1_TO_2),  # whole days of 24 hours: 30 hours is one day
        (3 * DAY - HOUR, Wait.DAYS_1_TO_2),
        (3 * DAY, Wait.DAYS_3_TO_7),
        (8 * DAY - HOUR, Wait.DAYS_3_TO_7),
        (8 * DAY, Wait.DAYS_8_TO_14),
        (15 * DAY - HOUR, Wait.DAYS_8_TO_14),
        (15 * DAY, Wait.OVER_14_DAYS),
        (400 * DAY, Wait.OVER_14_DAYS),
        (-HOUR, Wait.WITHIN_A_DAY),  # clocks that disagree never make a wait negative
    ],
)
def test_a_wait_falls_in_the_band_of_its_whole_days(took: timedelta, band: Wait) -> None:
    assert wait_band(START, START + took) is band


def test_time_to_allocation_and_to_first_contact_count_in_the_month_each_ended() -> None:
    referral = sent()  # 30 January, 22:00
    referral.offer(SMLO, ADA, START + HOUR)
    assert waits(contribution_of(referral)) == {}, "nobody has accepted it yet"
    accepted = START + 2 * DAY + HOUR  # 1 February, 23:00
    referral.accept(as_actor(ADA), SMLO_IDS, accepted)
    write(referral, accepted + DAY, ContactLogged(accepted + DAY, ContactHow.ATTEMPT))
    reached = accepted + 20 * DAY  # 21 February
    write(referral, reached, ContactLogged(reached, ContactHow.PHONE))
    write(referral, START + 40 * DAY, ContactLogged(START + 40 * DAY, ContactHow.TEAMS))

    assert waits(contribution_of(referral)) == {
        "2026-02": {
            (M.TIME_TO_ALLOCATION, Wait.DAYS_1_TO_2): 1,
            (M.TIME_TO_FIRST_CONTACT, Wait.OVER_14_DAYS): 1,  # the try did not reach them
        }
    }


def test_a_retracted_first_contact_is_not_timed_and_the_next_that_reaches_them_is() -> None:
    case = taken_on()  # accepted 30 January, 22:02
    (first,) = write(case, START + HOUR, ContactLogged(START + HOUR, ContactHow.PHONE))
    write(case, START + 2 * DAY, Correction(first.id, "it was another case"))

    assert waits(contribution_of(case)) == {
        "2026-01": {(M.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 1}
    }
    reached = START + 10 * DAY
    write(case, reached, ContactLogged(reached, ContactHow.EMAIL))
    assert waits(contribution_of(case)) == {
        "2026-01": {(M.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 1},
        "2026-02": {(M.TIME_TO_FIRST_CONTACT, Wait.DAYS_8_TO_14): 1},
    }


def test_a_case_given_to_another_advocate_is_timed_from_its_first_acceptance_once() -> None:
    referral = sent()
    referral.offer(SMLO, ADA, START + HOUR)
    referral.accept(as_actor(ADA), SMLO_IDS, START + 2 * HOUR)
    referral.reassign(SMLO, BEN, ReassignReason.CONFLICT_FOUND, START + 3 * DAY)
    referral.accept(as_actor(BEN), SMLO_IDS, START + 20 * DAY)
    reached = START + 21 * DAY
    referral.add_entry(as_actor(BEN), ContactLogged(reached, ContactHow.PHONE), SMLO_IDS, reached)

    assert waits(contribution_of(referral)) == {
        "2026-01": {(M.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 1},  # Ada's, not Ben's
        "2026-02": {(M.TIME_TO_FIRST_CONTACT, Wait.OVER_14_DAYS): 1},  # from Ada's too
    }


def test_the_waits_survive_the_retention_purge() -> None:
    case = taken_on()
    reached = START + 5 * DAY
    write(case, reached, ContactLogged(reached, ContactHow.IN_PERSON, "met for coffee"))
    case.close(as_actor(ADA), reached + DAY, Closure(CloseOutcome.SUPPORT_COMPLETED, True, "ok"))
    closed = contribution_of(case)

    assert case.purge(reached + 400 * DAY)
    assert contribution_of(case) == closed
    assert waits(closed) == {
        "2026-01": {(M.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 1},
        "2026-02": {(M.TIME_TO_FIRST_CONTACT, Wait.DAYS_3_TO_7): 1},
    }


def test_months_are_utc_calendar_months_and_a_period_crosses_years() -> None:
    assert month_of(datetime(2026, 3, 1, 0, 30, tzinfo=UTC)) == "2026-03"
    assert last_months(datetime(2026, 2, 10, tzinfo=UTC), 4) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert len(last_months(START, 12)) == 12


# -- counting as it happens equals counting again ----------------------------------------

Move = tuple[str, int]  # (what is tried, days later)
MOVES = st.lists(
    st.tuples(
        st.sampled_from(["offer_ada", "offer_ben", "decline", "accept", "close", "withdraw"])
        | st.sampled_from(["signpost", "close_signposted", "purge", "close_with_outcome"]),
        st.integers(0, 45),
    ),
    max_size=8,
)
# What an advocate does once the case is theirs; `correct` retracts an earlier entry.
CASE_MOVES = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "contact",
                "attempt",
                "risk",
                "onward",
                "outcome",
                "outcome",
                "update",
                "correct",
                "correct",
                "close_with_outcome",
                "withdraw",
                "purge",
            ]
        ),
        st.integers(0, 20),
    ),
    max_size=14,
)
ANSWER_CHOICES = st.builds(
    IntakeAnswers,
    route=st.none() | st.sampled_from(Route),
    behalf_consent=st.sampled_from(YesNoUnsure),  # an on-behalf referral must answer it
    employment=st.none() | st.sampled_from(Employment),
    gender=st.none() | st.sampled_from(Gender),
    age_band=st.none() | st.sampled_from(AgeBand),
    wishes=st.lists(st.sampled_from(Wish), unique=True).map(tuple),
    consent=st.just(True),
)


def attempt(referral: Referral, move: str, now: datetime, pick: int = 0) -> None:
    """Try `move`; `pick` chooses the entry a correction retracts."""
    holder = as_actor(ADA if referral.offered_to == ADA.user_id else BEN)
    writer = as_actor(ADA if referral.advocate_id == ADA.user_id else BEN)
    lines = referral.entry_lines()
    target = lines[pick % len(lines)].id if lines else "none"
    onward = [line.id for line in lines if line.kind is EntryKind.ONWARD_REFERRAL]

    def entry(content: Content) -> Callable[[], object]:
        return lambda: referral.add_entry(writer, content, SMLO_IDS, now)

    tries: dict[str, Callable[[], object]] = {
        "offer_ada": lambda: referral.offer(SMLO, ADA, now),
        "offer_ben": lambda: referral.offer(SMLO, BEN, now),
        "decline": lambda: referral.decline(holder, DeclineReason.OTHER, SMLO_IDS, now),
        "accept": lambda: referral.accept(holder, SMLO_IDS, now),
        "close": lambda: referral.close(holder, now),
        "withdraw": lambda: referral.withdraw(REFERRER, SMLO_IDS, now),
        "signpost": lambda: referral.mark_out_of_remit(SMLO, Signpost.WELLBEING, now),
        "close_signposted": lambda: referral.close(SMLO, now),
        "purge": lambda: referral.purge(now),
        "close_with_outcome": lambda: referral.close(
            writer, now, Closure(CloseOutcome.COULD_NOT_REACH, False)
        ),
        "contact": entry(ContactLogged(now, ContactHow.PHONE)),
        "attempt": entry(ContactLogged(now, ContactHow.ATTEMPT)),
        "risk": entry(RiskAssessment(now.date(), RiskLevel.HIGH)),
        "onward": entry(OnwardReferral("isva", True, now.date(), internal=pick % 2 == 0)),
        "outcome": entry(
            OnwardReferralOutcome(
                onward[-1] if onward else "none", OnwardOutcome.WAITING, now.date()
            )
        ),
        "update": entry(UpdateRecorded(UpdateKind.OTHER, now.date())),
        "correct": entry(Correction(target, "wrong case")),
    }
    with contextlib.suppress(errors.ReferralError):  # not allowed: the referral is unchanged
        tries[move]()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(ANSWER_CHOICES, MOVES), min_size=1, max_size=5))
def test_counting_each_change_as_it_happens_equals_counting_again(
    lives: list[tuple[IntakeAnswers, list[Move]]],
) -> None:
    incremental: MonthTallies = {}
    finished = []
    for answers, moves in lives:
        now = START
        referral = Referral.start_draft(REFERRER, now)
        referral.record_answers(REFERRER, answers, IntakeStep.REVIEW, now)
        stored: Referral | None = None  # as a store holds it between changes
        for move, days in [("submit", 0), *moves]:
            now += timedelta(days=days, minutes=1)
            if move == "submit":
                referral.submit(REFERRER, "SMA-2026-0001", SMLO_IDS, now)
            else:
                attempt(referral, move, now, pick=days)
            add(incremental, change(stored, referral))
            stored = referral.copy()
        finished.append(referral)

    assert incremental == recount(finished)
    for tally in incremental.values():
        assert all(n > 0 for n in tally.values())


@settings(max_examples=150, deadline=None)
@given(st.lists(CASE_MOVES, min_size=1, max_size=4))
def test_counting_each_case_record_entry_as_it_is_written_equals_counting_again(
    cases: list[list[Move]],
) -> None:
    incremental: MonthTallies = {}
    finished = []
    for moves in cases:
        now = START
        case = taken_on(now)
        add(incremental, contribution_of(case))
        stored = case.copy()
        for move, days in moves:
            now += timedelta(days=days % 10, minutes=1)
            attempt(case, move, now, pick=days)
            add(incremental, change(stored, case))
            stored = case.copy()
        finished.append(case)

    assert incremental == recount(finished)
    for tally in incremental.values():
        assert all(n > 0 for n in tally.values())


# -- the report ----------------------------------------------------------------------------

MONTHS = last_months(datetime(2026, 12, 15, tzinfo=UTC), 12)


def tallies(received: list[int], extra: MonthTallies | None = None) -> MonthTallies:
    """Referrals received by month, plus `extra` counts."""
    months: MonthTallies = {
        m: {(M.RECEIVED, ""): n} for m, n in zip(MONTHS, received, strict=True) if n
    }
    add(months, extra or {})
    return months


def test_the_report_shows_months_and_totals_with_small_cells_suppressed() -> None:
    received = [6, 0, 2, 7, 5, 9, 0, 0, 8, 6, 5, 7]  # 55
    breakdowns = {
        (M.ROUTE, Route.EXPERIENCED): 40,
        (M.ROUTE, Route.WITNESSED): 12,
        (M.ROUTE, NOT_GIVEN): 3,
        (M.WISH, Wish.TALK_TO_ADVOCATE): 53,  # all but two: the two must not show
        (M.WISH, Wish.INFORMATION): 20,
        (M.RESULT, Result.ALLOCATED): 30,
        (M.RESULT, Result.WITHDRAWN): 2,
        (M.ADVOCATE, ADA.user_id): 20,
        (M.ADVOCATE, BEN.user_id): 10,
    }
    report = build_report(MONTHS, tallies(received, {MONTHS[0]: breakdowns}))

    by_month = {c.category: c for c in report.received.cells}
    assert by_month["2026-03"].shown is Shown.FEWER_THAN
    assert by_month["2026-05"].shown is Shown.HIDDEN, "else 2 = 55 minus the others"
    assert by_month["2026-01"].value == 6
    assert report.received.total is not None
    assert report.received.total.value == 55
    route = {c.category: c for c in report.answers[0].cells}
    assert route[NOT_GIVEN].shown is Shown.FEWER_THAN
    assert route[Route.WITNESSED].shown is Shown.HIDDEN
    assert route[Route.EXPERIENCED].value == 40
    wishes = {c.category: c for c in report.answers[4].cells}
    assert wishes[Wish.TALK_TO_ADVOCATE].shown is Shown.HIDDEN
    assert wishes[Wish.INFORMATION].value == 20
    results = {c.category: c for c in report.results.cells}
    assert results[Result.WITHDRAWN].shown is Shown.FEWER_THAN
    assert results[Result.ALLOCATED].value == 30
    assert report.advocates_deployed.shown is Shown.FEWER_THAN, "two advocates"


def test_fewer_than_five_referrals_in_the_period_are_not_broken_down() -> None:
    answers = {
        (M.ROUTE, Route.CONCERN): 3,
        (M.EMPLOYMENT, Employment.OFFICER): 3,
        (M.GENDER, Gender.WOMAN): 2,
        (M.GENDER, Gender.MAN): 1,
        (M.AGE_BAND, NOT_GIVEN): 3,
        (M.WISH, Wish.JUST_RECORD): 3,
    }
    report = build_report(MONTHS, tallies([0, 1, 0, 2] + [0] * 8, {MONTHS[1]: answers}))

    assert report.too_few_to_break_down
    assert all(c.shown is Shown.HIDDEN for b in report.answers[:4] for c in b.cells)
    assert all(c.shown is Shown.HIDDEN for c in report.answers[4].cells)


def test_figures_outside_the_period_are_left_out() -> None:
    older = {"2025-12": {(M.RECEIVED, ""): 9, (M.RESULT, Result.CLOSED): 9}}

    report = build_report(MONTHS, older)

    assert report.received.total is not None
    assert report.received.total.value == 0
    assert all(c.value == 0 for c in report.results.cells)


MONTH_COUNTS = st.lists(
    st.one_of(st.integers(0, SMALL_CELL_LIMIT), st.integers(0, 30)), min_size=12, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(MONTH_COUNTS, st.data())
def test_no_wish_shown_lets_a_reader_count_the_few_who_did_not_choose_it(
    received: list[int], data: st.DataObject
) -> None:
    population = sum(received)
    wishes: dict[tuple[Measure, str], int] = {
        (M.WISH, w): data.draw(st.integers(0, population)) for w in Wish
    }
    report = build_report(MONTHS, tallies(received, {MONTHS[-1]: wishes}))

    for cell in report.answers[4].cells:
        if cell.shown is Shown.EXACT:
            assert cell.value is not None
            assert not is_small(cell.value)
            assert not is_small(population - cell.value)


def test_answers_everyone_gave_alike_are_hidden_but_months_may_all_be_one() -> None:
    everyone = {
        (M.GENDER, Gender.WOMAN): 6,  # "Woman 6, every other 0" would tell each one's
        (M.AGE_BAND, AgeBand.FROM_25_TO_34): 5,
        (M.AGE_BAND, NOT_GIVEN): 1,
        (M.WISH, Wish.TALK_TO_ADVOCATE): 6,  # everyone asked
        (M.WISH, Wish.INFORMATION): 0,  # nobody did: everyone's answer too
    }
    report = build_report(MONTHS, tallies([0, 0, 6] + [0] * 9, {MONTHS[2]: everyone}))

    answers = {b.measure: b for b in report.answers}
    assert answers[M.GENDER].all_hidden
    assert all(c.value is None for c in answers[M.GENDER].cells)
    gender_total = answers[M.GENDER].total
    assert gender_total is not None
    assert gender_total.value == 6, "the total is still shown"
    assert not answers[M.AGE_BAND].all_hidden, "one 'not given' leaves two possible answers"
    wishes = {c.category: c.shown for c in answers[M.WISH].cells}
    assert wishes[Wish.TALK_TO_ADVOCATE] is Shown.HIDDEN
    assert wishes[Wish.INFORMATION] is Shown.HIDDEN
    march = {c.category: c.value for c in report.received.cells}[MONTHS[2]]
    assert march == 6, "the SMLO is told of each referral as it comes: months are exempt"


def test_the_case_work_is_shown_with_small_counts_suppressed() -> None:
    case_work: dict[Key, int] = {
        (M.CONTACT, Contact.FIRST): 6,
        (M.CONTACT, Contact.AGAIN): 2,
        (M.CONTACT, Contact.NOT_REACHED): 3,
        (M.ONWARD_REFERRAL, Onward.INTERNAL): 7,
        (M.ONWARD_REFERRAL, Onward.EXTERNAL): 1,
        (M.ONWARD_OUTCOME, OnwardOutcome.ACCEPTED): 5,
        (M.RISK, RiskLevel.HIGH): 2,
        (M.RISK, RiskLevel.LOW): 9,
        (M.UPDATE, UpdateKind.OTHER): 5,
        (M.RESULT, Result.CLOSED): 9,
        (M.CLOSED_AS, CloseOutcome.SUPPORT_COMPLETED): 7,
        (M.CLOSED_AS, CloseOutcome.COULD_NOT_REACH): 2,
    }
    report = build_report(MONTHS, tallies([6] * 12, {MONTHS[4]: case_work}))

    reached = {c.category: c for c in report.reached.cells}
    assert report.reached.total is not None
    assert report.reached.total.value == 8, "every contact that reached the person"
    assert reached[Contact.AGAIN].shown is Shown.FEWER_THAN
    assert reached[Contact.FIRST].shown is Shown.HIDDEN, "else 2 = 8 minus 6"
    assert report.not_reached.shown is Shown.FEWER_THAN
    work = {b.measure: {c.category: c for c in b.cells} for b in report.case_work}
    assert list(work) == [M.ONWARD_REFERRAL, M.ONWARD_OUTCOME, M.RISK, M.UPDATE]
    assert work[M.ONWARD_REFERRAL][Onward.INTERNAL].value == 7
    assert work[M.ONWARD_REFERRAL][Onward.EXTERNAL].shown is Shown.FEWER_THAN
    assert work[M.ONWARD_OUTCOME][OnwardOutcome.ACCEPTED].value == 5
    assert work[M.ONWARD_OUTCOME][OnwardOutcome.DECLINED].value == 0
    assert work[M.RISK][RiskLevel.HIGH].shown is Shown.FEWER_THAN
    assert work[M.RISK][RiskLevel.LOW].value == 9
    assert set(work[M.UPDATE]) == set(UpdateKind)
    closed_as = {c.category: c for c in report.closed_as.cells}
    assert set(closed_as) == {*CloseOutcome, NOT_GIVEN}
    assert closed_as[CloseOutcome.COULD_NOT_REACH].shown is Shown.FEWER_THAN
    assert closed_as[CloseOutcome.SUPPORT_COMPLETED].shown is Shown.HIDDEN, "else 2 = 9 - 7"
    assert report.closed_as.total is not None
    closed = {c.category: c for c in report.results.cells}[Result.CLOSED]
    assert report.closed_as.total.value == closed.value == 9


@pytest.mark.parametrize("closes", [3, 6])
def test_how_cases_closed_is_hidden_when_few_closed_or_all_alike(closes: int) -> None:
    ended: dict[Key, int] = {
        (M.RESULT, Result.CLOSED): closes,
        (M.CLOSED_AS, CloseOutcome.OTHER): closes,
    }
    report = build_report(MONTHS, tallies([6] * 12, {MONTHS[0]: ended}))

    assert report.closed_as.all_hidden
    assert all(c.value is None for c in report.closed_as.cells)
    assert report.closed_as.total is not None
    assert report.closed_as.total.value == (None if is_small(closes) else closes)


def test_the_waits_are_shown_by_band_with_their_total_and_no_small_band_worked_out() -> None:
    timed: dict[Key, int] = {
        (M.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 9,
        (M.TIME_TO_ALLOCATION, Wait.DAYS_1_TO_2): 6,
        (M.TIME_TO_ALLOCATION, Wait.OVER_14_DAYS): 1,
        (M.TIME_TO_FIRST_CONTACT, Wait.DAYS_1_TO_2): 3,
    }
    report = build_report(MONTHS, tallies([6] * 12, {MONTHS[7]: timed}))

    to_allocation, to_contact = report.waits
    assert [b.measure for b in report.waits] == [M.TIME_TO_ALLOCATION, M.TIME_TO_FIRST_CONTACT]
    bands = {c.category: c for c in to_allocation.cells}
    assert list(bands) == list(Wait)
    assert to_allocation.total is not None
    assert to_allocation.total.value == 16
    assert bands[Wait.OVER_14_DAYS].shown is Shown.FEWER_THAN
    assert bands[Wait.DAYS_1_TO_2].shown is Shown.HIDDEN, "else 1 = 16 - 9 - 6"
    assert bands[Wait.WITHIN_A_DAY].value == 9
    assert bands[Wait.DAYS_3_TO_7].value == 0
    assert to_contact.all_hidden, "three in all: too few to break down"
    assert to_contact.total == Cell("total", Shown.FEWER_THAN)


def test_waits_all_in_one_band_are_shown_they_describe_the_service_not_a_person() -> None:
    timed: dict[Key, int] = {(M.TIME_TO_ALLOCATION, Wait.WITHIN_A_DAY): 7}
    report = build_report(MONTHS, tallies([6] * 12, {MONTHS[0]: timed}))

    bands = {c.category: c.value for c in report.waits[0].cells}
    assert bands == {Wait.WITHIN_A_DAY: 7, **{w.value: 0 for w in list(Wait)[1:]}}


def test_with_no_case_work_every_figure_reads_zero() -> None:
    report = build_report(MONTHS, tallies([6] * 12))

    figures = [*report.reached.cells, report.not_reached, report.closed_as.cells[0]]
    figures += [c for b in (*report.case_work, *report.waits) for c in b.cells]
    figures += [b.total for b in report.waits if b.total is not None]
    assert all(c.shown is Shown.EXACT and c.value == 0 for c in figures)


# -- what referrals became, and escalations --------------------------------------------


def _step(kind: StepKind, on: date, status: StepStatus = StepStatus.STARTED) -> PathwayStep:
    outcome = StepOutcome.UPHELD if status is StepStatus.OUTCOME else None
    return PathwayStep(kind, status, on, StepConsent.CONSENTED, outcome)


def test_a_referral_counts_once_per_kind_it_became_in_the_month_it_began() -> None:
    referral = sent()
    later = START + 40 * DAY  # recorded in March
    for step in (
        _step(StepKind.MISCONDUCT, date(2026, 2, 10)),
        _step(StepKind.MISCONDUCT, date(2026, 3, 1), StepStatus.OUTCOME),
        _step(StepKind.CRIMINAL, date(2026, 3, 2)),
        _step(StepKind.GRIEVANCE, date(2026, 3, 2)),
    ):
        referral.record_pathway_step(SMLO, step, later)

    months = contribution_of(referral)

    assert months["2026-02"] == {(M.BECAME, StepKind.MISCONDUCT): 1}
    assert months["2026-03"] == {(M.BECAME, StepKind.CRIMINAL): 1}


def test_escalations_count_by_destination_when_written_not_when_declined() -> None:
    referral = sent()
    feb = START + 3 * DAY
    for destination, consent in (
        (Destination.PSD, Consent.CONSENTED),
        (Destination.PSD, Consent.WITHOUT_CONSENT),
        (Destination.CCU, Consent.DECLINED),
    ):
        cats = () if consent is Consent.DECLINED else (InfoCategory.RISK,)
        decision = Escalation(destination, consent, feb.date(), "why", cats, approved_by="boss")
        referral.record_escalation(SMLO, decision, feb)

    assert contribution_of(referral)["2026-02"] == {(M.ESCALATED_TO, Destination.PSD): 2}


def test_what_referrals_became_and_their_escalations_survive_the_purge() -> None:
    referral = sent()
    feb = START + 3 * DAY
    referral.record_pathway_step(SMLO, _step(StepKind.CRIMINAL, feb.date()), feb)
    cats = (InfoCategory.ACCOUNT,)
    decision = Escalation(Destination.CRIME_REPORT, Consent.CONSENTED, feb.date(), "why", cats)
    referral.record_escalation(SMLO, decision, feb)
    referral.withdraw(REFERRER, SMLO_IDS, feb + DAY)
    before = contribution_of(referral)

    assert referral.purge(feb + 400 * DAY)
    assert contribution_of(referral) == before
    assert (M.BECAME, StepKind.CRIMINAL) in before["2026-02"]


def test_what_referrals_became_is_shown_with_small_counts_hidden() -> None:
    months = [f"2026-{n:02d}" for n in range(1, 7)]
    tallies = {
        "2026-02": {
            (M.RECEIVED, ""): 9,
            (M.BECAME, StepKind.MISCONDUCT): 6,
            (M.BECAME, StepKind.CRIMINAL): 2,
            (M.ESCALATED_TO, Destination.PSD): 7,
        }
    }
    report = build_report(months, tallies)

    became, escalated = ({c.category: c for c in b.cells} for b in report.pathway)
    assert became[StepKind.MISCONDUCT].value == 6
    assert became[StepKind.CRIMINAL].value is None
    assert escalated[Destination.PSD].value == 7
    assert escalated[Destination.HR].value == 0
