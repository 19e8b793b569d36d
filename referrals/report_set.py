"""The figures of one period on offer, protected together with every other report of its
service year that a reader can ask for (`referrals.linked_suppression`).

Each report is first protected on its own (`statistics.build_report`); then, step by step
in the order the year's reports are offered (`periods.steps`: a review, its two
quarters, the next review, its quarters, the year), each report hides more where putting
it beside the reports before it would let a small count be worked out. A review is the
first of its family, so it reads exactly as it does on its own; its quarters, and the
year, may hide more than they would on their own.

Linked across reports are the tables whose counts add up across periods: the referrals
each month and in all, each breakdown of answers (adding up to the referrals), each
wish, the outcomes, the case work, the waits and what referrals became. "Advocates who
took a case on" counts distinct people, which do not add up across periods (one advocate
in both quarters is one in the review), so it keeps its own protection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from referrals.linked_suppression import Reader, Solver
from referrals.periods import Kind, Period, service_year, steps
from referrals.statistics import (
    Breakdown,
    Key,
    Measure,
    Result,
    StatisticsReport,
    build_report,
)
from referrals.suppression import Cell, Shown, protect_breakdown

Labels = dict[str, Shown]  # category -> how it is shown
Decided = tuple[Labels, Shown | None]  # a breakdown's cells, and its total if it has one
QUARTERS = 4
_NOT = "not"  # a wish's other cell: those who did not choose it
_RECEIVED: Key = (Measure.RECEIVED, "")


def report_for(
    period: Period, tallies: Mapping[str, Mapping[Key, int]], start: str, solver: Solver
) -> StatisticsReport:
    """The report for `period`, an offered period of the service that started in `start`;
    `tallies` holds the months of its service year."""
    year = service_year(period, start)
    frozen = tuple((month, tuple(sorted(tallies.get(month, {}).items()))) for month in year.months)
    return _report(period, year, frozen, solver)


@lru_cache(maxsize=128)
def _report(
    period: Period,
    year: Period,
    frozen: tuple[tuple[str, tuple[tuple[Key, int], ...]], ...],
    solver: Solver,
) -> StatisticsReport:
    """Cached: an ended period's figures are asked for again and again, and never change
    unless a count of its year does."""
    return _Year(year, {month: dict(items) for month, items in frozen}, period, solver).report()


@dataclass(frozen=True)
class _Node:
    period: Period
    step: int
    quarters: tuple[int, ...]  # the year's quarters it holds
    months: tuple[int, ...]  # the year's months it holds


def _breakdowns(report: StatisticsReport) -> dict[Measure, Breakdown]:
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
    return {b.measure: b for b in parts}


def _labels(cells: Sequence[Cell]) -> Labels:
    return {c.category: c.shown for c in cells}


class _Year:
    """One service year's reports, decided step by step up to the one asked for."""

    def __init__(
        self,
        year: Period,
        tallies: Mapping[str, Mapping[Key, int]],
        period: Period,
        solver: Solver,
    ) -> None:
        self.solver = solver
        self.months = year.months
        self.tallies = tallies
        order = steps(year)
        self.quarters = sorted(p for p in order if p.kind is Kind.QUARTER)
        self.nodes = [
            _Node(
                p,
                step,
                tuple(i for i, q in enumerate(self.quarters) if set(q.months) <= set(p.months)),
                tuple(i for i, m in enumerate(self.months) if m in p.months),
            )
            for step, p in enumerate(order)
        ]
        self.upto = next(n.step for n in self.nodes if n.period == period)
        self.alone = {
            n.step: build_report(n.period.months, tallies) for n in self.nodes[: self.upto + 1]
        }
        self.received = self._received()

    def count(self, quarter: int, key: Key) -> int:
        return sum(self.tallies.get(m, {}).get(key, 0) for m in self.quarters[quarter].months)

    def report(self) -> StatisticsReport:
        mine = self.alone[self.upto]
        closed_as = self._table(mine.closed_as, rows=True, total=True)
        results = self._counts(mine.results)
        results[Result.CLOSED.value] = closed_as[1] or Shown.HIDDEN
        not_reached = self._counts(Breakdown(Measure.CONTACT, (mine.not_reached,)))
        return replace(
            mine,
            received=_relabel(mine.received, *self.received[self.upto]),
            answers=tuple(self._answers(b) for b in mine.answers),
            results=_relabel(mine.results, results, None),
            reached=_relabel(mine.reached, *self._table(mine.reached, total=True)),
            not_reached=_relabel(
                Breakdown(Measure.CONTACT, (mine.not_reached,)), not_reached, None
            ).cells[0],
            case_work=tuple(_relabel(b, self._counts(b), None) for b in mine.case_work),
            closed_as=_relabel(mine.closed_as, *closed_as),
            waits=tuple(_relabel(b, *self._table(b, total=True)) for b in mine.waits),
            pathway=tuple(_relabel(b, self._counts(b), None) for b in mine.pathway),
        )

    # -- the tables -------------------------------------------------------------------

    def _alone(self, measure: Measure, step: int) -> Breakdown:
        return _breakdowns(self.alone[step])[measure]

    def _received(self) -> dict[int, Decided]:
        """Referrals each month and in all: the months as each review shows them (a
        quarter and the year show the same), each period's total decided at its step."""
        reader = Reader(
            [self.tallies.get(m, {}).get(_RECEIVED, 0) for m in self.months], (), self.solver
        )
        months = {j: reader.figure([j], self._review_of(j).step) for j in range(len(self.months))}
        totals = {n.step: reader.figure(n.months, n.step) for n in self.nodes}
        for step in range(self.upto + 1):
            alone = self._alone(Measure.RECEIVED, step)
            labels = {totals[step]: _total(alone)}
            if self.nodes[step].period.kind is Kind.WINDOW:
                cells = _labels(alone.cells)
                labels |= {months[j]: cells[self.months[j]] for j in self.nodes[step].months}
            reader.settle(step, labels)
        return {
            n.step: (
                {self.months[j]: reader.figures[months[j]].shown for j in n.months},
                reader.figures[totals[n.step]].shown,
            )
            for n in self.nodes[: self.upto + 1]
        }

    def _review_of(self, month: int) -> _Node:
        return next(n for n in self.nodes if n.period.kind is Kind.WINDOW and month in n.months)

    def _answers(self, breakdown: Breakdown) -> Breakdown:
        if breakdown.measure is Measure.WISH:
            wishes = {c.category: self._wish(c.category) for c in breakdown.cells}
            return _relabel(breakdown, wishes, None)
        return _relabel(breakdown, *self._table(breakdown, rows=True, of_referrals=True))

    def _wish(self, wish: str) -> Shown:
        """A wish splits the referrals in two, those who chose it and the rest."""
        key: Key = (Measure.WISH, wish)

        def value(quarter: int, category: str) -> int:
            chose = self.count(quarter, key)
            return chose if category == wish else self.count(quarter, _RECEIVED) - chose

        def alone(step: int) -> Decided:
            node = self.nodes[step]
            chose = sum(value(q, wish) for q in node.quarters)
            rest = sum(value(q, _NOT) for q in node.quarters)
            cells, _ = protect_breakdown([(wish, chose), (_NOT, rest)])
            return _labels(cells), None

        decided = self._settle(
            (wish, _NOT), value, alone, rows=True, total=False, of_referrals=True
        )
        return decided[self.upto][0][wish]

    def _table(
        self,
        breakdown: Breakdown,
        *,
        rows: bool = False,
        total: bool = False,
        of_referrals: bool = False,
    ) -> Decided:
        """A breakdown whose cells add up to a total: its own (`total`), or the
        referrals' (`of_referrals`)."""
        measure = breakdown.measure
        categories = tuple(c.category for c in breakdown.cells)

        def alone(step: int) -> Decided:
            b = self._alone(measure, step)
            return _labels(b.cells), _total(b) if total else None

        decided = self._settle(
            categories,
            lambda q, c: self.count(q, (measure, c)),
            alone,
            rows=rows,
            total=total,
            of_referrals=of_referrals,
        )
        labels, own_total = decided[self.upto]
        if of_referrals:
            return labels, self.received[self.upto][1]
        return labels, own_total

    def _counts(self, breakdown: Breakdown) -> Labels:
        """Counts that add up to nothing shown: each category on its own."""
        measure = breakdown.measure
        found: Labels = {}
        for cell in breakdown.cells:
            category = cell.category

            def alone(step: int, category: str = category) -> Decided:
                b = self._alone(measure, step)
                cells = (
                    b.cells if measure is not Measure.CONTACT else (self.alone[step].not_reached,)
                )
                return {category: _labels(cells)[category]}, None

            def value(quarter: int, _: str, key: Key = (measure, category)) -> int:
                return self.count(quarter, key)

            decided = self._settle((category,), value, alone)
            found[category] = decided[self.upto][0][category]
        return found

    def _settle(
        self,
        categories: Sequence[str],
        value: Callable[[int, str], int],
        alone: Callable[[int], Decided],
        *,
        rows: bool = False,
        total: bool = False,
        of_referrals: bool = False,
    ) -> dict[int, Decided]:
        """Decide one table step by step. Its atoms are each quarter's count of each
        category; where the cells add up to the referrals, the months too, with the
        referrals' figures as the received table decided them."""
        width = len(categories)
        atoms = [value(q, c) for q in range(QUARTERS) for c in categories]
        same: list[tuple[list[int], list[int]]] = []
        base = len(atoms)
        if of_referrals:
            atoms += [self.tallies.get(m, {}).get(_RECEIVED, 0) for m in self.months]
            same = [
                (
                    [q * width + i for i in range(width)],
                    [base + j for j, m in enumerate(self.months) if m in quarter.months],
                )
                for q, quarter in enumerate(self.quarters)
            ]
        reader = Reader(atoms, same, self.solver)
        cells: dict[tuple[int, str], int] = {}
        totals: dict[int, int] = {}
        for node in self.nodes:
            for i, c in enumerate(categories):
                cells[node.step, c] = reader.figure(
                    [q * width + i for q in node.quarters], node.step
                )
            if total or of_referrals:
                everything = [q * width + i for q in node.quarters for i in range(width)]
                totals[node.step] = reader.figure(everything, node.step)
            if rows:
                reader.row([cells[node.step, c] for c in categories], node.step)
        if of_referrals:
            for j in range(len(self.months)):
                review = self._review_of(j)
                if review.step <= self.upto:
                    month = reader.figure([base + j], review.step)
                    reader.given(month, self.received[review.step][0][self.months[j]])
            for step in range(self.upto + 1):
                reader.given(totals[step], self.received[step][1] or Shown.HIDDEN)
        for step in range(self.upto + 1):
            labels, own = alone(step)
            start = {cells[step, c]: labels[c] for c in categories}
            if total and own is not None:
                start[totals[step]] = own
            reader.settle(step, start)
        return {
            step: (
                {c: reader.figures[cells[step, c]].shown for c in categories},
                reader.figures[totals[step]].shown if step in totals else None,
            )
            for step in range(self.upto + 1)
        }


def _total(breakdown: Breakdown) -> Shown:
    if breakdown.total is None:
        raise ValueError(f"{breakdown.measure} has no total")
    return breakdown.total.shown


def _relabel(breakdown: Breakdown, labels: Labels, total: Shown | None) -> Breakdown:
    """The breakdown with its cells shown as decided: only ever more hidden than on its
    own, and never a value that is not shown."""
    cells = tuple(_hidden_more(c, labels.get(c.category, c.shown)) for c in breakdown.cells)
    whole = breakdown.total
    if whole is not None and total is not None:
        whole = _hidden_more(whole, total)
    return replace(breakdown, cells=cells, total=whole)


def _hidden_more(cell: Cell, shown: Shown) -> Cell:
    if shown is cell.shown:
        return cell
    if cell.shown is not Shown.EXACT and shown is Shown.EXACT:
        return cell  # the earlier reports give it away: hiding it again hides nothing
    return Cell(cell.category, shown)
