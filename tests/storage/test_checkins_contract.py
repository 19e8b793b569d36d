"""Every store keeps the advocates' check-ins alike: one per advocate and month (a later
answer replaces it), the latest of each advocate, each month's check-in sent once, and
the notices a change queues in the outbox with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from referrals import digest
from referrals.checkins import Checkin, Feeling
from referrals.notifications import Notification, NotificationKind
from referrals.ports import Stores
from referrals.services.checkins import sent_notice_id

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def a_checkin(
    advocate: str = "u-adv-1",
    month: str = "2026-06",
    feeling: Feeling = Feeling.FINE,
    hours: int | None = 6,
    minutes: int = 0,
) -> Checkin:
    return Checkin(advocate, month, feeling, 2, hours, AT + timedelta(minutes=minutes))


async def test_a_later_answer_in_the_same_month_replaces_the_first(stores: Stores) -> None:
    await stores.checkins.record(a_checkin(), [])
    later = a_checkin(feeling=Feeling.STRETCHED, hours=None, minutes=5)

    await stores.checkins.record(later, [])

    assert await stores.checkins.get("u-adv-1", "2026-06") == later
    assert await stores.checkins.latest() == {"u-adv-1": later}


async def test_the_latest_month_of_each_advocate_is_listed(stores: Stores) -> None:
    may = a_checkin(month="2026-05", minutes=-40000)
    june = a_checkin(month="2026-06")
    other = a_checkin("u-adv-2", month="2026-05")
    for checkin in (june, may, other):
        await stores.checkins.record(checkin, [])

    assert await stores.checkins.latest() == {"u-adv-1": june, "u-adv-2": other}
    assert await stores.checkins.get("u-adv-3", "2026-06") is None


async def test_notices_are_queued_in_the_outbox_with_the_answer(stores: Stores) -> None:
    holder = "checkin-notice:talk:1"
    notices = [
        Notification.new(holder, smlo, NotificationKind.ONE_TO_ONE_ASKED, AT)
        for smlo in ("u-smlo", "u-smlo-2")
    ]

    await stores.checkins.record(a_checkin(feeling=Feeling.TALK), notices)
    pending = await stores.outbox.pending()
    await stores.outbox.mark_sent(pending[0].id, "a:chat", "m-1", AT)

    assert {(n.recipient_id, n.kind) for n in pending} == {
        ("u-smlo", NotificationKind.ONE_TO_ONE_ASKED),
        ("u-smlo-2", NotificationKind.ONE_TO_ONE_ASKED),
    }
    assert [n.id for n in await stores.outbox.pending()] == [pending[1].id]


async def test_a_months_checkin_is_sent_to_an_advocate_once(stores: Stores) -> None:
    def notice() -> Notification:
        holder = sent_notice_id("2026-06", "u-adv-1")
        return Notification.new(holder, "u-adv-1", NotificationKind.CHECKIN_DUE, AT)

    first = await stores.checkins.mark_sent("2026-06", "u-adv-1", notice())
    second = await stores.checkins.mark_sent("2026-06", "u-adv-1", notice())

    assert (first, second) == (True, False)
    assert await stores.checkins.sent_to("2026-06") == {"u-adv-1"}
    assert await stores.checkins.sent_to("2026-07") == set()
    assert [n.kind for n in await stores.outbox.pending()] == [NotificationKind.CHECKIN_DUE]


async def test_a_weeks_digest_is_queued_to_an_smlo_once_apart_from_the_checkins(
    stores: Stores,
) -> None:
    """The weekly digest uses the same sent ledger, keyed by week (`referrals.digest`)."""

    def notice() -> Notification:
        holder = digest.notice_holder("2026-W23", "u-smlo-1")
        return Notification.new(holder, "u-smlo-1", NotificationKind.WEEKLY_DIGEST, AT)

    key = digest.sent_key("2026-W23")
    first = await stores.checkins.mark_sent(key, "u-smlo-1", notice())
    second = await stores.checkins.mark_sent(key, "u-smlo-1", notice())

    assert (first, second) == (True, False)
    assert await stores.checkins.sent_to("2026-06") == set(), "no month's check-in"
    assert await stores.checkins.latest() == {}
    (queued,) = await stores.outbox.pending()
    assert (queued.kind, queued.recipient_id) == (NotificationKind.WEEKLY_DIGEST, "u-smlo-1")
