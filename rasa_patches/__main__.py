"""Rasa's command line with Lotsen's patches applied first.

    python -m rasa_patches run --model models --credentials credentials.yml --endpoints endpoints.yml

is ``rasa run …`` in a process where ``rasa_patches.apply_all()`` has run:
the Rasa version and every patch are checked (a mismatch stops here, with
the patch's name) and applied before Rasa reads its arguments. Every Rasa
process of Lotsen starts this way (scripts/run.sh, tests/support/,
scripts/test_scale.py, deploy/); Lotsen's REST channel refuses to start in
one that did not.
"""
from __future__ import annotations

import sys

from rasa_patches import PatchError, apply_all


def main() -> None:
    try:
        apply_all()
    except PatchError as error:
        print(f"Rasa not started: {error}", file=sys.stderr)
        sys.exit(2)
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
