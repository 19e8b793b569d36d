"""A speed fix for botbuilder's HTTP stack, applied once when the app is built.

msrest (botbuilder's HTTP layer) builds a retry policy for every connector client, and
botbuilder builds a client for every turn and every proactive send. Building one scans a
500-item list for each of 999 status codes: about 3 ms of CPU, half of all the bot's busy
time under load (bench/turns.py, cProfile). The list only answers "is this code in it?",
so a frozenset with the same members gives the same retry policy in microseconds.
"""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy


def speed_up_client_creation() -> None:
    """Idempotent; changes no behaviour, only the cost of a membership test."""
    # Declared a list; only ever used with `in`, which a frozenset answers the same way.
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
