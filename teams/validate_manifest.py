"""Check a built Teams app package against Teams' published manifest schema.

The schema comes from the npm package ``@microsoft/app-manifest`` (installed
in ``teams/node_modules`` by ``npm ci``), which ships every manifest version's
JSON schema. The manifest is validated twice, offline:

* by Python ``jsonschema`` (draft-04, which the Teams schemas declare, plus
  the ``const`` keyword they also use), and
* by the package's own validator (``validate_manifest.cjs``, ajv).

Besides the schema, the icons are checked: a 192x192 colour PNG and a 32x32
outline PNG that is white on transparent.

Usage: ``python teams/validate_manifest.py build/lotsen-teams.zip``
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from jsonschema import Draft4Validator, FormatChecker, validators
from jsonschema._validators import const
from PIL import Image, ImageStat

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
SCHEMAS = NODE_MODULES / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
NODE_VALIDATOR = HERE / "validate_manifest.cjs"

# Draft-04 has no "const"; the Teams schemas use it (e.g. for manifestVersion).
TeamsSchemaValidator = validators.extend(Draft4Validator, {"const": const})


class SchemaMissing(RuntimeError):
    """``npm ci`` has not been run in teams/, or the version has no schema."""


def schema_path(manifest_version: str) -> Path:
    path = SCHEMAS / f"v{manifest_version}" / "MicrosoftTeams.schema.json"
    if not path.is_file():
        raise SchemaMissing(f"no published schema at {path} (run `npm ci` in {HERE})")
    return path


def load_schema(manifest_version: str) -> dict[str, Any]:
    return json.loads(schema_path(manifest_version).read_text(encoding="utf-8"))


def python_errors(manifest: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Schema violations found by Python ``jsonschema``."""
    validator = TeamsSchemaValidator(schema, format_checker=FormatChecker())
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(manifest)]


def node_errors(manifest: Mapping[str, Any], schema_file: Path) -> list[str]:
    """Schema violations found by @microsoft/app-manifest's own validator."""
    with tempfile.TemporaryDirectory() as tmp:
        manifest_file = Path(tmp) / "manifest.json"
        manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
        result = subprocess.run(
            ["node", str(NODE_VALIDATOR), str(manifest_file), str(schema_file)],
            capture_output=True, text=True, cwd=HERE, timeout=60,
        )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"node validator failed: {result.stderr.strip()}")
    return list(json.loads(result.stdout))


def schema_errors(manifest: Mapping[str, Any]) -> list[str]:
    """All schema violations, each prefixed with the validator that found it."""
    version = str(manifest.get("manifestVersion", ""))
    expected = (
        f"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
    )
    errors = [] if manifest.get("$schema") == expected else [f"$schema should be {expected}"]
    schema = load_schema(version)
    errors += [f"jsonschema: {e}" for e in python_errors(manifest, schema)]
    errors += [f"app-manifest: {e}" for e in node_errors(manifest, schema_path(version))]
    return errors


def _icon_errors(name: str, data: bytes, size: int, outline: bool) -> list[str]:
    image = Image.open(io.BytesIO(data))
    errors = [] if image.format == "PNG" else [f"{name} is not a PNG"]
    if image.size != (size, size):
        errors.append(f"{name} is {image.size[0]}x{image.size[1]}, not {size}x{size}")
    if outline:
        rgba = image.convert("RGBA")
        alpha = rgba.getchannel("A")
        visible = alpha.point(lambda value: 255 if value else 0)
        if alpha.getextrema()[0] != 0:
            errors.append(f"{name} has no transparent background")
        if visible.getbbox() is None:
            return errors + [f"{name} is empty"]
        darkest = min(low for low, _ in ImageStat.Stat(rgba.convert("RGB"), visible).extrema)
        if darkest != 255:
            errors.append(f"{name} must be white on transparent")
    return errors


def package_errors(package: Path) -> list[str]:
    """Everything wrong with the zip at ``package`` (empty when it is fine)."""
    with zipfile.ZipFile(package) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    if "manifest.json" not in files:
        return ["manifest.json is missing from the package root"]
    manifest = json.loads(files["manifest.json"])
    errors = schema_errors(manifest)
    icons = manifest.get("icons", {})
    for key, size in (("color", 192), ("outline", 32)):
        name = icons.get(key)
        if name not in files:
            errors.append(f"icon {name!r} ({key}) is missing from the package")
        else:
            errors += _icon_errors(name, files[name], size, outline=key == "outline")
    return errors


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: validate_manifest.py <package.zip>", file=sys.stderr)
        return 2
    errors = package_errors(Path(args[0]))
    for error in errors:
        print(f"  {error}", file=sys.stderr)
    print(f"{args[0]}: {'INVALID' if errors else 'valid'} Teams app package")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
