#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter, or explain what to install.
# Rasa 3.6 installs only on Python 3.8-3.10.
for candidate in "${PYTHON310:-}" python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10 \
                 "$HOME"/.pyenv/versions/3.10*/bin/python3.10; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
cat >&2 <<'MSG'
Lotsen needs Python 3.10 (Rasa Open Source 3.6 does not install on 3.11 or newer).
Install it, for example:
  Debian/Ubuntu:  apt-get install python3.10 python3.10-venv   (or use the deadsnakes PPA)
  pyenv:          pyenv install 3.10
or point PYTHON310 at an interpreter:  make PYTHON310=/path/to/python3.10 run
MSG
exit 1
