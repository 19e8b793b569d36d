"""The detail-view sweep leaves a card a turn is answering to that turn: the turn's reply
replaces it, and the turn forgets the view or records it anew. Otherwise a sweep that saw
the case closed a moment before could overwrite the "You closed" card the turn returned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from bot.outbox.messenger import TeamsMessenger
from bot.outbox.views import ViewSweeper
from referrals.people import Actor
from referrals.services.views import DueView, Views
from referrals.support import SupportDirectory
from referrals.views import ShownView, ViewFate

VIEW = ShownView(
    "chat-1", "message-1", "referral-1", "advocate-1", datetime(2026, 3, 2, tzinfo=UTC)
)


class DueOnce:
    """A store of views with one that is due until the sweep settles it."""

    def __init__(self) -> None:
        self.pending = [DueView(VIEW, ViewFate.CLOSED, None, Actor("advocate-1"))]

    async def due(self) -> list[DueView]:
        return list(self.pending)

    async def settled(self, view: ShownView) -> None:
        self.pending = [d for d in self.pending if d.view != view]


class Updates:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def update(self, user_id: str, message: Any) -> None:
        self.sent.append((user_id, message))


def sweeper() -> tuple[ViewSweeper, DueOnce, Updates]:
    views, messenger = DueOnce(), Updates()
    sweep = ViewSweeper(
        cast(Views, views), cast(TeamsMessenger, messenger), frozenset(), _names, SupportDirectory()
    )
    return sweep, views, messenger


async def _names() -> dict[str, str]:
    return {}


async def test_a_card_being_answered_is_left_to_its_turn_and_swept_later_if_still_due() -> None:
    sweep, views, messenger = sweeper()

    with sweep.answering("chat-1", "message-1"):
        assert await sweep.sweep() == 0, "the turn decides what the card shows"
    assert await sweep.sweep() == 1, "a sweep that looks after the turn may change it"
    assert [user for user, _ in messenger.sent] == ["advocate-1"]
    assert views.pending == []


async def test_another_message_is_swept_while_a_turn_answers_a_different_one() -> None:
    sweep, _, messenger = sweeper()

    with sweep.answering("chat-1", "message-2"):
        assert await sweep.sweep() == 1

    assert len(messenger.sent) == 1
