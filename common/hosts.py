"""Which hosts the app may talk to: the Microsoft services it uses, and loopback. Settings
that turn a safety off (plain http, an unverified certificate, another host) are allowed
only for test servers on this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

# The Teams public cloud's Bot Connector: the only host a production bot talks to by default.
TEAMS_PUBLIC_CLOUD_HOST = "smba.trafficmanager.net"
# Microsoft Graph and Entra ID sign-in hosts: public cloud, US Government (and DoD), China.
GRAPH_HOSTS = frozenset(
    {"graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us"}
    | {"microsoftgraph.chinacloudapi.cn"}
)
AUTHORITY_HOSTS = frozenset(
    {"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn"}
)


def split_url(url: str) -> tuple[SplitResult, str] | None:
    """The URL's parts and its lower-cased host; None if it is malformed (a bad port)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    return parts, (parts.hostname or "").lower()


def https_or_loopback_http(parts: SplitResult, host: str) -> bool:
    """https anywhere; plain http only to a test server on this machine."""
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback IP address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def service_url_allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    """True when `url` is https (or http to a loopback test host) and its host is exactly
    one of `allowed_hosts`: no suffix matching, so `smba.trafficmanager.net.evil.example`
    and `evil-smba.trafficmanager.net` are both refused."""
    split = split_url(url)
    if split is None:
        return False
    parts, host = split
    if host not in allowed_hosts or parts.username is not None or parts.password is not None:
        return False
    return https_or_loopback_http(parts, host)


# OneDrive for Business, where Teams saves a file a bot sends and names in `uploadUrl`
# (https://<tenant>-my.sharepoint.com/…). Teams sends no files in the sovereign clouds.
ONEDRIVE_HOST_SUFFIX = ".sharepoint.com"


def upload_url_allowed(url: str, test_hosts: frozenset[str] = frozenset()) -> bool:
    """Whether the bot may PUT a file to `url`: https to a host under sharepoint.com, or
    a loopback test host named in `test_hosts` (http allowed there). A forged upload URL
    must never carry a file anywhere else."""
    split = split_url(url)
    if split is None:
        return False
    parts, host = split
    if parts.username is not None or parts.password is not None:
        return False
    if host in test_hosts and is_loopback(host):
        return parts.scheme in ("http", "https")
    return parts.scheme == "https" and host.endswith(ONEDRIVE_HOST_SUFFIX)
