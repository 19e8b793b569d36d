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

    table = await scale.main(total=40, open_count=5)

    for query in ("inbox", "caseloads", "statistics", "advocate's cases", "find draft"):
        assert query in table
