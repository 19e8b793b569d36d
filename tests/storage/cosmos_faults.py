"""A fault-injecting HTTPS reverse proxy in front of the Cosmos DB test server.

The test server never throttles, never fails over and never stalls, so the client's own
retry policy (what `CosmosSettings` configures) cannot be seen against it. This proxy
forwards every request to it unchanged and can be told to answer the next N matching
requests itself instead: a 429 with `x-ms-retry-after-ms`, a 503, or a stall longer
than the client's read timeout. It records what it injected and how many requests it
forwarded, so a test can count the client's attempts.

The server names its own address (127.0.0.1:<its port>) as the account's read and write
region in the account document (GET /), and azure-cosmos routes every later request to
that region endpoint, not to the endpoint it was given. So the proxy rewrites the
server's authority to its own in response bodies and headers; without that, everything
after the first request would go around the proxy.

Listens on 127.0.0.1 with the server's own self-signed certificate; connects to the
server on loopback only, TLS verification off (the same certificate).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from dataclasses import dataclass
from enum import Enum
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from tests.storage.cosmos_server import ROOT

CERT_DIR = ROOT / "node_modules" / "@vercel" / "cosmosdb-server"
# Hop-by-hop headers, and those that describe a body the proxy may have changed.
_DROPPED_REQUEST = {"host", "content-length", "transfer-encoding", "connection"}
_DROPPED_RESPONSE = {"content-length", "transfer-encoding", "content-encoding", "connection"}
# Document writes: create (POST .../docs/) and replace/upsert (PUT .../docs/<id>/); the
# client ends these paths with a slash.
DOC_WRITES = ("POST", "PUT")
DOCS = r"/docs(/[^/]+)?/?$"
DOC = r"/docs/[^/]+/?$"


class Kind(Enum):
    THROTTLE = 429
    UNAVAILABLE = 503
    HANG = 0


@dataclass
class Fault:
    """Answer the next `times` requests matching `methods` and `path` (a regex searched
    in the URL path) with `kind`. Query requests (POST .../docs with the query header)
    are not document writes and are matched only if `queries` is set."""

    kind: Kind
    methods: tuple[str, ...]
    path: str
    times: int
    retry_after_ms: int = 0
    hang_s: float = 0.0
    queries: bool = False

    def matches(self, request: web.Request) -> bool:
        if self.times <= 0 or request.method not in self.methods:
            return False
        if not re.search(self.path, request.path):
            return False
        is_query = request.headers.get("x-ms-documentdb-isquery", "").lower() == "true"
        return self.queries or not is_query


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    outcome: str  # "forwarded <status>", or the injected fault's kind name


class FaultProxy:
    """`await start()`, point the client at `.endpoint`, add faults, `await stop()`.

    `rewrite=False` leaves the server's address in what it answers: only for showing
    that the client then goes around the proxy."""

    def __init__(self, upstream_port: int, *, rewrite: bool = True) -> None:
        self.upstream_port = upstream_port
        self.rewrite = rewrite
        self.port = 0
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closing = asyncio.Event()

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    @property
    def forwarded(self) -> int:
        return sum(1 for s in self.seen if s.outcome.startswith("forwarded"))

    @property
    def injected(self) -> list[Seen]:
        return [s for s in self.seen if not s.outcome.startswith("forwarded")]

    def attempts(self, method: str, path: str) -> list[Seen]:
        """Every request (forwarded or answered here) with this method and path regex."""
        return [s for s in self.seen if s.method == method and re.search(path, s.path)]

    def throttle(
        self, times: int, retry_after_ms: int, methods: tuple[str, ...] = DOC_WRITES
    ) -> Fault:
        return self._add(Fault(Kind.THROTTLE, methods, DOCS, times, retry_after_ms))

    def unavailable(self, times: int, methods: tuple[str, ...], path: str = DOCS) -> Fault:
        return self._add(Fault(Kind.UNAVAILABLE, methods, path, times))

    def hang(self, times: int, seconds: float, methods: tuple[str, ...], path: str = DOCS) -> Fault:
        return self._add(Fault(Kind.HANG, methods, path, times, hang_s=seconds))

    def clear(self) -> None:
        self.faults.clear()

    def _add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    async def start(self) -> FaultProxy:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(CERT_DIR / "cert.pem", CERT_DIR / "key.pem")
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=False), auto_decompress=True
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        self.port = _bound_port(self._runner)
        return self

    async def stop(self) -> None:
        self._closing.set()  # wakes any stalled request
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        fault = next((f for f in self.faults if f.matches(request)), None)
        if fault is not None:
            fault.times -= 1
            self.seen.append(Seen(request.method, request.path, fault.kind.name))
            await request.read()
            return await self._inject(fault)
        response = await self._forward(request)
        self.seen.append(Seen(request.method, request.path, f"forwarded {response.status}"))
        return response

    async def _inject(self, fault: Fault) -> web.Response:
        if fault.kind is Kind.THROTTLE:
            return web.json_response(
                {"code": "TooManyRequests", "message": "Request rate is large (injected)."},
                status=429,
                headers={"x-ms-retry-after-ms": str(fault.retry_after_ms)},
            )
        if fault.kind is Kind.HANG:
            # Stall past the client's read timeout; stop() cuts it short.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=fault.hang_s)
        return web.json_response(
            {"code": "ServiceUnavailable", "message": "Service is unavailable (injected)."},
            status=503,
        )

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        target = URL(f"https://127.0.0.1:{self.upstream_port}{request.raw_path}", encoded=True)
        headers = CIMultiDict(
            (k, v) for k, v in request.headers.items() if k.lower() not in _DROPPED_REQUEST
        )
        async with self._session.request(
            request.method,
            target,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            out: CIMultiDict[str] = CIMultiDict()
            for key, value in upstream.headers.items():
                if key.lower() not in _DROPPED_RESPONSE:
                    out.add(key, self._rewrite(value))
        return web.Response(
            status=upstream.status, headers=out, body=self._rewrite(body) if body else None
        )

    def _rewrite(self, value: Any) -> Any:
        if not self.rewrite:
            return value
        old, new = f"127.0.0.1:{self.upstream_port}", f"127.0.0.1:{self.port}"
        if isinstance(value, bytes):
            return value.replace(old.encode(), new.encode())
        return str(value).replace(old, new)


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    raise RuntimeError("the fault proxy is not listening")
