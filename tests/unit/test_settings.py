"""Production refuses unsafe configuration and says exactly what is missing; development
mode is named as such, warns, and listens on 127.0.0.1 only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.adapter.authentication import authentication_configuration
from config.settings import Settings, SettingsError, load_settings
from referrals.timers import Periods
from tests.support.keys import TEST_DATA_KEYS, TEST_KEY_ID

APP_ID = "3f1c9a52-7d4e-4b8a-9c61-0e2f5a7b8c90"
TENANT = "5f3e0c1a-0000-4000-8000-00000000feed"
SMLO = "00000000-0000-4000-8000-00000000a001"
REPO = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": "not-a-real-secret",
    "MicrosoftAppTenantId": TENANT,
    "MicrosoftAppType": "SingleTenant",
    "SMA_SMLO_IDS": SMLO,
    **TEST_DATA_KEYS,
}
DEVELOPMENT = {
    "SMA_INSECURE_DEVELOPMENT_MODE": "true",
    "MicrosoftAppTenantId": TENANT,
    "SMA_SMLO_IDS": SMLO,
}
OVERRIDES = {
    "SMA_AUTH_OPENID_METADATA_URL": "https://login.sovereign.example/openid-configuration",
    "SMA_AUTH_TOKEN_ISSUER": "https://api.sovereign.example",
}


def _without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def _refusal(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as refused:
        load_settings(env)
    return str(refused.value)


def test_a_complete_single_tenant_registration_starts_in_production() -> None:
    settings = load_settings(PRODUCTION)

    assert not settings.development_mode
    assert settings.app_type == "SingleTenant"
    assert settings.allowed_service_hosts == {"smba.trafficmanager.net"}


def test_production_with_nothing_set_names_everything_that_is_missing() -> None:
    message = _refusal({"SMA_SMLO_IDS": SMLO})

    assert "MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId" in message
    assert "SMA_INSECURE_DEVELOPMENT_MODE" in message, "and says how to run locally instead"


@pytest.mark.parametrize(
    "missing", ["MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId"]
)
def test_production_names_exactly_the_one_setting_that_is_missing(missing: str) -> None:
    message = _refusal(_without(PRODUCTION, missing))

    assert f"needs {missing}." in message


def test_auditors_are_named_by_entra_object_id() -> None:
    auditor = "00000000-0000-4000-8000-00000000e001"

    settings = load_settings({**PRODUCTION, "SMA_AUDITOR_IDS": f" {auditor} ,"})

    assert settings.auditor_ids == frozenset({auditor})
    assert load_settings(PRODUCTION).auditor_ids == frozenset()
    assert "SMA_AUDITOR_IDS must list Entra object ids" in _refusal(
        {**PRODUCTION, "SMA_AUDITOR_IDS": "the DPO"}
    )


def test_an_smlo_or_advocate_cannot_also_be_named_the_auditor() -> None:
    advocate = "00000000-0000-4000-8000-00000000b001"
    seed = f'[{{"id": "{advocate}", "name": "Alex Morgan"}}]'

    as_smlo = _refusal({**PRODUCTION, "SMA_AUDITOR_IDS": SMLO})
    as_advocate = _refusal({**PRODUCTION, "SMA_AUDITOR_IDS": advocate, "SMA_SEED_ADVOCATES": seed})

    assert "the auditor must be independent" in as_smlo
    assert "the auditor must be independent" in as_advocate


def test_a_multi_tenant_registration_is_refused() -> None:
    message = _refusal({**PRODUCTION, "MicrosoftAppType": "MultiTenant"})

    assert "MicrosoftAppType must be SingleTenant or UserAssignedMSI" in message


def test_a_managed_identity_needs_an_app_id_and_tenant_but_no_password() -> None:
    managed = {
        **_without(PRODUCTION, "MicrosoftAppPassword"),
        "MicrosoftAppType": "userassignedmsi",
    }

    assert load_settings(managed).app_type == "UserAssignedMSI"
    assert "needs MicrosoftAppTenantId." in _refusal(_without(managed, "MicrosoftAppTenantId"))
    assert "needs MicrosoftAppId." in _refusal(_without(managed, "MicrosoftAppId"))
    with_password = {**managed, "MicrosoftAppPassword": "x"}
    assert "MicrosoftAppPassword must be empty" in _refusal(with_password)


def test_an_app_id_that_is_not_a_guid_is_refused() -> None:
    assert "MicrosoftAppId must be" in _refusal({**PRODUCTION, "MicrosoftAppId": "my-bot"})


def test_the_tenant_is_required_in_development_mode_too() -> None:
    message = _refusal(_without(DEVELOPMENT, "MicrosoftAppTenantId"))

    assert "MicrosoftAppTenantId is required in every mode" in message


def test_a_tenant_that_is_not_a_guid_is_refused() -> None:
    assert "a GUID" in _refusal({**DEVELOPMENT, "MicrosoftAppTenantId": "force.example"})


def test_development_mode_listens_on_loopback_only() -> None:
    assert load_settings(DEVELOPMENT).host == "127.0.0.1"
    assert load_settings(PRODUCTION).host == "0.0.0.0"  # noqa: S104


def test_development_mode_refuses_to_listen_anywhere_else() -> None:
    message = _refusal({**DEVELOPMENT, "SMA_HOST": "0.0.0.0"})  # noqa: S104

    assert "SMA_HOST=0.0.0.0 cannot be used with SMA_INSECURE_DEVELOPMENT_MODE" in message
    with pytest.raises(SettingsError, match=r"listens on 127\.0\.0\.1 only"):
        Settings(development_mode=True, host="192.168.1.10")


def test_the_development_switch_must_be_a_clear_yes_or_no() -> None:
    assert "must be true or false" in _refusal(
        {**DEVELOPMENT, "SMA_INSECURE_DEVELOPMENT_MODE": "on"}
    )


def test_allowed_service_hosts_are_exact_lower_case_names() -> None:
    env = {**PRODUCTION, "SMA_ALLOWED_SERVICE_HOSTS": " SMBA.trafficmanager.net , 127.0.0.1 "}

    assert load_settings(env).allowed_service_hosts == {"smba.trafficmanager.net", "127.0.0.1"}


@pytest.mark.parametrize(
    "hosts",
    ["https://smba.trafficmanager.net", "smba.trafficmanager.net:443", "*.trafficmanager.net",
     "smba.trafficmanager.net/uk", "smba trafficmanager net", ","],
)  # fmt: skip
def test_allowed_service_hosts_must_be_bare_host_names(hosts: str) -> None:
    message = _refusal({**PRODUCTION, "SMA_ALLOWED_SERVICE_HOSTS": hosts})

    assert "SMA_ALLOWED_SERVICE_HOSTS must list exact host names" in message


def test_the_token_source_overrides_come_as_a_pair() -> None:
    for name in OVERRIDES:
        assert "or neither" in _refusal({**PRODUCTION, name: OVERRIDES[name]})


def test_the_token_source_must_be_https_unless_it_is_a_loopback_test_server() -> None:
    plain = {**PRODUCTION, **OVERRIDES, "SMA_AUTH_OPENID_METADATA_URL": "http://login.example/"}
    local = {**plain, "SMA_AUTH_OPENID_METADATA_URL": "http://127.0.0.1:8000/openid"}

    assert "must be an https:// URL" in _refusal(plain)
    assert load_settings(local).auth_openid_metadata_url == "http://127.0.0.1:8000/openid"


def test_the_token_source_overrides_are_refused_in_development_mode() -> None:
    assert "have no effect in development mode" in _refusal({**DEVELOPMENT, **OVERRIDES})


def test_without_overrides_botbuilder_gets_only_the_registration() -> None:
    configuration = vars(authentication_configuration(load_settings(PRODUCTION)))

    assert configuration == {
        "APP_ID": APP_ID,
        "APP_PASSWORD": "not-a-real-secret",
        "APP_TYPE": "SingleTenant",
        "APP_TENANTID": TENANT,
    }


def test_with_overrides_botbuilder_gets_every_parameterised_key() -> None:
    configuration = vars(authentication_configuration(load_settings({**PRODUCTION, **OVERRIDES})))

    assert (
        configuration["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"]
        == (OVERRIDES["SMA_AUTH_OPENID_METADATA_URL"])
    )
    assert configuration["TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"] == OVERRIDES["SMA_AUTH_TOKEN_ISSUER"]
    for key in (
        "TO_CHANNEL_FROM_BOT_LOGIN_URL",
        "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
        "OAUTH_URL",
        "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
        "CALLER_ID",
    ):
        assert configuration[key], key


def test_development_mode_gives_botbuilder_no_app_id_and_no_overrides() -> None:
    configuration = vars(authentication_configuration(load_settings(DEVELOPMENT)))

    assert configuration == {"APP_ID": "", "APP_PASSWORD": "", "APP_TYPE": "MultiTenant"}


# -- the real start-up, as an operator meets it ----------------------------------------


def _run_app(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own app, a fixed command
        [sys.executable, str(REPO / "app.py")],
        cwd=cwd,  # no .env there
        env={"PYTHONPATH": str(REPO), "PATH": os.environ.get("PATH", ""), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_bot_does_not_start_in_production_without_its_registration(tmp_path: Path) -> None:
    app = _run_app({"SMA_SMLO_IDS": SMLO, "SMA_SQLITE_PATH": str(tmp_path / "x.sqlite3")}, tmp_path)
    _, stderr = app.communicate(timeout=60)

    assert app.returncode != 0
    assert "Cannot start: Production (SingleTenant) needs MicrosoftAppId" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "x.sqlite3").exists(), "nothing was opened"


def test_development_mode_warns_that_it_is_insecure_and_listens_on_loopback(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**DEVELOPMENT, "PORT": str(port), "SMA_SQLITE_PATH": str(tmp_path / "dev.sqlite3")}
    app = _run_app(env, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert app.poll() is None, "the bot stopped while starting"
                assert time.monotonic() < deadline, "the bot did not start"
                time.sleep(0.1)
    finally:
        app.terminate()
        _, stderr = app.communicate(timeout=30)

    assert "INSECURE DEVELOPMENT MODE" in stderr
    assert "listening on 127.0.0.1 only" in stderr


def test_production_needs_the_data_keys_and_says_how_to_make_one() -> None:
    message = _refusal(_without(_without(PRODUCTION, "SMA_DATA_KEYS"), "SMA_DATA_KEY_ID"))

    assert "SMA_DATA_KEYS and SMA_DATA_KEY_ID" in message
    assert "python -m ops.keys new" in message


def test_production_refuses_to_start_without_a_blind_index_key_or_with_a_data_key_as_it() -> None:
    assert "SMA_BLIND_INDEX_KEY" in _refusal(_without(PRODUCTION, "SMA_BLIND_INDEX_KEY"))
    data_key = PRODUCTION["SMA_DATA_KEYS"].partition(":")[2]
    reused = _refusal({**PRODUCTION, "SMA_BLIND_INDEX_KEY": data_key})
    assert "must not be one of the data keys" in reused
    assert data_key not in reused
    assert "32" in _refusal({**PRODUCTION, "SMA_BLIND_INDEX_KEY": "c2hvcnQ="})


def test_the_data_keys_are_read_into_a_key_ring() -> None:
    settings = load_settings(PRODUCTION)

    assert settings.data_keys is not None
    assert settings.data_keys.current == TEST_KEY_ID
    assert "data_keys" not in repr(settings), "keys never appear in a printed setting"


def test_a_malformed_data_key_is_refused_without_showing_it() -> None:
    secret = "c2hvcnQ="  # base64 of 5 bytes, not 32
    message = _refusal({**PRODUCTION, "SMA_DATA_KEYS": f"{TEST_KEY_ID}:{secret}"})

    assert "SMA_DATA_KEYS" in message
    assert secret not in message


def test_retention_periods_come_from_settings_and_must_be_positive() -> None:
    settings = load_settings({**PRODUCTION, "SMA_RETENTION_DAYS": "730"})

    assert (settings.retention_days, settings.draft_keep_days) == (730, 30)
    assert "at least 1" in _refusal({**PRODUCTION, "SMA_DRAFT_KEEP_DAYS": "0"})


def test_the_embedded_store_is_the_default() -> None:
    assert load_settings(PRODUCTION).store == "sqlite"


def test_cosmos_needs_an_https_endpoint_and_tls_checks_stay_on_outside_loopback() -> None:
    cosmos = {**PRODUCTION, "SMA_STORE": "cosmos"}

    assert "SMA_COSMOS_ENDPOINT must be" in _refusal(cosmos)
    assert "SMA_COSMOS_ENDPOINT must be" in _refusal(
        {**cosmos, "SMA_COSMOS_ENDPOINT": "http://sma.documents.azure.com/"}
    )
    no_tls = {
        **cosmos,
        "SMA_COSMOS_ENDPOINT": "https://sma.documents.azure.com:443/",
        "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY": "true",
    }
    assert "only for a test server on loopback" in _refusal(no_tls)
    local = {**no_tls, "SMA_COSMOS_ENDPOINT": "https://127.0.0.1:8081/"}
    settings = load_settings(local)
    assert (settings.store, settings.cosmos_verify_tls, settings.cosmos_create_containers) == (
        "cosmos",
        False,
        True,
    )
    assert "SMA_STORE must be sqlite or cosmos" in _refusal({**PRODUCTION, "SMA_STORE": "mongo"})


def test_the_service_start_month_has_a_default_and_a_kind_refusal_when_malformed() -> None:
    assert load_settings(PRODUCTION).service_start == "2025-06"
    assert load_settings({**PRODUCTION, "SMA_SERVICE_START": "2024-01"}).service_start == (
        "2024-01"
    )
    for wrong in ("June 2025", "2025-13", "2025-6"):
        refusal = _refusal({**PRODUCTION, "SMA_SERVICE_START": wrong})
        assert "SMA_SERVICE_START must be the month the service started" in refusal


def test_working_hours_and_reminder_periods_have_defaults_and_can_be_set() -> None:
    default = load_settings(PRODUCTION)
    changed = load_settings(
        {**PRODUCTION, "SMA_WORKING_HOURS": "08:30-16:30", "SMA_OFFER_LAPSE_DAYS": "4"}
    )

    assert str(default.working_hours) == "09:00-17:00"
    assert default.reminder_periods == Periods()
    assert str(changed.working_hours) == "08:30-16:30"
    assert changed.reminder_periods.offer_lapse == 4


def test_bad_working_hours_and_periods_in_the_wrong_order_are_refused() -> None:
    hours = _refusal({**PRODUCTION, "SMA_WORKING_HOURS": "5pm-9am"})
    order = _refusal({**PRODUCTION, "SMA_REMIND_OFFER_DAYS": "3", "SMA_OFFER_LAPSE_DAYS": "3"})

    assert "SMA_WORKING_HOURS must be a start and an end" in hours
    assert "SMA_OFFER_LAPSE_DAYS must be more than SMA_REMIND_OFFER_DAYS" in order


@pytest.mark.parametrize(
    ("given", "day"), [("", 0), ("monday", 0), (" Friday ", 4), ("off", None), ("OFF", None)]
)
def test_the_weekly_digest_goes_on_a_weekday_or_not_at_all(given: str, day: int | None) -> None:
    assert load_settings({**PRODUCTION, "SMA_DIGEST_DAY": given}).digest_day == day


@pytest.mark.parametrize("given", ["sunday", "1", "mon"])
def test_a_digest_day_that_is_not_a_working_weekday_is_refused_by_name(given: str) -> None:
    with pytest.raises(SettingsError, match="SMA_DIGEST_DAY"):
        load_settings({**PRODUCTION, "SMA_DIGEST_DAY": given})


def test_a_check_in_day_of_0_sends_no_check_ins_and_32_is_refused() -> None:
    assert load_settings({**PRODUCTION, "SMA_CHECKIN_DAY": "0"}).checkin_day == 0
    with pytest.raises(SettingsError, match="SMA_CHECKIN_DAY"):
        load_settings({**PRODUCTION, "SMA_CHECKIN_DAY": "32"})


def test_the_outbox_lease_is_a_minute_unless_set_within_its_bounds() -> None:
    assert load_settings(PRODUCTION).outbox_lease_seconds == 60
    shorter = load_settings({**PRODUCTION, "SMA_OUTBOX_LEASE_SECONDS": "15"})
    assert shorter.outbox_lease_seconds == 15
    for too in ("5", "3600"):
        with pytest.raises(SettingsError, match="SMA_OUTBOX_LEASE_SECONDS must be from 10 to 600"):
            load_settings({**PRODUCTION, "SMA_OUTBOX_LEASE_SECONDS": too})
