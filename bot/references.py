"""Conversation references: how to reach a person proactively later.

Teams sends the tenant in `channelData.tenant.id` (and `conversation.tenantId`), which the
SDK's ConversationReference drops, so it is put back on the stored reference here.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from referrals.ports import ConversationStore


def tenant_of(activity: Activity) -> str:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    from_data = str(tenant.get("id", "")) if tenant else ""
    conversation = activity.conversation
    return from_data or str(getattr(conversation, "tenant_id", "") or "")


def reference_of(activity: Activity) -> dict[str, Any]:
    reference = TurnContext.get_conversation_reference(activity)
    reference.conversation.tenant_id = tenant_of(activity) or None
    serialised: dict[str, Any] = reference.serialize()
    return serialised


class ReferenceBook:
    """Stores each person's latest 1:1 conversation reference, writing only on change."""

    def __init__(self, store: ConversationStore) -> None:
        self._store = store
        self._known: dict[str, tuple[str, str]] = {}

    async def remember(self, user_id: str, activity: Activity) -> None:
        if not user_id or activity.conversation is None:
            return
        if getattr(activity.conversation, "conversation_type", None) not in (None, "personal"):
            return
        key = (activity.conversation.id, activity.service_url)
        if self._known.get(user_id) == key:
            return
        await self._store.put_reference(user_id, reference_of(activity))
        self._known[user_id] = key
