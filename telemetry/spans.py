"""A span per turn and a span per delivery, through the OpenTelemetry API only.

Until `telemetry.azure.start_telemetry` sets a provider (it does only when a connection
string is set), the API's tracer is a no-op: these wrappers then cost a function call.
Attributes are set from closed values only (names.py); the allow-list in privacy.py
drops anything else on the way out regardless.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec, Protocol, TypeVar

from opentelemetry import trace

import telemetry.names as names
from cards.verbs import Verb
from referrals.notifications import Notification

_tracer = trace.get_tracer("sma")
R = TypeVar("R")
P = ParamSpec("P")
VERBS = frozenset(v.value for v in Verb)
MESSAGES_ROUTE = "/api/messages"


def traced_turn(handle: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Around the ingress's `handle`: one server span per POST, with its HTTP status."""

    @functools.wraps(handle)
    async def traced(*args: P.args, **kwargs: P.kwargs) -> R:
        with _tracer.start_as_current_span(names.TURN_SPAN, kind=trace.SpanKind.SERVER) as span:
            span.set_attribute(names.HTTP_METHOD, "POST")
            span.set_attribute(names.HTTP_ROUTE, MESSAGES_ROUTE)
            response = await handle(*args, **kwargs)
            status = getattr(response, "status", None)
            if isinstance(status, int):
                span.set_attribute(names.HTTP_STATUS, status)
            return response

    return traced


def turn_is(activity: Any) -> None:
    """The activity passed the gate: its type and, for a card, its verb (a known verb
    only; anything else a sender put there is left out). Answered from the replay guard
    unless `turn_ran` says otherwise."""
    span = trace.get_current_span()
    if not span.is_recording():
        return
    span.set_attribute(names.ACTIVITY_TYPE, str(getattr(activity, "type", "") or ""))
    verb = _verb_of(getattr(activity, "value", None))
    if verb:
        span.set_attribute(names.CARD_VERB, verb)
    span.set_attribute(names.REPLAYED, True)


def turn_ran() -> None:
    """The bot ran this turn (it was not a repeat answered from memory)."""
    trace.get_current_span().set_attribute(names.REPLAYED, False)


def _verb_of(value: object) -> str:
    if not isinstance(value, Mapping):
        return ""
    action = value.get("action")
    raw = action.get("verb") if isinstance(action, Mapping) else value.get("verb")
    return str(raw) if raw in VERBS else ""


class Failure(Protocol):
    @property
    def code(self) -> str: ...


def traced_delivery(
    classify: Callable[[Exception], Failure], waiting: type[Exception]
) -> Callable[[Callable[[Any, Notification], Awaitable[R]]], Callable[..., Awaitable[R]]]:
    """Around the outbox's `_deliver(self, notification)`: one span per attempt. A failure
    is named by `classify` (a status code or a class name); `waiting` is the error that
    means the person has not opened the bot yet."""

    def wrap(deliver: Callable[[Any, Notification], Awaitable[R]]) -> Callable[..., Awaitable[R]]:
        @functools.wraps(deliver)
        async def traced(owner: Any, n: Notification) -> R:
            # A wait for someone to open the bot is no error: the span says so itself.
            with _tracer.start_as_current_span(
                names.DELIVERY_SPAN, record_exception=False, set_status_on_exception=False
            ) as span:
                span.set_attribute(names.NOTIFICATION_ID, n.id)
                span.set_attribute(names.NOTIFICATION_KIND, n.kind.value)
                try:
                    return await deliver(owner, n)
                except waiting:
                    span.set_attribute(names.DELIVERY_OUTCOME, "waiting")
                    raise
                except asyncio.CancelledError:  # the app stopping: a later pass sends it
                    span.set_attribute(names.DELIVERY_OUTCOME, "stopped")
                    raise
                except Exception as error:
                    span.set_attribute(names.DELIVERY_OUTCOME, "failed")
                    span.set_attribute(names.DELIVERY_ERROR, classify(error).code)
                    span.record_exception(error)
                    span.set_status(trace.StatusCode.ERROR)
                    raise

        return traced

    return wrap


def delivery_outcome(outcome: str) -> None:
    trace.get_current_span().set_attribute(names.DELIVERY_OUTCOME, outcome)
