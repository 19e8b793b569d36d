"""Figures benchmark: what protecting every report on offer together costs.

    .venv/bin/python -m bench.figures [--rounds 3]

On the two-year demo history (`devtools.seed`), it times every period on offer, fresh
each round (the cache cleared): each report protected on its own (`build_report`, the
baseline measured in the same run), and protected with the rest of its service year
(`report_set.report_for`), by kind of period. It prints the median seconds of each and
the ratio to the baseline, and how many cells each kind hides beyond its own protection.
Figures only; this never fails a build.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime

from devtools.demo import demo_advocates
from devtools.seed import history, service_start
from referrals import report_set
from referrals.periods import offered_periods
from referrals.statistics import MonthTallies, StatisticsReport, build_report, recount
from referrals.suppression import Cell, Shown
from solving.highs import HighsSolver

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SOLVER = HighsSolver()


def _hidden(report: StatisticsReport) -> int:
    """Cells not shown exactly, anywhere in the report."""

    def walk(value: object) -> int:
        if isinstance(value, Cell):
            return value.shown is not Shown.EXACT
        if isinstance(value, tuple):
            return sum(walk(v) for v in value)
        if is_dataclass(value):
            return sum(walk(getattr(value, f.name)) for f in fields(value))
        return 0

    return walk(report)


def measure(tallies: MonthTallies, start: str, rounds: int) -> dict[str, dict[str, float]]:
    """Per kind of period: median seconds alone and together, and extra cells hidden."""
    alone: dict[str, list[float]] = defaultdict(list)
    together: dict[str, list[float]] = defaultdict(list)
    extra: dict[str, list[int]] = defaultdict(list)
    for _ in range(rounds):
        for period in offered_periods(NOW, start):
            kind = period.kind.value
            began = time.perf_counter()
            own = build_report(period.months, tallies)
            alone[kind].append(time.perf_counter() - began)
            report_set._report.cache_clear()
            began = time.perf_counter()
            linked = report_set.report_for(period, tallies, start, SOLVER)
            together[kind].append(time.perf_counter() - began)
            extra[kind].append(_hidden(linked) - _hidden(own))
    return {
        kind: {
            "alone_s": statistics.median(alone[kind]),
            "together_s": statistics.median(together[kind]),
            "ratio": statistics.median(together[kind]) / statistics.median(alone[kind]),
            "extra_hidden_max": max(extra[kind]),
        }
        for kind in alone
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    start = service_start(NOW)
    tallies = recount(history(NOW, demo_advocates()))
    print(f"{'period':<8} {'alone s':>9} {'together s':>11} {'× alone':>9} {'extra hidden':>13}")
    for kind, row in measure(tallies, start, args.rounds).items():
        print(
            f"{kind:<8} {row['alone_s']:>9.4f} {row['together_s']:>11.3f} "
            f"{row['ratio']:>9.0f} {row['extra_hidden_max']:>13.0f}"
        )


if __name__ == "__main__":
    main()
