"""Azure Monitor through OpenTelemetry: a span per turn and per delivery, the service's
metrics, and logs, sent only when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set.

Call sites use the names below, one line each; they speak the OpenTelemetry API only,
which is a no-op until `telemetry.azure.start_telemetry` configures the Azure Monitor
distro at start-up. What may leave is decided in `names.py` and enforced on every span
and log record by `privacy.py`; docs/deploy.md "Monitoring" lists it all.
"""

from telemetry.measures import (
    delivered,
    delivery_failed,
    outbox_pass,
    referral_submitted,
    reminders_fired,
)
from telemetry.spans import traced_delivery, traced_turn, turn_is, turn_ran

__all__ = [
    "delivered",
    "delivery_failed",
    "outbox_pass",
    "referral_submitted",
    "reminders_fired",
    "traced_delivery",
    "traced_turn",
    "turn_is",
    "turn_ran",
]
