"""Check-ins as stored documents: the answer sealed, the advocate, month and time in clear.

How an advocate is finding the work, and their hours, are wellbeing information about a
member of staff, read by the SMLO only: sealed (AES-GCM, `storage.crypto`) like every other
personal detail that is not a staff name, bound to the document's id so a sealed answer
cannot be moved to another advocate or month. The advocate id and the month stay in clear
for the queries, as the roster's ids do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referrals.checkins import Checkin, Feeling
from storage import sealing
from storage.codec import Document
from storage.crypto import FieldCipher

CHECKIN_FIELD = "checkin.sealed"
SEALED_CHECKIN_KEYS = ("feeling", "capacity", "hours")


def checkin_id(advocate_id: str, month: str) -> str:
    return f"{month}:{advocate_id}"


def seal_checkin(checkin: Checkin, cipher: FieldCipher) -> Document:
    doc: dict[str, Any] = {
        "id": checkin_id(checkin.advocate_id, checkin.month),
        "type": "checkin",
        "advocate_id": checkin.advocate_id,
        "month": checkin.month,
        "answered_at": checkin.answered_at.isoformat(),
        "feeling": checkin.feeling.value,
        "capacity": checkin.capacity,
        "hours": checkin.hours,
    }
    return sealing.seal_document(doc, SEALED_CHECKIN_KEYS, CHECKIN_FIELD, cipher)


def open_checkin(stored: Document, cipher: FieldCipher) -> Checkin:
    doc = sealing.open_document(stored, CHECKIN_FIELD, cipher, "")
    hours = doc["hours"]
    return Checkin(
        advocate_id=str(doc["advocate_id"]),
        month=str(doc["month"]),
        feeling=Feeling(doc["feeling"]),
        capacity=int(doc["capacity"]),
        hours=int(hours) if hours is not None else None,
        answered_at=datetime.fromisoformat(str(doc["answered_at"])),
    )
