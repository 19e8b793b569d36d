"""Draw the app icons from code: a calm, rounded speech bubble.

`python -m manifest.icons` rewrites `color.png` (192×192, white bubble on the accent
colour) and `outline.png` (32×32, white outline on a transparent background). The output
is deterministic, so the committed PNGs can be checked against this code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from manifest.png import Pixel, encode_rgba

ACCENT_COLOR = "#2F6F73"  # muted teal; must match accentColor in manifest.template.json
COLOR_SIZE = 192
OUTLINE_SIZE = 32
ICONS_DIR = Path(__file__).resolve().parent

_SUPERSAMPLE = 4  # samples per pixel side, for smooth edges
_WHITE: Pixel = (255, 255, 255, 255)
# Fully transparent but white, so scalers that ignore alpha do not pull in a dark fringe.
_CLEAR: Pixel = (255, 255, 255, 0)
# Shape in a unit box; twenty-eighths so the 28 px box of the outline icon hits whole pixels.
_BODY_BOTTOM = 22 / 28
_DOTS = ((8 / 28, 11 / 28), (14 / 28, 11 / 28), (20 / 28, 11 / 28))
_DOT_RADIUS = 2 / 28
_TAIL = ((6 / 28, 17 / 28), (14 / 28, 17 / 28), (4 / 28, 1.0))

Paint = Callable[[float, float], Pixel]


def accent_pixel() -> Pixel:
    value = int(ACCENT_COLOR.removeprefix("#"), 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF, 255


def body_distance(x: float, y: float) -> float:
    """Signed distance to the bubble's body in unit box coordinates (negative inside)."""
    return _rounded_rect_distance(x, y, 0.0, 0.0, 1.0, _BODY_BOTTOM, 0.2)


def tail_distance(x: float, y: float) -> float:
    return _triangle_distance(x, y, _TAIL)


def dot_distance(x: float, y: float) -> float:
    return min(math.hypot(x - cx, y - cy) for cx, cy in _DOTS) - _DOT_RADIUS


def color_icon() -> bytes:
    accent = accent_pixel()
    box = _Box(left=0.2, top=0.22, side=0.6, canvas=COLOR_SIZE)

    def paint(px: float, py: float) -> Pixel:
        x, y = box.to_unit(px, py)
        in_bubble = min(body_distance(x, y), tail_distance(x, y)) <= 0
        return _WHITE if in_bubble and dot_distance(x, y) > 0 else accent

    return _render(COLOR_SIZE, paint)


def outline_icon() -> bytes:
    box = _Box(left=2 / 32, top=2 / 32, side=28 / 32, canvas=OUTLINE_SIZE)
    stroke = 2.0 / box.pixels  # two pixels wide, drawn inside the shape's edge

    def paint(px: float, py: float) -> Pixel:
        x, y = box.to_unit(px, py)
        body, tail = body_distance(x, y), tail_distance(x, y)
        # Each part's edge, minus where it runs inside the other, so the join stays open.
        on_body_edge = -stroke <= body <= 0 and tail > 0
        on_tail_edge = -stroke <= tail <= 0 and body > 0
        on_edge = on_body_edge or on_tail_edge
        return _WHITE if on_edge or dot_distance(x, y) <= 0 else _CLEAR

    return _render(OUTLINE_SIZE, paint)


def write_icons(directory: Path = ICONS_DIR) -> None:
    (directory / "color.png").write_bytes(color_icon())
    (directory / "outline.png").write_bytes(outline_icon())


class _Box:
    """Maps canvas pixels onto the unit box the bubble is drawn in."""

    def __init__(self, left: float, top: float, side: float, canvas: int) -> None:
        self.left, self.top, self.pixels = left * canvas, top * canvas, side * canvas

    def to_unit(self, px: float, py: float) -> tuple[float, float]:
        return (px - self.left) / self.pixels, (py - self.top) / self.pixels


def _render(size: int, paint: Paint) -> bytes:
    offsets = [(i + 0.5) / _SUPERSAMPLE for i in range(_SUPERSAMPLE)]
    probes = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.5, 0.5)]
    pixels: list[Pixel] = []
    for row in range(size):
        for col in range(size):
            # Away from edges all samples agree. Every stroke is wider than a pixel, so the
            # pixel's corners and centre are enough to tell, and keep generation fast.
            samples = [paint(col + dx, row + dy) for dx, dy in probes]
            if len(set(samples)) > 1:
                samples = [paint(col + dx, row + dy) for dy in offsets for dx in offsets]
            pixels.append(_average(samples))
    return encode_rgba(size, size, pixels)


def _average(samples: list[Pixel]) -> Pixel:
    r, g, b, a = (round(sum(channel) / len(samples)) for channel in zip(*samples, strict=True))
    return r, g, b, a


def _rounded_rect_distance(
    x: float, y: float, x0: float, y0: float, x1: float, y1: float, radius: float
) -> float:
    qx = abs(x - (x0 + x1) / 2) - ((x1 - x0) / 2 - radius)
    qy = abs(y - (y0 + y1) / 2) - ((y1 - y0) / 2 - radius)
    return math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0) - radius


def _triangle_distance(x: float, y: float, corners: tuple[tuple[float, float], ...]) -> float:
    edges = list(zip(corners, corners[1:] + corners[:1], strict=True))
    distance = min(_segment_distance(x, y, a, b) for a, b in edges)
    sides = [(bx - ax) * (y - ay) - (by - ay) * (x - ax) for (ax, ay), (bx, by) in edges]
    inside = all(s >= 0 for s in sides) or all(s <= 0 for s in sides)
    return -distance if inside else distance


def _segment_distance(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = a, b
    length_sq = (bx - ax) ** 2 + (by - ay) ** 2
    t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / length_sq))
    return math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)))


if __name__ == "__main__":
    write_icons()
