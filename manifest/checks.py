"""Checks on a filled manifest and its icons, before anything is zipped.

The official schema is draft-04, and draft-04 has no `const`: `Draft4Validator` silently
ignores the schema's `manifestVersion` rule, and the schema puts no semver pattern on
`version`. `manifest_errors` adds those rules back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from manifest.png import RGBA, PngError, decode
from manifest.settings import SEMVER

COLOR_SIZE = 192
OUTLINE_SIZE = 32
WHITE = (255, 255, 255)


def load_schema(path: Path) -> dict[str, Any]:
    """Read the official schema. Not meta-validated: it uses ECMAScript `\\p{L}` patterns
    that Python's `re` cannot compile, so `check_schema` rejects it."""
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema_version(schema)
    return schema


def schema_version(schema: dict[str, Any]) -> str:
    """The manifestVersion the schema demands (its draft-04-invisible `const`)."""
    try:
        return str(schema["properties"]["manifestVersion"]["const"])
    except (KeyError, TypeError) as error:
        raise ValueError(
            "no properties.manifestVersion.const: not a Teams v1.17+ schema"
        ) from error


def manifest_errors(manifest: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every schema error plus the rules draft-04 cannot express, as `path: message`."""
    validator = Draft4Validator(schema)
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.path)))
    found = [f"{_path(e.absolute_path)}: {e.message}" for e in errors]
    return found + _draft4_gaps(manifest, schema)


def icon_errors(name: str, data: bytes, *, outline: bool) -> list[str]:
    """Size, and for the outline icon: transparent background, white strokes only."""
    try:
        image = decode(data)
    except PngError as error:
        return [f"{name}: {error}"]
    size = OUTLINE_SIZE if outline else COLOR_SIZE
    if (image.width, image.height) != (size, size):
        return [f"{name}: is {image.width}×{image.height}, must be {size}×{size}"]
    if not outline:
        return []
    if image.colour_type != RGBA:
        return [f"{name}: must be RGBA so its background can be transparent"]
    problems = []
    if not any(alpha == 0 for *_, alpha in image.pixels):
        problems.append(f"{name}: has no transparent (alpha 0) pixels")
    if not any(alpha > 0 for *_, alpha in image.pixels):
        problems.append(f"{name}: is empty (every pixel is transparent)")
    if any(alpha > 0 and (r, g, b) != WHITE for r, g, b, alpha in image.pixels):
        problems.append(f"{name}: has visible pixels that are not white")
    return problems


def _draft4_gaps(manifest: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    expected = schema_version(schema)
    problems = []
    if manifest.get("manifestVersion") != expected:
        problems.append(f"manifestVersion: must be {expected!r} for this schema")
    if f"/v{expected}/" not in str(manifest.get("$schema", "")):
        problems.append(f"$schema: must be the v{expected} schema URL")
    if SEMVER.fullmatch(str(manifest.get("version", ""))) is None:
        problems.append("version: must be MAJOR.MINOR.PATCH")
    return problems


def _path(parts: Any) -> str:
    return "/".join(map(str, parts)) or "(root)"
