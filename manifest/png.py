"""Minimal PNG writer and reader (8-bit RGB/RGBA, not interlaced), standard library only."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA = 6
_CHANNELS = {2: 3, RGBA: 4}  # colour type -> bytes per pixel at bit depth 8

Pixel = tuple[int, int, int, int]


class PngError(ValueError):
    """The bytes are not a PNG this module can read."""


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    colour_type: int
    pixels: tuple[Pixel, ...]  # row-major; RGB images read back with alpha 255


def encode_rgba(width: int, height: int, pixels: Sequence[Pixel]) -> bytes:
    if len(pixels) != width * height:
        raise ValueError(f"expected {width * height} pixels, got {len(pixels)}")
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type None
        for pixel in pixels[y * width : (y + 1) * width]:
            raw.extend(pixel)
    header = struct.pack(">IIBBBBB", width, height, 8, RGBA, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )


def decode(data: bytes) -> Image:
    if not data.startswith(SIGNATURE):
        raise PngError("not a PNG file (bad signature)")
    chunks = list(_read_chunks(data[len(SIGNATURE) :]))
    if not chunks or chunks[0][0] != b"IHDR":
        raise PngError("IHDR chunk missing")
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or colour_type not in _CHANNELS or interlace:
        raise PngError(
            f"unsupported PNG: bit depth {depth}, colour type {colour_type}, "
            f"interlace {interlace} (need 8-bit RGB or RGBA, not interlaced)"
        )
    bpp = _CHANNELS[colour_type]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    rows = _unfilter(raw, width * bpp, bpp, height)
    return Image(width, height, colour_type, tuple(_pixels(rows, bpp)))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _read_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 0
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise PngError(f"CRC mismatch in {kind!r} chunk")
        yield kind, body
        pos += 12 + length


def _unfilter(raw: bytes, stride: int, bpp: int, height: int) -> list[bytes]:
    if len(raw) != height * (stride + 1):
        raise PngError("image data has the wrong length")
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        filter_type, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            upper_left = previous[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + _predict(filter_type, left, previous[i], upper_left)) & 0xFF
        previous = bytes(line)
        rows.append(previous)
    return rows


def _predict(filter_type: int, left: int, up: int, upper_left: int) -> int:
    if filter_type == 0:
        return 0
    if filter_type == 1:
        return left
    if filter_type == 2:
        return up
    if filter_type == 3:
        return (left + up) // 2
    if filter_type == 4:
        estimate = left + up - upper_left
        pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
        return left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
    raise PngError(f"unknown filter type {filter_type}")


def _pixels(rows: list[bytes], bpp: int) -> Iterator[Pixel]:
    for row in rows:
        for i in range(0, len(row), bpp):
            alpha = row[i + 3] if bpp == 4 else 255
            yield row[i], row[i + 1], row[i + 2], alpha
