"""Referrals, notifications and advocates as JSON-compatible documents, and back.

Storage-neutral: SQLite keeps these documents as text, Cosmos DB as items (both sealed
first by `storage.sealing`). Every document carries `schema`; a reader refuses a document
from a newer schema rather than silently dropping fields it does not know, and a missing
intake answer takes its default, so adding an optional answer needs no migration.

Datetimes must be timezone-aware. They are written as ISO 8601 with their UTC offset, so
a round trip gives back the same instant and the same offset (a named zone such as
Europe/London comes back as the fixed offset it had at that instant).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, NoReturn

from referrals.availability import AVAILABLE, Availability, AvailabilityState
from referrals.intake import IntakeAnswers, IntakeStep
from referrals.notifications import DeliveryStatus, Notification, NotificationKind
from referrals.people import Advocate, RosterOverride
from referrals.referral import Referral
from referrals.referral_base import CaseEvent
from referrals.signposting import Signpost
from referrals.states import ReferralState
from referrals.views import ShownView, ViewKind

SCHEMA = 1

Document = dict[str, Any]

_ANSWER_TYPES: dict[str, Any] = typing.get_type_hints(IntakeAnswers)


def referral_to_doc(referral: Referral) -> Document:
    """Everything but `new_notifications`, which a store writes to its outbox instead."""
    return {
        "schema": SCHEMA,
        "id": referral.id,
        "version": referral.version,
        "referrer_id": referral.referrer_id,
        "referrer_name": referral.referrer_name,
        "created_at": _time(referral.created_at),
        "updated_at": _time(referral.updated_at),
        "state": referral.state.value,
        "answers": {
            f.name: plain_value(getattr(referral.answers, f.name)) for f in _answer_fields()
        },
        "step": plain_value(referral.step),
        "reference": referral.reference,
        "submitted_at": _time(referral.submitted_at) if referral.submitted_at else None,
        "offered_to": referral.offered_to,
        "advocate_id": referral.advocate_id,
        "declined_by": list(referral.declined_by),
        "signpost": plain_value(referral.signpost),
        "signpost_service": referral.signpost_service,
        "outside_teams": referral.outside_teams,
        "history": [
            {"at": _time(e.at), "actor_id": e.actor_id, "name": e.name, "detail": e.detail}
            for e in referral.history
        ],
    }


def referral_from_doc(doc: Mapping[str, Any]) -> Referral:
    """Raises `ValueError` for a document this code cannot read faithfully."""
    _check_schema(doc)
    submitted_at, step, signpost = doc["submitted_at"], doc["step"], doc["signpost"]
    return Referral(
        id=doc["id"],
        referrer_id=doc["referrer_id"],
        referrer_name=doc["referrer_name"],
        created_at=_parse_time(doc["created_at"]),
        updated_at=_parse_time(doc["updated_at"]),
        state=ReferralState(doc["state"]),
        answers=_answers_from_doc(doc["answers"]),
        step=IntakeStep(step) if step is not None else None,
        reference=doc["reference"],
        submitted_at=_parse_time(submitted_at) if submitted_at is not None else None,
        offered_to=doc["offered_to"],
        advocate_id=doc["advocate_id"],
        declined_by=tuple(doc["declined_by"]),
        signpost=Signpost(signpost) if signpost is not None else None,
        # Came later: a referral signposted before names only a kind of help.
        signpost_service=doc.get("signpost_service", ""),
        # Came later: a referral stored before was made in Teams.
        outside_teams=bool(doc.get("outside_teams", False)),
        history=[
            CaseEvent(_parse_time(e["at"]), e["actor_id"], e["name"], e["detail"])
            for e in doc["history"]
        ],
        version=doc["version"],
    )


def notification_to_doc(notification: Notification) -> Document:
    return {
        "schema": SCHEMA,
        "id": notification.id,
        "referral_id": notification.referral_id,
        "recipient_id": notification.recipient_id,
        "kind": notification.kind.value,
        "created_at": _time(notification.created_at),
        "status": notification.status.value,
        "conversation_id": notification.conversation_id,
        "activity_id": notification.activity_id,
        "attempts": notification.attempts,
        "next_attempt_at": _time_or_none(notification.next_attempt_at),
        "last_error": notification.last_error,
        "failing_since": _time_or_none(notification.failing_since),
        "claimed_by": notification.claimed_by,
        "lease_until": _time_or_none(notification.lease_until),
    }


def notification_from_doc(doc: Mapping[str, Any]) -> Notification:
    _check_schema(doc)
    return Notification(
        id=doc["id"],
        referral_id=doc["referral_id"],
        recipient_id=doc["recipient_id"],
        kind=NotificationKind(doc["kind"]),
        created_at=_parse_time(doc["created_at"]),
        status=DeliveryStatus(doc["status"]),
        conversation_id=doc["conversation_id"],
        activity_id=doc["activity_id"],
        # Delivery bookkeeping came later: documents written before it read as fresh.
        attempts=int(doc.get("attempts", 0)),
        next_attempt_at=_parse_time_or_none(doc.get("next_attempt_at")),
        last_error=str(doc.get("last_error", "")),
        failing_since=_parse_time_or_none(doc.get("failing_since")),
        # So did the lease: a document written before it is held by nobody.
        claimed_by=str(doc.get("claimed_by", "")),
        lease_until=_parse_time_or_none(doc.get("lease_until")),
    )


def advocate_to_doc(advocate: Advocate) -> Document:
    doc: Document = {"schema": SCHEMA, **dataclasses.asdict(advocate)}
    a = advocate.availability
    doc["availability"] = {
        "state": a.state.value,
        "new_cases": a.new_cases,
        "caseload_then": a.caseload_then,
        "until": a.until.isoformat() if a.until else None,
    }
    return doc


def advocate_from_doc(doc: Mapping[str, Any]) -> Advocate:
    _check_schema(doc)
    # Fields added later (`override`, `availability`, `caseload_limit`) take their defaults
    # in documents written before them; the old `available` flag was never set by anyone.
    fields = {f.name: doc[f.name] for f in dataclasses.fields(Advocate) if f.name in doc}
    fields["override"] = RosterOverride(fields.get("override", RosterOverride.NONE))
    fields["availability"] = _availability(doc.get("availability"))
    fields["caseload_limit"] = int(doc.get("caseload_limit", 0))
    return Advocate(**fields)


def _availability(doc: Mapping[str, Any] | None) -> Availability:
    if not doc:
        return AVAILABLE
    until = doc.get("until")
    return Availability(
        AvailabilityState(doc["state"]),
        new_cases=int(doc.get("new_cases", 0)),
        caseload_then=int(doc.get("caseload_then", 0)),
        until=date.fromisoformat(until) if until else None,
    )


def view_to_doc(view: ShownView) -> Document:
    """Ids, a kind and a time: a view record never holds what the message showed."""
    return {
        "id": view.key,
        "conversation_id": view.conversation_id,
        "message_id": view.message_id,
        "referral_id": view.referral_id,
        "user_id": view.user_id,
        "shown_at": _time(view.shown_at),
        "kind": view.kind.value,
    }


def view_from_doc(doc: Mapping[str, Any]) -> ShownView:
    """A record written before views had kinds showed details (the only kind then)."""
    return ShownView(
        str(doc["conversation_id"]),
        str(doc["message_id"]),
        str(doc["referral_id"]),
        str(doc["user_id"]),
        _parse_time(str(doc["shown_at"])),
        ViewKind(str(doc.get("kind", ViewKind.DETAILS.value))),
    )


def sortable_time(moment: datetime) -> str:
    """Fixed-width UTC text whose string order is time order, for indexed columns."""
    _require_aware(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- helpers ---------------------------------------------------------------------------


def _check_schema(doc: Mapping[str, Any]) -> None:
    schema = doc.get("schema")
    if not isinstance(schema, int) or not 1 <= schema <= SCHEMA:
        raise ValueError(f"unreadable document schema {schema!r}; this code reads 1..{SCHEMA}")


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError("naive datetimes are ambiguous; use timezone-aware ones")


def _time(moment: datetime) -> str:
    _require_aware(moment)
    return moment.isoformat()


def _time_or_none(moment: datetime | None) -> str | None:
    return _time(moment) if moment is not None else None


def _parse_time_or_none(text: str | None) -> datetime | None:
    return _parse_time(text) if text is not None else None


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    _require_aware(moment)
    return moment


def plain_value(value: object) -> object:
    """A field's value as JSON holds it: enums by value, tuples as lists, dates as ISO text
    (a datetime must be aware: `sortable_time` refuses a naive one)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [plain_value(item) for item in value]
    if isinstance(value, datetime):
        _require_aware(value)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _answer_fields() -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(IntakeAnswers)


def _answers_from_doc(doc: Mapping[str, Any]) -> IntakeAnswers:
    unknown = sorted(doc.keys() - _ANSWER_TYPES.keys())
    if unknown:
        raise ValueError(f"unknown intake answers {unknown}")
    return IntakeAnswers(
        **{name: typed_value(_ANSWER_TYPES[name], raw) for name, raw in doc.items()}
    )


def typed_value(hint: Any, raw: Any) -> Any:
    """Rebuild one field from its type hint: enums, optionals, tuples, dates, str and bool."""
    return _reader(hint)(raw)


@functools.cache
def _reader(hint: Any) -> Callable[[Any], Any]:
    """How to rebuild a value of `hint`, worked out once per hint: the type reflection
    cost more than the rebuilding, on every answer of every referral read (the SMLO's
    inbox reads each open referral)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        optional = type(None) in args
        (inner,) = (arg for arg in args if arg is not type(None))
        read_inner = _reader(inner)
        return lambda raw: None if raw is None and optional else read_inner(raw)
    if origin is tuple:
        read_item = _reader(args[0])
        return lambda raw: (
            tuple(read_item(item) for item in raw) if isinstance(raw, list) else _refuse(raw, hint)
        )
    if isinstance(hint, type) and issubclass(hint, Enum):
        return typing.cast(Callable[[Any], Any], hint)
    if hint in (datetime, date):
        parse = hint.fromisoformat
        return lambda raw: parse(raw) if isinstance(raw, str) else _refuse(raw, hint)
    if hint in (str, bool):
        return lambda raw: raw if type(raw) is hint else _refuse(raw, hint)
    return lambda raw: _refuse(raw, hint)


def _refuse(raw: Any, hint: Any) -> NoReturn:
    raise ValueError(f"cannot read {raw!r} as {hint!r}")
