"""Case record entries (`referrals.case_record`) as documents, and sealed for a store.

Storage-neutral, like `storage.codec` and `storage.sealing`: SQLite keeps the sealed
document as a row's text, Cosmos DB as an item. Everything an entry says (its kind, its
author and its content) is sealed; only its id, its referral's id and when it was written
stay in clear, for the look-up and the order. Dates are ISO text; datetimes keep their
offset, as in the codec.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from referrals.case_record import TYPE_OF, CaseEntry, EntryKind
from storage import codec, sealing
from storage.codec import Document
from storage.crypto import FieldCipher

ENTRY_FIELD = "case_entry.sealed"
SEALED_ENTRY_KEYS = ("author_id", "kind", "content")


def entry_to_doc(entry: CaseEntry) -> Document:
    return {
        "schema": codec.SCHEMA,
        "id": entry.id,
        "referral_id": entry.referral_id,
        "author_id": entry.author_id,
        "recorded_at": entry.recorded_at.isoformat(),
        "recorded_key": codec.sortable_time(entry.recorded_at),
        "kind": entry.kind.value,
        "content": {
            f.name: _plain(getattr(entry.content, f.name))
            for f in dataclasses.fields(entry.content)
        },
    }


def entry_from_doc(doc: Mapping[str, Any]) -> CaseEntry:
    if doc.get("schema") != codec.SCHEMA:
        raise ValueError(f"unreadable entry schema {doc.get('schema')!r}")
    kind = TYPE_OF[EntryKind(doc["kind"])]
    hints = typing.get_type_hints(kind)
    content = kind(**{name: _typed(hints[name], raw) for name, raw in doc["content"].items()})
    recorded_at = datetime.fromisoformat(doc["recorded_at"])
    return CaseEntry(doc["id"], doc["referral_id"], doc["author_id"], recorded_at, content)


def seal_entry(entry: CaseEntry, cipher: FieldCipher) -> Document:
    document = entry_to_doc(entry)
    secret = sealing.dumps({key: document[key] for key in SEALED_ENTRY_KEYS})
    clear = {key: value for key, value in document.items() if key not in SEALED_ENTRY_KEYS}
    return clear | {"sealed": cipher.encrypt(secret, ENTRY_FIELD, entry.id)}


def open_entry(stored: Mapping[str, Any], cipher: FieldCipher) -> CaseEntry:
    """Raises `UndecryptableValue`, or `ValueError` for a document without `sealed`."""
    if "sealed" not in stored:
        raise ValueError(f"{ENTRY_FIELD}: the document holds no encrypted part")
    secret = json.loads(cipher.decrypt(stored["sealed"], ENTRY_FIELD, stored["id"]))
    clear = {k: stored[k] for k in ("schema", "id", "referral_id", "recorded_at")}
    return entry_from_doc(clear | secret)


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        codec.sortable_time(value)  # refuses a naive one
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _typed(hint: Any, raw: Any) -> Any:
    """Rebuild one field from its type hint: enums, optionals, dates, str and bool."""
    args = typing.get_args(hint)
    if args:  # `X | None`
        if raw is None:
            return None
        (hint,) = (arg for arg in args if arg is not type(None))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(raw)
    if hint is datetime:
        return datetime.fromisoformat(raw)
    if hint is date:
        return date.fromisoformat(raw)
    if hint in (str, bool) and type(raw) is hint:
        return raw
    raise ValueError(f"cannot read {raw!r} as {hint!r}")
