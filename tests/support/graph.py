"""A loopback stand-in for Microsoft Entra ID's token endpoint and the Microsoft Graph
endpoints the bot uses, reached through the real msal and the real aiohttp client.

Real HTTPS (msal accepts nothing else): a throwaway self-signed certificate for
127.0.0.1, made with `cryptography`. Real tokens: the token endpoint issues RS256 JWTs
with an expiry (and, if asked, a `refresh_in`), and every Graph call checks the bearer
token's signature, audience and expiry (401 otherwise). It counts what it is asked, so a
test can say how often a token was fetched.

Graph is kept to what the bot calls: group members (transitive, paged with
`@odata.nextLink`, each object with its `@odata.type`: users, nested groups, devices and
service principals; the `/microsoft.graph.user` cast is an advanced query, refused with
400 unless `ConsistencyLevel: eventual` and `$count=true` come with it), users by
`$filter` (parsed strictly: a query that is not exactly one of the forms the bot sends,
with properly quoted literals, is refused with 400), group member add/remove, the app
catalog, and installing the app for a user. It can be told to misbehave (`fail_next`,
`down`) and to refuse writes (403) as a tenant without the permissions would.
"""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import re
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support.loop import settle

Json = dict[str, Any]
_LITERAL = r"'((?:[^']|'')*)'"
_BY_MAIL = re.compile(rf"mail eq {_LITERAL} or userPrincipalName eq {_LITERAL}")
_BY_NAME = re.compile(rf"startswith\(displayName,{_LITERAL}\)")
_BY_MANIFEST = re.compile(rf"externalId eq {_LITERAL}")
_USER = re.compile(r"users/([0-9a-fA-F-]{36})")
_MEMBERS = re.compile(r"groups/([^/]+)/transitiveMembers")
_MEMBERS_CAST = re.compile(r"groups/([^/]+)/transitiveMembers/microsoft\.graph\.user")
USER_TYPE, GROUP_TYPE = "#microsoft.graph.user", "#microsoft.graph.group"
_ADD_MEMBER = re.compile(r"groups/([^/]+)/members/\$ref")
_REMOVE_MEMBER = re.compile(r"groups/([^/]+)/members/([^/]+)/\$ref")
_INSTALL = re.compile(r"users/([^/]+)/teamwork/installedApps")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid for a day, and its key (PEM files)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sma-tests-entra")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "entra-test.pem", directory / "entra-test.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class User:
    id: str
    display_name: str
    mail: str
    department: str = ""
    manager_id: str = ""  # their line manager's object id ("" = none)

    def json(self) -> Json:
        return {"@odata.type": USER_TYPE, "id": self.id, "displayName": self.display_name}


@dataclass
class GraphFault:
    status: int
    retry_after: str | None = None
    path: str = ""  # only calls whose path contains this ("" = any)


@dataclass
class EntraStandIn:
    cert_file: Path
    key_file: Path
    tenant: str
    client_id: str
    secret: str
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)  # direct members (any object)
    others: dict[str, str] = field(default_factory=dict)  # device or app id -> @odata.type
    catalog: list[Json] = field(default_factory=list)  # {"id", "externalId"}
    installed: dict[str, set[str]] = field(default_factory=dict)  # user -> catalog ids
    group_writes_allowed: bool = True
    installs_allowed: bool = True
    token_lifetime: int = 3600
    refresh_in: int | None = None
    page_size: int = 100
    next_link_base: str = ""  # where next pages are said to be ("" = here)
    down: bool = False  # every Graph call answers 503 (Retry-After: 0)
    faults: list[GraphFault] = field(default_factory=list)
    on_install: Callable[[str], None] | None = None
    token_hits: int = 0
    discovery_hits: int = 0
    tokens_issued: list[str] = field(default_factory=list)  # jti of each token
    tokens_used: list[str] = field(default_factory=list)  # jti of the token on each call
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path) to Graph
    queries: list[dict[str, str]] = field(default_factory=list)  # each call's query
    url: str = ""

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(1)

    # -- setting up the tenant ---------------------------------------------------------

    def add_user(self, display_name: str, mail: str = "", user_id: str = "") -> User:
        user = User(user_id or str(uuid.uuid4()), display_name, mail)
        self.users[user.id] = user
        return user

    def add_group(self, *member_ids: str, group_id: str = "") -> str:
        group = group_id or str(uuid.uuid4())
        self.groups[group] = list(member_ids)
        return group

    def add_other(self, odata_type: str) -> str:
        """A member that is not a person: `#microsoft.graph.device`, `…servicePrincipal`."""
        other = str(uuid.uuid4())
        self.others[other] = odata_type
        return other

    def fail_next(
        self, times: int, status: int = 429, retry_after: str | None = None, path: str = ""
    ) -> None:
        self.faults += [GraphFault(status, retry_after, path) for _ in range(times)]

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    @property
    def authority_host(self) -> str:
        return self.url.removeprefix("https://")

    def transitive_members(self, group_id: str, seen: frozenset[str] = frozenset()) -> list[str]:
        found: list[str] = []
        for member in self.groups.get(group_id, []):
            if member in self.groups and member not in seen:
                found += self.transitive_members(member, seen | {group_id})
            elif member in self.users and member not in found:
                found.append(member)
        return list(dict.fromkeys(found))

    def transitive_objects(self, group_id: str, seen: frozenset[str] = frozenset()) -> list[Json]:
        """What Graph lists: every object below the group once, nested groups included."""
        found: dict[str, Json] = {}
        for member in self.groups.get(group_id, []):
            if member in self.groups and member not in seen:
                found[member] = {"@odata.type": GROUP_TYPE, "id": member, "displayName": "Team"}
                for item in self.transitive_objects(member, seen | {group_id}):
                    found.setdefault(item["id"], item)
            elif member in self.users:
                found[member] = self.users[member].json()
            elif member in self.others:
                found[member] = {"@odata.type": self.others[member], "id": member}
        return list(found.values())

    def graph_calls(self, method: str, contains: str = "") -> int:
        return sum(1 for m, p in self.calls if m == method and contains in p)

    # -- the server ----------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_route("*", "/v1.0/{tail:.*}", self._graph)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert_file, self.key_file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=tls)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"https://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            await settle()

    async def _discovery(self, request: web.Request) -> web.Response:
        self.discovery_hits += 1
        tenant = request.match_info["tenant"]
        base = f"{self.url}/{tenant}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        self.token_hits += 1
        form = await request.post()
        good = (
            request.match_info["tenant"] == self.tenant
            and form.get("grant_type") == "client_credentials"
            and form.get("client_id") == self.client_id
            and form.get("client_secret") == self.secret
            and form.get("scope") == f"{self.url}/.default"
        )
        if not good:
            return web.json_response({"error": "invalid_client"}, status=401)
        now, jti = int(time.time()), uuid.uuid4().hex
        claims = {
            "aud": self.url,
            "iss": f"{self.url}/{self.tenant}/v2.0",
            "tid": self.tenant,
            "azp": self.client_id,
            "roles": ["GroupMember.ReadWrite.All", "User.Read.All"],
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "jti": jti,
        }
        self.tokens_issued.append(jti)
        answer: Json = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": jwt.encode(claims, self.key, algorithm="RS256"),
        }
        if self.refresh_in is not None:
            answer["refresh_in"] = self.refresh_in
        return web.json_response(answer)

    def _bearer(self, request: web.Request) -> str | None:
        """The token's id if it is one of ours and still valid, else None."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer":
            return None
        try:
            claims = jwt.decode(
                token, self.key.public_key(), algorithms=["RS256"], audience=self.url
            )
        except jwt.InvalidTokenError:
            return None
        return str(claims["jti"])

    async def _graph(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["tail"]
        self.calls.append((request.method, path))
        self.queries.append(dict(request.query))
        jti = self._bearer(request)
        if jti is None:
            return _error(401, "InvalidAuthenticationToken")
        self.tokens_used.append(jti)
        if self.down:
            return _error(503, "ServiceUnavailable", retry_after="0")
        fault = next((f for f in self.faults if f.path in path), None)
        if fault is not None:
            self.faults.remove(fault)
            return _error(fault.status, "PlannedFault", retry_after=fault.retry_after)
        return await self._route(request, path)

    async def _route(self, request: web.Request, path: str) -> web.StreamResponse:
        method = request.method
        if method == "GET" and (found := _MEMBERS.fullmatch(path)):
            return self._members(request, found.group(1))
        if method == "GET" and (found := _MEMBERS_CAST.fullmatch(path)):
            advanced = request.headers.get("ConsistencyLevel") == "eventual"
            if not advanced or request.query.get("$count") != "true":
                return _error(400, "Request_UnsupportedQuery")
            return self._members(request, found.group(1), users_only=True)
        if method == "GET" and path == "users":
            return self._users(request)
        if method == "GET" and (found := _USER.fullmatch(path)):
            return self._user_with_managers(request, found.group(1))
        if method == "POST" and (found := _ADD_MEMBER.fullmatch(path)):
            return await self._add_member(request, found.group(1))
        if method == "DELETE" and (found := _REMOVE_MEMBER.fullmatch(path)):
            return self._remove_member(found.group(1), found.group(2))
        if method == "GET" and path == "appCatalogs/teamsApps":
            return self._catalog(request)
        if method == "POST" and (found := _INSTALL.fullmatch(path)):
            return await self._install(request, found.group(1))
        return _error(404, "Request_ResourceNotFound")

    def _members(
        self, request: web.Request, group_id: str, *, users_only: bool = False
    ) -> web.Response:
        if group_id not in self.groups:
            return _error(404, "Request_ResourceNotFound")
        if request.query.get("$select") != "id,displayName":
            return _error(400, "Request_BadRequest")
        start = int(request.query.get("$skiptoken", "0"))
        members = self.transitive_objects(group_id)
        if users_only:
            members = [m for m in members if m["@odata.type"] == USER_TYPE]
        body: Json = {"value": members[start : start + self.page_size]}
        if start + self.page_size < len(members):
            base = self.next_link_base or self.graph_url
            cast = "/microsoft.graph.user" if users_only else ""
            count = "&$count=true" if users_only else ""
            body["@odata.nextLink"] = (
                f"{base}/groups/{group_id}/transitiveMembers{cast}"
                f"?$select=id%2CdisplayName{count}&$skiptoken={start + self.page_size}"
            )
        return web.json_response(body)

    def _user_with_managers(self, request: web.Request, user_id: str) -> web.Response:
        """`$expand=manager($levels=max;$select=id)`: an advanced query, as Graph has it."""
        advanced = request.headers.get("ConsistencyLevel") == "eventual"
        if not advanced or request.query.get("$count") != "true":
            return _error(400, "Request_UnsupportedQuery")
        if request.query.get("$expand") != "manager($levels=max;$select=id)":
            return _error(400, "Request_BadRequest")
        user = self.users.get(user_id)
        if user is None:
            return _error(404, "Request_ResourceNotFound")
        body: Json = {"id": user.id, "department": user.department or None}
        at, seen = body, {user.id}
        manager = self.users.get(user.manager_id)
        while manager is not None and manager.id not in seen:
            seen.add(manager.id)
            at["manager"] = {"@odata.type": USER_TYPE, "id": manager.id}
            at = at["manager"]
            manager = self.users.get(manager.manager_id)
        return web.json_response(body)

    def _users(self, request: web.Request) -> web.Response:
        query = request.query.get("$filter", "")
        if by_mail := _BY_MAIL.fullmatch(query):
            wanted = {_literal(by_mail.group(1)).casefold(), _literal(by_mail.group(2)).casefold()}
            found = [u for u in self.users.values() if u.mail.casefold() in wanted]
        elif by_name := _BY_NAME.fullmatch(query):
            start = _literal(by_name.group(1)).casefold()
            found = [u for u in self.users.values() if u.display_name.casefold().startswith(start)]
        else:
            return _error(400, "Request_UnsupportedQuery")
        top = int(request.query.get("$top", "100"))
        return web.json_response({"value": [u.json() for u in found[:top]]})

    async def _add_member(self, request: web.Request, group_id: str) -> web.Response:
        reference = str((await request.json()).get("@odata.id", ""))
        prefix = f"{self.graph_url}/directoryObjects/"
        user_id = reference.removeprefix(prefix)
        if not reference.startswith(prefix) or user_id not in self.users:
            return _error(400, "Request_BadRequest")
        if not self.group_writes_allowed:
            return _error(403, "Authorization_RequestDenied")
        if group_id not in self.groups:
            return _error(404, "Request_ResourceNotFound")
        if user_id in self.groups[group_id]:
            return _error(400, "Request_BadRequest")  # "added object references already exist"
        self.groups[group_id].append(user_id)
        return web.Response(status=204)

    def _remove_member(self, group_id: str, user_id: str) -> web.Response:
        if not self.group_writes_allowed:
            return _error(403, "Authorization_RequestDenied")
        if user_id not in self.groups.get(group_id, []):
            return _error(404, "Request_ResourceNotFound")
        self.groups[group_id].remove(user_id)
        return web.Response(status=204)

    def _catalog(self, request: web.Request) -> web.Response:
        found = _BY_MANIFEST.fullmatch(request.query.get("$filter", ""))
        if not found:
            return _error(400, "Request_UnsupportedQuery")
        wanted = _literal(found.group(1))
        apps = [{"id": a["id"]} for a in self.catalog if a["externalId"] == wanted]
        return web.json_response({"value": apps})

    async def _install(self, request: web.Request, user_id: str) -> web.Response:
        binding = str((await request.json()).get("teamsApp@odata.bind", ""))
        app_id = binding.removeprefix(f"{self.graph_url}/appCatalogs/teamsApps/")
        if not any(a["id"] == app_id for a in self.catalog) or user_id not in self.users:
            return _error(404, "NotFound")
        if not self.installs_allowed:
            return _error(403, "Forbidden")
        if app_id in self.installed.setdefault(user_id, set()):
            return _error(409, "Conflict")
        self.installed[user_id].add(app_id)
        if self.on_install is not None:
            self.on_install(user_id)
        return web.Response(status=201)


def _literal(quoted_body: str) -> str:
    return quoted_body.replace("''", "'")


def _error(status: int, code: str, retry_after: str | None = None) -> web.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else None
    body = {"error": {"code": code, "message": "emulated", "innerError": {}}}
    return web.json_response(body, status=status, headers=headers)
