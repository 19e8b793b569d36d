"""Which instance sent a request: the process that owns the other end of its connection.

Every instance talks to the Bot Connector stand-in over loopback TCP from its own sockets,
so the client port of a request names the process, through Linux's /proc (the kernel's
socket table, then each process's open files). This is how the test tells a post the
killed instance made (Teams took it, the kill came before the instance could write that
down) from two live instances posting the same notification.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TCP_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
UNKNOWN = 0


def socket_inode(client_port: int, server_port: int) -> str:
    """The inode of the client socket from `client_port` to `server_port` ("" if none)."""
    for table in TCP_TABLES:
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = _port(fields[1]), _port(fields[2])
            if (local, remote) == (client_port, server_port):
                return fields[9]
    return ""


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def sender_of(client_port: int, server_port: int, instances: Mapping[int, int]) -> int:
    """The instance number (of `instances`: pid -> number) whose socket sent a request
    from `client_port` to `server_port`, or 0 if none of them holds it (any more)."""
    inode = socket_inode(client_port, server_port)
    if not inode:
        return UNKNOWN
    wanted = f"socket:[{inode}]"
    for pid, number in instances.items():
        folder = Path(f"/proc/{pid}/fd")
        try:
            held = os.listdir(folder)
        except OSError:  # it has ended
            continue
        for fd in held:
            try:
                if os.readlink(folder / fd) == wanted:
                    return number
            except OSError:
                continue
    return UNKNOWN
