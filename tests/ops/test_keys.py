"""`python -m ops.keys new <key id>`: a new key line, and refusals of bad usage."""

from __future__ import annotations

import base64

import pytest

from config.settings import load_settings
from ops.keys import main
from storage.keys import KeyConfigError, load_blind_index_key
from tests.unit.test_settings import PRODUCTION


def test_the_command_prints_a_key_line_and_refuses_bad_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["new", "k2026c"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("k2026c:")
    assert "SMA_DATA_KEY_ID=k2026c" in printed.err

    assert main(["old"]) == 2
    assert main(["new", "bad id"]) == 2


def test_the_command_prints_a_blind_index_key_that_loads_apart_from_the_data_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["new-blind-index-key"]) == 0
    printed = capsys.readouterr()
    key = printed.out.strip()
    assert "SMA_BLIND_INDEX_KEY" in printed.err

    assert load_blind_index_key({"SMA_BLIND_INDEX_KEY": key}) == base64.b64decode(key)
    assert load_blind_index_key({}) is None
    with pytest.raises(KeyConfigError, match="must not be one of the data keys"):
        load_blind_index_key({"SMA_BLIND_INDEX_KEY": key, "SMA_DATA_KEYS": f"k1:{key}"})
    with pytest.raises(KeyConfigError, match="not valid base64"):
        load_blind_index_key({"SMA_BLIND_INDEX_KEY": "not base64!"})


def test_the_command_prints_a_wake_key_the_settings_accept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["new-wake-key"]) == 0
    printed = capsys.readouterr()
    key = printed.out.strip()
    assert "SMA_WAKE_KEY" in printed.err
    assert main(["new-wake-key"]) == 0
    assert capsys.readouterr().out.strip() != key, "a new one each time"

    env = {**PRODUCTION, "SMA_ROLE": "worker", "SMA_WAKE_KEY": key}
    assert load_settings(env).wake_key == key
