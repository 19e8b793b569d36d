"""The Bot Connector stand-in, counting posts: every new message the bot put in a chat,
what its preview said and which referrals its buttons name. An update in place (PUT) is
not a post; a reply to a person's own message (the answer to a turn) is told apart by the
activity it answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web

from tests.scale.senders import sender_of
from tests.support.connector import ConnectorStandIn, cards_of
from tests.support.teams import actions_of


@dataclass(frozen=True)
class Post:
    conversation_id: str
    activity_id: str  # the id the stand-in gave it
    reply_to: str  # the activity it answers, from the URL; "" for a message of its own
    summary: str  # the preview a notification carries ("" for a turn's answer)
    referral_ids: frozenset[str]  # named by its card's buttons
    sender: int  # the instance that posted it (0: not known)

    def names(self, referral_id: str) -> bool:
        return not self.referral_ids or referral_id in self.referral_ids


class CountingConnector(ConnectorStandIn):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[Post] = []
        self.instances: dict[int, int] = {}  # pid -> instance number, to name each sender

    async def _send(self, request: web.Request) -> web.Response:
        # Named first, while the sender surely still holds the connection.
        sender = sender_of(*_ports(request), self.instances)
        response = await super()._send(request)
        if response.status != 200 or not isinstance(response.body, bytes):
            return response
        conversation_id = request.match_info["cid"]
        activity_id = str(json.loads(response.body)["id"])
        body = self.chat(conversation_id).messages.get(activity_id, {})
        named = frozenset(
            str(action["data"]["referral_id"])
            for card in cards_of(body)
            for action in actions_of(card)
            if "referral_id" in action.get("data", {})
        )
        reply_to = request.match_info.get("aid", "")
        summary = str(body.get("summary") or "")
        post = Post(conversation_id, activity_id, reply_to, summary, named, sender)
        self.posts.append(post)
        await self._touched()  # waiters on `posts` look again
        return response

    def replies_to(self, conversation_id: str, activity_id: str) -> list[Post]:
        return [
            p
            for p in self.posts
            if p.conversation_id == conversation_id and p.reply_to == activity_id
        ]

    def notifications_in(self, conversation_id: str) -> list[Post]:
        return [p for p in self.posts if p.conversation_id == conversation_id and p.summary]


def _ports(request: web.Request) -> tuple[int, int]:
    """(the client's port, ours) of the connection the request came on."""
    if request.transport is None:
        return 0, 0
    peer = request.transport.get_extra_info("peername")
    ours = request.transport.get_extra_info("sockname")
    return (int(peer[1]), int(ours[1])) if peer and ours else (0, 0)
