"""Which parts of each stored document are encrypted, and what stands in for them.

Storage-neutral, between the codec and an adapter: `seal_*` turns a codec document into
the document a store keeps, `open_*` turns it back. SQLite keeps these as rows, Cosmos
DB as items.

Referral: one encrypted value, `sealed`, holds the referrer's id and name, every intake
answer and the history. The answers are sealed whole, closed-set ones included: gender,
age band, employment and route together with dates narrow a disclosure down to a person
in a small force, and no query filters on them. The statistics counted from them are
sealed too (`storage.statistics_records`). The history is sealed because its actor ids include the
referrer's. Out of remit, the service the person was sent to is sealed (one named
"Rape Crisis" says what the referral is about); the broad kind of help (HR, a staff
network) stays in clear, as it always was. `referrer_key`, a blind index of the referrer
id, finds their referrals. In clear: id, version, state, dates, reference, step, signpost
(the kind), and the staff ids the queries need (offered_to, advocate_id, declined_by).
Whether it was made for someone without Teams (`outside_teams`) is sealed with the answers:
it says the person may have left the force.

Notification (outbox): recipient, conversation and activity ids are sealed; the
recipient may be the referrer. `recipient_key` is the recipient's blind index. Kind,
status, dates and the referral id stay in clear for the delivery queries, and so does the
lease (`claimed_by`, an app instance's random id, and `lease_until`): it names no person,
and `pending` filters on it.

Conversation reference: sealed whole (it names the person and their chat), with the
user id; the row is keyed by the user id's blind index.

Replay answer (the HTTP answer to a Teams activity, kept ten minutes for a retry): the
status and body sealed whole (a card can show what someone disclosed), keyed by a blind
index of the activity's channel, conversation and activity id.

Bot dialog state is sealed whole by `storage.bot_state_codec`. The advocate roster stays in
clear: staff names and teams, not disclosures, and the roster sorts by name.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from storage.codec import Document
from storage.crypto import FieldCipher

REFERRER = "referrer"
RECIPIENT = "recipient"
CONVERSATION_USER = "conversation_user"

REFERRAL_FIELD = "referral.sealed"
NOTIFICATION_FIELD = "outbox.sealed"
REFERENCE_FIELD = "conversation_reference.sealed"

SEALED_REFERRAL_KEYS = (
    "referrer_id",
    "referrer_name",
    "answers",
    "history",
    "signpost_service",
    "outside_teams",
)
SEALED_NOTIFICATION_KEYS = ("recipient_id", "conversation_id", "activity_id")
ANSWER_FIELD = "replay_answer.sealed"
REPLAY_KEY = "replay_key"
VIEW_FIELD = "shown_view.sealed"
SEALED_VIEW_KEYS = ("conversation_id", "message_id", "user_id")


def seal_referral(doc: Mapping[str, Any], cipher: FieldCipher) -> Document:
    # A document stored before `signpost_service` existed (resealed by ops.reencrypt
    # without going through the codec) names no service.
    doc = {"signpost_service": "", "outside_teams": False, **doc}
    return seal_document(doc, SEALED_REFERRAL_KEYS, REFERRAL_FIELD, cipher) | {
        "referrer_key": index_of(doc["referrer_id"], REFERRER, cipher)
    }


def open_referral(stored: Mapping[str, Any], cipher: FieldCipher) -> Document:
    """Raises `UndecryptableValue` (or `ValueError` for a document without `sealed`)."""
    return open_document(stored, REFERRAL_FIELD, cipher, "referrer_key")


def seal_notification(doc: Mapping[str, Any], cipher: FieldCipher) -> Document:
    return seal_document(doc, SEALED_NOTIFICATION_KEYS, NOTIFICATION_FIELD, cipher) | {
        "recipient_key": index_of(doc["recipient_id"], RECIPIENT, cipher)
    }


def open_notification(stored: Mapping[str, Any], cipher: FieldCipher) -> Document:
    return open_document(stored, NOTIFICATION_FIELD, cipher, "recipient_key")


def seal_view(doc: Mapping[str, Any], cipher: FieldCipher) -> Document:
    """A detail view's record: which chat and message, and whose, sealed like the outbox's
    (a chat id ties a person to the service); the referral id and time stay clear."""
    return seal_document(doc, SEALED_VIEW_KEYS, VIEW_FIELD, cipher)


def open_view(stored: Mapping[str, Any], cipher: FieldCipher) -> Document:
    return open_document(stored, VIEW_FIELD, cipher, "")


def seal_reference(user_id: str, reference: Mapping[str, Any], cipher: FieldCipher) -> Document:
    """`{"user_key": …, "sealed": …}`: the reference and its user id, keyed by blind index."""
    user_key = cipher.blind_index(user_id, CONVERSATION_USER)
    plain = dumps({"user_id": user_id, "reference": dict(reference)})
    return {"user_key": user_key, "sealed": cipher.encrypt(plain, REFERENCE_FIELD, user_key)}


def open_reference(stored: Mapping[str, Any], cipher: FieldCipher) -> tuple[str, dict[str, Any]]:
    """The user id and the reference."""
    plain = json.loads(cipher.decrypt(stored["sealed"], REFERENCE_FIELD, stored["user_key"]))
    return plain["user_id"], dict(plain["reference"])


def answer_key(key: str, cipher: FieldCipher) -> str:
    """Where an answer is kept: a blind index of its key, under the current key only (an
    answer lives ten minutes, so one written before a rotation is at worst run again)."""
    return cipher.blind_index(key, REPLAY_KEY)


def seal_answer(stored_key: str, status: int, body: bytes | None, cipher: FieldCipher) -> str:
    """The status and body as one token, bound to the row or item `stored_key`."""
    plain = dumps(
        {"status": status, "body": base64.b64encode(body).decode() if body is not None else None}
    )
    return cipher.encrypt(plain, ANSWER_FIELD, stored_key)


def open_answer(stored_key: str, sealed: str, cipher: FieldCipher) -> tuple[int, bytes | None]:
    plain = json.loads(cipher.decrypt(sealed, ANSWER_FIELD, stored_key))
    body = plain["body"]
    return int(plain["status"]), base64.b64decode(body) if body is not None else None


def index_of(value: str, purpose: str, cipher: FieldCipher) -> str:
    """The blind index, or "" for "" (an erased referrer is nobody to look up)."""
    return cipher.blind_index(value, purpose) if value else ""


def indexes_of(value: str, purpose: str, cipher: FieldCipher) -> list[str]:
    """Every index a stored row for `value` may carry (see `FieldCipher.blind_indexes`)."""
    return list(cipher.blind_indexes(value, purpose)) if value else []


def seal_document(
    doc: Mapping[str, Any], keys: tuple[str, ...], field: str, cipher: FieldCipher
) -> Document:
    """`doc` with its `keys` encrypted together into `sealed`, bound to its `id`."""
    secret = dumps({key: doc[key] for key in keys})
    clear = {key: value for key, value in doc.items() if key not in keys}
    return clear | {"sealed": cipher.encrypt(secret, field, doc["id"])}


def open_document(
    stored: Mapping[str, Any], field: str, cipher: FieldCipher, index: str
) -> Document:
    """The clear and sealed parts of a document as one; `index` names a blind-index key
    to leave out ("" for none)."""
    if "sealed" not in stored:
        # Never fall back to reading clear fields: that would let a written-in plain
        # document stand in for a sealed one.
        raise ValueError(f"{field}: the document holds no encrypted part")
    secret: Document = json.loads(cipher.decrypt(stored["sealed"], field, stored["id"]))
    clear = {key: value for key, value in stored.items() if key not in ("sealed", index)}
    return clear | secret


def dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
