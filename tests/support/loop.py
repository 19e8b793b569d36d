"""Letting the event loop finish what a close started."""

from __future__ import annotations

import asyncio

TURNS = 5


async def settle() -> None:
    """A server or client closes its connections by scheduling each socket's close on the
    loop; pytest-asyncio closes the loop at the end of each test, so give those closes a
    few turns first (otherwise a socket is left half-closed, and Python warns about it
    whenever garbage collection next runs: in some later, unrelated test)."""
    for _ in range(TURNS):
        await asyncio.sleep(0)
