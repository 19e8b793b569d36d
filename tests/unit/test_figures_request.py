"""The figures card's choice of review, read into a typed request: an id that is not the
shape of a review's is refused as not from one of our cards (the use case refuses one of
the right shape that is not on offer)."""

from __future__ import annotations

import pytest

from cards.parsers import CardPayloadInvalid, parse_action
from cards.requests import ShowFigures
from cards.verbs import Verb
from referrals.periods import Period


def clicked(period: str) -> object:
    data = {"verb": Verb.STATISTICS.value, "period": period}
    return parse_action({"action": {"verb": Verb.STATISTICS.value, "data": data}})


def test_a_chosen_review_is_read_into_its_period() -> None:
    assert clicked("window-2025-12") == ShowFigures(Verb.STATISTICS, Period("2025-12"))
    assert clicked("") == ShowFigures(Verb.STATISTICS, None), "none chosen: the latest"


@pytest.mark.parametrize("forged", ["year-2025", "window-2025-13", "window-1' OR 1=1"])
def test_a_forged_period_is_refused_kindly(forged: str) -> None:
    with pytest.raises(CardPayloadInvalid) as refused:
        clicked(forged)

    assert refused.value.problems == {"period": "That card is not one of ours."}
