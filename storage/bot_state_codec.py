"""Dialog state as both bot state stores keep it; shared by `storage.sqlite_bot_state`
and `storage.cosmos_bot_state`, so the two seal and read it in exactly the same way.

Values are live Python objects (`DialogState`, `DialogInstance`, prompt options …), so
they are flattened with jsonpickle exactly as botbuilder-azure's Cosmos storage does; a
document written by one store reads back in the other. The stored JSON names classes
(`py/object`): renaming a dialog class or moving SDK orphans old state, which is one
reason abandoned state is purged (`purge_older_than`).

Decoding uses `Unpickler(safe=True)`, which refuses to `eval` `py/repr` payloads; it still
builds any class a document names, so only this application may write to the database.

Dialog state holds what people typed (names, answers not yet saved to the referral), so
each document is encrypted whole with the database's `FieldCipher`, bound to its key:
a document moved to another conversation's row or item does not decrypt.

E-tags follow botbuilder's contract: `read` puts the stored e-tag into each value as
`"e_tag"`; `write` with e-tag `"*"` or none overwrites, any other e-tag must match the
stored one (else `StateConflict`), and `""` is refused (`etag_of`). The e-tag itself is
kept beside the document, never in it.
"""

from __future__ import annotations

import json
from typing import Any

from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler

from referrals.errors import ConcurrentUpdate
from storage.crypto import FieldCipher

STATE_FIELD = "bot_state.document"


class StateConflict(ConcurrentUpdate):
    """Someone wrote this state since it was read: the e-tag no longer matches."""


def etag_of(value: object) -> Any:
    """The e-tag a write of `value` must match: None or `"*"` for none."""
    etag = value.get("e_tag") if isinstance(value, dict) else getattr(value, "e_tag", None)
    if etag == "":
        raise ValueError("bot state: an empty e_tag is not an e-tag; use '*' or none")
    return etag


def seal_state(key: str, value: object, cipher: FieldCipher) -> str:
    """`value` flattened and encrypted whole, bound to its state key."""
    return cipher.encrypt(_dumps(_flatten(value)), STATE_FIELD, key)


def open_state(key: str, sealed: str, etag: Any, cipher: FieldCipher) -> object:
    """What `seal_state` sealed under `key`, rebuilt, carrying `etag` as its e-tag."""
    flattened = json.loads(cipher.decrypt(sealed, STATE_FIELD, key))
    if isinstance(flattened, dict):
        flattened["e_tag"] = etag
    return Unpickler(safe=True).restore(flattened)


def _dumps(flattened: Any) -> str:
    return json.dumps(flattened, separators=(",", ":"))


def _flatten(value: object) -> Any:
    flattened = Pickler().flatten(value)
    # The e-tag lives beside the document; keeping a stale copy in it would hand it back
    # on read.
    if isinstance(flattened, dict):
        flattened.pop("e_tag", None)
    return flattened
