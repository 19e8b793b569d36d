"""What the commands read from the environment beyond the data keys, as the bot does."""

from __future__ import annotations

from collections.abc import Mapping

from storage.cosmos import CosmosSettings


def cosmos_settings(env: Mapping[str, str]) -> CosmosSettings:
    """The Cosmos DB connection from `SMA_COSMOS_*`; raises `ValueError` if it is unusable."""
    return CosmosSettings(
        endpoint=env.get("SMA_COSMOS_ENDPOINT", ""),
        database=env.get("SMA_COSMOS_DATABASE", "sma") or "sma",
        key=env.get("SMA_COSMOS_KEY", ""),
        create_if_missing=env.get("SMA_COSMOS_CREATE_IF_MISSING", "true").lower() != "false",
        verify_tls=env.get("SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY", "").lower() != "true",
    )
