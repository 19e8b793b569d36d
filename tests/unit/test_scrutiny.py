"""The scrutiny panel's export: closed cases as rows in categories only, generalised until
every row is shared by at least five cases; nothing else."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.anonymity import ANY, WITHHOLD_AT_MOST, K, anonymise
from referrals.case_record import CloseOutcome
from referrals.escalation import Consent, Destination
from referrals.intake import Employment, Wish
from referrals.periods import Period
from referrals.referral import Referral
from referrals.scrutiny import FIELDS, ScrutinyExport, case_ladders, scrutiny_export
from referrals.scrutiny_words import HEADINGS, RUNGS
from tests.unit.scrutiny_builders import (
    AFTER,
    CANARY,
    PERIOD,
    SMLO,
    Case,
    cases,
    closed_case,
    escalation_of,
)

EVERYONE_ALIKE = Case()


def closed(*many: Case) -> list[Referral]:
    return [closed_case(case, serial) for serial, case in enumerate(many, start=1)]


def assert_k_anonymous(export: ScrutinyExport, referrals: list[Referral]) -> None:
    """Every row shown is shared by at least K rows, and by at least K of the cases as
    the chosen rungs describe them: no row, and no value in it, points at fewer."""
    counts = Counter(export.rows)
    assert all(n >= K for n in counts.values()), counts
    described = Counter(
        tuple(ladder[level] for ladder, level in zip(ladders, export.levels, strict=True))
        for r in referrals
        if (ladders := case_ladders(r, PERIOD)) is not None
    )
    for row, n in counts.items():
        assert described[row] == n
    assert list(export.rows) == sorted(export.rows)


def test_five_cases_alike_are_shown_in_full_detail() -> None:
    export = scrutiny_export(closed(*[EVERYONE_ALIKE] * 5), PERIOD)

    assert export.levels == (0,) * len(FIELDS)
    assert export.withheld == 0
    [row] = set(export.rows)
    assert len(export.rows) == 5
    assert row == (
        "It happened to them",
        "Police officer",
        "December 2025",
        "Talk to an advocate",
        "None",
        "None",
        "Support completed",
        "1 to 2 days",
        "1 to 2 days",
    )


def test_cases_unlike_the_rest_are_generalised_until_each_is_one_of_five() -> None:
    unlike = replace(EVERYONE_ALIKE, employment=Employment.STAFF, month=2)
    referrals = closed(*[EVERYONE_ALIKE] * 9, unlike, unlike, unlike)

    export = scrutiny_export(referrals, PERIOD)

    assert_k_anonymous(export, referrals)
    assert len(export.rows) == 12
    shown = dict(zip(FIELDS, export.levels, strict=True))
    assert shown == {f: 0 for f in FIELDS} | {"employment": 1, "month_closed": 1}
    assert {row[1:3] for row in export.rows} == {
        ("Police officer or staff", "December 2025 to February 2026")
    }


def test_one_case_in_ten_unlike_the_rest_is_withheld_rather_than_blur_the_other_nine() -> None:
    unlike = replace(EVERYONE_ALIKE, employment=Employment.STAFF)
    referrals = closed(*[EVERYONE_ALIKE] * 9, unlike)

    export = scrutiny_export(referrals, PERIOD)

    assert export.levels == (0,) * len(FIELDS)
    assert len(export.rows) == 9
    assert export.withheld is None, "fewer than five withheld: not said how many"


def test_fewer_than_five_closed_shows_no_row_and_never_says_how_many() -> None:
    export = scrutiny_export(closed(*[EVERYONE_ALIKE] * 4), PERIOD)

    assert export.rows == ()
    assert export.withheld is None


def test_only_cases_closed_in_the_review_are_rows_and_not_their_later_history() -> None:
    referrals = closed(*[EVERYONE_ALIKE] * 5)
    before = scrutiny_export(referrals, PERIOD)
    # A decision recorded on a closed case after the review ended reaches no row of it.
    referrals[0].record_escalation(
        SMLO, escalation_of(Destination.PSD, Consent.CONSENTED, AFTER), AFTER
    )
    for referral in referrals[1:]:
        referral.purge(AFTER)  # the history survives the purge: still a row

    assert scrutiny_export(referrals, PERIOD) == before
    assert scrutiny_export(referrals, Period("2025-06")).rows == ()
    assert scrutiny_export(referrals, Period("2026-06")).rows == ()


def test_the_row_order_says_nothing_of_when_or_in_which_order_cases_closed() -> None:
    many = [
        replace(EVERYONE_ALIKE, month=m % 6, outcome=list(CloseOutcome)[m % 2]) for m in range(30)
    ]
    referrals = closed(*many)
    shuffled = [*referrals]
    random.Random(7).shuffle(shuffled)

    assert scrutiny_export(shuffled, PERIOD) == scrutiny_export(referrals, PERIOD)


def test_a_signposted_case_and_its_waits_read_as_such() -> None:
    signposted = replace(
        EVERYONE_ALIKE, signposted=True, escalations=((Destination.HR, Consent.DECLINED),)
    )

    [row] = set(scrutiny_export(closed(*[signposted] * 5), PERIOD).rows)

    assert row[4:] == (
        "None",
        "HR: they said no, nothing passed",
        "Sent to another service (outside our remit)",
        "No advocate (sent to another service)",
        "No advocate (sent to another service)",
    )


def test_onward_referrals_are_counted_inside_or_outside_never_named() -> None:
    onward = replace(EVERYONE_ALIKE, onward=(True, False, False), days_to_contact=None)

    [row] = set(scrutiny_export(closed(*[onward] * 5), PERIOD).rows)

    assert row[4] == "1 inside the force; 2 or more outside the force"
    assert row[8] == "Not reached"
    assert CANARY not in str(row)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases, max_size=45))
def test_any_set_of_closed_cases_is_exported_k_anonymous_and_canary_free(
    chosen: list[Case],
) -> None:
    referrals = closed(*chosen)

    export = scrutiny_export(referrals, PERIOD)

    assert_k_anonymous(export, referrals)
    withheld = len(chosen) - len(export.rows)
    assert export.withheld == (withheld if withheld == 0 or withheld >= K else None)
    assert CANARY not in repr(export)
    assert "SMA-" not in repr(export)
    if any(level < len(RUNGS[f]) - 1 for f, level in zip(FIELDS, export.levels, strict=True)):
        assert withheld <= len(chosen) * WITHHOLD_AT_MOST, "generalised no further than needed"


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 1)), max_size=80))
def test_the_search_shows_only_rows_shared_by_five_and_withholds_at_most_a_tenth(
    values: list[tuple[int, int, int]],
) -> None:
    records = [[(f"a{a}", f"a{a // 2}", ANY), (f"b{b}", ANY), (f"c{c}", ANY)] for a, b, c in values]

    done = anonymise(records, [0, 1, 2])

    assert all(n >= K for n in Counter(done.rows).values())
    assert len(done.rows) + done.withheld == len(records)
    assert done.withheld <= len(records) * WITHHOLD_AT_MOST or len(records) < K


def test_every_field_has_a_heading_and_words_for_each_rung_of_its_ladder() -> None:
    [ladders] = [case_ladders(r, PERIOD) for r in closed(EVERYONE_ALIKE)]

    assert ladders is not None
    assert set(HEADINGS) == set(RUNGS) == set(FIELDS)
    assert [len(RUNGS[f]) for f in FIELDS] == [len(ladder) for ladder in ladders]
    assert all(ladder[-1] == ANY for ladder in ladders)


def test_words_cover_every_category_a_case_can_hold() -> None:
    odd = Case(
        route=None,
        employment=None,
        wishes=tuple(Wish),
        hours_to_accept=24 * 15,
        days_to_contact=9,
        outcome=CloseOutcome.OTHER,
    )
    [row] = set(scrutiny_export(closed(*[odd] * 5), PERIOD).rows)

    assert row[0] == "Not given"
    assert row[1] == "Not given"
    assert row[3].count(";") == len(Wish) - 1
    assert (row[6], row[7], row[8]) == ("Another reason", "More than 14 days", "8 to 14 days")
