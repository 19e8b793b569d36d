"""k-anonymity for a table of records: every row shown is shared, in every field, by at
least `K` rows. Standard library only.

Each record gives, for each field, its *ladder*: the field's value from the finest to the
coarsest, the last rung saying nothing at all (`ANY`). A field is generalised for every
row at once (full-domain generalisation): a column never mixes a month with a quarter, so
a reader cannot tell one case from its neighbours by how finely it is described.

The search is greedy and deterministic. Start with every field at its finest; while more
rows stand in groups smaller than `K` than may be withheld, take one field one rung up:
the field whose step leaves the fewest rows in small groups, then the one that keeps the
most distinct groups (the most detail), then the first in the order of fields to give up
first. Every field at `ANY` makes one group of everyone, so the search always ends. Rows
still in a group smaller than `K` are then withheld (dropped, never shown in part). Rows
come out sorted by their values, so their order says nothing of when or in which order
the cases happened.

A greedy search is not the best generalisation possible (a full search of every
combination of rungs grows with the product of the ladders' lengths, thousands of times
more work for one export), but it is simple to check, and the property that matters,
that no shown row is shared by fewer than `K`, holds whatever it chooses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from referrals.suppression import SMALL_CELL_LIMIT

K = SMALL_CELL_LIMIT  # every row shown is shared by at least this many
ANY = "Any"  # the top rung of every ladder: the field says nothing
# At most this share of the rows may be withheld before a field is generalised further.
WITHHOLD_AT_MOST = 0.1

Record = Sequence[Sequence[str]]  # per field, its ladder of values, finest first
Row = tuple[str, ...]


@dataclass(frozen=True)
class Anonymised:
    levels: tuple[int, ...]  # per field, the rung shown (0 the finest)
    rows: tuple[Row, ...]  # sorted by value; each occurs at least K times
    withheld: int  # rows in groups too small to show


def anonymise(records: Sequence[Record], give_up_first: Sequence[int], k: int = K) -> Anonymised:
    """`give_up_first`: the field indices in the order to generalise when two steps are
    equally good. Every record's ladder for a field has the same length, ending in ANY."""
    width = len(give_up_first)
    if not records:
        return Anonymised((0,) * width, (), 0)
    tops = [len(ladder) - 1 for ladder in records[0]]
    levels = [0] * width
    may_withhold = int(len(records) * WITHHOLD_AT_MOST)
    while _in_small_groups(records, levels, k) > may_withhold:
        steps = []
        for field in give_up_first:
            if levels[field] < tops[field]:
                tried = [*levels]
                tried[field] += 1
                groups = _groups(records, tried)
                small = sum(n for n in groups.values() if n < k)
                steps.append((small, -len(groups), give_up_first.index(field), field))
        if not steps:
            break
        levels[min(steps)[3]] += 1
    groups = _groups(records, levels)
    shown = sorted(row for row, n in groups.items() for _ in range(n) if n >= k)
    return Anonymised(tuple(levels), tuple(shown), len(records) - len(shown))


def _row(record: Record, levels: Sequence[int]) -> Row:
    return tuple(ladder[level] for ladder, level in zip(record, levels, strict=True))


def _groups(records: Sequence[Record], levels: Sequence[int]) -> Counter[Row]:
    return Counter(_row(record, levels) for record in records)


def _in_small_groups(records: Sequence[Record], levels: Sequence[int], k: int) -> int:
    return sum(n for n in _groups(records, levels).values() if n < k)
