"""Installing the bot for someone who has never opened it, so it can message them.

Teams refuses to start a 1:1 chat with a person who does not have the app (403/404 on
`POST /v3/conversations`). The notifier then asks this module to install the app for them
through Graph (`POST /users/{id}/teamwork/installedApps`; application permission
`TeamsAppInstallation.ReadWriteSelfForUser.All`), and tries the chat again. The app must
be in the organisation's app catalog; its catalog id is `SMA_TEAMS_APP_CATALOG_ID`, or is
looked up once by the manifest id.
"""

from __future__ import annotations

import logging

from entra.directory import object_id
from entra.graph import GraphClient, odata_string

log = logging.getLogger(__name__)
INSTALLED = frozenset({200, 201, 204})
ALREADY_INSTALLED = 409


class AppInstaller:
    def __init__(self, graph: GraphClient, catalog_id: str = "", manifest_id: str = "") -> None:
        self._graph = graph
        self._catalog_id, self._manifest_id = catalog_id, manifest_id

    async def install_for(self, user_id: str) -> bool:
        """True when the app is installed for them now, newly or already (409): opening
        the chat again may then work. Raises `GraphUnavailable` if Graph does not answer."""
        catalog_id = await self._catalog()
        if not catalog_id:
            return False
        binding = f"{self._graph.base_url}/appCatalogs/teamsApps/{object_id(catalog_id)}"
        answer = await self._graph.request(
            "POST",
            f"/users/{object_id(user_id)}/teamwork/installedApps",
            body={"teamsApp@odata.bind": binding},
        )
        if answer.status in INSTALLED or answer.status == ALREADY_INSTALLED:
            log.info("app installed for user=%s (status %s)", user_id, answer.status)
            return True
        log.warning("could not install the app for user=%s: status %s", user_id, answer.status)
        return False

    async def _catalog(self) -> str:
        if self._catalog_id:
            return self._catalog_id
        params = {"$filter": f"externalId eq {odata_string(self._manifest_id)}", "$select": "id"}
        answer = await self._graph.request("GET", "/appCatalogs/teamsApps", params=params)
        apps = answer.body.get("value", []) if answer.status == 200 else []
        found = [a["id"] for a in apps if isinstance(a, dict) and isinstance(a.get("id"), str)]
        if not found:
            log.error(
                "the app is not in the organisation's app catalog: manifest=%s status=%s",
                self._manifest_id,
                answer.status,
            )
            return ""
        self._catalog_id = found[0]
        log.info("app catalog id found: %s", self._catalog_id)
        return self._catalog_id
