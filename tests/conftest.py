"""Shared fixtures, and a guard: a test that tries to reach the network beyond loopback fails.

Every server a test needs (the Bot Connector stand-in, the token authority, the Agents
Playground) runs on 127.0.0.0/8; anything else is a mistake, such as a default setting
pointing at the real Teams service.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.connector import ConnectorStandIn


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple):  # a Unix socket path
        return True
    try:
        return bool(ipaddress.ip_address(address[0]).is_loopback)
    except ValueError:
        return bool(address[0] == "localhost")


class OutboundNetworkCall(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_local(address):
            raise OutboundNetworkCall(f"a test tried to reach {address!r}")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_local(address):
            raise OutboundNetworkCall(f"a test tried to reach {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
async def connector() -> AsyncIterator[ConnectorStandIn]:
    """The loopback Bot Connector stand-in; it records what each person's chat shows."""
    stand_in = ConnectorStandIn()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()
