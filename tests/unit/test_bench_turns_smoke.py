"""The turn benchmark (in both layouts) and the soak still run (two conversations, a few
turns): every figure and every goal's verdict is produced; figures are never asserted."""

from __future__ import annotations

import pytest

from bench import soak, turns


@pytest.mark.parametrize("layout", turns.LAYOUTS)
async def test_the_turn_benchmark_produces_every_figure_and_verdict(layout: str) -> None:
    run = await turns.main(concurrency=2, turns=2, warmup=1, layout=layout)

    table = turns.report(run)
    assert set(run.echo) == {"message", "invoke"}
    for figures in run.echo.values():
        assert figures.turns == 2
        assert figures.throughput > 0
    for kind in turns.KINDS:
        figures = run.ours[kind]
        assert figures.turns == 2, f"{kind} not timed"
        assert figures.errors == 0, f"{kind} ended in error cards"
        assert figures.throughput > 0
        assert (figures.worker_cpu_seconds is not None) == (layout == "worker")
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    for kind in turns.KINDS:
        assert kind in rows, f"no row for {kind}"
    cpu = "web" if layout == "worker" else "bot"  # layout all: the one process's CPU
    goals = [line.split() for line in table.splitlines() if "× echo  goal" in line]
    for kind in turns.CARD_KINDS:
        assert len(run.ours[kind].delivery_ms) == 2, f"{kind}'s notifications not timed"
        assert [g[1] for g in goals if g[0] == kind] == ["p95", "throughput", cpu]
        assert all(g[-1] in ("PASS", "MISS") for g in goals if g[0] == kind)
    deliveries = [line for line in table.splitlines() if "delivered" in line]
    assert [line.split()[0] for line in deliveries] == list(turns.CARD_KINDS)
    for line in deliveries:
        verdict = line.endswith(("PASS", "MISS"))
        assert verdict == any(kind in line for kind in turns.DELIVERY_GOALS), line
    assert "load average before:" in table
    assert "load average after:" in table
    assert f"layout {layout}:" in table


async def test_the_soak_measures_memory_at_start_and_end() -> None:
    result = await soak.main(concurrency=2, turns=20, warmup=10)

    assert result.turns >= 20
    assert result.start_kib > 0
    assert result.end_kib > 0
    assert "RSS" in soak.report(result)
