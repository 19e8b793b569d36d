"""The chart of referrals each month on the SMLO's figures card: a held-back month is a
striped stub of one height whatever it held, never a bar; the months stay in order."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest

from cards import chart
from cards import statistics as statistics_module
from cards.chart import HEIGHT, STUB, TALLEST, Kind, Mark, marks, month_chart, picture
from cards.png import Rgba, data_url, png
from cards.statistics import month_name, statistics_card
from referrals.statistics import Measure, build_report
from referrals.suppression import Cell, Shown
from tests.support.teams import card_texts

MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")


def exact(month: str, n: int) -> Cell:
    return Cell.of(month, Shown.EXACT, n)


def fewer(month: str) -> Cell:
    return Cell(month, Shown.FEWER_THAN)


def hidden(month: str) -> Cell:
    return Cell(month, Shown.HIDDEN)


def pixels(picture_bytes: bytes) -> list[list[Rgba]]:
    """Rows of RGBA pixels, read back from the PNG (`cards.png` writes no filters)."""
    assert picture_bytes[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, width = 8, b"", 0
    while at < len(picture_bytes):
        (length,) = struct.unpack(">I", picture_bytes[at : at + 4])
        kind, data = picture_bytes[at + 4 : at + 8], picture_bytes[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", picture_bytes[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data)
        if kind == b"IHDR":
            width, _, depth, colour = struct.unpack(">IIBB", data[:10])
            assert (depth, colour) == (8, 6)
        elif kind == b"IDAT":
            idat += data
        at += 12 + length
    raw, stride = zlib.decompress(idat), 1 + 4 * width
    rows = [raw[i : i + stride] for i in range(0, len(raw), stride)]
    assert all(row[0] == 0 for row in rows)
    return [
        [(r[1 + 4 * x], r[2 + 4 * x], r[3 + 4 * x], r[4 + 4 * x]) for x in range(width)]
        for r in rows
    ]


def drawn_heights(cells: list[Cell]) -> list[tuple[int, bool]]:
    """Each month's slot in the picture: how high anything is drawn above the base line,
    and whether any of it is in the bars' colour."""
    rows = pixels(picture(marks(cells)))
    assert len(rows) == HEIGHT
    slot = len(rows[0]) // len(cells)
    base = HEIGHT - 1
    assert all(p == chart.GREY for p in rows[base])
    found = []
    for i in range(len(cells)):
        painted = [
            (y, rows[y][x])
            for y in range(base)
            for x in range(i * slot, (i + 1) * slot)
            if rows[y][x] != chart.CLEAR
        ]
        top = min((y for y, _ in painted), default=base)
        found.append((base - top, any(p == chart.BAR for _, p in painted)))
    return found


@pytest.mark.parametrize("busiest", [5, 9, 40, 400])
def test_a_held_back_month_is_a_striped_stub_of_one_height_whatever_the_others(
    busiest: int,
) -> None:
    cells = [exact(MONTHS[0], busiest), fewer(MONTHS[1]), hidden(MONTHS[2]), exact(MONTHS[3], 5)]

    drawn = drawn_heights(cells)

    assert drawn[1] == drawn[2] == (STUB, False)  # no bar colour, and the same for both
    assert drawn[0] == (TALLEST, True)
    assert marks(cells)[1:3] == [Mark(Kind.STUB, STUB)] * 2


def test_bars_are_in_proportion_to_the_busiest_month_in_the_order_given() -> None:
    cells = [exact(m, n) for m, n in zip(MONTHS, (10, 20, 5, 0, 15, 20), strict=True)]

    drawn = drawn_heights(cells)

    assert [h for h, _ in drawn] == [56, 112, 28, 0, 84, 112]
    assert [bar for _, bar in drawn] == [True, True, True, False, True, True]


def test_a_month_with_none_has_no_bar_and_says_0() -> None:
    cells = [exact(MONTHS[0], 7), exact(MONTHS[1], 0)]

    elements = month_chart(cells, month_name)

    assert marks(cells)[1] == Mark(Kind.NONE, 0)
    assert drawn_heights(cells)[1] == (0, False)
    assert card_texts(elements[2]) == ["Jun", "7", "Jul", "0"]


def test_when_every_month_is_held_back_there_are_only_stubs() -> None:
    cells = [hidden(m) for m in MONTHS[:3]] + [fewer(MONTHS[3])]

    assert drawn_heights(cells) == [(STUB, False)] * 4
    words = card_texts(month_chart(cells, month_name)[2])
    assert words == ["Jun", "hidden", "Jul", "hidden", "Aug", "hidden", "Sep", "fewer than 5"]


def test_the_months_are_said_in_order_with_held_back_ones_in_words() -> None:
    cells = [exact(MONTHS[0], 12), fewer(MONTHS[1]), hidden(MONTHS[2]), exact(MONTHS[3], 0)]

    about, image, labels = month_chart(cells, month_name)

    assert about["text"] == chart.ABOUT
    assert image["type"] == "Image"
    assert image["id"] == chart.CHART_ID
    assert image["altText"] == (
        "Bar chart of referrals each month. June 2026: 12. "
        "July 2026: fewer than 5, held back, not drawn to scale. "
        "August 2026: hidden, held back, not drawn to scale. September 2026: 0."
    )
    assert card_texts(labels) == ["Jun", "12", "Jul", "fewer than 5", "Aug", "hidden", "Sep", "0"]
    assert all(column["width"] == "stretch" for column in labels["columns"])  # under its slot


def test_the_picture_is_a_small_png_as_wide_as_its_months_fill() -> None:
    for count in (3, 6, 12):
        cells = [exact(f"2026-{m:02d}", m * 3) for m in range(1, count + 1)]
        url = month_chart(cells, month_name)[1]["url"]
        assert url.startswith("data:image/png;base64,")
        rows = pixels(base64.b64decode(url.split(",", 1)[1]))
        assert len(rows[0]) == chart.WIDTH // count * count
        assert len(url) < 2_000, f"{count} months: {len(url)} characters"


def test_no_months_no_chart() -> None:
    assert month_chart([], month_name) == []


def test_a_png_needs_a_pixel_and_reads_back_as_drawn() -> None:
    with pytest.raises(ValueError, match="at least one pixel"):
        png(0, 1, lambda x, y: chart.BAR)
    two = png(2, 1, lambda x, y: chart.BAR if x else chart.CLEAR)
    assert pixels(two) == [[chart.CLEAR, chart.BAR]]
    assert data_url(two).startswith("data:image/png;base64,iVBORw0KGgo")


def test_the_chart_says_held_back_months_as_the_figures_card_does() -> None:
    assert chart.FEWER == statistics_module.FEWER
    assert chart.HIDDEN == statistics_module.HIDDEN


def _body(tallies: dict[str, dict[Any, int]]) -> list[dict[str, Any]]:
    card = statistics_card(build_report(MONTHS, tallies))
    body: list[dict[str, Any]] = card["body"]
    return body


def test_the_figures_card_shows_the_chart_right_after_the_months_in_words() -> None:
    counts = (6, 0, 2, 7, 5, 9)
    body = _body({m: {(Measure.RECEIVED, ""): n} for m, n in zip(MONTHS, counts, strict=True) if n})

    at = next(i for i, e in enumerate(body) if e.get("id") == chart.CHART_ID)

    assert body[at - 2]["type"] == "FactSet"  # "Referrals each month", month by month
    assert body[at - 3]["text"] == "Referrals each month"
    assert body[at - 1]["text"] == chart.ABOUT


@pytest.mark.parametrize("counts", [(), (2,)])
def test_no_chart_when_nothing_came_in_or_too_few_to_break_down(counts: tuple[int, ...]) -> None:
    body = _body({MONTHS[0]: {(Measure.RECEIVED, ""): counts[0]}} if counts else {})

    assert not [e for e in body if e.get("id") == chart.CHART_ID]


def test_a_years_columns_say_the_month_only_so_the_card_fits() -> None:
    """Twelve figures under the bars would take the year's card past Teams' size limit;
    they are in the facts above and the picture's words."""
    year = [exact(f"2025-{m:02d}", m) for m in range(1, 13)]
    half = [exact(month, 7) for month in MONTHS]

    _, _, labels = month_chart(year, month_name)
    _, _, six = month_chart(half, month_name)

    assert [len(c["items"]) for c in labels["columns"]] == [1] * 12
    assert [len(c["items"]) for c in six["columns"]] == [2] * 6
    assert card_texts({"body": [labels]})[:2] == ["Jan", "Feb"]
