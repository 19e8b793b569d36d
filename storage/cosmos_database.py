"""What every Cosmos DB adapter shares: the containers, the cipher, point reads, queries.

Container design (docs/storage.md has the reasoning and the cost of each operation):

    referrals      pk /id            referral documents, each with its own outbox and
                                     statistics contribution embedded; one
                                     reference-number counter per year; one statistics marker
    roster         pk /id            advocates (staff, in clear)
    conversations  pk /id            sealed conversation references, id = blind index
    audit          pk /referral_id   append-only audit entries
    bot_state      pk /id            sealed botbuilder dialog and user state
    views          pk /id            messages that show a referral's details
    case_record    pk /referral_id   sealed case record entries, one item each
    timers         pk /id            reminders and escalations: ids, a kind and times
    subjects       pk /referral_id   blind indexes of whom referrals name: keyed hashes
    leases         pk /id            coordination across instances: named leases of the
                                     jobs run once, and the replay guard's sealed
                                     answers under a keyed hash (TTL on: ten minutes)

Only the fields the queries filter on are indexed; the sealed blobs never are.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from azure.cosmos.aio import ContainerProxy
from azure.cosmos.exceptions import CosmosResourceNotFoundError

from storage.crypto import FieldCipher

Item = dict[str, Any]


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    partition_key: str
    # Paths given a range index; every other path is left out of the index.
    indexed: tuple[str, ...]

    def indexing_policy(self) -> dict[str, Any]:
        return {
            "indexingMode": "consistent",
            "automatic": True,
            "includedPaths": [{"path": f"{path}/?"} for path in self.indexed],
            "excludedPaths": [{"path": "/*"}],
        }


REFERRALS = ContainerSpec(
    "referrals",
    "/id",
    (
        "/type",
        "/state",
        "/referrer_key",
        "/reference",
        "/offered_to",
        "/advocate_id",
        "/updated_key",
        "/outbox/[]/id",
        "/outbox/[]/status",
    ),
)
ROSTER = ContainerSpec("roster", "/id", ("/display_name",))
CONVERSATIONS = ContainerSpec("conversations", "/id", ())
AUDIT = ContainerSpec("audit", "/referral_id", ("/referral_id", "/seq", "/at"))
BOT_STATE = ContainerSpec("bot_state", "/id", ("/updated_key",))
VIEWS = ContainerSpec("views", "/id", ())
CASE_RECORD = ContainerSpec("case_record", "/referral_id", ("/referral_id",))
CHECKINS = ContainerSpec("checkins", "/id", ("/type", "/month", "/advocate_id"))
TIMERS = ContainerSpec("timers", "/id", ("/fired_at", "/due_at", "/subject_id"))
SUBJECTS = ContainerSpec("subjects", "/referral_id", ("/referral_id", "/blind"))
LEASES = ContainerSpec("leases", "/id", ())  # point reads and writes only
CONTAINERS = (
    REFERRALS,
    ROSTER,
    CONVERSATIONS,
    AUDIT,
    BOT_STATE,
    VIEWS,
    CASE_RECORD,
    CHECKINS,
    TIMERS,
    SUBJECTS,
    LEASES,
)

# Properties Cosmos DB adds to every item; never part of our documents.
SYSTEM_PROPERTIES = frozenset({"_rid", "_self", "_etag", "_ts", "_attachments", "_lsn"})

# How often a read-modify-write is tried again after losing a race (HTTP 412) before
# giving up; each loss means someone else's write landed, so progress is being made.
WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class CosmosDatabase:
    """The open containers and the key ring every adapter seals with."""

    referrals: ContainerProxy
    roster: ContainerProxy
    conversations: ContainerProxy
    audit: ContainerProxy
    bot_state: ContainerProxy
    views: ContainerProxy
    case_record: ContainerProxy
    checkins: ContainerProxy
    timers: ContainerProxy
    subjects: ContainerProxy
    leases: ContainerProxy
    cipher: FieldCipher
    # Seconds before Cosmos DB deletes an untouched draft; None leaves drafts to the purge.
    draft_ttl_seconds: int | None = None


_ITEM_OPERATIONS = frozenset(
    {
        "create_item",
        "replace_item",
        "patch_item",
        "upsert_item",
        "delete_item",
        "read_item",
        "query_items",
    }
)


class _BoundedContainer:
    """A container whose item operations all carry `timeout=`: azure-cosmos 4.17.1 applies
    the client's own timeout only to the start-up account read, so without this a stalled
    request is bounded only by retry_total × read_timeout
    (tests/storage/test_cosmos_transient.py)."""

    def __init__(self, container: ContainerProxy, seconds: int) -> None:
        self._container, self._seconds = container, seconds

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._container, name)
        if name in _ITEM_OPERATIONS:
            return functools.partial(attribute, timeout=self._seconds)
        return attribute


def bounded_container(container: ContainerProxy, seconds: int) -> ContainerProxy:
    return cast(ContainerProxy, _BoundedContainer(container, seconds))


async def read_or_none(container: ContainerProxy, item_id: str, partition: str) -> Item | None:
    """A point read (the cheapest operation: about 1 RU for a small item); None if absent."""
    try:
        return dict(await container.read_item(item_id, partition_key=partition))
    except CosmosResourceNotFoundError:
        return None


async def query(container: ContainerProxy, sql: str, **parameters: object) -> list[Any]:
    """Every result of a parameterised query, across all partitions.

    Never scoped with `partition_key=`: the loopback test server refuses that, and Azure
    routes a query whose filter fixes the partition key to that one partition anyway.
    """
    bound: list[dict[str, object]] = [
        {"name": f"@{name}", "value": value} for name, value in parameters.items()
    ]
    return [item async for item in container.query_items(sql, parameters=bound)]


def without_system_properties(item: Mapping[str, Any], *also: str) -> Item:
    return {k: v for k, v in item.items() if k not in SYSTEM_PROPERTIES and k not in also}
