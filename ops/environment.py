"""What the commands read from the environment beyond the data keys, as the bot does, and
the store each is pointed at."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

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


def store_parser(prog: str, description: str | None) -> argparse.ArgumentParser:
    """A command's parser with the store to use: `--sqlite <file>` or `--cosmos` (from
    SMA_COSMOS_*), one of them required."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", type=Path, help="the SQLite database file")
    where.add_argument("--cosmos", action="store_true", help="Cosmos DB, from SMA_COSMOS_*")
    return parser
