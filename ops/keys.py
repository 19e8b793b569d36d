"""Make a new data key.

    python -m ops.keys new k2026c     # prints a new key line for SMA_DATA_KEYS
    python -m ops.keys new-blind-index-key   # prints a value for SMA_BLIND_INDEX_KEY
    python -m ops.keys new-wake-key   # prints a value for SMA_WAKE_KEY (web and worker)

How keys are configured, and how to rotate them, is in `storage.keys`.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Sequence

from storage.keys import (
    BLIND_INDEX_VARIABLE,
    CURRENT_VARIABLE,
    KEYS_VARIABLE,
    KeyConfigError,
    new_blind_index_key,
    new_key_line,
)


def main(argv: Sequence[str]) -> int:
    if list(argv) == ["new-blind-index-key"]:
        sys.stdout.write(f"{new_blind_index_key()}\n")
        sys.stderr.write(
            f"Set it as {BLIND_INDEX_VARIABLE}; keep it in the secret store, apart from the "
            "data keys, never in source control. Changing it later means re-indexing.\n"
        )
        return 0
    if list(argv) == ["new-wake-key"]:
        sys.stdout.write(f"{secrets.token_urlsafe(32)}\n")
        sys.stderr.write(
            "Set it as SMA_WAKE_KEY on the web and the worker alike; keep it in the secret "
            "store. It only lets the web role wake the worker, so change it at any time.\n"
        )
        return 0
    if len(argv) != 2 or argv[0] != "new":
        sys.stderr.write(
            "usage: python -m ops.keys new <key id> | python -m ops.keys new-blind-index-key"
            " | python -m ops.keys new-wake-key\n"
        )
        return 2
    try:
        line = new_key_line(argv[1])
    except KeyConfigError as problem:
        sys.stderr.write(f"{problem}\n")
        return 2
    sys.stdout.write(f"{line}\n")
    sys.stderr.write(
        f"Add it to {KEYS_VARIABLE} (comma-separated) and set {CURRENT_VARIABLE}={argv[1]} to "
        "write with it; keep it in the secret store, never in source control.\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
