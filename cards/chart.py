"""Referrals each month as a bar chart on the SMLO's figures card.

The bars are one PNG picture drawn here, shown as an `Image` with a `data:` URL, and under
it a row of columns that say each month and its figure in words: parts that Teams and the
Agents Playground both render (docs/statistics.md, "The chart"). Teams' own
`Chart.VerticalBar` needs a number for every month, and a month held back has none: drawn
there it would be a bar of 0 or of a made-up value. Here it is a striped stub, one fixed
height whatever the month held, and its figure says "fewer than 5" or "hidden". The chart
is given only the report's cells, which carry no held-back value, so it cannot draw one.
The facts above it stay the card's text version; the picture's alt text says it all too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import NamedTuple

from cards.elements import Element, para
from cards.png import Rgba, data_url, png
from referrals.suppression import SMALL_CELL_LIMIT, Cell, Shown

FEWER = f"fewer than {SMALL_CELL_LIMIT}"  # as the figures card says it
HIDDEN = "hidden"
ABOUT = (
    "The same months as a chart. A striped stub means the number is held back. "
    "It is not drawn to scale."
)
ALT = "Bar chart of referrals each month."
HELD_BACK = "held back, not drawn to scale"
CHART_ID = "referrals_chart"

WIDTH = 480  # px of picture; the card stretches it to its own width, keeping its shape
HEIGHT = 120
TALLEST = HEIGHT - 8  # the bar of the busiest month shown, under a little room
STUB = 12  # every held-back month's stub, whatever it held
BAR: Rgba = (98, 100, 167, 255)  # Teams purple: seen on light and dark themes
GREY: Rgba = (128, 128, 128, 255)
CLEAR: Rgba = (0, 0, 0, 0)


class Kind(Enum):
    BAR = "bar"  # a count, in proportion to the busiest month
    STUB = "stub"  # held back: striped, always STUB high
    NONE = "none"  # zero: nothing above the base line


class Mark(NamedTuple):
    kind: Kind
    height: int  # px above the base line


def marks(cells: Sequence[Cell]) -> list[Mark]:
    """What is drawn for each month, in the order given."""
    shown = [c.value for c in cells if c.shown is Shown.EXACT and c.value is not None]
    busiest = max(shown, default=0)
    drawn: list[Mark] = []
    for cell in cells:
        if cell.shown is not Shown.EXACT or cell.value is None:
            drawn.append(Mark(Kind.STUB, STUB))
        elif cell.value == 0:
            drawn.append(Mark(Kind.NONE, 0))
        else:  # never too thin to see
            drawn.append(Mark(Kind.BAR, max(2, round(cell.value * TALLEST / busiest))))
    return drawn


def picture(drawn: Sequence[Mark]) -> bytes:
    """The bars on a clear background, each in the middle of its month's equal slot,
    standing on a grey base line (the bottom row)."""
    slot = WIDTH // len(drawn)
    margin = slot // 5  # so a bar is three fifths of its slot
    base = HEIGHT - 1

    def pixel(x: int, y: int) -> Rgba:
        if y == base:
            return GREY
        mark = drawn[x // slot]
        if not margin <= x % slot < slot - margin or y < base - mark.height:
            return CLEAR
        if mark.kind is Kind.STUB:
            return GREY if (x + y) % 6 < 3 else CLEAR
        return BAR if mark.kind is Kind.BAR else CLEAR

    return png(slot * len(drawn), HEIGHT, pixel)


FIGURES_UNDER_BARS = 6  # months up to which each column also says its figure


def figure(cell: Cell) -> str:
    if cell.shown is Shown.EXACT and cell.value is not None:
        return str(cell.value)
    return FEWER if cell.shown is Shown.FEWER_THAN else HIDDEN


def _said(cell: Cell, month: str) -> str:
    held_back = "" if cell.shown is Shown.EXACT else f", {HELD_BACK}"
    return f"{month}: {figure(cell)}{held_back}."


def _text(text: str, **style: object) -> Element:
    return {"type": "TextBlock", "text": text, "horizontalAlignment": "Center", **style}


def month_chart(cells: Sequence[Cell], month_name: Callable[[str], str]) -> list[Element]:
    """The chart of these months (`cell.category` is "2026-06"; `month_name` says it in
    words), with a short note on how to read it. Nothing for no months."""
    if not cells:
        return []
    names = [month_name(c.category) for c in cells]
    bars: Element = {
        "type": "Image",
        "id": CHART_ID,
        "url": data_url(picture(marks(cells))),
        "altText": " ".join([ALT, *(_said(c, n) for c, n in zip(cells, names, strict=True))]),
        "size": "Stretch",  # as wide as the card, so each bar is over its column below
    }
    # A year's twelve columns say the month only (its figure is in the facts above and
    # the picture's words): a figure under each would not leave the card room to fit.
    with_figures = len(cells) <= FIGURES_UNDER_BARS
    columns = [
        {
            "type": "Column",
            "width": "stretch",
            "spacing": "None",  # equal columns, so each sits under its own bar
            "items": [
                _text(name[:3], isSubtle=True),
                *([_text(figure(cell), wrap=True, spacing="None")] if with_figures else []),
            ],
        }
        for cell, name in zip(cells, names, strict=True)
    ]
    labels: Element = {"type": "ColumnSet", "columns": columns, "spacing": "None"}
    return [para(ABOUT, subtle=True), bars, labels]
