"""Helpers for the app's background loops (outbox delivery, retention, the directory)."""

from __future__ import annotations

import asyncio


def stop_if_cancelled() -> None:
    """A background loop that caught an error must still stop when it is being cancelled:
    an error raised while cancelling can otherwise swallow the cancellation for good."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
