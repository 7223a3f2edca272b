"""Yelp's detect-secrets over the files git tracks, against the audited baseline.

``python -m security.detect_secrets_check`` exits 1 naming every finding that
is not in ``.secrets.baseline`` (each baseline finding was audited: a
placeholder or a test value, ``is_secret: false``). Findings are matched by
file, type and hashed value, not by line number, so moving a known
placeholder does not fail the check; ``--update`` rewrites the baseline
after an audit. It runs beside the project's own rule
(``security/secret_scan.py``): detect-secrets knows many vendors' key
formats, the project's rule knows its own file names and settings.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / ".secrets.baseline"
# Hashes of Rasa's own sources (not secrets) and lock files full of package hashes.
EXCLUDED = re.compile(r"(^|/)(package-lock\.json|requirements\.lock|rasa_fingerprints\.json|\.secrets\.baseline)$")

Finding = tuple[str, str, str]  # file, type, hashed secret


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [f for f in listed.decode().split("\0") if f and not EXCLUDED.search(f) and (ROOT / f).is_file()]


def scan(files: list[str]) -> dict[str, list[dict]]:
    secrets = SecretsCollection(root=str(ROOT))
    with default_settings():
        secrets.scan_files(*files)
    return secrets.json()


def findings(results: dict[str, list[dict]]) -> set[Finding]:
    return {(path, item["type"], item["hashed_secret"]) for path, items in results.items() for item in items}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the current findings as the audited baseline")
    args = parser.parse_args()
    results = scan(tracked_files())
    if args.update:
        audited = {p: [{**i, "is_secret": False} for i in items] for p, items in sorted(results.items())}
        BASELINE.write_text(json.dumps({"results": audited}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{BASELINE.name}: {sum(len(v) for v in audited.values())} audited findings")
        return 0
    if not BASELINE.exists():
        print(f"{BASELINE} is missing: run python -m security.detect_secrets_check --update after an audit",
              file=sys.stderr)
        return 2
    known = findings(json.loads(BASELINE.read_text(encoding="utf-8"))["results"])
    new = sorted(findings(results) - known)
    for path, kind, _ in new:
        lines = [str(i["line_number"]) for i in results[path] if i["type"] == kind]
        print(f"{path}:{','.join(lines)}: {kind} (not in {BASELINE.name})", file=sys.stderr)
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
