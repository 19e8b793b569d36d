"""Reading an HTTP `Retry-After` header, as the Bot Connector and Microsoft Graph send it."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds (possibly fractional) or an HTTP date; None if unreadable."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
