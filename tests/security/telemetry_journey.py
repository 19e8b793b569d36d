"""The whole referral path with Azure Monitor configured, in a process of its own:
`python -m tests.security.telemetry_journey OUT.json` (test_telemetry_canary.py runs it).

OpenTelemetry's providers and the distro's instrumentations are global to a process, so
they are set here, never in pytest's. Telemetry is started exactly as `app.main` starts
it (`start_telemetry(settings)`), with a connection string whose ingestion endpoint is a
loopback stand-in for Application Insights, and in-memory exporters beside the distro's
own; the network beyond loopback is refused, as in every test. Everything exported (the
in-memory exporters' spans, logs and metrics, and the bodies the distro's exporters
POSTed to the stand-in) is written to OUT.json for the test to read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import logging
import socket
import sys
import tempfile
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
from opentelemetry import metrics, trace
from opentelemetry._logs import get_logger_provider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from referrals.clock import FakeClock
from telemetry.azure import Capture, start_telemetry
from tests.conftest import OutboundNetworkCall, _is_local
from tests.protocol.conftest import (
    ADVOCATE_A_ID,
    People,
    RunningBot,
    make_settings,
    people_at,
    serving,
)
from tests.protocol.journeys import WAIT, send_an_on_behalf_referral_full_of, shows
from tests.support.connector import ConnectorStandIn

CANARY = "CANARYOTEL"  # one token, so it is found however a line splits words
PHONE = "07700 900456"
EMAIL = f"{CANARY.lower()}.person@example.org"
LEAKS = (CANARY, CANARY.lower(), PHONE, "07700900456", EMAIL)
IKEY = "00000000-0000-4000-8000-00000000e001"
REMINDER = "A reminder: this is still waiting for your answer."
NOTICE = "New message about SMA-2026-0001"
# How far the journey moves the app's clock: the offer's retry, then the reminder's wait.
RETRY_WAIT = timedelta(seconds=30)
REMINDER_WAIT = timedelta(days=2, minutes=5)


class Ingestion(BaseHTTPRequestHandler):
    """Application Insights' ingestion endpoint on loopback: keeps every body it is sent."""

    bodies: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", "replace")
        Ingestion.bodies.append(text)
        items = text.count('"iKey"') or 1
        answer = json.dumps({"itemsReceived": items, "itemsAccepted": items, "errors": []})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args: Any) -> None:
        return None


def refuse_the_network(refused: list[str]) -> None:
    """As tests/conftest.py does for every test, and noting each attempt (the distro's
    own calls home would be made from its threads, where a raise is swallowed)."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_local(address):
            refused.append(repr(address))
            raise OutboundNetworkCall(f"telemetry tried to reach {address!r}")
        real_connect(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]


async def journey(bot: RunningBot, people: People, connector: ConnectorStandIn) -> None:
    """Intake with canaries everywhere, the SMLO's allocation, a retried offer, a
    reminder, a parked note, the advocate's acceptance and a relayed message each way;
    a Teams retry answered from the replay guard, and a request the gate refuses."""
    referrer, smlo, advocate = people.referrer, people.smlo, people.advocate_a
    referrer.name = f"Robin {CANARY}name"
    for person in (smlo, advocate, people.advocate_b):  # the deputy never opens the bot
        assert await person.say("hi") == 201
    await send_an_on_behalf_referral_full_of(referrer, CANARY, email=EMAIL, phone=PHONE)
    await connector.wait_until(lambda: shows(smlo, "Referral SMA-2026-0001"), within=WAIT)

    await smlo.click("Open details")
    await smlo.click("Find an advocate")
    connector.fail_next(1, status=429, retry_after="1", conversation=advocate.conversation_id)
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await connector.wait_until(lambda: connector.faults_served == 1, within=WAIT)
    await bot.runtime.outbox.deliver_pending()  # the failure is recorded before time moves
    bot.clock.advance(RETRY_WAIT)
    await bot.runtime.outbox.deliver_pending()
    await connector.wait_until(lambda: shows(advocate, "Can you support someone?"), within=WAIT)

    connector.fail_next(1, status=403, conversation=advocate.conversation_id)
    bot.clock.advance(REMINDER_WAIT)  # Monday's offer, on Wednesday: a reminder, refused
    bot.runtime.reminders.wake()
    await connector.wait_until(lambda: connector.faults_served == 2, within=WAIT)
    await bot.runtime.outbox.deliver_pending()

    await advocate.click("Yes, I can")
    await connector.wait_until(lambda: shows(referrer, "An advocate is in place"), within=WAIT)
    await referrer.say(f"{CANARY} typed in the chat")
    await referrer.submit("Send")
    await connector.wait_until(lambda: shows(advocate, NOTICE), within=WAIT)
    await advocate.click("Read")
    await advocate.submit("Send", text=f"{CANARY} replied")
    await connector.wait_until(lambda: shows(referrer, NOTICE), within=WAIT)

    repeat = referrer.activity("message", text="my referrals")
    assert (await referrer.post(repeat))[0] == (await referrer.post(repeat))[0] == 201
    forged = referrer.activity("message", text=f"{CANARY} from elsewhere")
    forged["channelData"] = {"tenant": {"id": "someone-else"}}
    assert (await referrer.post(forged))[0] == 403
    await bot.runtime.outbox.deliver_pending()  # a last pass: the lag as it ends


def careless_lines() -> None:
    """What a careless change could add (a name in a span, text in a log line, an error
    quoting what someone typed): the allow-lists must still keep it from leaving."""
    with trace.get_tracer("bot.careless").start_as_current_span(f"read {CANARY}") as span:
        span.set_attribute("sma.typed", f"{CANARY} typed")
        span.add_event("shown", {"text": PHONE})
        logging.getLogger("bot.careless").warning("typed: text=%s email=%s", CANARY, EMAIL)
        try:
            raise ValueError(f"{CANARY} could not be read from {EMAIL}")
        except ValueError:
            logging.getLogger("bot.careless").exception("read failed: error=%s", "ValueError")
            span.set_status(trace.StatusCode.ERROR, f"{CANARY} failed")


async def main() -> dict[str, Any]:
    refused: list[str] = []
    refuse_the_network(refused)
    ingestion = ThreadingHTTPServer(("127.0.0.1", 0), Ingestion)
    threading.Thread(target=ingestion.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{ingestion.server_address[1]}/"
    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    logs = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    connector = ConnectorStandIn()
    await connector.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = dataclasses.replace(
            make_settings(folder, connector.url),
            teams_service_url="",  # no chat is opened for anyone: the deputy's notes wait
            telemetry_connection_string=(
                f"InstrumentationKey={IKEY};IngestionEndpoint={endpoint};LiveEndpoint={endpoint}"
            ),
        )
        capture = Capture([SimpleSpanProcessor(spans)], [SimpleLogRecordProcessor(logs)], [reader])
        started = start_telemetry(settings, capture)
        clock = FakeClock()
        submitted_at = clock.now()
        async with serving(settings, clock) as bot, aiohttp.ClientSession() as http:
            await journey(bot, people_at(bot.url, connector, http), connector)
            careless_lines()
            ended_at = bot.clock.now()
        read = reader.get_metrics_data()
        metrics_json = read.to_json() if read is not None else "{}"
    await connector.stop()
    # The SDK's providers, set by the distro: shutting down flushes its exporters.
    providers: list[Any] = [trace.get_tracer_provider(), metrics.get_meter_provider()]
    for provider in [*providers, get_logger_provider()]:
        provider.shutdown()
    ingestion.shutdown()
    return {
        "started": started,
        "spans": [json.loads(span.to_json()) for span in spans.get_finished_spans()],
        "logs": [json.loads(record.to_json()) for record in logs.get_finished_logs()],
        "metrics": json.loads(metrics_json),
        "ingested": Ingestion.bodies,
        "refused": refused,
        "lag_seconds": (ended_at - submitted_at).total_seconds(),
    }


if __name__ == "__main__":
    logging.basicConfig(level=logging.DEBUG)  # every logger, botbuilder and aiohttp included
    Path(sys.argv[1]).write_text(json.dumps(asyncio.run(main())), encoding="utf-8")
