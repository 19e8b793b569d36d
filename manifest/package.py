"""Build the Teams app package (manifest.json, color.png, outline.png at the zip root).

Run from the repository root, with BOT_APP_ID (a GUID) and BOT_DOMAIN set:

    python -m manifest.package --out manifest/build/sma-support.zip

Optional: TEAMS_APP_ID (defaults to BOT_APP_ID), APP_VERSION (1.0.0), DEVELOPER_NAME,
DEVELOPER_WEBSITE_URL / _PRIVACY_URL / _TERMS_URL (default to pages on BOT_DOMAIN).
Exit code 2 and a message on stderr when anything is missing, malformed or invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from manifest.checks import icon_errors, load_schema, manifest_errors
from manifest.settings import PackageSettings, SettingsError

MANIFEST_DIR = Path(__file__).resolve().parent
REPO_ROOT = MANIFEST_DIR.parent
TEMPLATE = MANIFEST_DIR / "manifest.template.json"
DEFAULT_SCHEMA = REPO_ROOT.parent / "shared" / "schemas" / "MicrosoftTeams.v1.29.schema.json"
DEFAULT_OUT = MANIFEST_DIR / "build" / "sma-support.zip"
PLACEHOLDER = re.compile(r"\$\{\{([A-Za-z0-9_]+)\}\}")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same zip


class PackageRefused(Exception):
    """The package was not built; the message says why and how to fix it."""


def fill_template(template: Any, values: Mapping[str, str]) -> Any:
    """Replace `${{NAME}}` inside every string; unknown placeholders are left in place."""
    if isinstance(template, dict):
        return {key: fill_template(item, values) for key, item in template.items()}
    if isinstance(template, list):
        return [fill_template(item, values) for item in template]
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)
    return template


def remaining_placeholders(manifest: Any) -> list[str]:
    text = json.dumps(manifest, ensure_ascii=False)
    return sorted(set(re.findall(r"\$\{\{[^}]*\}\}", text)))


def build(settings: PackageSettings, schema_path: Path, out: Path) -> None:
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    manifest = fill_template(template, settings.placeholders())
    if left := remaining_placeholders(manifest):
        raise PackageRefused(f"placeholders without a value: {', '.join(left)}")
    if errors := manifest_errors(manifest, _schema(schema_path)):
        raise PackageRefused("manifest is invalid:\n" + "\n".join(errors))
    icons = _icons(manifest["icons"])
    write_zip(out, manifest, icons)


def write_zip(out: Path, manifest: dict[str, Any], icons: Mapping[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    body = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    with zipfile.ZipFile(partial, "w") as archive:
        for name, data in {"manifest.json": body, **icons}.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(out)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = PackageSettings.from_env(os.environ if env is None else env)
        build(settings, args.schema, args.out)
    except (SettingsError, PackageRefused) as refusal:
        sys.stderr.write(f"manifest.package: not built.\n{refusal}\n")
        return 2
    sys.stdout.write(f"wrote {args.out}\n")
    return 0


def _schema(path: Path) -> dict[str, Any]:
    try:
        return load_schema(path)
    except (OSError, ValueError) as error:
        raise PackageRefused(f"cannot read the schema at {path} ({error}); use --schema") from error


def _icons(names: Mapping[str, str]) -> dict[str, bytes]:
    icons: dict[str, bytes] = {}
    problems: list[str] = []
    for role, name in names.items():
        if Path(name).name != name:
            raise PackageRefused(f"icons.{role}: {name!r} must be a file name at the zip root")
        icons[name] = (MANIFEST_DIR / name).read_bytes()
        problems += icon_errors(name, icons[name], outline=role == "outline")
    if problems:
        raise PackageRefused(
            "icons are invalid (run python -m manifest.icons):\n" + "\n".join(problems)
        )
    return icons


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m manifest.package",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="zip file to write")
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="Teams schema")
    return parser


if __name__ == "__main__":
    sys.exit(main())
