"""The turn benchmark and the soak still run (two conversations, a few turns): every
figure is produced; figures are never asserted."""

from __future__ import annotations

from bench import soak, turns


async def test_the_turn_benchmark_produces_every_figure_for_every_kind() -> None:
    ours, echo = await turns.main(concurrency=2, turns=2, warmup=1)

    table = turns.report(ours, echo, concurrency=2)
    assert set(echo) == {"message", "invoke"}
    for figures in echo.values():
        assert figures.turns == 2
        assert figures.throughput > 0
    for kind in turns.KINDS:
        figures = ours[kind]
        assert figures.turns == 2, f"{kind} not timed"
        assert figures.errors == 0, f"{kind} ended in error cards"
        assert figures.throughput > 0
        assert kind in table
    for kind in turns.CARD_KINDS:
        assert len(ours[kind].delivery_ms) == 2, f"{kind}'s notifications not timed"
    assert "PASS" in table or "MISS" in table


async def test_the_soak_measures_memory_at_start_and_end() -> None:
    result = await soak.main(concurrency=2, turns=20, warmup=10)

    assert result.turns >= 20
    assert result.start_kib > 0
    assert result.end_kib > 0
    assert "RSS" in soak.report(result)
