"""The outbox's state changes, once for every store.

Each store supplies `_change`: read one notification, apply a domain change to it, write
it back atomically (a `change` returning None leaves it alone; an unknown id raises
`KeyError`). The rules themselves live on `Notification` (referrals/notifications.py),
the lease's too: a claim is a change that the rule may refuse, so two instances claiming
at once both read, and the store's atomic write lets only one of them win.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from referrals.notifications import DeliveryStatus, Notification


class OutboxChanges:
    async def _change(
        self,
        notification_id: str,
        change: Callable[[Notification], Notification | None],
        sent_at: datetime | None = None,
    ) -> Notification | None:
        raise NotImplementedError

    async def claim(
        self, notification_id: str, owner: str, lease_until: datetime, now: datetime
    ) -> Notification | None:
        try:
            return await self._change(notification_id, lambda n: n.claimed(owner, lease_until, now))
        except KeyError:  # gone (its referral purged): nothing to deliver
            return None

    async def record_posted(
        self, notification_id: str, conversation_id: str, activity_id: str
    ) -> None:
        await self._change(notification_id, lambda n: n.posted(conversation_id, activity_id))

    async def record_failure(
        self, notification_id: str, error_code: str, retry_at: datetime, at: datetime
    ) -> None:
        await self._change(notification_id, lambda n: n.failed(error_code, retry_at, at))

    async def park(self, notification_id: str, error_code: str, at: datetime) -> None:
        await self._change(notification_id, lambda n: n.parked(error_code, at))

    async def retry_parked(self, notification_id: str) -> Notification | None:
        """Back in the queue with a fresh budget, once: None if it was not parked."""

        def retried(n: Notification) -> Notification | None:
            return n.retried() if n.status is DeliveryStatus.PARKED else None

        try:
            return await self._change(notification_id, retried)
        except KeyError:
            return None
