"""Azure Monitor sees ids, verbs, statuses, counts and durations, and no word of anyone's:
the whole referral path, with canaries in every answer, a name, an e-mail address, a
phone number and the messages, runs with telemetry configured as production configures
it (telemetry_journey.py, in a process of its own: OpenTelemetry's providers are global).
Everything exported (the in-memory exporters' spans, logs and metrics, and what the
distro's own exporters sent to a loopback Application Insights) is searched for the
canaries, and the spans and metrics are checked against what the journey did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from telemetry import names
from tests.security.telemetry_journey import LEAKS, REMINDER_WAIT, RETRY_WAIT

REPO = Path(__file__).resolve().parents[2]
Json = dict[str, Any]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Json:
    folder = tmp_path_factory.mktemp("telemetry")
    out = folder / "exported.json"
    # TMPDIR: the distro keeps telemetry it could not send under the temporary folder.
    env = {**os.environ, "TMPDIR": str(folder), "PYTHONPATH": str(REPO)}
    for variable in ("APPLICATIONINSIGHTS_CONNECTION_STRING", "OTEL_SERVICE_NAME"):
        env.pop(variable, None)
    run = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "tests.security.telemetry_journey", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    found: Json = json.loads(out.read_text(encoding="utf-8"))
    return found


def points(found: Json, metric: str) -> list[Json]:
    return [
        point
        for resource in found["metrics"]["resource_metrics"]
        for scope in resource["scope_metrics"]
        for m in scope["metrics"]
        if m["name"] == metric
        for point in m["data"]["data_points"]
    ]


def by_kind(found: Json, metric: str, value: str = "value") -> dict[tuple[str, ...], Any]:
    return {tuple(p["attributes"].values()): p[value] for p in points(found, metric)}


def spans_named(found: Json, name: str) -> list[Json]:
    return [span for span in found["spans"] if span["name"] == name]


def test_no_canary_is_in_anything_exported(exported: Json) -> None:
    """Including what `careless_lines` put into a span, its event and status, and a log
    line with an exception: they are exported, without the canaries."""
    assert exported["started"], "telemetry was configured"
    assert [s for s in exported["spans"] if s["status"]["status_code"] == "ERROR"]
    assert any(r["body"] == "typed: text=? email=?" for r in exported["logs"])
    assert len(exported["spans"]) > 40
    assert len(exported["logs"]) > 100
    assert exported["ingested"], "the distro's own exporters sent to Application Insights"
    everything = json.dumps(exported, ensure_ascii=False)

    assert [leak for leak in LEAKS if leak in everything] == []


def test_only_the_force_s_application_insights_was_called(exported: Json) -> None:
    assert exported["refused"] == []  # no usage reports, remote settings or VM metadata


def test_every_span_and_log_record_keeps_only_allowed_attributes(exported: Json) -> None:
    for span in exported["spans"]:
        assert set(span["attributes"]) <= names.SPAN_ATTRIBUTES, span["name"]
        assert "description" not in span["status"]
        for event in span["events"]:
            assert event["name"] == "exception"
            assert set(event["attributes"]) <= {names.EXCEPTION_TYPE}
    for record in exported["logs"]:
        assert set(record["attributes"] or {}) <= names.LOG_ATTRIBUTES


def test_each_turn_is_a_span_with_its_type_verb_status_and_replay(exported: Json) -> None:
    turns = spans_named(exported, names.TURN_SPAN)
    verbs = Counter(t["attributes"].get(names.CARD_VERB) for t in turns)
    answered = Counter(
        (t["attributes"].get(names.ACTIVITY_TYPE), t["attributes"][names.HTTP_STATUS])
        for t in turns
    )
    replayed = [t for t in turns if t["attributes"].get(names.REPLAYED)]

    assert all(t["kind"] == "SpanKind.SERVER" for t in turns)
    assert verbs["intake.submit"] == verbs["smlo.allocate"] == verbs["advocate.accept"] == 1
    assert answered[("invoke", 200)] == sum(n for v, n in verbs.items() if v)
    assert answered[(None, 403)] == 1  # refused at the gate: nothing about it is read
    assert [t["attributes"][names.ACTIVITY_TYPE] for t in replayed] == ["message"]


def test_each_delivery_is_a_span_with_its_id_kind_and_outcome(exported: Json) -> None:
    deliveries = spans_named(exported, names.DELIVERY_SPAN)
    outcomes = Counter(
        (
            d["attributes"][names.NOTIFICATION_KIND],
            d["attributes"][names.DELIVERY_OUTCOME],
            d["attributes"].get(names.DELIVERY_ERROR),
        )
        for d in deliveries
    )

    assert all(len(d["attributes"][names.NOTIFICATION_ID]) == 32 for d in deliveries)
    assert outcomes[("offered", "failed", "429")] == 1
    assert outcomes[("offered", "sent", None)] == 1
    assert outcomes[("offer_reminder", "failed", "403")] == 1
    assert outcomes[("new_message", "sent", None)] == 2
    assert outcomes[("new_referral", "waiting", None)] >= 1  # the deputy never opened it
    failed = [d for d in deliveries if d["attributes"][names.DELIVERY_OUTCOME] == "failed"]
    assert {d["status"]["status_code"] for d in failed} == {"ERROR"}


def test_the_metrics_count_what_the_journey_did(exported: Json) -> None:
    deliveries = by_kind(exported, names.DELIVERIES)
    sent = {k: n for k, n in deliveries.items() if k[1] in {"sent", "updated"}}
    latency = by_kind(exported, names.DELIVERY_LATENCY, "count")

    assert points(exported, names.SUBMITTED)[0]["value"] == 1
    assert deliveries[("offered", "retry")] == 1
    assert deliveries[("offer_reminder", "parked")] == 1
    assert deliveries[("new_referral", "sent")] == 1  # the SMLO's; the deputy's waits
    assert deliveries[("accepted", "sent")] == deliveries[("advocate_allocated", "sent")] == 1
    assert deliveries[("new_message", "sent")] == 2
    assert by_kind(exported, names.PARKED) == {("offer_reminder",): 1}
    assert latency == {(kind,): n for (kind, _), n in sent.items()}
    # The retried offer waited for its retry; the reminder's wait is after it was sent.
    offered = [
        p for p in points(exported, names.DELIVERY_LATENCY) if p["attributes"]["kind"] == "offered"
    ]
    assert offered[0]["max"] == RETRY_WAIT.total_seconds()
    assert points(exported, names.REMINDERS_FIRED)[0]["value"] >= 2  # the offer; the SMLO's
    # The deputy's card has waited since the referral came: the oldest due, at the end.
    assert points(exported, names.OUTBOX_LAG)[0]["value"] == exported["lag_seconds"]
    assert exported["lag_seconds"] == (RETRY_WAIT + REMINDER_WAIT).total_seconds()
