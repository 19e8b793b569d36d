"""The directory's settings: Entra groups by id, Graph and Entra ID on Microsoft's hosts
only (a test server on loopback aside), and the bot's own credentials to reach them."""

from __future__ import annotations

import pytest

from config.settings import Settings, SettingsError, load_settings
from tests.support.keys import TEST_DATA_KEYS

APP_ID = "3f1c9a52-7d4e-4b8a-9c61-0e2f5a7b8c90"
TENANT = "5f3e0c1a-0000-4000-8000-00000000feed"
GROUP = "6a1b2c3d-0000-4000-8000-0000000000a1"
PRODUCTION = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": "not-a-real-secret",
    "MicrosoftAppTenantId": TENANT,
    **TEST_DATA_KEYS,
}


def refusal(**env: str) -> str:
    with pytest.raises(SettingsError) as refused:
        load_settings({**PRODUCTION, **env})
    return str(refused.value)


def test_an_smlo_group_alone_names_the_smlos() -> None:
    settings = load_settings({**PRODUCTION, "SMA_SMLO_GROUP_ID": GROUP.upper()})

    assert settings.smlo_group_id == GROUP
    assert settings.smlo_ids == frozenset()
    assert settings.uses_directory
    assert settings.graph_url == "https://graph.microsoft.com/v1.0"
    assert settings.authority_host == "login.microsoftonline.com"
    assert settings.directory_refresh_seconds == 300


def test_an_auditor_group_names_the_auditors_and_uses_the_directory() -> None:
    auditors = "6a1b2c3d-0000-4000-8000-0000000000a9"
    settings = load_settings(
        {**PRODUCTION, "SMA_SMLO_GROUP_ID": GROUP, "SMA_AUDITOR_GROUP_ID": auditors.upper()}
    )

    assert settings.auditor_group_id == auditors
    assert settings.auditor_ids == frozenset()
    assert settings.uses_directory


@pytest.mark.parametrize("shared", ["SMA_SMLO_GROUP_ID", "SMA_ADVOCATES_GROUP_ID"])
def test_the_auditor_group_must_not_be_the_smlo_or_advocates_group(shared: str) -> None:
    refused = refusal(SMA_SMLO_IDS=GROUP, SMA_AUDITOR_GROUP_ID=GROUP, **{shared: GROUP})

    assert "SMA_AUDITOR_GROUP_ID must be a group of its own" in refused


def test_without_a_group_the_smlo_ids_are_still_required() -> None:
    assert "SMA_SMLO_IDS is empty" in refusal()


def test_without_any_graph_setting_graph_is_not_used() -> None:
    settings = load_settings({**PRODUCTION, "SMA_SMLO_IDS": GROUP})

    assert not settings.uses_directory


@pytest.mark.parametrize(
    "name",
    [
        "SMA_SMLO_GROUP_ID",
        "SMA_ADVOCATES_GROUP_ID",
        "SMA_AUDITOR_GROUP_ID",
        "SMA_TEAMS_APP_CATALOG_ID",
    ],
)
def test_ids_must_be_guids(name: str) -> None:
    assert f"{name} must be" in refusal(SMA_SMLO_IDS=GROUP, **{name: "SMLOs"})


@pytest.mark.parametrize(
    "url",
    [
        "http://graph.microsoft.com/v1.0",
        "https://graph.microsoft.com.evil.example/v1.0",
        "https://graph.evil.example/v1.0",
        "https://user@graph.microsoft.com/v1.0",
        "https://graph.microsoft.com/v1.0?x=1",
        "http://127.0.0.1:8443/v1.0",
    ],
)
def test_graph_must_be_microsofts_over_https(url: str) -> None:
    assert "SMA_GRAPH_URL must be https://" in refusal(SMA_SMLO_GROUP_ID=GROUP, SMA_GRAPH_URL=url)


@pytest.mark.parametrize(
    "host",
    [
        "login.evil.example",
        "login.microsoftonline.com.evil.example",
        "login.microsoftonline.com:8443",
        "https://login.microsoftonline.com",
        "login.microsoftonline.com/tenant",
        "me@login.microsoftonline.com",
    ],
)
def test_the_sign_in_host_must_be_microsofts(host: str) -> None:
    problem = refusal(SMA_SMLO_GROUP_ID=GROUP, SMA_AUTHORITY_HOST=host)

    assert "SMA_AUTHORITY_HOST must be a Microsoft Entra sign-in host" in problem


def test_sovereign_clouds_and_a_loopback_test_server_are_accepted() -> None:
    for graph, host in (
        ("https://graph.microsoft.us/v1.0", "login.microsoftonline.us"),
        ("https://microsoftgraph.chinacloudapi.cn/v1.0", "login.chinacloudapi.cn"),
        ("https://127.0.0.1:8443/v1.0", "127.0.0.1:8443"),
    ):
        env = {"SMA_SMLO_GROUP_ID": GROUP, "SMA_GRAPH_URL": graph, "SMA_AUTHORITY_HOST": host}
        assert load_settings({**PRODUCTION, **env}).graph_url == graph


def test_graph_needs_the_bots_password() -> None:
    problem = refusal(
        SMA_SMLO_GROUP_ID=GROUP, MicrosoftAppType="UserAssignedMSI", MicrosoftAppPassword=""
    )

    assert "need MicrosoftAppType=SingleTenant and a password" in problem


def test_development_mode_does_not_reach_graph() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(
            {
                "SMA_INSECURE_DEVELOPMENT_MODE": "true",
                "MicrosoftAppTenantId": TENANT,
                "SMA_ADVOCATES_GROUP_ID": GROUP,
                "SMA_SMLO_IDS": GROUP,
            }
        )

    assert "development mode does not use" in str(refused.value)


def test_the_refresh_period_must_be_a_positive_whole_number() -> None:
    assert "at least 1" in refusal(SMA_SMLO_GROUP_ID=GROUP, SMA_DIRECTORY_REFRESH_SECONDS="0")
    assert "whole number" in refusal(SMA_SMLO_GROUP_ID=GROUP, SMA_DIRECTORY_REFRESH_SECONDS="5m")


def test_the_password_is_never_shown_in_the_settings_repr() -> None:
    settings = load_settings({**PRODUCTION, "SMA_SMLO_GROUP_ID": GROUP})

    assert "not-a-real-secret" not in repr(settings)
    assert isinstance(settings, Settings)
