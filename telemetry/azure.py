"""Start-up: the Azure Monitor OpenTelemetry distro, configured once, only when
`APPLICATIONINSIGHTS_CONNECTION_STRING` is set (`Settings.telemetry_connection_string`).

Without it nothing is imported or configured, and the API the call sites use stays a
no-op. With it, `configure_azure_monitor` sets the global tracer, meter and logger
providers with its own exporters, our allow-lists first in each pipeline (privacy.py).

Which instrumentations run, and why:
- `requests` on: botbuilder's connector client (the Bot Connector) and msal (Entra ID)
  send with it, so each post, update and token request is a dependency span: method,
  host, status and duration, never the URL (it carries conversation and activity ids).
- `azure_sdk` on: Cosmos DB calls as dependency spans, with the same allow-list.
- `urllib3` off: it would repeat every `requests` call as a second span.
- `urllib`, `httpx`, `django`, `flask`, `fastapi`, `psycopg2` off: not used here.
aiohttp's server is not instrumented by the distro; the turn span (telemetry.spans) is
ours. Nothing goes anywhere but the force's own Application Insights: the SDK's own
usage reports to Microsoft (statsbeat) and its remote configuration service are off
unless an operator sets their variables. Live metrics are off (a second stream of every
span and log, which we do not need); every trace is kept (`sampling_ratio=1.0`: the
service has tens of turns a minute, and a referral's path is only useful whole).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import telemetry.names as names
from config.values import Settings

log = logging.getLogger(__name__)
INSTRUMENTATIONS = {
    "requests": True,
    "azure_sdk": True,
    "urllib3": False,
    "urllib": False,
    "httpx": False,
    "httpx2": False,
    "django": False,
    "flask": False,
    "fastapi": False,
    "psycopg2": False,
}

SERVICE_NAME = "sma-referral-bot"  # the role Application Insights shows
SDK_DEFAULTS = {
    # The exporter's own calls to Microsoft (usage statistics, remote configuration): off.
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
    # The app runs on App Service: the virtual machine detector would only wait on the
    # instance metadata address, which App Service does not answer.
    "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "azure_app_service",
}


@dataclass(frozen=True)
class Capture:
    """Extra readers of what is exported (tests: in-memory exporters), placed after our
    allow-lists, beside the distro's own Azure Monitor exporters."""

    span_processors: list[Any] = field(default_factory=list)
    log_processors: list[Any] = field(default_factory=list)
    metric_readers: list[Any] = field(default_factory=list)


def start_telemetry(settings: Settings, capture: Capture | None = None) -> bool:
    """Configure Azure Monitor if a connection string is set; whether it was."""
    if not settings.telemetry_connection_string:
        return False
    # Imported here: without a connection string the distro is never loaded.
    from azure.monitor.opentelemetry import configure_azure_monitor
    from opentelemetry.sdk.metrics.view import View
    from opentelemetry.sdk.resources import Resource

    from telemetry.privacy import AllowListLogs, AllowListSpans, TemplateOnly

    for variable, value in SDK_DEFAULTS.items():
        os.environ.setdefault(variable, value)
    extra = capture or Capture()
    configure_azure_monitor(
        connection_string=settings.telemetry_connection_string,
        credential=credential_for(settings),
        resource=Resource.create({"service.name": SERVICE_NAME}),
        instrumentation_options={k: {"enabled": on} for k, on in INSTRUMENTATIONS.items()},
        span_processors=[AllowListSpans(), *extra.span_processors],
        log_record_processors=[AllowListLogs(), *extra.log_processors],
        metric_readers=list(extra.metric_readers),
        views=[View(instrument_name="*", attribute_keys=set(names.METRIC_ATTRIBUTES))],
        logger_name="",  # the root logger: ours, and the libraries' through TemplateOnly
        logging_formatter=TemplateOnly(),
        enable_live_metrics=False,
        sampling_ratio=1.0,
    )
    _leave_out_access_lines()
    log.info("telemetry: sending traces, metrics and logs to Azure Monitor")
    return True


def credential_for(settings: Settings) -> Any:
    """Application Insights takes telemetry only from an Entra ID identity (the template
    turns its local authentication off and grants the Web App's managed identity
    Monitoring Metrics Publisher), as Cosmos DB does. Development mode sends with the
    connection string alone, to a resource that allows it (or the tests' loopback)."""
    if settings.development_mode:
        return None
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def _leave_out_access_lines() -> None:
    """aiohttp's access line per request: the turn span already says it, without the
    caller's address and user agent."""
    from opentelemetry.instrumentation.logging.handler import LoggingHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, LoggingHandler):
            handler.addFilter(lambda record: record.name not in names.UNSENT_LOGGERS)
