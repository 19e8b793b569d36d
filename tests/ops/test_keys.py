"""`python -m ops.keys new <key id>`: a new key line, and refusals of bad usage."""

from __future__ import annotations

import pytest

from ops.keys import main


def test_the_command_prints_a_key_line_and_refuses_bad_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["new", "k2026c"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("k2026c:")
    assert "SMA_DATA_KEY_ID=k2026c" in printed.err

    assert main(["old"]) == 2
    assert main(["new", "bad id"]) == 2
