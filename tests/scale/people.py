"""People in Teams, posting through the round-robin, with Teams' own habit: a post that
the service answered with 502, 503 or 504 (an instance went away under it) is sent again,
the very same activity, and so may land on another instance.

Each person also does one thing at a time (`turns`), as a person clicking in their chat
does; and each remembers the last answer to every activity they sent, so a test can send
one again on purpose and compare.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from tests.support.teams import TeamsUser

Json = dict[str, Any]
RETRIED = frozenset({502, 503, 504})
TEAMS_ATTEMPTS = 5


@dataclass(frozen=True)
class Exchange:
    activity: Json
    status: int
    body: Any
    attempts: int  # more than 1: Teams sent it again after a 5xx (an instance went away)


@dataclass(eq=False)
class Person(TeamsUser):
    exchanges: dict[str, Exchange] = field(default_factory=dict)  # activity id -> answer
    last_activity_id: str = ""
    teams_retries: int = 0  # sends again after a 5xx (not the deliberate ones)
    turns: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def post(self, activity: Json) -> tuple[int, Any]:
        status, body = await super().post(activity)
        attempts = 1
        while status in RETRIED and attempts < TEAMS_ATTEMPTS:
            attempts += 1
            status, body = await super().post(activity)
        self.teams_retries += attempts - 1
        key = str(activity["id"])
        self.exchanges[key] = Exchange(activity, status, body, attempts)
        self.last_activity_id = key
        return status, body

    def last(self) -> Exchange:
        return self.exchanges[self.last_activity_id]
