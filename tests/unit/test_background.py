"""Background work stops when the app stops, even if an error arrives with the stop."""

from __future__ import annotations

import asyncio

from bot import retention
from referrals.clock import FakeClock
from referrals.services import RetentionPolicy


class FailingWhileCancelled:
    """A purge that, when cancelled, raises an ordinary error instead (as a database
    driver may while rolling back)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def purge_expired(self, policy: RetentionPolicy) -> object:
        self.started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RuntimeError("cannot rollback - no transaction is active") from None
        raise AssertionError("unreachable")


async def test_the_retention_loop_stops_when_cancelled_even_if_the_purge_fails_meanwhile() -> None:
    purge = FailingWhileCancelled()
    task = asyncio.create_task(
        retention.run_retention(
            purge,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            RetentionPolicy(365, 30),
            FakeClock(),
        )
    )
    await purge.started.wait()

    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10)  # generous: a busy machine

    assert task in done, "the loop swallowed its cancellation and would hang shutdown"
    assert task.cancelled()
