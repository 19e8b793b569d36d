"""The test suite itself cannot reach the network beyond loopback (tests/conftest.py)."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import OutboundNetworkCall


def test_the_network_guard_refuses_anything_but_loopback() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with sock, pytest.raises(OutboundNetworkCall):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: documentation only, never routed
