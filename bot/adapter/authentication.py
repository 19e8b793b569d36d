"""botbuilder's CloudAdapter as this bot uses it: authentication settings passed the way
botbuilder reads them, Bot Connector clients reused, and turn errors logged without
content."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.adapter.connectors import ReusedConnectors
from config.settings import Settings

log = logging.getLogger("sma")


def teams_adapter(
    settings: Settings, credentials: ServiceClientCredentialsFactory | None = None
) -> CloudAdapter:
    """The adapter; `credentials` replaces botbuilder's credential factory (tests pass one
    that mints no token, so replies to a loopback connector never call Entra ID)."""
    authentication = ConfigurationBotFrameworkAuthentication(
        authentication_configuration(settings), credentials_factory=credentials
    )
    adapter = CloudAdapter(ReusedConnectors(authentication))
    adapter.on_turn_error = _on_turn_error
    return adapter


def authentication_configuration(settings: Settings) -> SimpleNamespace:
    """botbuilder's authentication settings. It reads them with getattr: a dict would
    silently turn authentication off."""
    if settings.development_mode:
        # No app id and no override key: botbuilder's public mode lets an unsigned request
        # through (the Agents Playground sends none). Any override would switch it to the
        # parameterised mode, which fails such a request with a 500.
        return SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant")
    configuration = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    if settings.auth_openid_metadata_url:
        # Setting any override switches botbuilder to its parameterised validator, which
        # uses every key; those we do not override keep their public-cloud values.
        configuration.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.auth_openid_metadata_url
        configuration.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = settings.auth_token_issuer
        configuration.TO_CHANNEL_FROM_BOT_LOGIN_URL = (
            f"https://login.microsoftonline.com/{settings.app_tenant_id}"
        )
        configuration.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"
        configuration.OAUTH_URL = "https://api.botframework.com"
        configuration.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
            "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
        )
        configuration.CALLER_ID = "urn:botframework:azure"
        configuration.VALIDATE_AUTHORITY = True
    return configuration


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    # Ids and the error's class only: never the activity's text or card values.
    log.error(
        "turn failed: activity=%s type=%s error=%s",
        turn_context.activity.id,
        turn_context.activity.type,
        type(error).__name__,
        exc_info=error,
    )
