"""Package settings, read once from the environment; bad values stop the build."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
HOSTNAME = re.compile(
    r"(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}"
)
DEVELOPER_NAME_MAX = 32  # schema: developer.name maxLength
DEFAULT_DEVELOPER_NAME = "SMA Service"
_BOT_ID_HINT = "the Azure Bot's Microsoft App ID, a GUID like 00000000-0000-0000-0000-000000000000"


class SettingsError(ValueError):
    """One or more environment variables are missing or malformed (one line each)."""


@dataclass(frozen=True)
class PackageSettings:
    bot_app_id: str
    teams_app_id: str
    app_version: str
    bot_domain: str
    developer_name: str
    developer_website_url: str
    developer_privacy_url: str
    developer_terms_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PackageSettings:
        reader = _Reader(env)
        bot_app_id = reader.required("BOT_APP_ID", _is_guid, _BOT_ID_HINT)
        bot_domain = reader.required(
            "BOT_DOMAIN", _is_hostname, "a host name such as bot.example.org"
        )
        site = f"https://{bot_domain}"
        settings = cls(
            bot_app_id=bot_app_id,
            teams_app_id=reader.optional("TEAMS_APP_ID", bot_app_id, _is_guid, "a GUID"),
            app_version=reader.optional("APP_VERSION", "1.0.0", _is_semver, "MAJOR.MINOR.PATCH"),
            bot_domain=bot_domain,
            developer_name=reader.optional(
                "DEVELOPER_NAME", DEFAULT_DEVELOPER_NAME, _is_short_name, "1 to 32 characters"
            ),
            developer_website_url=reader.url("DEVELOPER_WEBSITE_URL", f"{site}/"),
            developer_privacy_url=reader.url("DEVELOPER_PRIVACY_URL", f"{site}/privacy"),
            developer_terms_url=reader.url("DEVELOPER_TERMS_URL", f"{site}/terms"),
        )
        if reader.problems:
            raise SettingsError("\n".join(reader.problems))
        return settings

    def placeholders(self) -> dict[str, str]:
        """Values for the template's `${{NAME}}` placeholders."""
        return {name.upper(): value for name, value in vars(self).items()}


class _Reader:
    """Reads variables, collecting every problem so one run reports them all."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def required(self, name: str, valid: Callable[[str], bool], hint: str) -> str:
        value = self.env.get(name, "")
        if not value:
            self.problems.append(f"{name} is not set; set it to {hint}.")
        elif not valid(value):
            self.problems.append(f"{name} is malformed ({value!r}); expected {hint}.")
        return value

    def optional(self, name: str, default: str, valid: Callable[[str], bool], hint: str) -> str:
        if not self.env.get(name):
            return default
        return self.required(name, valid, hint)

    def url(self, name: str, default: str) -> str:
        return self.optional(name, default, _is_https_url, "an https:// URL")


def _is_guid(value: str) -> bool:
    return GUID.fullmatch(value) is not None


def _is_semver(value: str) -> bool:
    return SEMVER.fullmatch(value) is not None


def _is_hostname(value: str) -> bool:
    return HOSTNAME.fullmatch(value) is not None


def _is_short_name(value: str) -> bool:
    return 0 < len(value) <= DEVELOPER_NAME_MAX and value.strip() == value


def _is_https_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and not any(c.isspace() for c in value)
