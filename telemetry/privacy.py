"""The allow-lists of names.py, applied to everything on its way to Azure Monitor.

Every span (ours, and the instrumentations' and libraries') passes `AllowListSpans`
before any exporter sees it: attributes not on the list are dropped, events other than
an exception's are dropped, links are dropped, an exception keeps only its type, a
status keeps only its code (the SDK writes the exception's message into the
description), and a name that is not a plain identifier or an HTTP method is replaced.
Every log record passes `TemplateOnly` as its text (the template with only the allowed
fields filled in) and `AllowListLogs` for its attributes. The SDK has no public way to
rewrite an ended span, so `AllowListSpans` replaces its fields in place, before the
processors after it (the exporter's batch) read them; its test pins that against the
installed SDK.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk._logs import LogRecordProcessor, ReadWriteLogRecord
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Status

import telemetry.names as names

# Span names: ours, an HTTP method (requests' client spans), or an Azure SDK call
# (`ContainerProxy.read_item`). Anything else could have been built from a request.
HTTP_METHODS = "GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS"
PLAIN_NAME = re.compile(
    rf"{re.escape(names.TURN_SPAN)}|{re.escape(names.DELIVERY_SPAN)}"
    rf"|(?:HTTP )?(?:{HTTP_METHODS})|(?:[A-Z][A-Za-z0-9]*\.)+[a-z_][a-z0-9_]{{0,60}}"
)
UNNAMED = "operation"
# A %-directive, and the `key=` that names it: "delivered: notification=%s kind=%s".
DIRECTIVE = re.compile(r"(?:(\w+)=)?%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?([a-zA-Z%])")
HIDDEN = "?"


def allowed(attributes: Mapping[str, Any] | None, keys: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in (attributes or {}).items() if k in keys}


class AllowListSpans(SpanProcessor):
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        span._attributes = allowed(span.attributes, names.SPAN_ATTRIBUTES)
        span._events = [
            Event(e.name, allowed(e.attributes, names.SPAN_ATTRIBUTES), e.timestamp)
            for e in span.events
            if e.name in names.SPAN_EVENTS
        ]
        span._links = []  # their attributes are anyone's
        span._status = Status(span.status.status_code)
        if not PLAIN_NAME.fullmatch(span.name):
            span._name = UNNAMED

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class AllowListLogs(LogRecordProcessor):
    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        record = log_record.log_record
        record.attributes = allowed(record.attributes, names.LOG_ATTRIBUTES)
        if not isinstance(record.body, str):
            record.body = HIDDEN

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class TemplateOnly(logging.Formatter):
    """A log record's text as sent: its template with only the allowed fields filled in.

    Our messages are templates by policy (`%s` arguments, never f-strings). A library's
    message that arrives already formatted (no arguments) could hold anything, so only
    its logger and level are sent; its exception's type is kept as an attribute."""

    def format(self, record: logging.LogRecord) -> str:
        own = record.name.partition(".")[0] in names.OWN_LOGGERS
        if not isinstance(record.msg, str) or (not own and not record.args):
            return f"{record.name} {record.levelname.lower()} (text not sent)"
        return filled(record.msg, record.args)


def filled(template: str, args: Any) -> str:
    """The template with each allowed `key=%s` field formatted and the rest hidden."""
    positional = list(args) if isinstance(args, tuple) else []
    named = args if isinstance(args, Mapping) else {}
    index = 0

    def fill(match: re.Match[str]) -> str:
        nonlocal index
        key, mapping_key, conversion = match.groups()
        if conversion == "%":
            return match.group(0).replace("%%", "%")
        prefix = f"{key}=" if key else ""
        if mapping_key is not None:
            value, field = named.get(mapping_key, HIDDEN), mapping_key
        else:
            value = positional[index] if index < len(positional) else HIDDEN
            field, index = key, index + 1
        if field not in names.LOG_FIELDS:
            return prefix + HIDDEN
        directive = match.group(0)[len(prefix) :].replace(f"({mapping_key})", "")
        try:
            return prefix + directive % (value,)
        except (TypeError, ValueError):
            return prefix + HIDDEN

    return DIRECTIVE.sub(fill, template)
