"""Look for secrets in the files git tracks: secret files (.env, keys) and secret-looking values.

``python -m security.secret_scan`` prints what it finds and exits 1 if anything
is found; tests/security/test_secrets.py runs it on the repository. Values
that are obviously not secrets pass: values without both letters and digits,
environment placeholders (``${X}``), ``<...>`` templates, code that reads a
value, example files (``*.example.*``) and test fixtures' fake values
(containing test, fake, example, dummy or change-me).
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]

SECRET_FILE = re.compile(
    r"(^|/)(\.env(\..+)?|.*\.(pem|key|p12|pfx|jks|keystore)|id_(rsa|dsa|ecdsa|ed25519)|\.netrc|\.pgpass"
    r"|credentials\.json|review\.yml)$"
)
ALLOWED_FILES = re.compile(r"(^|/)\.env\.example$")
# detect-secrets' audited baseline holds hashes of known placeholders, not values.
NOT_SCANNED = re.compile(r"(^|/)\.secrets\.baseline$")
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")
SECRET_NAME = r"(?:secret|password|passwd|hash_key|api_key|apikey|access_key|private_key|client_secret|token)"
ASSIGNMENT = re.compile(
    rf"""(?ix)\b[\w.-]*{SECRET_NAME}[\w-]*\b["']?\s*[:=]\s*["']?(?P<value>[^\s"',;)#]{{12,}})"""
)
URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?P<value>[^@\s/'\"]+)@", re.I)
FAKE_MARKERS = re.compile(r"test|fake|example|dummy|change-?me|placeholder|not-a-secret", re.I)
EXAMPLE_FILE = re.compile(r"\.example\.|(^|/)examples?/")
PLACEHOLDER = re.compile(r"^(\$\{?\w+\}?|<[^>]*>?|\*+|x+|\.\.\.|pw|pass|password|secret)$", re.I)
CODE_VALUE = re.compile(r"[(\[{]|^(os\.|env\b|self\.|args\.|config\.|settings\.|request\.|None$|True$|False$)")


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def tracked_files(root: Path = ROOT) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    return [p for p in out.decode("utf-8").split("\0") if p]


def looks_secret(value: str) -> bool:
    """Random-looking (letters and digits), not a placeholder, a fake value or code."""
    value = value.strip()
    if PLACEHOLDER.match(value) or FAKE_MARKERS.search(value) or CODE_VALUE.search(value):
        return False
    return bool(re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value))


def scan_text(path: str, text: str) -> list[Hit]:
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        if PRIVATE_KEY.search(line):
            hits.append(Hit(path, number, "a private key"))
        if EXAMPLE_FILE.search(path):
            continue  # documented examples hold templates, checked for keys only
        for pattern, what in ((ASSIGNMENT, "a secret-looking value"), (URL_PASSWORD, "a password in a URL")):
            for match in pattern.finditer(line):
                if looks_secret(match.group("value")):
                    hits.append(Hit(path, number, what))
    return hits


def scan(paths: Iterable[str], root: Path = ROOT) -> list[Hit]:
    hits: list[Hit] = []
    for path in paths:
        if NOT_SCANNED.search(path):
            continue
        if SECRET_FILE.search(path) and not ALLOWED_FILES.search(path):
            hits.append(Hit(path, 0, "a secret file is tracked"))
            continue
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue  # binary files (images) and files deleted in the work tree
        hits += scan_text(path, text)
    return hits


def main(argv: Optional[Sequence[str]] = None) -> int:
    hits = scan(argv or tracked_files())
    for hit in hits:
        print(hit)
    print(f"{len(hits)} possible secrets in tracked files", file=sys.stderr)
    return 1 if hits else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
