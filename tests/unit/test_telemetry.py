"""What reaches Azure Monitor is cut to the allow-lists, whoever wrote it; without a
connection string nothing is configured at all.

These tests build their own OpenTelemetry providers and never set the global ones, so
no other test is touched (tests/security/test_telemetry_canary.py runs the configured
app in a process of its own)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import telemetry.names as names
from config.settings import Settings, SettingsError, load_settings
from referrals.notifications import Notification, NotificationKind
from telemetry import measures, spans
from telemetry.azure import credential_for, start_telemetry
from telemetry.privacy import AllowListLogs, AllowListSpans, TemplateOnly, filled
from tests.unit.test_settings import PRODUCTION

CANARY = "CANARYUNIT"
REPO = Path(__file__).resolve().parents[2]
CONNECTION = (
    "InstrumentationKey=00000000-0000-4000-8000-00000000e001;IngestionEndpoint=http://127.0.0.1:9/"
)


@pytest.fixture
def exported() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    provider, memory = TracerProvider(), InMemorySpanExporter()
    provider.add_span_processor(AllowListSpans())
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield provider, memory
    provider.shutdown()


def test_a_span_keeps_only_allowed_attributes_an_exception_s_type_and_a_plain_name(
    exported: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, memory = exported
    tracer = provider.get_tracer("test")

    def fail() -> None:
        with tracer.start_as_current_span(f"GET /{CANARY}") as span:
            span.set_attribute("http.url", f"https://smba.example/v3/conversations/{CANARY}")
            span.set_attribute("enduser.name", CANARY)
            span.set_attribute(names.NOTIFICATION_KIND, "offered")
            span.set_attribute("http.status_code", 429)
            span.add_event("said", {"text": CANARY})
            raise ValueError(f"{CANARY} in a message")

    with pytest.raises(ValueError, match="in a message"):
        fail()

    (kept,) = memory.get_finished_spans()
    assert CANARY not in kept.to_json()
    assert dict(kept.attributes or {}) == {
        names.NOTIFICATION_KIND: "offered",
        "http.status_code": 429,
    }
    assert [(e.name, dict(e.attributes or {})) for e in kept.events] == [
        ("exception", {names.EXCEPTION_TYPE: "ValueError"})
    ]
    assert kept.status.description is None
    assert kept.name == "operation"


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("turn", True),
        ("outbox.deliver", True),
        ("POST", True),
        ("ContainerProxy.read_item", True),
        ("jo.bloggs", False),
        (CANARY, False),
        ("POST /api/messages", False),
    ],
)
def test_span_names_are_ours_an_http_method_or_an_azure_sdk_call(
    exported: tuple[TracerProvider, InMemorySpanExporter], name: str, kept: bool
) -> None:
    provider, memory = exported
    with provider.get_tracer("test").start_as_current_span(name):
        pass

    assert (memory.get_finished_spans()[0].name == name) is kept


def test_a_turn_names_its_type_and_a_known_verb_only(
    exported: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, memory = exported

    @dataclass
    class Activity:
        value: dict[str, object]
        type: str = "invoke"

    clicked = Activity({"action": {"verb": "intake.submit", "data": {"account": CANARY}}})
    forged = Activity({"action": {"verb": CANARY}})
    for activity, ran in ((clicked, True), (forged, False)):
        span = provider.get_tracer("test").start_span("turn")
        with trace.use_span(span, end_on_exit=True):
            spans.turn_is(activity)
            if ran:
                spans.turn_ran()

    first, second = (dict(s.attributes or {}) for s in memory.get_finished_spans())
    assert first == {
        names.ACTIVITY_TYPE: "invoke",
        names.CARD_VERB: "intake.submit",
        names.REPLAYED: False,
    }
    assert second == {names.ACTIVITY_TYPE: "invoke", names.REPLAYED: True}


@pytest.mark.parametrize(
    ("template", "args", "sent"),
    [
        (
            "delivered: notification=%s kind=%s",
            ("n1", "offered"),
            "delivered: notification=n1 kind=offered",
        ),
        (
            "directory: added user=%s to group=%s",
            (CANARY, "g1"),
            "directory: added user=? to group=g1",
        ),
        ("said %s", (CANARY,), "said ?"),
        ("delay=%.1fs attempt=%d", (2.25, 3), "delay=2.2s attempt=3"),
        ("%(kind)s %(text)s 100%%", {"kind": "offered", "text": CANARY}, "offered ? 100%"),
        ("status=%d", ("not a number",), "status=?"),
    ],
)
def test_a_log_message_is_its_template_with_only_allowed_fields(
    template: str, args: object, sent: str
) -> None:
    assert filled(template, args) == sent


def test_a_library_s_ready_made_message_is_not_sent_but_its_template_is() -> None:
    def text(name: str, msg: str, args: tuple[object, ...]) -> str:
        record = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)
        return TemplateOnly().format(record)

    assert text("aiohttp.server", f"bad request from {CANARY}", ()) == (
        "aiohttp.server warning (text not sent)"
    )
    assert text("azure.core", "Request URL: %r", (CANARY,)) == "Request URL: ?"
    assert text("bot.outbox.scheduler", "delivery pass failed", ()) == "delivery pass failed"


def test_a_log_record_keeps_its_exception_s_type_and_nothing_else_it_carries() -> None:
    provider, memory = LoggerProvider(), InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider.add_log_record_processor(AllowListLogs())
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    handler = LoggingHandler(logger_provider=provider)
    handler.setFormatter(TemplateOnly())
    logger = logging.getLogger("bot.telemetry-test")
    logger.addHandler(handler)
    try:
        raise RuntimeError(f"{CANARY} in a message")
    except RuntimeError:
        logger.exception("turn failed: error=%s", "RuntimeError", extra={"who": CANARY})
    finally:
        logger.removeHandler(handler)
        provider.shutdown()

    (record,) = memory.get_finished_logs()
    assert CANARY not in record.to_json()
    assert record.log_record.body == "turn failed: error=RuntimeError"
    assert dict(record.log_record.attributes or {}) == {names.EXCEPTION_TYPE: "RuntimeError"}


def test_the_lag_is_the_age_of_the_oldest_notification_due() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def queued(minutes_ago: int, retry_in: int | None = None) -> Notification:
        retry = now + timedelta(minutes=retry_in) if retry_in is not None else None
        created = now - timedelta(minutes=minutes_ago)
        return Notification("n", "r", "u", NotificationKind.OFFERED, created, next_attempt_at=retry)

    measures.outbox_pass([queued(5), queued(60, retry_in=1), queued(2)], now)
    assert measures._Lag.seconds == 300.0  # the older one waits for its retry: not due
    measures.outbox_pass([], now)
    assert measures._Lag.seconds == 0.0


def test_the_connection_string_is_read_once_and_checked() -> None:
    assert load_settings(PRODUCTION).telemetry_connection_string == ""
    with_it = {**PRODUCTION, "APPLICATIONINSIGHTS_CONNECTION_STRING": f" {CONNECTION} "}
    assert load_settings(with_it).telemetry_connection_string == CONNECTION
    with pytest.raises(SettingsError, match="APPLICATIONINSIGHTS_CONNECTION_STRING"):
        load_settings({**PRODUCTION, "APPLICATIONINSIGHTS_CONNECTION_STRING": "ikey"})
    assert CONNECTION not in repr(load_settings(with_it))


def test_production_sends_signed_in_as_the_web_app_and_development_with_the_key_alone() -> None:
    production = load_settings({**PRODUCTION, "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION})

    assert type(credential_for(production)).__name__ == "DefaultAzureCredential"
    assert credential_for(Settings(development_mode=True)) is None


def test_without_a_connection_string_nothing_is_configured_or_loaded() -> None:
    assert start_telemetry(Settings(development_mode=True)) is False
    # In a fresh process, the app imported and telemetry asked to start: neither the distro
    # nor the SDK loaded, the global providers still the API's own (their no-op proxies).
    script = (
        "import sys, app\n"
        "from opentelemetry import metrics, trace\n"
        "from opentelemetry._logs import get_logger_provider\n"
        "from config.settings import Settings\n"
        "from telemetry.azure import start_telemetry\n"
        "print(start_telemetry(Settings(development_mode=True)))\n"
        "loaded = ('azure.monitor.opentelemetry', 'opentelemetry.sdk')\n"
        "print(any(m in sys.modules for m in loaded))\n"
        "print(type(trace.get_tracer_provider()).__name__)\n"
        "print(type(metrics.get_meter_provider()).__name__)\n"
        "print(type(get_logger_provider()).__name__)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APPLICATIONINSIGHTS", "OTEL"))}
    shown = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert shown.stdout.split() == [
        "False",
        "False",
        "ProxyTracerProvider",
        "_ProxyMeterProvider",
        "ProxyLoggerProvider",
    ]
