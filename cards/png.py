"""A tiny PNG encoder for the few flat pictures a card draws (the chart's bar and stub), so
no imaging library is needed: RGBA, 8 bits a channel, no filtering, zlib from the standard
library. Teams shows PNG in cards, inline as a `data:` URL (docs/statistics.md, "The chart").
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable

Rgba = tuple[int, int, int, int]
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width: int, height: int, pixel: Callable[[int, int], Rgba]) -> bytes:
    """The picture whose pixel at column x, row y (from the top left) is `pixel(x, y)`."""
    if width < 1 or height < 1:
        raise ValueError("a picture needs at least one pixel")
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # RGBA, 8 bits
    return (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def data_url(picture: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(picture).decode("ascii")
