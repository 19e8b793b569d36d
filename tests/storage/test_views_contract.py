"""Every store keeps the record of messages that show a referral's details alike: one
record per message, replaced when shown again, gone when forgotten, oldest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from referrals.ports import Stores
from referrals.views import ShownView, ViewKind

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def a_view(message: str, minutes: int = 0, referral: str = "r1") -> ShownView:
    return ShownView("a:chat-1", message, referral, "smlo-1", AT + timedelta(minutes=minutes))


async def test_a_view_is_kept_until_forgotten(stores: Stores) -> None:
    view = a_view("m1")

    await stores.views.remember(view)
    kept = await stores.views.list_views()
    await stores.views.forget(view.key)

    assert kept == [view]
    assert await stores.views.list_views() == []


async def test_showing_the_same_message_again_replaces_its_record(stores: Stores) -> None:
    await stores.views.remember(a_view("m1", referral="r1"))
    again = a_view("m1", minutes=5, referral="r2")

    await stores.views.remember(again)

    assert await stores.views.list_views() == [again]


async def test_views_are_listed_oldest_first_and_forgetting_one_leaves_the_others(
    stores: Stores,
) -> None:
    newer, older, middle = a_view("m1", 20), a_view("m2", 0), a_view("m3", 10)
    for view in (newer, older, middle):
        await stores.views.remember(view)

    await stores.views.forget(middle.key)
    await stores.views.forget("not-a-key")  # forgetting nothing is no error

    assert await stores.views.list_views() == [older, newer]


async def test_the_sweep_never_forgets_a_newer_showing_of_the_same_message(
    stores: Stores,
) -> None:
    swept = a_view("m1")
    await stores.views.remember(swept)
    shown_again = a_view("m1", minutes=3)  # opened again while the sweep was at work
    await stores.views.remember(shown_again)

    await stores.views.forget(swept.key, swept.shown_at)
    kept = await stores.views.list_views()
    await stores.views.forget(shown_again.key, shown_again.shown_at)

    assert kept == [shown_again]
    assert await stores.views.list_views() == []


async def test_a_view_keeps_what_kind_of_card_it_is(stores: Stores) -> None:
    thread = replace(a_view("m1"), kind=ViewKind.THREAD)
    details = a_view("m2", minutes=1)

    for view in (thread, details):
        await stores.views.remember(view)

    assert await stores.views.list_views() == [thread, details]
