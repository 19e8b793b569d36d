"""Statistics as stored: month tallies and referral contributions, always sealed.

Storage-neutral, like `storage.sealing`. A month's tally (SQLite, and the in-memory
fake's equivalent) and a referral's contribution (embedded in its Cosmos DB document)
hold counts only, but counts by gender, age band, employment and route for one month, in
a small force, narrow down to people: so they are encrypted like the answers they come
from, each bound to its record (the month, or the referral id) so a value moved to
another record does not decrypt. The advocate ids of "advocates deployed" are in them too.

Plain form: `{"schema": 1, "months": {"2026-06": {"route": {"experienced": 2}, …}}}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from referrals.statistics import Key, Measure, MonthTallies, Tally
from storage.crypto import FieldCipher

SCHEMA = 1
MONTH_FIELD = "statistics.month"
CONTRIBUTION_FIELD = "referral.statistics"


def tally_to_doc(tally: Mapping[Key, int]) -> dict[str, dict[str, int]]:
    doc: dict[str, dict[str, int]] = {}
    for (measure, category), n in sorted(tally.items()):
        doc.setdefault(measure.value, {})[category] = n
    return doc


def tally_from_doc(doc: Mapping[str, Mapping[str, int]]) -> Tally:
    return {
        (Measure(measure), category): int(n)
        for measure, counts in doc.items()
        for category, n in counts.items()
    }


def seal_months(
    months: Mapping[str, Mapping[Key, int]], field: str, record: str, cipher: FieldCipher
) -> str:
    plain = {"schema": SCHEMA, "months": {m: tally_to_doc(t) for m, t in sorted(months.items())}}
    return cipher.encrypt(_dumps(plain), field, record)


def open_months(token: str, field: str, record: str, cipher: FieldCipher) -> MonthTallies:
    """Raises `UndecryptableValue`, or `ValueError` for a newer schema."""
    plain: dict[str, Any] = json.loads(cipher.decrypt(token, field, record))
    if plain.get("schema") != SCHEMA:
        raise ValueError(f"statistics schema {plain.get('schema')!r} is not {SCHEMA}")
    return {month: tally_from_doc(doc) for month, doc in plain["months"].items()}


def seal_month(month: str, tally: Mapping[Key, int], cipher: FieldCipher) -> str:
    return seal_months({month: tally}, MONTH_FIELD, month, cipher)


def open_month(month: str, token: str, cipher: FieldCipher) -> Tally:
    return open_months(token, MONTH_FIELD, month, cipher).get(month, {})


def seal_contribution(referral_id: str, months: MonthTallies, cipher: FieldCipher) -> str:
    return seal_months(months, CONTRIBUTION_FIELD, referral_id, cipher)


def open_contribution(referral_id: str, token: str, cipher: FieldCipher) -> MonthTallies:
    return open_months(token, CONTRIBUTION_FIELD, referral_id, cipher)


def _dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
