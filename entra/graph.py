"""Microsoft Graph with an app-only token: the client the directory and the installer use.

Token: msal's `ConfidentialClientApplication` (client credentials: the bot's own app id
and password; authority `https://<SMA_AUTHORITY_HOST>/<tenant>`). msal is synchronous and
its constructor fetches the tenant's OpenID configuration, so it is built once, lazily,
and every call runs in a worker thread. msal keeps the token in its in-memory cache and
asks Entra ID again only when the token is within five minutes of expiry or past the
`refresh_in` Entra ID suggested, so almost every call costs no token request.

HTTP: aiohttp. Throttling (429) and service trouble (5xx, connection errors, timeouts)
are retried within a budget, honouring Retry-After; a 401 drops the cached token and tries
once more. Other answers (403, 404, 409 …) go back to the caller, whose meaning they are.
Logs name the method, the path (ids only, never the query, which may hold an e-mail
address) and the status: never a response body.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import aiohttp
import msal  # type: ignore[import-untyped]
import requests
from yarl import URL

from common.retry_after import parse_retry_after
from referrals.errors import DirectoryUnavailable

log = logging.getLogger(__name__)
Json = dict[str, Any]
RETRYABLE = frozenset({429, 500, 502, 503, 504})
MAX_PAGES = 100  # 100 pages of up to 999 members: far beyond any group this service needs


class GraphUnavailable(DirectoryUnavailable):
    """Graph (or Entra ID's token endpoint) would not answer within the retry budget."""


@dataclass(frozen=True)
class GraphResponse:
    status: int
    body: Json  # never logged: it names people


class TokenSource(Protocol):
    async def get(self) -> str: ...

    async def forget(self) -> None:
        """Drop the cached token (Graph refused it), so the next `get` asks Entra ID."""


class AppToken:
    """An app-only token for Graph from Entra ID, through msal and its token cache."""

    def __init__(
        self,
        client_id: str,
        secret: str,
        authority: str,
        scope: str,
        *,
        test_authority: bool = False,
        ca_file: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._client_id, self._secret, self._authority = client_id, secret, authority
        self._scope = scope
        # Only a loopback test server may skip msal's checks of the authority host.
        self._test_authority = test_authority
        self._ca_file = ca_file
        self._timeout = timeout
        self._app: Any = None
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    async def get(self) -> str:
        try:
            result = await asyncio.to_thread(self._acquire)
        except Exception as error:  # Entra ID unreachable, or its configuration unreadable
            raise GraphUnavailable(f"token:{type(error).__name__}") from None
        if "access_token" not in result:
            # msal's error codes (invalid_client …) name no one; the description is not logged.
            raise GraphUnavailable(f"token:{result.get('error', 'unknown')}")
        token: str = result["access_token"]
        return token

    async def forget(self) -> None:
        if self._app is not None:
            await asyncio.to_thread(self._app.remove_tokens_for_client)

    def close(self) -> None:
        """Close the connections to Entra ID (only those of a client built here)."""
        if self._session is not None:
            self._session.close()

    def _http_client(self) -> requests.Session | None:
        """msal's own client, unless a CA is given: then one that trusts it on every call
        (requests lets REQUESTS_CA_BUNDLE override a session's `verify`)."""
        if self._ca_file is None or self._session is not None:
            return self._session  # (an app that failed to build is built again with it)
        self._session = session = requests.Session()
        session.request = functools.partial(  # type: ignore[method-assign]
            session.request, verify=self._ca_file, timeout=self._timeout
        )
        return session

    def _acquire(self) -> Mapping[str, Any]:
        with self._lock:  # one token request at a time; the others then find it cached
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._secret,
                    authority=self._authority,
                    validate_authority=not self._test_authority,
                    instance_discovery=False if self._test_authority else None,
                    http_client=self._http_client(),
                    timeout=self._timeout,
                )
            result: Mapping[str, Any] = self._app.acquire_token_for_client(scopes=[self._scope])
            return result


@dataclass(frozen=True)
class RetryBudget:
    attempts: int = 4  # tries in all, the first included
    longest_wait: float = 30.0  # a Retry-After beyond this is not waited for
    base_delay: float = 0.5  # backoff without Retry-After: up to 0.5, 1, 2 … seconds


def odata_string(value: str) -> str:
    """An OData string literal: in quotes, with each quote doubled, so nothing a person
    types can end the literal and add to the query."""
    return "'" + value.replace("'", "''") + "'"


class GraphClient:
    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        session: aiohttp.ClientSession,
        *,
        budget: RetryBudget | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        timeout: float = 20.0,
    ) -> None:
        self._base = self.base_url = base_url.rstrip("/")
        self._origin = urlsplit(self._base)[:2]
        self._token, self._session = token, session
        self._budget = budget or RetryBudget()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> GraphResponse:
        """`path` below the Graph URL (or a whole `@odata.nextLink` on the same host)."""
        url = self._url(path, params)
        token_refreshed = False
        for attempt in range(1, self._budget.attempts + 1):
            status, retry_after, data = await self._send(method, url, body, headers)
            if status == 401 and not token_refreshed:
                token_refreshed = True
                await self._token.forget()
                continue
            if isinstance(status, int) and status not in RETRYABLE:
                if status == 401:
                    raise GraphUnavailable("401")
                return GraphResponse(status, data)
            wait = self._delay(attempt, retry_after)
            if attempt == self._budget.attempts or wait is None:
                log.warning("graph: %s %s failed: %s", method, url.path, status)
                raise GraphUnavailable(str(status))
            log.info("graph: %s %s answered %s; again in %.1fs", method, url.path, status, wait)
            await self._sleep(wait)
        raise GraphUnavailable("401")  # a refreshed token refused on every attempt

    async def get_all(
        self, path: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> list[Json]:
        """Every item of a collection, following `@odata.nextLink` page by page."""
        items: list[Json] = []
        next_path, next_params = path, params
        for _ in range(MAX_PAGES):
            page = await self.request("GET", next_path, params=next_params, headers=headers)
            if page.status != 200:
                raise GraphUnavailable(str(page.status))
            items += [item for item in page.body.get("value", []) if isinstance(item, dict)]
            link = page.body.get("@odata.nextLink")
            if not isinstance(link, str) or not link:
                return items
            next_path, next_params = link, {}
        raise GraphUnavailable("too_many_pages")

    def _url(self, path: str, params: Mapping[str, str] | None) -> URL:
        if path.startswith(("https://", "http://")):
            # A next page: it carries the bot's token, so it must stay on Graph's host.
            if urlsplit(path)[:2] != self._origin:
                raise GraphUnavailable("foreign_next_link")
            return URL(path, encoded=True)
        # Spaces as %20 (not +) and every reserved character escaped: OData reads the rest.
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in (params or {}).items())
        return URL(f"{self._base}{path}" + (f"?{query}" if query else ""), encoded=True)

    async def _send(
        self, method: str, url: URL, body: Json | None, headers: Mapping[str, str] | None
    ) -> tuple[int | str, float | None, Json]:
        """(status or the failure's class name, Retry-After in seconds, JSON body)."""
        token = await self._token.get()
        sent = {"Authorization": f"Bearer {token}", **(headers or {})}
        try:
            async with self._session.request(
                method, url, json=body, headers=sent, timeout=self._timeout
            ) as response:
                retry_after = response.headers.get("Retry-After")
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = None
                wait = parse_retry_after(retry_after) if retry_after else None
                return response.status, wait, data if isinstance(data, dict) else {}
        except (aiohttp.ClientError, TimeoutError) as error:
            return type(error).__name__, None, {}

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        if retry_after is not None:
            return retry_after if retry_after <= self._budget.longest_wait else None
        ceiling = self._budget.base_delay * 2 ** (attempt - 1)
        return self._rng.uniform(ceiling / 2, ceiling)
