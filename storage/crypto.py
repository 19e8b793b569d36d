"""Field-level encryption at rest: AES-256-GCM values and HMAC blind indexes.

Storage-neutral: an adapter (SQLite or Cosmos DB) hands a `FieldCipher` plain text and
gets back a self-describing token, and looks people up by a blind index instead of their
identity. A token reads

    v1.<key id>.<nonce, base64url>.<ciphertext and tag, base64url>

The key id travels with every value, so keys can rotate: new writes use the ring's
current key, older values still read while their key stays in the ring, and
`python -m ops.reencrypt` moves them to the current key.

Each value is bound (as GCM associated data) to the field and record it was written
for, so a token copied into another record or field fails to decrypt instead of quietly
showing one person's words on another's referral. Nonces are 96 random bits per value:
well within GCM's limits for the number of values one key will ever protect here.

A ring's configured keys are never used directly: HKDF derives one key for encryption
and a separate one for blind indexes, so the two uses cannot interact.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
TOKEN_VERSION = "v1"  # noqa: S105  # a format tag, not a secret
# Key ids appear in tokens and error messages, so they are short, plain and dot-free.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")


class UndecryptableValue(Exception):
    """A stored value that cannot be read: its key is not in the ring, it was altered,
    or it was moved from another record or field. Names the key id and field only."""

    def __init__(self, field: str, key_id: str, reason: str) -> None:
        super().__init__(f"cannot decrypt {field!r} (key id {key_id!r}): {reason}")
        self.field, self.key_id, self.reason = field, key_id, reason


class KeyRing:
    """Every data key that may still protect stored values, and the one new writes use."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        for key_id, key in keys.items():
            if not KEY_ID_PATTERN.fullmatch(key_id):
                raise ValueError(f"key id {key_id!r} must be 1-32 of A-Z a-z 0-9 _ -")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be {KEY_BYTES} bytes, not {len(key)}")
        if current not in keys:
            raise ValueError(f"the current key id {current!r} is not in the key ring")
        self._keys = MappingProxyType(dict(keys))
        self.current = current

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def key(self, key_id: str) -> bytes:
        """Raises `KeyError` for a key id not in the ring."""
        return self._keys[key_id]

    def __repr__(self) -> str:  # never the keys themselves
        return f"KeyRing(key_ids={list(self._keys)!r}, current={self.current!r})"


class FieldCipher:
    """Encrypts and decrypts single values, and computes blind indexes, with a `KeyRing`."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._aead = {
            i: AESGCM(_derive(ring.key(i), b"sma field encryption v1")) for i in ring.key_ids
        }
        self._index = {i: _derive(ring.key(i), b"sma blind index v1") for i in ring.key_ids}

    def encrypt(self, text: str, field: str, record: str) -> str:
        """A token for `text` under the current key, readable only as this field of this
        record (`field` is a constant such as "referral.sealed"; `record` its row id)."""
        key_id = self.ring.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[key_id].encrypt(nonce, text.encode(), _bound(key_id, field, record))
        return ".".join((TOKEN_VERSION, key_id, _b64(nonce), _b64(sealed)))

    def decrypt(self, token: str, field: str, record: str) -> str:
        """Raises `UndecryptableValue` for an unknown key, tampering or a moved value."""
        key_id, nonce, sealed = self._parse(token, field)
        aead = self._aead.get(key_id)
        if aead is None:
            raise UndecryptableValue(field, key_id, "the key id is not in the key ring")
        try:
            plain = aead.decrypt(nonce, sealed, _bound(key_id, field, record))
        except InvalidTag:
            raise UndecryptableValue(
                field, key_id, "wrong key, or the value was altered or moved"
            ) from None
        return plain.decode()

    def key_id_of(self, token: str, field: str) -> str:
        """Which key protects `token`; raises `UndecryptableValue` if it is not a token."""
        return self._parse(token, field)[0]

    def is_current(self, token: str, field: str) -> bool:
        return self.key_id_of(token, field) == self.ring.current

    def blind_index(self, value: str, purpose: str) -> str:
        """A stable, keyed stand-in for `value` under the current key, for equality
        look-ups without storing the value. Different purposes give unrelated indexes."""
        return self._blind_index(self.ring.current, value, purpose)

    def blind_indexes(self, value: str, purpose: str) -> tuple[str, ...]:
        """The value's index under every key in the ring, current first: a look-up still
        finds rows written before a rotation that have not been re-encrypted yet."""
        others = (i for i in self.ring.key_ids if i != self.ring.current)
        return tuple(self._blind_index(i, value, purpose) for i in (self.ring.current, *others))

    def _blind_index(self, key_id: str, value: str, purpose: str) -> str:
        message = purpose.encode() + b"\0" + value.encode()
        return _b64(hmac.new(self._index[key_id], message, hashlib.sha256).digest())

    def _parse(self, token: str, field: str) -> tuple[str, bytes, bytes]:
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 4 or parts[0] != TOKEN_VERSION:
            raise UndecryptableValue(field, "?", "not an encrypted value")
        _, key_id, nonce_text, sealed_text = parts
        try:
            nonce, sealed = _unb64(nonce_text), _unb64(sealed_text)
        except (binascii.Error, ValueError):
            raise UndecryptableValue(field, key_id, "not an encrypted value") from None
        if len(nonce) != NONCE_BYTES:
            raise UndecryptableValue(field, key_id, "not an encrypted value")
        return key_id, nonce, sealed


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(key)


def _bound(key_id: str, field: str, record: str) -> bytes:
    # Key id and field never contain NUL and the record comes last, so two different
    # places can never produce the same associated data.
    return b"\0".join((TOKEN_VERSION.encode(), key_id.encode(), field.encode(), record.encode()))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
