"""The names of everything the app sends to Azure Monitor, and the allow-lists that decide
what may leave at all (`privacy.py` applies them to every span and log record).

Only ids, closed-enum values, HTTP statuses, counts and durations are allowed: never a
name, a word anyone typed, a card, an e-mail address or a phone number. A key that is not
listed here is dropped on the way out, whoever set it (our code, an instrumentation or a
library), so a new attribute is invisible in Application Insights until it is added here
and to docs/deploy.md "Monitoring".
"""

from __future__ import annotations

# Our spans.
TURN_SPAN = "turn"
DELIVERY_SPAN = "outbox.deliver"
ACTIVITY_TYPE = "sma.activity.type"  # message, invoke, conversationUpdate…
CARD_VERB = "sma.card.verb"  # a cards.verbs.Verb value, or absent
HTTP_STATUS = "http.response.status_code"
HTTP_METHOD = "http.request.method"  # with the route, Application Insights reads it as a request
HTTP_ROUTE = "http.route"  # always /api/messages
REPLAYED = "sma.turn.replayed"  # a Teams retry answered from the replay guard
NOTIFICATION_ID = "sma.notification.id"
NOTIFICATION_KIND = "sma.notification.kind"  # a NotificationKind value
DELIVERY_OUTCOME = "sma.delivery.outcome"  # sent, updated, waiting, failed, stopped
DELIVERY_ERROR = "sma.delivery.error"  # an HTTP status or an exception class name

# What the auto-instrumentations (requests, the Azure SDK) may keep: the method, the host,
# the status and the error's class. Never the URL: a connector URL carries conversation
# and activity ids, and a Graph URL could carry a query.
INSTRUMENTED = frozenset(
    {
        "http.request.method",
        "http.method",
        "http.status_code",
        "server.address",
        "server.port",
        "net.peer.name",
        "net.peer.port",
        "error.type",
        "az.namespace",
        "db.system",
        "db.operation",
        "db.cosmosdb.operation_type",
        "db.cosmosdb.status_code",
        "db.cosmosdb.sub_status_code",
        "db.cosmosdb.request_charge",
        "_MS.sampleRate",  # the sampler's, read by the exporter
    }
)
EXCEPTION_TYPE = "exception.type"  # kept; an exception's message and stack trace are not

SPAN_ATTRIBUTES = (
    frozenset(
        {
            ACTIVITY_TYPE,
            CARD_VERB,
            HTTP_STATUS,
            HTTP_METHOD,
            HTTP_ROUTE,
            REPLAYED,
            NOTIFICATION_ID,
            NOTIFICATION_KIND,
            DELIVERY_OUTCOME,
            DELIVERY_ERROR,
            EXCEPTION_TYPE,
        }
    )
    | INSTRUMENTED
)
SPAN_EVENTS = frozenset({"exception"})  # any other event is dropped whole

# Metrics: (instrument name, unit). Their attributes are closed enums only.
SUBMITTED = "sma.referrals.submitted"
DELIVERIES = "sma.outbox.deliveries"
DELIVERY_LATENCY = "sma.outbox.delivery_latency"
PARKED = "sma.outbox.parked"
REMINDERS_FIRED = "sma.reminders.fired"
OUTBOX_LAG = "sma.outbox.lag"
KIND = "kind"
OUTCOME = "outcome"
METRIC_ATTRIBUTES = frozenset({KIND, OUTCOME}) | INSTRUMENTED | {HTTP_STATUS}

# Log records: the message's template is sent with only these fields filled in (from
# `key=%s` in the template); everything else shows as "?". An Entra object id (`user=`)
# is not among them: it is how a person is looked up.
LOG_FIELDS = frozenset(
    {
        "activity",
        "attempt",
        "bytes",
        "changes",
        "count",
        "deleted",
        "delay",
        "error",
        "fate",
        "group",
        "id",
        "kind",
        "manifest",
        "members",
        "notification",
        "purged",
        "reason",
        "referral",
        "referrals",
        "smlos",
        "stage",
        "status",
        "type",
        "week",
    }
)
LOG_ATTRIBUTES = frozenset({EXCEPTION_TYPE})
# Loggers whose messages are ours (content-free by policy, tests/protocol scans them).
OWN_LOGGERS = frozenset(
    {
        "__main__",
        "app",
        "bot",
        "cards",
        "common",
        "config",
        "dialogs",
        "entra",
        "exports",
        "ops",
        "referrals",
        "sma",
        "solving",
        "storage",
        "telemetry",
    }
)
# Every request is already a turn span; aiohttp's access line also names the caller's
# address and user agent.
UNSENT_LOGGERS = frozenset({"aiohttp.access"})
