"""Train the Rasa model only when its inputs changed.

The model is named after a hash of everything that shapes it (config.yml,
domain.yml, data/ and the spaCy pipeline's inputs), so an unchanged project
reuses ``models/lotsen-<hash>.tar.gz`` and a changed one trains anew.
Prints the model path on the last line of standard output.
"""
from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ["config.yml", "domain.yml", "data", "nlp/lemma_overrides.yml", "nlp/build_pipeline.py"]


def fingerprint(root: Path = ROOT, inputs: list[str] = INPUTS) -> str:
    digest = hashlib.sha256()
    for name in inputs:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def main() -> None:
    name = f"lotsen-{fingerprint()}"
    model = ROOT / "models" / f"{name}.tar.gz"
    model.parent.mkdir(exist_ok=True)
    # One training at a time: a second caller waits and then reuses the model.
    with open(model.parent / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        train(model, name)
    print(model.relative_to(ROOT))


def train(model: Path, name: str) -> None:
    if model.exists():
        print(f"Model up to date: {model.relative_to(ROOT)}", file=sys.stderr)
    else:
        print(f"Training {model.relative_to(ROOT)} (data, domain or config changed) ...", file=sys.stderr)
        started = time.monotonic()
        rasa = Path(sys.executable).with_name("rasa")
        subprocess.run(
            [str(rasa), "train", "--fixed-model-name", name, "--out", "models", "--quiet"],
            cwd=ROOT, check=True,
        )
        print(f"Trained in {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
