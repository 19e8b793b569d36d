"""The benchmarks still run (a few referrals only): figures are not asserted, rot is."""

from __future__ import annotations

from bench import storage


async def test_the_storage_benchmark_runs_every_operation_on_every_backend() -> None:
    results = await storage.main(referrals=8, backends=list(storage.BACKENDS), long_case=6)

    table = storage.report(results)
    for backend in ("memory", "sqlite", "cosmos"):
        for operation in storage.OPERATIONS:
            assert results[backend].samples[operation], f"{backend} {operation} not timed"
            assert f"{backend:<8} {operation:<11}" in table


async def test_the_scale_benchmark_measures_every_query_at_both_sizes() -> None:
    from bench import scale

    table = await scale.main(total=2_000, open_count=5, repeats=4)

    assert "1,000 referrals: filled in" in table
    assert "2,000 referrals: filled in" in table
    assert "load average" in table
    rows = {line[:17].strip(): line for line in table.splitlines()}
    for query in ("inbox", "caseloads", "statistics", "stats, new counts", "advocate's cases"):
        assert query in rows, f"{query} not timed"
    assert "find draft" in rows
    for query in scale.GOALS:
        assert rows[query].endswith(("PASS", "MISS")), f"{query} has no verdict"


def test_the_figures_benchmark_times_every_kind_of_period() -> None:
    from bench import figures
    from devtools.demo import demo_advocates
    from devtools.seed import history, service_start
    from referrals.statistics import recount

    tallies = recount(history(figures.NOW, demo_advocates()))
    rows = figures.measure(tallies, service_start(figures.NOW), rounds=1)

    assert set(rows) == {"window", "quarter", "year"}
    assert rows["window"]["extra_hidden_max"] == 0, "a review reads as on its own"
