"""Small numbers stay protected across every report a reader can ask for: a service
year's two reviews, four quarters and the year itself, put side by side.

The property tests judge what a reader could work out with an exhaustive search of their
own (every split of the year into quarters, and of the quarters into months, that fits
what all seven reports show), not with the integer programming the code uses, so the two
check each other.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.demo import demo_advocates
from devtools.seed import history, service_start
from referrals.periods import Kind, Period, offered_periods, steps
from referrals.report_set import report_for
from referrals.statistics import (
    Breakdown,
    Contact,
    Key,
    Measure,
    MonthTallies,
    Onward,
    StatisticsReport,
    build_report,
    recount,
)
from referrals.suppression import SMALL_CELL_LIMIT, Cell, Shown, is_small
from solving.highs import HighsSolver

START = "2025-06"
SOLVER = HighsSolver()
YEAR = Period(START, Kind.YEAR)
ORDER = steps(YEAR)
QUARTERS = sorted(p for p in ORDER if p.kind is Kind.QUARTER)


def reports(tallies: MonthTallies) -> dict[Period, StatisticsReport]:
    return {p: report_for(p, tallies, START, SOLVER) for p in ORDER}


# -- an independent reader --------------------------------------------------------------

Option = tuple[int, ...]  # one quarter's unknown counts
# A figure: the quarters it covers, and how it reads one quarter's part of its value.
Part = Callable[[Option], int]


def reads(index: int) -> Part:
    """A figure that is one of a quarter's unknowns."""
    return lambda option: option[index]


def allows(cell: Cell, value: int) -> bool:
    if cell.shown is Shown.EXACT:
        return value == cell.value
    if cell.shown is Shown.FEWER_THAN:
        return 1 <= value < SMALL_CELL_LIMIT
    return True


def what_a_reader_can_tell(
    figures: Sequence[tuple[Period, Part, Cell]], options: Sequence[Sequence[Option]]
) -> list[set[int]]:
    """For each figure, every value it could have, given every figure of every report:
    quarters are tried one by one, then in pairs (a review), then the pairs together."""

    def quarters_of(period: Period) -> list[int]:
        return [i for i, q in enumerate(QUARTERS) if set(q.months) <= set(period.months)]

    def value(figure: tuple[Period, Part, Cell], chosen: Mapping[int, Option]) -> int:
        period, part, _ = figure
        return sum(part(chosen[q]) for q in quarters_of(period))

    def fits(chosen: Mapping[int, Option], periods: Sequence[Period]) -> bool:
        return all(allows(f[2], value(f, chosen)) for f in figures if f[0] in periods)

    fitting = [[o for o in options[q] if fits({q: o}, [QUARTERS[q]])] for q in range(len(QUARTERS))]
    halves = []
    for review in (p for p in ORDER if p.kind is Kind.WINDOW):
        a, b = quarters_of(review)
        pairs = [
            {a: x, b: y} for x in fitting[a] for y in fitting[b] if fits({a: x, b: y}, [review])
        ]
        halves.append(pairs)
    possible: list[set[int]] = [set() for _ in figures]
    year_figures = [f for f in figures if f[0] == YEAR]
    # The year only sees each half through its own figures' sums: group by them.
    grouped = []
    for pairs in halves:
        groups: dict[tuple[int, ...], list[dict[int, Option]]] = {}
        for pair in pairs:
            key = tuple(sum(f[1](pair[q]) for q in pair) for f in year_figures)
            groups.setdefault(key, []).append(pair)
        grouped.append(groups)
    for (k1, first), (k2, second) in itertools.product(grouped[0].items(), grouped[1].items()):
        if not all(allows(f[2], x + y) for f, x, y in zip(year_figures, k1, k2, strict=True)):
            continue
        for i, f in enumerate(figures):
            if f[0] == YEAR:
                possible[i].add(sum(k[year_figures.index(f)] for k in (k1, k2)))
                continue
            quarters = quarters_of(f[0])
            half = first if quarters[0] < 2 else second
            possible[i] |= {value(f, pair) for pair in half}
    return possible


def assert_nothing_small_can_be_worked_out(
    figures: Sequence[tuple[Period, Part, Cell]],
    truth: Sequence[int],
    options: Sequence[Sequence[Option]],
) -> None:
    possible = what_a_reader_can_tell(figures, options)
    for (period, _, cell), true, values in zip(figures, truth, possible, strict=True):
        assert true in values, "the reader's search must allow the truth"
        if is_small(true):  # every "fewer than 5", and any other count from 1 to 4
            assert len(values) > 1, f"{period.id} {cell.category}: only {true} fits"


def in_quarters(counts: Sequence[Sequence[int]], keys: Sequence[Key]) -> MonthTallies:
    """Each quarter's counts, put in its first month, with that many referrals."""
    tallies: MonthTallies = {}
    for quarter, row in zip(QUARTERS, counts, strict=True):
        month = tallies.setdefault(quarter.months[0], {})
        for key, n in zip(keys, row, strict=True):
            if n:
                month[key] = n
    return tallies


def cells_of(report: StatisticsReport, measure: Measure) -> Breakdown:
    found = {b.measure: b for b in (report.reached, *report.case_work)}
    return found[measure]


SMALL = st.one_of(st.integers(0, 6), st.integers(0, 12))
QUARTER_COUNTS = st.lists(st.lists(SMALL, min_size=2, max_size=2), min_size=4, max_size=4)


@settings(max_examples=40, deadline=None)
@given(QUARTER_COUNTS)
def test_no_small_count_of_a_breakdown_with_a_total_can_be_worked_out_across_the_year(
    counts: list[list[int]],
) -> None:
    """Contacts that reached the person, first or again, with their total: in every
    review, quarter and the year together."""
    keys = [(Measure.CONTACT, Contact.FIRST.value), (Measure.CONTACT, Contact.AGAIN.value)]
    shown = reports(in_quarters(counts, keys))
    figures: list[tuple[Period, Part, Cell]] = []
    truth = []
    for period, report in shown.items():
        reached = report.reached
        cells = {c.category: c for c in reached.cells}
        inside = [i for i, q in enumerate(QUARTERS) if set(q.months) <= set(period.months)]
        for index, key in enumerate(keys):
            figures.append((period, reads(index), cells[key[1]]))
            truth.append(sum(counts[q][index] for q in inside))
        assert reached.total is not None
        figures.append((period, sum, reached.total))
        truth.append(sum(sum(counts[q]) for q in inside))
    cap = max(max(row) for row in counts) + SMALL_CELL_LIMIT + 1
    options = [list(itertools.product(range(cap + 1), repeat=2))] * 4

    assert_nothing_small_can_be_worked_out(figures, truth, options)


@settings(max_examples=40, deadline=None)
@given(st.lists(SMALL, min_size=4, max_size=4))
def test_no_small_count_on_its_own_can_be_worked_out_across_the_year(counts: list[int]) -> None:
    """Referrals to services inside the force: a count per period, adding up to nothing
    shown, but a year is still its reviews and a review its quarters."""
    key = (Measure.ONWARD_REFERRAL, Onward.INTERNAL.value)
    shown = reports(in_quarters([[n] for n in counts], [key]))
    figures: list[tuple[Period, Part, Cell]] = []
    truth = []
    for period, report in shown.items():
        cell = {c.category: c for c in cells_of(report, Measure.ONWARD_REFERRAL).cells}[key[1]]
        inside = [i for i, q in enumerate(QUARTERS) if set(q.months) <= set(period.months)]
        figures.append((period, reads(0), cell))
        truth.append(sum(counts[q] for q in inside))
    cap = max(counts) + SMALL_CELL_LIMIT + 1
    options = [[(n,) for n in range(cap + 1)]] * 4

    assert_nothing_small_can_be_worked_out(figures, truth, options)


MONTH_COUNTS = st.lists(st.one_of(st.integers(0, 5), st.integers(5, 9)), min_size=12, max_size=12)


@settings(max_examples=30, deadline=None)
@given(MONTH_COUNTS)
def test_no_small_month_or_total_can_be_worked_out_across_the_year(counts: list[int]) -> None:
    """Referrals each month and in all: each review shows its months, a quarter and the
    year show the same months, and every period its total."""
    tallies: MonthTallies = {
        m: {(Measure.RECEIVED, ""): n} for m, n in zip(YEAR.months, counts, strict=True) if n
    }
    shown = reports(tallies)
    figures: list[tuple[Period, Part, Cell]] = []
    truth = []
    for period, report in shown.items():
        for cell in report.received.cells:
            month = YEAR.months.index(cell.category)
            quarter, at = divmod(month, 3)
            figures.append((QUARTERS[quarter], reads(at), cell))
            truth.append(counts[month])
        assert report.received.total is not None
        figures.append((period, sum, report.received.total))
        truth.append(sum(tallies.get(m, {}).get((Measure.RECEIVED, ""), 0) for m in period.months))
    cap = max(counts) + SMALL_CELL_LIMIT
    options = [list(itertools.product(range(cap + 1), repeat=3))] * 4

    assert_nothing_small_can_be_worked_out(figures, truth, options)


# -- what it costs, and what it keeps -----------------------------------------------------


def test_a_review_reads_as_it_does_on_its_own_and_the_others_only_hide_more() -> None:
    """The review is what the service is judged by: offering its quarters and its year
    never makes it hide more. They, in turn, show nothing their own protection hides."""
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    start = service_start(now)
    tallies = recount(history(now, demo_advocates()))

    for period in offered_periods(now, start):
        linked, alone = (
            report_for(period, tallies, start, SOLVER),
            build_report(period.months, tallies),
        )
        if period.kind is Kind.WINDOW:
            assert linked == alone
        for mine, own in zip(_cells(linked), _cells(alone), strict=True):
            assert mine.category == own.category
            assert mine.shown is own.shown or mine.shown is Shown.HIDDEN


def _cells(report: StatisticsReport) -> list[Cell]:
    parts = (
        report.received,
        *report.answers,
        report.results,
        report.reached,
        *report.case_work,
        report.closed_as,
        *report.waits,
        *report.pathway,
    )
    found = [report.not_reached, report.advocates_deployed]
    for b in parts:
        found += [*b.cells, *([b.total] if b.total is not None else [])]
    return found


def test_a_quarter_hides_what_its_review_and_the_other_quarter_would_give_away() -> None:
    """The review shows 13 women and 12 men. Its first quarter had 3 women and 6 men
    (shown "fewer than 5" and hidden), its second 10 and 6: shown on its own, the second
    quarter's 10 women would tell the reader the first quarter's 3."""
    keys = [(Measure.GENDER, "woman"), (Measure.GENDER, "man"), (Measure.RECEIVED, "")]
    tallies = in_quarters([[3, 6, 9], [10, 6, 16], [0, 0, 0], [0, 0, 0]], keys)
    alone = build_report(QUARTERS[1].months, tallies)
    first = report_for(QUARTERS[0], tallies, START, SOLVER)
    second = report_for(QUARTERS[1], tallies, START, SOLVER)

    def gender(report: StatisticsReport) -> dict[str, Shown]:
        return {c.category: c.shown for c in report.answers[2].cells}

    assert gender(first)["woman"] is Shown.FEWER_THAN
    assert gender(alone)["woman"] is Shown.EXACT, "on its own, 10 is safe to show"
    assert gender(second)["woman"] is Shown.HIDDEN
