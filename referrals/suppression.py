"""Small-cell suppression: no report shows a count small enough to point at a person.

The service is small (18 referrals in the real service's first six months), so a count of
one or two, next to a month or a category, can name someone. Every figure a report shows
goes through here:

- **Primary suppression.** A count from 1 to `SMALL_CELL_LIMIT - 1` is never shown; it
  reads "fewer than 5" (`Shown.FEWER_THAN`). Zero is shown: it describes nobody.
- **Secondary suppression.** Where the cells of a breakdown add up to a total the reader
  knows (each referral has exactly one route, one month …), a single hidden cell could be
  worked out by subtraction, and so could two that can only be 1 and 1. So, while any
  hidden cell's value follows from what is shown, the next smallest shown cell is hidden
  too (`Shown.HIDDEN`: no value and no bound is given for it), zeros last; if every cell is
  already hidden, a "fewer than 5" cell is turned into a plain hidden one.
- **A small total.** If the total itself is from 1 to 4, it reads "fewer than 5" and every
  cell of the breakdown is hidden, zeros too (a shown zero would narrow the rest down).
- **Everyone alike.** A breakdown of what people answered must not let a reader pin one
  category to the whole total: "Woman 6, every other answer 0, in total 6" tells the
  reader every person's answer without a single small cell. Once the cells above are
  settled, that can only happen when every other cell is shown as 0, so then every cell
  of the breakdown is hidden (the total is still shown). A breakdown of something else
  (the month a referral arrived, which the SMLO is told as it happens) may pass
  `of_answers=False` to show it anyway.

"Follows from what is shown" is judged as a reader would: a shown cell is exact, a
"fewer than 5" cell is from 1 to 4, a hidden cell is any number from 0 up, and the cells
add up to the total. A value follows if only one number fits. The property tests in
tests/unit/test_suppression.py check this, and that no category is pinned to the whole
total, with an independent, exhaustive search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

SMALL_CELL_LIMIT = 5  # counts from 1 to this minus one are never shown


class Shown(StrEnum):
    EXACT = "exact"
    FEWER_THAN = "fewer_than"  # 1 to SMALL_CELL_LIMIT - 1
    HIDDEN = "hidden"  # not shown, so that a small count cannot be worked out


@dataclass(frozen=True)
class Cell:
    """One figure as a report may show it: the value only when it is shown exactly."""

    category: str
    shown: Shown
    value: int | None = None

    @classmethod
    def of(cls, category: str, shown: Shown, value: int) -> Cell:
        return cls(category, shown, value if shown is Shown.EXACT else None)


def is_small(count: int) -> bool:
    return 0 < count < SMALL_CELL_LIMIT


def protect_counts(counts: Sequence[tuple[str, int]]) -> tuple[Cell, ...]:
    """Counts that add up to nothing the reader knows (events, distinct people): each
    small one reads "fewer than 5", the rest are shown."""
    return tuple(
        Cell.of(name, Shown.FEWER_THAN if is_small(n) else Shown.EXACT, n) for name, n in counts
    )


def protect_breakdown(
    counts: Sequence[tuple[str, int]], *, of_answers: bool = True
) -> tuple[tuple[Cell, ...], Cell]:
    """Cells that add up to a total the reader knows (shown as the second value, or
    deducible elsewhere in the report): primary and secondary suppression, and, for a
    breakdown of people's answers, no category that holds everyone."""
    values = [n for _, n in counts]
    if any(n < 0 for n in values):
        raise ValueError("counts cannot be negative")
    if of_answers and len(values) < 2:  # its one category always holds everyone
        raise ValueError("a breakdown of answers needs at least two categories")
    total = sum(values)
    if is_small(total):
        return _all_hidden(counts), Cell("total", Shown.FEWER_THAN)
    shown = [Shown.FEWER_THAN if is_small(n) else Shown.EXACT for n in values]
    while pinned(shown, values, total):
        shown[_next_to_hide(shown, values)] = Shown.HIDDEN
    if of_answers and total and everyone_alike(shown, values):
        return _all_hidden(counts), Cell.of("total", Shown.EXACT, total)
    cells = tuple(Cell.of(name, s, n) for (name, n), s in zip(counts, shown, strict=True))
    return cells, Cell.of("total", Shown.EXACT, total)


def everyone_alike(shown: Sequence[Shown], values: Sequence[int]) -> bool:
    """Whether a reader can pin one category to the whole total: every other cell is
    shown as 0. (A suppressed cell is never pinned to 0 once `pinned` finds nothing.)"""
    zeros = sum(s is Shown.EXACT and v == 0 for s, v in zip(shown, values, strict=True))
    return zeros >= len(values) - 1


def _all_hidden(counts: Sequence[tuple[str, int]]) -> tuple[Cell, ...]:
    return tuple(Cell(name, Shown.HIDDEN) for name, _ in counts)


def pinned(shown: Sequence[Shown], values: Sequence[int], total: int) -> list[int]:
    """Indexes of suppressed cells whose value a reader can work out from the shown cells,
    the bounds each label implies and the total."""
    bounds = [_bounds(s, v) for s, v in zip(shown, values, strict=True)]
    lows = [low for low, _ in bounds]
    found = []
    for i, (low, high) in enumerate(bounds):
        if shown[i] is Shown.EXACT:
            continue
        others_high = [h for j, (_, h) in enumerate(bounds) if j != i]
        least = low
        if None not in others_high:
            least = max(low, total - sum(h for h in others_high if h is not None))
        most = total - (sum(lows) - low)
        if high is not None:
            most = min(high, most)
        if least == most:
            found.append(i)
    return found


def _bounds(shown: Shown, value: int) -> tuple[int, int | None]:
    if shown is Shown.EXACT:
        return value, value
    if shown is Shown.FEWER_THAN:
        return 1, SMALL_CELL_LIMIT - 1
    return 0, None


def _next_to_hide(shown: Sequence[Shown], values: Sequence[int]) -> int:
    """The smallest shown non-zero cell; else a shown zero; else a "fewer than 5" cell."""
    exact = [i for i, s in enumerate(shown) if s is Shown.EXACT]
    if exact:
        return min(exact, key=lambda i: (values[i] == 0, values[i], i))
    fewer = [i for i, s in enumerate(shown) if s is Shown.FEWER_THAN]
    if not fewer:  # every cell hidden: nothing is pinned with a total of 5 or more
        raise AssertionError("suppression cannot hide any more cells")
    return fewer[0]
