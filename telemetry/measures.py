"""The service's metrics, one instrument each, recorded by one-line calls at their sites.

Counts and durations only, with a notification kind or an outcome (closed enums) as
their only attributes. Without a configured provider the API's meter is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

import telemetry.names as names
from referrals.notifications import Notification, NotificationKind
from telemetry.spans import delivery_outcome

_meter = metrics.get_meter("sma")
_submitted = _meter.create_counter(
    names.SUBMITTED, unit="{referral}", description="Referrals sent by their referrer."
)
_deliveries = _meter.create_counter(
    names.DELIVERIES,
    unit="{delivery}",
    description="Delivery attempts by kind and outcome: sent, updated, retry, parked.",
)
_latency = _meter.create_histogram(
    names.DELIVERY_LATENCY,
    unit="s",
    description="From a notification's queueing to its delivery, by kind.",
)
_parked = _meter.create_counter(
    names.PARKED, unit="{notification}", description="Notifications parked for an SMLO."
)
_reminders = _meter.create_counter(
    names.REMINDERS_FIRED, unit="{timer}", description="Reminder timers fired."
)


class _Lag:
    """The outbox's lag as last seen by a delivery pass, reported when metrics are read."""

    seconds = 0.0

    @classmethod
    def observe(cls, options: CallbackOptions) -> Iterable[Observation]:
        yield Observation(cls.seconds)


_meter.create_observable_gauge(
    names.OUTBOX_LAG,
    callbacks=[_Lag.observe],
    unit="s",
    description="Age of the oldest notification due and not yet delivered, per pass.",
)


def referral_submitted() -> None:
    _submitted.add(1)


def delivered(n: Notification, updated: bool, now: datetime) -> None:
    """Sent (or an earlier post updated in place): its outcome, and how long it waited."""
    outcome = "updated" if updated else "sent"
    delivery_outcome(outcome)
    _deliveries.add(1, {names.KIND: n.kind.value, names.OUTCOME: outcome})
    _latency.record(max(0.0, (now - n.created_at).total_seconds()), {names.KIND: n.kind.value})


def delivery_failed(kind: NotificationKind, parked: bool) -> None:
    """A failed attempt: to be retried later, or parked for an SMLO."""
    outcome = "parked" if parked else "retry"
    _deliveries.add(1, {names.KIND: kind.value, names.OUTCOME: outcome})
    if parked:
        _parked.add(1, {names.KIND: kind.value})


def outbox_pass(waiting: Iterable[Notification], now: datetime) -> None:
    """A delivery pass read these pending notifications: the oldest one due sets the lag
    (0 when none is due)."""
    ages = [(now - n.created_at).total_seconds() for n in waiting if n.is_due(now)]
    _Lag.seconds = max([0.0, *ages])


def reminders_fired(fired: list[str]) -> list[str]:
    """Counts the timers a reminder pass fired, and hands them back (so the call site
    stays one line: `if reminders_fired(await ...fire_due(...)):`)."""
    if fired:
        _reminders.add(len(fired))
    return fired
