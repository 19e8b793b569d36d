"""Data keys from configuration, and new key lines to add to it.

    SMA_DATA_KEYS="k2026a:<base64 of 32 bytes>,k2026b:<base64 of 32 bytes>"
    SMA_DATA_KEY_ID="k2026b"

`SMA_DATA_KEYS` lists every key that may still protect stored data; `SMA_DATA_KEY_ID`
names the one new writes use. To rotate: add a new key line, make it current, restart,
run `python -m ops.reencrypt`, then remove the old key.

Errors name the variable and the key id, never key material. A new key line comes from
`python -m ops.keys new <key id>` (`new_key_line`).

The blind index key is another, separate key (`referrals.subjects`):

    SMA_BLIND_INDEX_KEY="<base64 of 32 bytes>"

It keys the HMACs that let two referrals naming the same person be noticed, and nothing
else; it is never a data key, so a leaked data key does not let anyone test guesses
against the index, and a leaked index key opens no sealed field. It has no id: rotating
it means recomputing every index from the sealed answers (docs/security.md). A new one
comes from `python -m ops.keys new-blind-index-key`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from collections.abc import Mapping

from storage.crypto import KEY_BYTES, KEY_ID_PATTERN, KeyRing

_log = logging.getLogger(__name__)

KEYS_VARIABLE = "SMA_DATA_KEYS"
CURRENT_VARIABLE = "SMA_DATA_KEY_ID"
DEVELOPMENT_KEY_ID = "INSECURE-development"
BLIND_INDEX_VARIABLE = "SMA_BLIND_INDEX_KEY"
_HOW_TO_MAKE_ONE = "make one with `python -m ops.keys new <key id>`"


class KeyConfigError(ValueError):
    """The data key configuration is missing or malformed; the message says how to fix it."""


def load_key_ring(env: Mapping[str, str]) -> KeyRing:
    """The key ring from `SMA_DATA_KEYS` and `SMA_DATA_KEY_ID`; raises `KeyConfigError`."""
    keys_text, current = env.get(KEYS_VARIABLE, "").strip(), env.get(CURRENT_VARIABLE, "").strip()
    if not keys_text:
        raise KeyConfigError(f"{KEYS_VARIABLE} is not set; {_HOW_TO_MAKE_ONE}")
    if not current:
        raise KeyConfigError(
            f"{CURRENT_VARIABLE} is not set; name the key new data is written with"
        )
    return parse_key_ring(keys_text, current)


def parse_key_ring(keys_text: str, current: str) -> KeyRing:
    """`id:base64,id:base64…` and the current id; raises `KeyConfigError`."""
    keys: dict[str, bytes] = {}
    for number, entry in enumerate(keys_text.split(","), start=1):
        key_id, colon, encoded = (part.strip() for part in entry.partition(":"))
        if not colon or not key_id or not encoded:
            raise KeyConfigError(f"{KEYS_VARIABLE}: entry {number} is not `<key id>:<base64 key>`")
        if not KEY_ID_PATTERN.fullmatch(key_id):
            raise KeyConfigError(
                f"{KEYS_VARIABLE}: entry {number}: a key id is 1-32 of A-Z a-z 0-9 _ -"
            )
        if key_id in keys:
            raise KeyConfigError(f"{KEYS_VARIABLE}: key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise KeyConfigError(f"{KEYS_VARIABLE}: key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise KeyConfigError(
                f"{KEYS_VARIABLE}: key {key_id!r} is {len(key)} bytes; AES-256 needs "
                f"{KEY_BYTES} ({_HOW_TO_MAKE_ONE})"
            )
        keys[key_id] = key
    if current not in keys:
        raise KeyConfigError(
            f"{CURRENT_VARIABLE} is {current!r}, which is not a key id in {KEYS_VARIABLE}"
        )
    return KeyRing(keys, current)


def new_key_line(key_id: str) -> str:
    """`<key id>:<base64 of 32 random bytes>`, ready to add to `SMA_DATA_KEYS`."""
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyConfigError("a key id is 1-32 of A-Z a-z 0-9 _ -")
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def load_blind_index_key(env: Mapping[str, str]) -> bytes | None:
    """The blind index key from `SMA_BLIND_INDEX_KEY`; None if unset; raises
    `KeyConfigError` if it is not base64 of 32 bytes, or is one of the data keys."""
    encoded = env.get(BLIND_INDEX_VARIABLE, "").strip()
    if not encoded:
        return None
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"{BLIND_INDEX_VARIABLE} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyConfigError(
            f"{BLIND_INDEX_VARIABLE} is {len(key)} bytes; it must be {KEY_BYTES} (make one "
            "with `python -m ops.keys new-blind-index-key`)"
        )
    data_keys = env.get(KEYS_VARIABLE, "")
    if encoded in {part.partition(":")[2].strip() for part in data_keys.split(",")}:
        raise KeyConfigError(
            f"{BLIND_INDEX_VARIABLE} must not be one of the data keys in {KEYS_VARIABLE}"
        )
    return key


def new_blind_index_key() -> str:
    """Base64 of 32 random bytes, ready for `SMA_BLIND_INDEX_KEY`."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def development_blind_index_key() -> bytes:
    """A fixed blind index key anyone can derive from this source code, apart from the
    development data key: for tests and local development only."""
    _log.warning("INSECURE development blind index key in use: subject indexes are guessable")
    return hashlib.sha256(b"sma-referral-bot INSECURE development blind index key").digest()


def development_key_ring() -> KeyRing:
    """A fixed key anyone can derive from this source code: for tests and local
    development only. Data written with it is NOT protected."""
    _log.warning("INSECURE development data key in use: stored data is not protected")
    key = hashlib.sha256(b"sma-referral-bot INSECURE development data key").digest()
    return KeyRing({DEVELOPMENT_KEY_ID: key}, DEVELOPMENT_KEY_ID)


if __name__ == "__main__":  # the command moved: say where, rather than print no key
    raise SystemExit("the key command is now `python -m ops.keys new <key id>`")
