"""Case record entries (`referrals.case_record`) as documents, and sealed for a store.

Storage-neutral, like `storage.codec` and `storage.sealing`: SQLite keeps the sealed
document as a row's text, Cosmos DB as an item. Everything an entry says (its kind, its
author and its content) is sealed; only its id, its referral's id and when it was written
stay in clear, for the look-up and the order. Dates are ISO text; datetimes keep their
offset, as in the codec.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from datetime import datetime
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
            f.name: codec.plain_value(getattr(entry.content, f.name))
            for f in dataclasses.fields(entry.content)
        },
    }


def entry_from_doc(doc: Mapping[str, Any]) -> CaseEntry:
    if doc.get("schema") != codec.SCHEMA:
        raise ValueError(f"unreadable entry schema {doc.get('schema')!r}")
    kind = TYPE_OF[EntryKind(doc["kind"])]
    hints = typing.get_type_hints(kind)
    content = kind(
        **{name: codec.typed_value(hints[name], raw) for name, raw in doc["content"].items()}
    )
    recorded_at = datetime.fromisoformat(doc["recorded_at"])
    return CaseEntry(doc["id"], doc["referral_id"], doc["author_id"], recorded_at, content)


def seal_entry(entry: CaseEntry, cipher: FieldCipher) -> Document:
    return sealing.seal_document(entry_to_doc(entry), SEALED_ENTRY_KEYS, ENTRY_FIELD, cipher)


def open_entry(stored: Mapping[str, Any], cipher: FieldCipher) -> CaseEntry:
    """Raises `UndecryptableValue`, or `ValueError` for a document without `sealed`."""
    return entry_from_doc(sealing.open_document(stored, ENTRY_FIELD, cipher, ""))
