"""Who may claim a notification for delivery, and when (referrals/notifications.py): the
rule every store applies atomically so that several app instances send it once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from referrals.notifications import DeliveryStatus, Notification, NotificationKind, free_to_deliver

NOW = datetime(2026, 5, 20, 9, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def queued(person: str = "smlo", minute: int = 0) -> Notification:
    return Notification(
        f"{person}-{minute}",
        "r-1",
        person,
        NotificationKind.NEW_REFERRAL,
        NOW + timedelta(minutes=minute),
    )


def leased(n: Notification, owner: str, now: datetime = NOW) -> Notification:
    claimed = n.claimed(owner, now + LEASE, now)
    assert claimed is not None
    return claimed


def test_a_due_notification_is_leased_to_whoever_claims_it_first() -> None:
    claimed = leased(queued(), "one")

    assert (claimed.claimed_by, claimed.lease_until) == ("one", NOW + LEASE)
    assert claimed.status is DeliveryStatus.PENDING


def test_no_one_else_may_claim_it_while_the_lease_lasts() -> None:
    claimed = leased(queued(), "one")

    assert claimed.claimed("two", NOW + LEASE, NOW + LEASE - timedelta(seconds=1)) is None
    assert claimed.is_held_elsewhere("two", NOW)
    assert not claimed.is_held_elsewhere("one", NOW)


def test_the_holder_may_claim_it_again_to_renew_its_lease() -> None:
    claimed = leased(queued(), "one")
    later = NOW + timedelta(minutes=1)

    renewed = claimed.claimed("one", later + LEASE, later)

    assert renewed is not None
    assert renewed.lease_until == later + LEASE


def test_an_expired_lease_is_taken_over_with_the_post_the_holder_recorded() -> None:
    posted = leased(queued(), "killed").posted("chat-1", "message-1")
    expired = NOW + LEASE

    taken = posted.claimed("survivor", expired + LEASE, expired)

    assert taken is not None
    assert (taken.claimed_by, taken.activity_id) == ("survivor", "message-1")


def test_a_notification_no_longer_due_cannot_be_claimed() -> None:
    n = queued()
    sent = n.sent("chat-1", "message-1")
    parked = n.parked("403", NOW)
    put_off = n.failed("429", NOW + timedelta(seconds=30), NOW)

    assert sent.claimed("one", NOW + LEASE, NOW) is None
    assert parked.claimed("one", NOW + LEASE, NOW) is None
    assert put_off.claimed("one", NOW + LEASE, NOW) is None  # another instance's backoff holds
    assert put_off.claimed("one", NOW + LEASE, NOW + timedelta(seconds=30)) is not None


def test_being_sent_failing_or_parked_ends_the_lease() -> None:
    claimed = leased(queued(), "one")

    for ended in (
        claimed.sent("chat-1", "message-1"),
        claimed.failed("503", NOW + timedelta(seconds=5), NOW),
        claimed.parked("403", NOW),
    ):
        assert (ended.claimed_by, ended.lease_until) == ("", None)
    assert claimed.posted("chat-1", "message-1").claimed_by == "one", "a post is not the end"


def test_what_another_instance_holds_and_the_same_persons_later_ones_are_not_free() -> None:
    held = leased(queued("smlo", 1), "two")
    waiting = [queued("smlo", 2), held, queued("smlo", 0), queued("referrer", 3)]

    free = free_to_deliver(waiting, "one", NOW)

    assert [n.id for n in free] == ["smlo-0", "referrer-3"]
    assert [n.id for n in free_to_deliver(waiting, "two", NOW)] == [
        "smlo-0",
        "smlo-1",
        "smlo-2",
        "referrer-3",
    ], "the holder's own lease holds nothing back"
    assert len(free_to_deliver(waiting, "one", NOW + LEASE)) == 4, "an expired lease holds none"
