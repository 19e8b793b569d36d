"""`SMA_ROLE`, `SMA_WORKER_URL` and `SMA_WAKE_KEY`: production never starts a web role that
cannot wake its worker, nor a worker that cannot tell its web role from a stranger."""

from __future__ import annotations

import pytest

from config.settings import Role, SettingsError, load_settings
from tests.unit.test_settings import DEVELOPMENT, PRODUCTION

KEY = "k" * 32
WORKER_URL = "https://sma-worker.azurewebsites.net"


def _refusal(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as refused:
        load_settings(env)
    return str(refused.value)


def test_one_process_does_everything_unless_told_otherwise() -> None:
    assert load_settings(PRODUCTION).role is Role.ALL
    assert load_settings(DEVELOPMENT).role is Role.ALL


def test_production_starts_a_web_role_with_the_worker_url_and_the_key() -> None:
    settings = load_settings(
        {**PRODUCTION, "SMA_ROLE": "web", "SMA_WORKER_URL": f"{WORKER_URL}/", "SMA_WAKE_KEY": KEY}
    )

    assert settings.role is Role.WEB
    assert settings.worker_url == WORKER_URL
    assert settings.wake_key == KEY
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    "given", [{}, {"SMA_WAKE_KEY": KEY}, {"SMA_WORKER_URL": WORKER_URL}], ids=["none", "key", "url"]
)
def test_production_refuses_a_web_role_without_the_worker_url_and_the_key(
    given: dict[str, str],
) -> None:
    message = _refusal({**PRODUCTION, "SMA_ROLE": "web", **given})

    assert "SMA_ROLE=web needs SMA_WORKER_URL and SMA_WAKE_KEY" in message
    assert "python -m ops.keys new-wake-key" in message


def test_production_refuses_a_worker_without_the_key() -> None:
    message = _refusal({**PRODUCTION, "SMA_ROLE": "worker"})

    assert "SMA_ROLE=worker needs SMA_WAKE_KEY" in message
    assert load_settings({**PRODUCTION, "SMA_ROLE": "worker", "SMA_WAKE_KEY": KEY}).role is (
        Role.WORKER
    )


def test_development_mode_may_leave_the_worker_to_poll() -> None:
    assert load_settings({**DEVELOPMENT, "SMA_ROLE": "web"}).role is Role.WEB
    assert load_settings({**DEVELOPMENT, "SMA_ROLE": "worker"}).role is Role.WORKER


def test_a_role_that_is_not_one_of_the_three_is_refused() -> None:
    assert "SMA_ROLE must be web, worker or all, not 'both'." in _refusal(
        {**PRODUCTION, "SMA_ROLE": "both"}
    )


def test_a_short_wake_key_is_refused_in_every_mode() -> None:
    for env in (PRODUCTION, DEVELOPMENT):
        message = _refusal({**env, "SMA_ROLE": "worker", "SMA_WAKE_KEY": "short"})
        assert "SMA_WAKE_KEY must be at least 32 characters" in message
        assert "'short'" not in message, "the key itself is never shown"


@pytest.mark.parametrize(
    "url",
    [
        "http://sma-worker.azurewebsites.net",
        "ftp://127.0.0.1",
        f"{WORKER_URL}/internal/wake",
        "https://user:pass@sma-worker.azurewebsites.net",
        f"{WORKER_URL}?x=1",
        "https://",
        "https://127.0.0.1:notaport",
    ],
)
def test_the_worker_url_is_https_or_loopback_and_nothing_more(url: str) -> None:
    message = _refusal(
        {**PRODUCTION, "SMA_ROLE": "web", "SMA_WORKER_URL": url, "SMA_WAKE_KEY": KEY}
    )

    assert "SMA_WORKER_URL must be the worker's https:// address" in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:3979", "http://localhost:3979", WORKER_URL])
def test_a_loopback_or_https_worker_url_is_accepted(url: str) -> None:
    env = {**PRODUCTION, "SMA_ROLE": "web", "SMA_WORKER_URL": url, "SMA_WAKE_KEY": KEY}

    assert load_settings(env).worker_url == url


def test_a_wake_key_app_service_could_not_resolve_is_refused() -> None:
    unresolved = (
        "@Microsoft.KeyVault(SecretUri=https://sma-kv.vault.azure.net/secrets/sma-wake-key/)"
    )

    message = _refusal({**PRODUCTION, "SMA_ROLE": "worker", "SMA_WAKE_KEY": unresolved})

    assert "SMA_WAKE_KEY is a Key Vault reference App Service could not resolve" in message
