"""Run ``rasa test core`` on tests/test_stories.yml with a real action server.

Usage: python -m tests.support.rasa_story_test MODEL. Fails (exit 1) when any
test story fails; the report goes to results/.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.servers import BIN, ROOT, running_action_server


def main(model: str) -> int:
    with tempfile.TemporaryDirectory(prefix="lotsen-stories-") as tmp:
        workdir = Path(tmp)
        with running_action_server(workdir, f"sqlite:///{workdir / 'records.db'}") as actions_url:
            endpoints = workdir / "endpoints.yml"
            endpoints.write_text(f"action_endpoint:\n  url: \"{actions_url}/webhook\"\n")
            result = subprocess.run(
                [str(BIN / "rasa"), "test", "core", "--model", model, "--stories", "tests/test_stories.yml",
                 "--endpoints", str(endpoints), "--out", "results", "--fail-on-prediction-errors"],
                cwd=ROOT,
            )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
