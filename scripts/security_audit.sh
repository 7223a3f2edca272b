#!/usr/bin/env bash
# Dependency audit (docs/security.md): pip-audit over the installed .venv and
# npm audit over every tracked package-lock.json; fails on any finding not
# accepted in security/accepted-findings.yml, and when a vulnerability service
# cannot be reached (exit 3: never a silent pass). Prints how long it took.
# pip-audit lives in its own pinned venv, .venv-audit/ (it conflicts with
# Rasa 3.6's pins), created here on first use or when its pins change.
# Usage: scripts/security_audit.sh [--setup-only | options of python -m security.audit]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
AUDIT_VENV=${AUDIT_VENV:-.venv-audit}
PINS=security/audit-requirements.txt
start=$SECONDS

if [ ! -x "$AUDIT_VENV/bin/pip-audit" ] || ! cmp -s "$PINS" "$AUDIT_VENV/.pins"; then
  echo "security audit: installing pip-audit into $AUDIT_VENV ($PINS)" >&2
  python310=$(scripts/find_python310.sh)
  rm -rf "$AUDIT_VENV"
  "$python310" -m venv "$AUDIT_VENV"
  printf '*\n' > "$AUDIT_VENV/.gitignore"   # keeps the venv out of git without touching .gitignore
  "$AUDIT_VENV/bin/python" -m pip install --quiet --no-deps -r "$PINS"
  cp "$PINS" "$AUDIT_VENV/.pins"
fi
if [ "${1:-}" = "--setup-only" ]; then exit 0; fi   # tests: install pip-audit, audit nothing

status=0
"$VENV/bin/python" -m security.audit --venv "$VENV" --pip-audit "$AUDIT_VENV/bin/pip-audit" "$@" || status=$?
echo "security audit: exit $status after $((SECONDS - start)) s" >&2
exit "$status"
