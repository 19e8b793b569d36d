"""The demo people for `make run` stay consistent with the committed Playground config."""

from __future__ import annotations

from config.settings import load_settings
from devtools.demo import BY_KEY, PERSONAS, ROOT_CONFIG, bot_environment, playground_config


def test_committed_playground_config_is_the_generated_one_for_the_referrer() -> None:
    assert ROOT_CONFIG.read_text(encoding="utf-8") == playground_config(BY_KEY["referrer"])


def test_each_playground_config_has_its_person_as_current_user_and_exactly_five_others() -> None:
    for persona in PERSONAS:
        config = playground_config(persona)
        current, rest = config.split("currentUser:")[1].split("users:")
        users = rest.split("personalChat:")[0]
        assert f"aadObjectId: {persona.aad_object_id}" in current
        assert users.count("  - id: ") == 5
        assert persona.aad_object_id not in users


def test_demo_settings_load_and_give_the_smlo_and_advocates_their_roles() -> None:
    settings = load_settings(bot_environment("var/test.sqlite3"))

    assert settings.development_mode
    assert settings.host == "127.0.0.1"
    assert settings.smlo_ids == {BY_KEY["smlo"].aad_object_id}
    assert {a.display_name for a in settings.seed_advocates} == {"Alex Morgan", "Sam Okafor"}
    assert settings.teams_service_url == ""
