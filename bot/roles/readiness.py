"""`/readyz`: whether this instance can serve, for App Service's health check.

`/healthz` says only that the process answers (liveness). Readiness also asks the store
for one cheap point read, with a short bound, so an instance that cannot reach its
database is taken out of rotation (503) rather than sent turns it can only fail, and
put back once the store answers again. The reason is plain and carries no detail.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from common.tasks import stop_if_cancelled
from referrals.ports import Stores

log = logging.getLogger(__name__)
READY_WITHIN_SECONDS = 2.0
# Looked up and never found: one point read, nothing decrypted, nothing written.
PROBE_ID = "00000000-0000-0000-0000-00000000beef"


async def readiness(stores: Stores) -> web.Response:
    try:
        async with asyncio.timeout(READY_WITHIN_SECONDS):
            await stores.roster.get_advocate(PROBE_ID)
    except TimeoutError:
        log.warning("not ready: the store did not answer within %.0fs", READY_WITHIN_SECONDS)
        return _unready("the store did not answer in time")
    except Exception as error:
        stop_if_cancelled()
        log.warning("not ready: the store is unreachable: error=%s", type(error).__name__)
        return _unready("the store cannot be reached")
    return web.json_response({"status": "ready"})


def _unready(reason: str) -> web.Response:
    return web.json_response({"status": "unavailable", "reason": reason}, status=503)
