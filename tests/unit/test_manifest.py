"""The Teams app package: built from the template, valid for v1.29, discreet, personal only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from bot.commands import parse_command
from manifest import icons
from manifest.checks import icon_errors, load_schema, manifest_errors
from manifest.package import (
    DEFAULT_SCHEMA,
    REPO_ROOT,
    TEMPLATE,
    fill_template,
    main,
    remaining_placeholders,
)
from manifest.png import Image, decode, encode_rgba
from manifest.settings import PackageSettings

BOT_APP_ID = "8d2f5c1e-3b4a-4f6e-9a7b-1c2d3e4f5a6b"
ENV = {"BOT_APP_ID": BOT_APP_ID, "BOT_DOMAIN": "sma-bot.example.org"}
# Each role's main commands; Teams shows at most 10 in a command list. Typed commands
# with a reference or a name (referral SMA-…, audit SMA-…, add advocate …) are on `help`.
COMMANDS = {
    "help",
    "refer",
    "continue",
    "my referrals",
    "stop",
    "my cases",
    "inbox",
    "roster",
    "stats",
    "undelivered",
}
INDISCREET_WORDS = ["sexual", "misconduct", "abuse", "assault", "harassment", "rape", "victim"]


def build(out: Path, env: dict[str, str]) -> int:
    return main(["--out", str(out), "--schema", str(DEFAULT_SCHEMA)], env)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package") / "sma-support.zip"
    assert build(out, ENV) == 0
    return out


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema(DEFAULT_SCHEMA)


def read_manifest(package: Path) -> dict[str, Any]:
    with zipfile.ZipFile(package) as archive:
        manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return manifest


def read_icon(package: Path, name: str) -> Image:
    with zipfile.ZipFile(package) as archive:
        return decode(archive.read(name))


def filled_template(**overrides: Any) -> dict[str, Any]:
    """The template filled as the build fills it, with top-level keys overridden."""
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    values = PackageSettings.from_env(ENV).placeholders()
    manifest: dict[str, Any] = fill_template(template | overrides, values)
    return manifest


def test_package_holds_exactly_the_manifest_and_two_icons_at_its_root(
    package: Path,
) -> None:
    with zipfile.ZipFile(package) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_packaged_manifest_is_valid_against_the_v1_29_schema(
    package: Path, schema: dict[str, Any]
) -> None:
    manifest = read_manifest(package)
    errors = [f"{list(e.path)}: {e.message}" for e in Draft4Validator(schema).iter_errors(manifest)]
    assert errors == []
    assert manifest_errors(manifest, schema) == []
    assert manifest["manifestVersion"] == "1.29"
    assert manifest["$schema"].endswith("/teams/v1.29/MicrosoftTeams.schema.json")


def test_placeholders_are_filled_from_the_environment(package: Path) -> None:
    manifest = read_manifest(package)
    assert manifest["id"] == BOT_APP_ID
    assert manifest["bots"][0]["botId"] == BOT_APP_ID
    assert manifest["version"] == "1.0.0"
    assert manifest["validDomains"] == ["sma-bot.example.org"]
    # The Entra app the bot signs in to Graph as: Teams ties the app's Graph consent
    # (proactive install with TeamsAppInstallation.ReadWriteSelfForUser.All) to it.
    assert manifest["webApplicationInfo"] == {
        "id": BOT_APP_ID,
        "resource": f"api://sma-bot.example.org/{BOT_APP_ID}",
    }
    assert manifest["developer"]["privacyUrl"] == "https://sma-bot.example.org/privacy"
    assert remaining_placeholders(manifest) == []


def test_bot_is_installed_in_personal_scope_only(package: Path) -> None:
    manifest = read_manifest(package)
    [bot] = manifest["bots"]
    assert bot["scopes"] == ["personal"]
    assert [commands["scopes"] for commands in bot["commandLists"]] == [["personal"]]
    assert not {"staticTabs", "configurableTabs", "composeExtensions"} & manifest.keys()


def test_command_list_offers_each_roles_main_commands_with_descriptions(
    package: Path,
) -> None:
    [commands] = read_manifest(package)["bots"][0]["commandLists"]
    assert {command["title"] for command in commands["commands"]} == COMMANDS
    assert len(commands["commands"]) <= 10, "Teams shows at most 10 commands in a list"
    assert all(command["description"].strip() for command in commands["commands"])
    for command in commands["commands"]:
        assert parse_command(command["title"]) is not None, f"{command['title']} is not a command"


def test_bot_is_conversational_and_sends_files_in_the_personal_chat(package: Path) -> None:
    """The SMLO's figures come as a spreadsheet (bot/files.py): Teams lets a bot send a
    file, with the person's consent, only in personal scope and with `supportsFiles`."""
    [bot] = read_manifest(package)["bots"]
    assert bot["supportsFiles"] is True
    assert bot["scopes"] == ["personal"]
    assert bot["isNotificationOnly"] is False


@pytest.mark.parametrize("word", INDISCREET_WORDS)
def test_short_name_is_discreet_on_a_shared_screen(package: Path, word: str) -> None:
    short_name = read_manifest(package)["name"]["short"]
    assert word not in short_name.lower()
    assert len(short_name) <= 30


def test_full_description_says_the_service_is_independent_of_professional_standards(
    package: Path,
) -> None:
    full = read_manifest(package)["description"]["full"]
    assert "Sexual Misconduct Advocate" in full
    assert "independent of Professional Standards" in full


def test_icons_are_192_and_32_pixels_square(package: Path) -> None:
    color, outline = read_icon(package, "color.png"), read_icon(package, "outline.png")
    assert (color.width, color.height) == (192, 192)
    assert (outline.width, outline.height) == (32, 32)


def test_outline_icon_is_white_strokes_on_a_transparent_background(
    package: Path,
) -> None:
    outline = read_icon(package, "outline.png")
    alphas = [alpha for *_, alpha in outline.pixels]
    assert alphas.count(0) > len(alphas) // 2
    assert max(alphas) == 255
    assert {(r, g, b) for r, g, b, alpha in outline.pixels if alpha > 0} == {(255, 255, 255)}


def test_colour_icon_is_opaque_and_uses_the_accent_colour(package: Path) -> None:
    color = read_icon(package, "color.png")
    assert {alpha for *_, alpha in color.pixels} == {255}
    assert color.pixels[0] == icons.accent_pixel()
    assert read_manifest(package)["accentColor"] == icons.ACCENT_COLOR


def test_committed_icons_are_what_the_generator_draws() -> None:
    committed_color = decode((icons.ICONS_DIR / "color.png").read_bytes())
    committed_outline = decode((icons.ICONS_DIR / "outline.png").read_bytes())
    assert committed_color.pixels == decode(icons.color_icon()).pixels
    assert committed_outline.pixels == decode(icons.outline_icon()).pixels


def test_missing_bot_app_id_refuses_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "app.zip"
    env = {key: value for key, value in ENV.items() if key != "BOT_APP_ID"}
    assert build(out, env) == 2
    assert "BOT_APP_ID is not set" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-guid",
        f"{{{BOT_APP_ID}}}",
        BOT_APP_ID[:-1],
        f"{BOT_APP_ID}\n",
        "8d2f5c1e3b4a4f6e9a7b1c2d3e4f5a6b",
    ],
)
def test_malformed_bot_app_id_refuses_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad_id: str
) -> None:
    out = tmp_path / "app.zip"
    assert build(out, ENV | {"BOT_APP_ID": bad_id}) == 2
    assert "BOT_APP_ID is malformed" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_DOMAIN", "https://sma-bot.example.org"),
        ("APP_VERSION", "1.0"),
        ("TEAMS_APP_ID", "teams-app"),
        ("DEVELOPER_PRIVACY_URL", "http://sma-bot.example.org/privacy"),
        ("DEVELOPER_NAME", "A developer name that is far too long for Teams"),
    ],
)
def test_malformed_optional_setting_refuses_naming_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    assert build(tmp_path / "app.zip", ENV | {name: value}) == 2
    assert f"{name} is malformed" in capsys.readouterr().err


def test_lower_case_groupchat_scope_is_reported_invalid(schema: dict[str, Any]) -> None:
    manifest = filled_template()
    assert manifest_errors(manifest, schema) == []
    manifest["bots"][0]["scopes"] = ["personal", "groupchat"]
    assert any(
        error.startswith("bots/0/scopes/1:") and "'groupchat'" in error
        for error in manifest_errors(manifest, schema)
    )


def test_wrong_manifest_version_is_caught_although_draft_4_ignores_const(
    schema: dict[str, Any],
) -> None:
    manifest = filled_template(manifestVersion="1.28")
    assert list(Draft4Validator(schema).iter_errors(manifest)) == []
    assert "manifestVersion: must be '1.29' for this schema" in manifest_errors(manifest, schema)


def test_placeholder_without_a_value_is_left_for_the_refusal_check() -> None:
    manifest = fill_template({"id": "${{BOT_APP_ID}}", "x": ["${{NOT_SET}}"]}, ENV)
    assert manifest == {"id": BOT_APP_ID, "x": ["${{NOT_SET}}"]}
    assert remaining_placeholders(manifest) == ["${{NOT_SET}}"]


def test_outline_icon_check_rejects_an_opaque_coloured_background() -> None:
    dark: tuple[int, int, int, int] = (0, 0, 0, 255)
    errors = icon_errors("outline.png", encode_rgba(32, 32, [dark] * 32 * 32), outline=True)
    assert errors == [
        "outline.png: has no transparent (alpha 0) pixels",
        "outline.png: has visible pixels that are not white",
    ]


def test_icon_check_rejects_the_wrong_size() -> None:
    white: tuple[int, int, int, int] = (255, 255, 255, 255)
    errors = icon_errors("color.png", encode_rgba(96, 96, [white] * 96 * 96), outline=False)
    assert errors == ["color.png: is 96×96, must be 192×192"]


def test_package_command_runs_as_a_module(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DEVELOPER_"))}
    command = [sys.executable, "-m", "manifest.package", "--out", str(tmp_path / "app.zip")]
    # Fixed argv built from sys.executable, no shell: nothing untrusted reaches the call.
    missing = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    built = subprocess.run(command, cwd=REPO_ROOT, env=env | ENV, capture_output=True, text=True)  # noqa: S603
    assert (missing.returncode, built.returncode) == (2, 0)
    assert "BOT_APP_ID" in missing.stderr
    assert zipfile.is_zipfile(tmp_path / "app.zip")
