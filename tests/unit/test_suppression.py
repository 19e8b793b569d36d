"""Small-cell suppression: no count from 1 to 4 is shown, and none can be worked out; nor,
in a breakdown of answers, can one category be pinned to everyone.

The property tests judge what a reader could work out with an exhaustive search of
their own (every assignment of values the labels allow that adds up to the total), not
with the interval reasoning the code uses, so the two check each other.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referrals.suppression import (
    SMALL_CELL_LIMIT,
    Cell,
    Shown,
    protect_breakdown,
    protect_counts,
)

# Mostly small counts, where suppression matters, with some large ones among them.
COUNT = st.one_of(st.integers(0, SMALL_CELL_LIMIT + 1), st.integers(0, 40))
COUNTS = st.lists(COUNT, min_size=2, max_size=7)  # a breakdown of answers has two or more


def named(values: Sequence[int]) -> list[tuple[str, int]]:
    return [(f"c{i}", n) for i, n in enumerate(values)]


def values_a_reader_allows(cell: Cell, cap: int) -> set[int]:
    if cell.shown is Shown.EXACT:
        assert cell.value is not None
        return {cell.value}
    if cell.shown is Shown.FEWER_THAN:
        return set(range(1, SMALL_CELL_LIMIT))
    return set(range(cap + 1))  # hidden: anything from 0 up (no cell exceeds the total)


def reachable_sums(domains: Sequence[set[int]]) -> set[int]:
    sums = {0}
    for domain in domains:
        sums = {s + v for s in sums for v in domain}
    return sums


def what_a_reader_can_tell(cells: Sequence[Cell], total: Cell) -> list[set[int]]:
    """For each cell, every value it could have, given everything the report shows."""
    totals = values_a_reader_allows(total, cap=10**6)
    if total.shown is not Shown.EXACT:
        totals = set(range(1, SMALL_CELL_LIMIT))
    cap = max(totals)
    domains = [values_a_reader_allows(c, cap) for c in cells]
    possible = []
    for i, domain in enumerate(domains):
        others = reachable_sums(domains[:i] + domains[i + 1 :])
        possible.append({v for v in domain if any(t - v in others for t in totals)})
    return possible


def one_holds_everyone(possible: Sequence[set[int]], total: Cell) -> bool:
    """Group disclosure: the reader can tell that one category holds everyone, because
    every other cell can only be 0 (and there is someone to hold)."""
    if total.shown is Shown.EXACT and total.value == 0:
        return False
    return any(
        all(options == {0} for j, options in enumerate(possible) if j != i)
        for i in range(len(possible))
    )


@settings(max_examples=400, deadline=None)
@given(st.one_of(COUNTS, st.lists(COUNT, min_size=1, max_size=1)), st.booleans())
def test_no_suppressed_count_in_a_breakdown_can_be_worked_out_from_the_rest(
    values: list[int], of_answers: bool
) -> None:
    if of_answers and len(values) < 2:
        of_answers = False
    cells, total = protect_breakdown(named(values), of_answers=of_answers)

    possible = what_a_reader_can_tell(cells, total)
    for cell, true_value, options in zip(cells, values, possible, strict=True):
        assert true_value in options, "the reader's view must fit the truth"
        if cell.shown is not Shown.EXACT:
            assert len(options) >= 2, (values, cells, options)


@settings(max_examples=400, deadline=None)
@given(COUNTS)
def test_no_category_of_answers_can_be_pinned_to_everyone(values: list[int]) -> None:
    cells, total = protect_breakdown(named(values))

    possible = what_a_reader_can_tell(cells, total)
    assert not one_holds_everyone(possible, total), (values, cells, possible)


@settings(max_examples=400, deadline=None)
@given(COUNTS, st.booleans())
def test_a_breakdown_shows_no_count_from_1_to_4_and_every_shown_count_is_true(
    values: list[int], of_answers: bool
) -> None:
    cells, total = protect_breakdown(named(values), of_answers=of_answers)

    for cell, true_value in zip(cells, values, strict=True):
        if 0 < true_value < SMALL_CELL_LIMIT:
            assert cell.shown is not Shown.EXACT
        if cell.shown is Shown.EXACT:
            assert cell.value == true_value
        else:
            assert cell.value is None, "a suppressed value is never carried"
        if cell.shown is Shown.FEWER_THAN:
            assert 0 < true_value < SMALL_CELL_LIMIT, "'fewer than 5' is never untrue"
    grand = sum(values)
    if 0 < grand < SMALL_CELL_LIMIT:
        assert (total.shown, total.value) == (Shown.FEWER_THAN, None)
    else:
        assert (total.shown, total.value) == (Shown.EXACT, grand)


@given(st.lists(COUNT, max_size=7))
def test_counts_that_add_up_to_nothing_shown_hide_only_the_small_ones(values: list[int]) -> None:
    for cell, n in zip(protect_counts(named(values)), values, strict=True):
        small = 0 < n < SMALL_CELL_LIMIT
        assert cell.shown is (Shown.FEWER_THAN if small else Shown.EXACT)
        assert cell.value == (None if small else n)


def shown_as(values: Sequence[int], *, of_answers: bool = True) -> list[str]:
    cells, total = protect_breakdown(named(values), of_answers=of_answers)
    return [str(c.value) if c.shown is Shown.EXACT else c.shown.value for c in (*cells, total)]


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    assert shown_as([12, 3, 7, 9]) == ["12", "fewer_than", "hidden", "9", "31"]


def test_two_small_cells_that_could_only_be_one_each_take_a_third_with_them() -> None:
    assert shown_as([1, 1, 10, 12]) == ["fewer_than", "fewer_than", "hidden", "12", "24"]


def test_two_small_cells_that_cannot_be_told_apart_are_enough() -> None:
    assert shown_as([2, 3, 10, 12]) == ["fewer_than", "fewer_than", "10", "12", "27"]


def test_zeros_are_shown_and_hidden_only_when_nothing_else_is_left() -> None:
    assert shown_as([0, 6, 2, 0, 7]) == ["0", "hidden", "fewer_than", "0", "7", "15"]
    assert shown_as([4, 4, 0]) == ["fewer_than", "fewer_than", "hidden", "8"]


def test_answers_all_in_one_category_hide_the_whole_breakdown_but_not_the_total() -> None:
    # "Woman 6, every other 0, in total 6" would give every person's answer.
    assert shown_as([6, 0, 0, 0]) == ["hidden", "hidden", "hidden", "hidden", "6"]
    # As a wish is protected (chose it, did not): "nobody asked" is everyone's answer too.
    assert shown_as([0, 12]) == ["hidden", "hidden", "12"]


def test_a_breakdown_that_is_not_of_answers_may_show_one_category_holding_everyone() -> None:
    assert shown_as([0, 6, 0], of_answers=False) == ["0", "6", "0", "6"]


def test_a_breakdown_of_answers_needs_two_categories() -> None:
    with pytest.raises(ValueError, match="two categories"):
        protect_breakdown(named([6]))


def test_when_every_cell_is_small_and_pinned_one_of_them_is_hidden_outright() -> None:
    assert shown_as([4, 4]) == ["hidden", "fewer_than", "8"]


def test_a_small_total_hides_the_whole_breakdown() -> None:
    assert shown_as([0, 3, 0]) == ["hidden", "hidden", "hidden", "fewer_than"]


def test_nothing_at_all_is_shown_as_zero() -> None:
    assert shown_as([0, 0]) == ["0", "0", "0"]
