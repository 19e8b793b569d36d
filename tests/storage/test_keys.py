"""Data keys from configuration: what is accepted, and refusals that say how to fix them."""

from __future__ import annotations

import base64

import pytest

from storage.crypto import FieldCipher
from storage.keys import (
    DEVELOPMENT_KEY_ID,
    KeyConfigError,
    development_key_ring,
    load_key_ring,
    new_key_line,
    parse_key_ring,
)

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def test_a_ring_is_read_from_the_environment_with_its_current_key() -> None:
    ring = load_key_ring(
        {"SMA_DATA_KEYS": f" k2026a:{KEY_A} ,\n k2026b:{KEY_B} ", "SMA_DATA_KEY_ID": "k2026b"}
    )

    assert ring.key_ids == ("k2026a", "k2026b")
    assert ring.current == "k2026b"
    assert ring.key("k2026a") == b"a" * 32


@pytest.mark.parametrize(
    ("keys", "current", "problem"),
    [
        ("", "k1", "SMA_DATA_KEYS is not set; make one with `python -m ops.keys new"),
        (f"k1:{KEY_A}", "", "SMA_DATA_KEY_ID is not set"),
        (f"k1:{KEY_A}", "k9", "SMA_DATA_KEY_ID is 'k9', which is not a key id in SMA_DATA_KEYS"),
        (f"k1:{KEY_A},k1:{KEY_B}", "k1", "key id 'k1' appears twice"),
        ("k1:bm90IGJhc2U2NA!!", "k1", "key 'k1' is not valid base64"),
        (
            f"k1:{base64.b64encode(b'x' * 16).decode()}",
            "k1",
            "key 'k1' is 16 bytes; AES-256 needs 32",
        ),
        (f"k1:{KEY_A},", "k1", "entry 2 is not `<key id>:<base64 key>`"),
        (KEY_A, "k1", "entry 1 is not `<key id>:<base64 key>`"),
        (f"k.1:{KEY_A}", "k.1", "entry 1: a key id is 1-32 of"),
    ],
)
def test_a_malformed_configuration_is_refused_with_a_message_that_says_why(
    keys: str, current: str, problem: str
) -> None:
    with pytest.raises(KeyConfigError) as caught:
        load_key_ring({"SMA_DATA_KEYS": keys, "SMA_DATA_KEY_ID": current})

    assert problem in str(caught.value)
    for secret in (KEY_A, KEY_B):
        assert secret not in str(caught.value)


def test_a_new_key_line_reads_back_as_a_working_ring() -> None:
    line = new_key_line("k2026c")

    ring = parse_key_ring(line, "k2026c")

    assert line.startswith("k2026c:")
    assert len(ring.key("k2026c")) == 32
    assert new_key_line("k2026c") != line
    with pytest.raises(KeyConfigError):
        new_key_line("has.dot")


def test_the_development_ring_is_fixed_loudly_named_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = development_key_ring(), development_key_ring()

    assert first.current == DEVELOPMENT_KEY_ID == "INSECURE-development"
    assert first.key(DEVELOPMENT_KEY_ID) == second.key(DEVELOPMENT_KEY_ID)
    token = FieldCipher(first).encrypt("words", "f", "r")
    assert FieldCipher(second).decrypt(token, "f", "r") == "words"
    assert "INSECURE development data key" in caplog.text
