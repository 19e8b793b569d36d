"""The Graph client through the real msal and aiohttp, against Entra ID and Graph on
loopback: one token for many calls, a new one when it expires (or Entra ID says to
refresh it), throttling honoured within a budget, paging, and a next page that would
carry the token elsewhere refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from entra.graph import GraphClient, GraphUnavailable, RetryBudget
from tests.directory.conftest import Graph, app_token
from tests.support.graph import EntraStandIn

MEMBERS = "/groups/{}/transitiveMembers"
SELECT = {"$select": "id,displayName"}


async def read_group(graph: Graph, group_id: str) -> list[dict[str, str]]:
    return await graph.client.get_all(MEMBERS.format(group_id), SELECT)


async def test_one_token_serves_many_calls(entra: EntraStandIn, graph: Graph) -> None:
    group = entra.add_group(entra.add_user("Alex Morgan").id)

    for _ in range(10):
        assert len(await read_group(graph, group)) == 1

    assert entra.token_hits == 1
    assert entra.discovery_hits == 1, "msal is built once"
    assert len(set(entra.tokens_used)) == 1


async def test_concurrent_calls_share_one_token_request(entra: EntraStandIn, graph: Graph) -> None:
    group = entra.add_group(entra.add_user("Alex Morgan").id)

    await asyncio.gather(*(read_group(graph, group) for _ in range(8)))

    assert entra.token_hits == 1


async def test_a_token_near_its_expiry_is_replaced(entra: EntraStandIn, graph: Graph) -> None:
    # msal treats a token as expired five minutes early, counting from the whole second it
    # was stored: 306 s is good for five to six seconds (room for a busy machine's reads).
    entra.token_lifetime = 306
    group = entra.add_group(entra.add_user("Alex Morgan").id)
    await read_group(graph, group)
    await read_group(graph, group)
    assert entra.token_hits == 1

    await asyncio.sleep(6.1)
    await read_group(graph, group)

    assert entra.token_hits == 2
    assert entra.tokens_used[-1] != entra.tokens_used[0]


async def test_a_token_is_refreshed_when_entra_id_says_so_before_it_expires(
    entra: EntraStandIn, graph: Graph
) -> None:
    entra.refresh_in = 1  # the token itself is good for an hour
    group = entra.add_group(entra.add_user("Alex Morgan").id)
    await read_group(graph, group)

    await asyncio.sleep(1.5)
    await read_group(graph, group)

    assert entra.token_hits == 2


async def test_a_refused_token_is_dropped_and_a_new_one_fetched(
    entra: EntraStandIn, graph: Graph
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    group = entra.add_group(entra.add_user("Alex Morgan").id)
    await read_group(graph, group)
    # Entra ID rolls its signing key: the cached token no longer passes Graph's checks.
    entra.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert len(await read_group(graph, group)) == 1

    assert entra.token_hits == 2
    assert entra.graph_calls("GET") == 3


async def test_throttling_is_honoured_then_the_call_succeeds(
    entra: EntraStandIn, graph: Graph
) -> None:
    group = entra.add_group(entra.add_user("Alex Morgan").id)
    entra.fail_next(2, 429, retry_after="1.5")

    assert len(await read_group(graph, group)) == 1

    assert graph.sleeps == [1.5, 1.5]
    assert entra.graph_calls("GET") == 3


async def test_throttling_that_never_ends_gives_up_within_the_budget(
    entra: EntraStandIn, graph: Graph
) -> None:
    group = entra.add_group(entra.add_user("Alex Morgan").id)
    entra.fail_next(50, 429, retry_after="1")

    with pytest.raises(GraphUnavailable) as failed:
        await read_group(graph, group)

    assert failed.value.code == "429"
    assert entra.graph_calls("GET") == RetryBudget().attempts
    assert graph.sleeps == [1.0] * (RetryBudget().attempts - 1)


async def test_a_retry_after_longer_than_we_wait_is_not_waited_for(
    entra: EntraStandIn, graph: Graph
) -> None:
    group = entra.add_group(entra.add_user("Alex Morgan").id)
    entra.fail_next(1, 429, retry_after="3600")

    with pytest.raises(GraphUnavailable):
        await read_group(graph, group)

    assert entra.graph_calls("GET") == 1
    assert graph.sleeps == []


async def test_service_trouble_is_retried_with_backoff(entra: EntraStandIn, graph: Graph) -> None:
    group = entra.add_group(entra.add_user("Alex Morgan").id)
    entra.fail_next(1, 503)
    entra.fail_next(1, 502)

    assert len(await read_group(graph, group)) == 1

    first, second = graph.sleeps
    assert 0.25 <= first <= 0.5
    assert 0.5 <= second <= 1.0


async def test_lasting_service_trouble_ends_in_one_named_error(
    entra: EntraStandIn, graph: Graph
) -> None:
    group = entra.add_group(entra.add_user("Alex Morgan").id)
    entra.fail_next(50, 500)

    with pytest.raises(GraphUnavailable) as failed:
        await read_group(graph, group)

    assert failed.value.code == "500"


async def test_members_are_read_page_by_page(entra: EntraStandIn, graph: Graph) -> None:
    entra.page_size = 2
    people = [entra.add_user(f"Person {n}").id for n in range(5)]
    nested = entra.add_group(people[4])
    group = entra.add_group(*people[:4], nested)

    members = await read_group(graph, group)

    users = [m["id"] for m in members if m["@odata.type"] == "#microsoft.graph.user"]
    assert users == people
    assert entra.graph_calls("GET", "transitiveMembers") == 3  # 6 objects: the group too


async def test_a_next_page_on_another_host_is_not_followed(
    entra: EntraStandIn, graph: Graph
) -> None:
    entra.page_size = 1
    entra.next_link_base = "https://127.0.0.2:1/v1.0"
    group = entra.add_group(entra.add_user("A").id, entra.add_user("B").id)

    with pytest.raises(GraphUnavailable) as failed:
        await read_group(graph, group)

    assert failed.value.code == "foreign_next_link"
    assert entra.graph_calls("GET") == 1


async def test_wrong_credentials_are_reported_by_error_code_only(
    entra: EntraStandIn, certificate: tuple[Path, Path], session: aiohttp.ClientSession
) -> None:
    entra.secret = "rotated"
    token = app_token(entra, certificate)
    client = GraphClient(entra.graph_url, token, session)

    with pytest.raises(GraphUnavailable) as failed:
        await client.request("GET", "/users", params={"$filter": "startswith(displayName,'A')"})
    token.close()

    assert failed.value.code == "token:invalid_client"
    assert entra.calls == []


async def test_entra_id_out_of_reach_is_a_named_error(
    certificate: tuple[Path, Path], session: aiohttp.ClientSession
) -> None:
    unreachable = EntraStandIn(*certificate, "t", "c", "s", url="https://127.0.0.1:9")
    token = app_token(unreachable, certificate)
    client = GraphClient(unreachable.graph_url, token, session)

    with pytest.raises(GraphUnavailable) as failed:
        await client.request("GET", "/users")
    token.close()

    assert failed.value.code.startswith("token:")
