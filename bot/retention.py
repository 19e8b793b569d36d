"""Scheduled retention: at start-up and then daily, purge what the policy says must go.

Closed and withdrawn referrals lose their personal data; abandoned drafts and the dialog
state of conversations left alone are deleted. Counts are logged; never content.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Protocol

from common.tasks import stop_if_cancelled
from referrals.ports import Clock
from referrals.services import Retention, RetentionPolicy

log = logging.getLogger(__name__)


class PurgeableState(Protocol):
    """Dialog state storage that can drop what nobody has touched since `cutoff`."""

    async def purge_older_than(self, cutoff: datetime) -> int: ...


EVERY = timedelta(days=1)


async def purge_once(
    retention: Retention,
    dialog_state: PurgeableState,
    policy: RetentionPolicy,
    clock: Clock,
) -> None:
    report = await retention.purge_expired(policy)
    stale_states = await dialog_state.purge_older_than(clock.now() - policy.draft)
    log.info(
        "retention: referrals purged=%s drafts deleted=%s dialog states deleted=%s",
        report.referrals_purged,
        report.drafts_deleted,
        stale_states,
    )


async def run_retention(
    retention: Retention,
    dialog_state: PurgeableState,
    policy: RetentionPolicy,
    clock: Clock,
) -> None:
    """Purge now and then every day; a failed run is logged and tried again the next day."""
    while True:
        try:
            await purge_once(retention, dialog_state, policy, clock)
        except Exception as error:  # the next run tries again; the bot keeps serving
            stop_if_cancelled()
            log.error("retention run failed: %s", type(error).__name__, exc_info=error)
        await asyncio.sleep(EVERY.total_seconds())
