"""Suppression across every report a reader can ask for, not just within one.

Each report is protected on its own by `referrals.suppression`. Reports that overlap (a
service year, its two six-month reviews and their quarters) can still be put together:
a year's count minus one review's is the other review's, and a review's minus one
quarter's is the other quarter's. So the figures of overlapping reports are decided here
*together*, as one set of linear facts a reader holds:

- **Atoms** are the counts nobody is shown: one per quarter and category (and one per
  month, where the months are shown). Every figure any report shows is a sum of atoms.
- A reader knows, of each figure decided so far: its value if shown, 1 to 4 if it reads
  "fewer than 5", nothing if hidden; that every atom is a whole number from 0 up; and
  the sums that must agree (a quarter's answers add up to its referrals).
- **Steps.** Reports are decided in the order they are offered (a review, then its
  quarters, ... then the year). A step may only hide *more* of its own figures: what an
  earlier report showed is in the reader's memory and stays shown.

A step is safe when, given everything decided up to it:

1. no figure of any report, decided or still to come, whose value is from 1 to 4 can be
   worked out (one value fits): not a "fewer than 5", and not one the reports still to
   come would show as such;
2. no breakdown of answers, decided or still to come, can be pinned to one category
   holding everyone (every other category can only be 0).

A hidden figure that can be worked out is no harm when it is 0 or 5 or more: it says
nothing a shown one would not. (Each report's own protection is stricter and hides such
cells too; a review, decided first, reads exactly as on its own.)

"Can be worked out" is judged exactly, by integer programming (a `Solver`): the figure
is pinned when no whole-number solution of the reader's facts gives it another value.
While a step is not safe, the next of its own figures is hidden: one linked to the
problem if any (sharing an atom), the smallest shown first, zeros last, then "fewer than
5" cells. Hiding every figure of a step makes it add
nothing to what the reader knew, and that was safe, so this always ends.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from referrals.suppression import SMALL_CELL_LIMIT, Shown, is_small

CAP = 10**6  # no count is this large: an upper bound keeps every programme bounded


class Solver(Hashable, Protocol):
    """Finds whole numbers x, each from 0 to `CAP`, with `lows[i] <= rows[i] . x <=
    highs[i]` for every row, or says there are none. (The adapter is the HiGHS solver,
    `solving/highs.py`: the domain imports no outside library.)"""

    def solve(
        self, rows: Sequence[Sequence[int]], lows: Sequence[int], highs: Sequence[int], size: int
    ) -> list[int] | None: ...


@dataclass
class Figure:
    """One number a report shows, or will: the sum of some atoms."""

    atoms: tuple[int, ...]
    value: int
    step: int  # the step that decides it
    shown: Shown = Shown.HIDDEN
    given: bool = False  # decided elsewhere (another table's): never hidden here


@dataclass(frozen=True)
class Row:
    """Figures of one report that add up to its total: a breakdown of answers."""

    figures: tuple[int, ...]
    step: int
    total: int  # its true total: a breakdown of nobody pins no one


class Reader:
    """What a reader can work out from the figures decided so far."""

    def __init__(
        self,
        atoms: Sequence[int],
        same: Iterable[tuple[Sequence[int], Sequence[int]]],
        solver: Solver,
    ) -> None:
        self.values = list(atoms)
        # Sums that must agree, where they do (answers recorded before a question was
        # asked need not add up to the referrals): a reader only knows what is true.
        self._same = [
            (tuple(a), tuple(b)) for a, b in same if _sum(self.values, a) == _sum(self.values, b)
        ]
        self._solver = solver
        self.figures: list[Figure] = []
        self.rows: list[Row] = []

    def figure(self, atoms: Sequence[int], step: int) -> int:
        value = _sum(self.values, atoms)
        self.figures.append(Figure(tuple(atoms), value, step))
        return len(self.figures) - 1

    def given(self, index: int, shown: Shown) -> None:
        """A figure decided by another table, with the label that table gave it (if it
        is true here: answers recorded before a question was asked need not add up to
        the referrals, and a reader only knows what is true)."""
        figure = self.figures[index]
        fits = {Shown.EXACT: True, Shown.FEWER_THAN: is_small(figure.value), Shown.HIDDEN: True}
        figure.shown = shown if fits[shown] else Shown.HIDDEN
        figure.given = True

    def row(self, figures: Sequence[int], step: int) -> None:
        total = sum(self.figures[i].value for i in figures)
        self.rows.append(Row(tuple(figures), step, total))

    # -- deciding ---------------------------------------------------------------------

    def settle(self, step: int, labels: dict[int, Shown]) -> None:
        """Decide `step`'s own figures: start from `labels` (each report's own
        protection), then hide more until the step is safe."""
        for index, shown in labels.items():
            if not self.figures[index].given:
                self.figures[index].shown = shown
        own = [f for f in self.figures if f.step == step and not f.given]
        checked = False
        if any(f.shown is not Shown.EXACT for f in own):
            self._known_already(step, own)
            checked = True
        while (problem := self._problem(step)) is not None:
            if not checked:
                self._known_already(step, own)
                checked = True
                continue
            self._hide_one(step, problem)

    def _known_already(self, step: int, own: Sequence[Figure]) -> None:
        """A figure of this step that the earlier steps already pin is shown and stays
        shown: hiding it would hide nothing. (Were it small, an earlier step would have
        been unsafe.)"""
        model = self._model([f for f in self.figures if f.step < step])
        for f in own:
            if model.pinned(f.atoms, f.value):
                f.shown, f.given = Shown.EXACT, True

    def _hide_one(self, step: int, problem: set[int]) -> None:
        own = [
            i
            for i, f in enumerate(self.figures)
            if f.step == step and not f.given and f.shown is not Shown.HIDDEN
        ]
        if not own:
            raise AssertionError("a step showing nothing of its own cannot be unsafe")
        linked = [i for i in own if problem & set(self.figures[i].atoms)]
        candidates = linked or own

        def order(i: int) -> tuple[int, int, int, int]:
            f = self.figures[i]
            fewer = f.shown is Shown.FEWER_THAN
            return fewer, f.value == 0, f.value, i

        self.figures[min(candidates, key=order)].shown = Shown.HIDDEN

    # -- what a reader can work out ---------------------------------------------------

    def _problem(self, step: int) -> set[int] | None:
        """The atoms of the first figure or breakdown found unsafe, or None."""
        figures = [f for f in self.figures if is_small(f.value)]
        # Only a category that truly holds everyone can be pinned to everyone.
        rows = [
            (row, others)
            for row in self.rows
            if row.total
            for others in self._others(row)
            if not _sum(self.values, others)
        ]
        if not figures and not rows:
            return None
        model = self._model([f for f in self.figures if f.step <= step])
        for f in figures:
            if model.pinned(f.atoms, f.value):
                return set(f.atoms)
        for row, others in rows:
            if not model.feasible(others, low=1):
                return {a for i in row.figures for a in self.figures[i].atoms}
        return None

    def _model(self, known: Sequence[Figure]) -> _Model:
        return _Model(self.values, self._same, known, self._solver)

    def _others(self, row: Row) -> list[list[int]]:
        """For each figure of the row, the atoms of every other figure."""
        return [
            [a for j in row.figures if j != i for a in self.figures[j].atoms] for i in row.figures
        ]


def _sum(values: Sequence[int], atoms: Iterable[int]) -> int:
    return sum(values[a] for a in atoms)


class _Model:
    """The reader's facts as an integer programme over the atoms. It keeps every solution
    it finds: a figure two of them give different values is not pinned, with no need to
    solve again."""

    def __init__(
        self,
        truth: list[int],
        same: Sequence[tuple[tuple[int, ...], tuple[int, ...]]],
        known: Sequence[Figure],
        solver: Solver,
    ) -> None:
        self.size = len(truth)
        self.pool = [truth]
        self._solver = solver
        self._rows: list[list[int]] = []
        self._lows: list[int] = []
        self._highs: list[int] = []
        for f in known:
            if f.shown is Shown.HIDDEN:
                continue
            low, high = (f.value, f.value) if f.shown is Shown.EXACT else (1, SMALL_CELL_LIMIT - 1)
            self._add(self._vector(f.atoms), low, high)
        for a, b in same:
            minus = self._vector(b)
            self._add([x - y for x, y in zip(self._vector(a), minus, strict=True)], 0, 0)

    def _add(self, row: list[int], low: int, high: int) -> None:
        self._rows.append(row)
        self._lows.append(low)
        self._highs.append(high)

    def _vector(self, atoms: Sequence[int]) -> list[int]:
        vector = [0] * self.size
        for a in atoms:
            vector[a] += 1
        return vector

    def _find(self, atoms: Sequence[int], low: int, high: int) -> bool:
        """Whether a solution has the sum of `atoms` from `low` to `high`."""
        if any(low <= _sum(p, atoms) <= high for p in self.pool):
            return True
        found = self._solver.solve(
            [*self._rows, self._vector(atoms)], [*self._lows, low], [*self._highs, high], self.size
        )
        if found is None:
            return False  # none, or none proven: taken as pinned, to be safe
        self.pool.append(found)
        return True

    def feasible(self, atoms: Sequence[int], low: int = 0, high: int = CAP) -> bool:
        return self._find(atoms, low, high)

    def pinned(self, atoms: Sequence[int], value: int) -> bool:
        """Whether the sum of `atoms` can only be `value`."""
        if value >= 1 and self._find(atoms, 0, value - 1):
            return False
        return not self._find(atoms, value + 1, CAP * len(atoms))
