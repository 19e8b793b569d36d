"""Connecting the bot to Microsoft Entra ID: one token, one HTTP session, the directory and
the app installer, built by `create_app` when a Graph setting asks for them.

At start-up the groups are read once before the bot takes any turn, for at most
`STARTUP_WAIT` seconds. If they cannot be read, the bot starts anyway (a referral must
never be refused because Graph is down): until the SMLO group is read, the SMLOs are
`SMA_SMLO_IDS` if set and otherwise nobody (nobody gets SMLO actions, and new referrals
wait in the inbox); the roster stays as stored. The background loop keeps trying.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from common.hosts import AUTHORITY_HOSTS
from config.settings import Settings
from entra.directory import GraphDirectory
from entra.graph import AppToken, GraphClient
from entra.install import AppInstaller
from referrals.ports import RosterStore
from referrals.roles import MemberIds

log = logging.getLogger(__name__)
STARTUP_WAIT = 15.0


@dataclass
class EntraLink:
    directory: GraphDirectory
    installer: AppInstaller
    session: aiohttp.ClientSession
    token: AppToken

    async def close(self) -> None:
        await self.session.close()
        self.token.close()


def smlo_members(settings: Settings) -> AbstractSet[str]:
    """The SMLO ids: kept current from the SMLO group if one is set, else as configured."""
    return MemberIds(settings.smlo_ids) if settings.smlo_group_id else settings.smlo_ids


def auditor_members(settings: Settings) -> AbstractSet[str]:
    """The auditor ids: kept current from the auditor group if one is set, else as
    configured (as the SMLOs)."""
    return MemberIds(settings.auditor_ids) if settings.auditor_group_id else settings.auditor_ids


async def connect(
    settings: Settings,
    smlos: AbstractSet[str],
    roster: RosterStore,
    ca_file: str | None = None,
    auditors: AbstractSet[str] = frozenset(),
) -> EntraLink | None:
    """The directory and installer, with the groups read once; None without Graph settings.
    `ca_file`: a CA to trust for Entra ID and Graph (tests: the emulator's certificate)."""
    if not settings.uses_directory:
        return None
    host = settings.authority_host
    graph_url = urlsplit(settings.graph_url)
    scope = f"{graph_url.scheme}://{graph_url.netloc}/.default"
    token = AppToken(
        settings.app_id,
        settings.app_password,
        f"https://{host}/{settings.app_tenant_id}",
        scope,
        test_authority=host not in AUTHORITY_HOSTS,  # settings allow that on loopback only
        ca_file=ca_file,
    )
    tls = ssl.create_default_context(cafile=ca_file) if ca_file else True
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls))
    graph = GraphClient(settings.graph_url, token, session)
    directory = GraphDirectory(
        graph,
        roster,
        smlos=smlos if isinstance(smlos, MemberIds) else None,
        smlo_group_id=settings.smlo_group_id,
        advocates_group_id=settings.advocates_group_id,
        refresh_seconds=settings.directory_refresh_seconds,
        auditors=auditors if isinstance(auditors, MemberIds) else None,
        auditor_group_id=settings.auditor_group_id,
    )
    manifest_id = settings.teams_app_manifest_id or settings.app_id
    installer = AppInstaller(graph, settings.teams_app_catalog_id, manifest_id)
    try:
        async with asyncio.timeout(STARTUP_WAIT):
            await directory.refresh()
    except TimeoutError:
        log.warning("directory: groups not read within %ss at start-up", STARTUP_WAIT)
    except Exception as error:  # the store, say: the background loop tries again
        log.error("directory: start-up read failed: %s", type(error).__name__)
    return EntraLink(directory, installer, session, token)


@dataclass(frozen=True)
class Entra:
    """Who holds the SMLO and auditor roles, and the Entra ID link when a Graph setting asks
    for one."""

    smlo_ids: AbstractSet[str]
    link: EntraLink | None
    auditor_ids: AbstractSet[str] = frozenset()

    async def close(self) -> None:
        if self.link is not None:
            await self.link.close()


async def connect_entra(
    settings: Settings, roster: RosterStore, ca_file: str | None = None
) -> Entra:
    """The SMLO and auditor ids (each kept current from its group, if one is set) and the
    link."""
    smlos, auditors = smlo_members(settings), auditor_members(settings)
    return Entra(smlos, await connect(settings, smlos, roster, ca_file, auditors), auditors)
