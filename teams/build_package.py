"""Build Lotsen's Microsoft Teams app package (a zip to sideload or upload).

The package holds ``manifest.json`` (from ``manifest.template.json`` with
``${NAME}`` placeholders filled from the environment) and two icons drawn
here with Pillow: a 192x192 colour icon and a 32x32 white-on-transparent
outline icon, as Teams requires. The zip is byte-for-byte reproducible.

Usage: ``python teams/build_package.py [--output build/lotsen-teams.zip]``
with ``TEAMS_APP_ID`` set to the bot's Microsoft App ID (a GUID). Optional:
``TEAMS_APP_VERSION`` (default 1.0.0), ``TEAMS_WEBSITE_URL``,
``TEAMS_PRIVACY_URL``, ``TEAMS_TERMS_URL`` (https URLs).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATE = HERE / "manifest.template.json"
DEFAULT_OUTPUT = ROOT / "build" / "lotsen-teams.zip"

DEFAULTS = {
    "TEAMS_APP_VERSION": "1.0.0",
    "TEAMS_WEBSITE_URL": "https://start.stockholm/",
    "TEAMS_PRIVACY_URL": "https://start.stockholm/",
    "TEAMS_TERMS_URL": "https://start.stockholm/",
}
GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
COLOR_SIZE, OUTLINE_SIZE = 192, 32
SUPERSAMPLE = 4
WHITE = (255, 255, 255, 255)
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """The package cannot be built from the given settings."""


def settings(env: Mapping[str, str]) -> dict[str, str]:
    """The placeholder values: defaults overridden by the environment, checked."""
    values = {**DEFAULTS, **{k: v for k, v in env.items() if k in DEFAULTS and v}}
    app_id = env.get("TEAMS_APP_ID", "").strip()
    if not GUID.match(app_id):
        raise PackageError(
            "TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID), "
            f"got {app_id or 'nothing'!r}"
        )
    if not VERSION.match(values["TEAMS_APP_VERSION"]):
        raise PackageError("TEAMS_APP_VERSION must look like 1.0.0")
    for name in ("TEAMS_WEBSITE_URL", "TEAMS_PRIVACY_URL", "TEAMS_TERMS_URL"):
        if not values[name].startswith("https://"):
            raise PackageError(f"{name} must be an https URL")
    return {**values, "TEAMS_APP_ID": app_id}


def render_manifest(template: str, values: Mapping[str, str]) -> dict[str, Any]:
    """Fill ``${NAME}`` placeholders (JSON-escaped) and parse the result."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise PackageError(f"manifest template uses unknown placeholder ${{{name}}}")
        return json.dumps(values[name])[1:-1]

    return json.loads(PLACEHOLDER.sub(fill, template))


def _compass(draw: ImageDraw.ImageDraw, size: int, box: float, ring: float, fill: Any) -> None:
    """A compass: a ring and a north-pointing needle, centred in ``box`` pixels."""
    c, r = size / 2, box / 2
    draw.ellipse((c - r, c - r, c + r, c + r), outline=fill, width=round(ring))
    tip, half = r * 0.72, r * 0.24
    draw.polygon([(c, c - tip), (c + half, c), (c, c + tip), (c - half, c)], fill=fill)


def _downsampled(image: Image.Image, size: int) -> Image.Image:
    return image.resize((size, size), Image.Resampling.LANCZOS)


def color_icon(accent: str) -> Image.Image:
    """192x192 full-colour icon: white compass on the accent colour."""
    big = COLOR_SIZE * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), accent)
    _compass(ImageDraw.Draw(image), big, box=big * 0.56, ring=big * 0.05, fill=WHITE)
    return _downsampled(image, COLOR_SIZE).convert("RGB")


def outline_icon() -> Image.Image:
    """32x32 outline icon: white compass on a transparent background."""
    big = OUTLINE_SIZE * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    _compass(ImageDraw.Draw(image), big, box=big * 0.9, ring=big * 0.09, fill=WHITE)
    small = _downsampled(image, OUTLINE_SIZE)
    alpha = small.getchannel("A")
    # Teams wants pure white with transparency; resampling must not tint it.
    white = Image.new("RGBA", small.size, WHITE)
    white.putalpha(alpha)
    return white


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_zip(output: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` into a zip with fixed timestamps (reproducible)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])


def build(output: Path, env: Mapping[str, str], template: Path = TEMPLATE) -> dict[str, Any]:
    """Build the package at ``output``; return the manifest it contains."""
    manifest = render_manifest(template.read_text(encoding="utf-8"), settings(env))
    icons = manifest["icons"]
    files = {
        "manifest.json": (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode(),
        icons["color"]: png_bytes(color_icon(manifest["accentColor"])),
        icons["outline"]: png_bytes(outline_icon()),
    }
    write_zip(output, files)
    return manifest


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    args = parser.parse_args(argv)
    try:
        manifest = build(args.output, os.environ, args.template)
    except PackageError as exc:
        print(f"teams package: {exc}", file=sys.stderr)
        return 2
    print(f"Built {args.output} (Teams manifest {manifest['manifestVersion']}, "
          f"app {manifest['id']}, version {manifest['version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
