"""The live knowledge version as YAML files, and YAML files as a new version.

``python -m actions.knowledge_export export [--out DIR]`` (``make knowledge-export``)
writes the live version's entries back as ``<topic>.yml`` files, so the repository
can review and keep what the editors published; with ``--out`` elsewhere than
``knowledge/`` the other files of ``knowledge/`` are copied beside them, so the
folder validates on its own (``load_knowledge``). ``python -m actions.knowledge_export
import [--dir DIR]`` (``make knowledge-import``) publishes the files as a new version
(a developer's change to ``knowledge/`` reaches a database that has versions already).
Both use ``ENGAGEMENT_DB_URL`` (default var/engagements.db).
"""
from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import Optional, Sequence

import yaml

from actions.counterparts import Gazetteer
from actions.knowledge import SPECIAL_FILES, read_entries
from actions.knowledge_live import validator
from actions.knowledge_versions import VersionError, VersionStore, clean_entry
from actions.records import create_engine, migrate
from actions.settings import DEFAULT_DB_PATH, PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
COUNTERPARTS = PROJECT_ROOT / "data" / "lookups" / "counterparts.yml"


def version_files(entries: Sequence[dict]) -> dict[str, str]:
    """File name → YAML text of each topic's entries (topics in the order of their first entry)."""
    by_topic: dict[str, list[dict]] = {}
    for entry in entries:
        by_topic.setdefault(str(entry.get("topic")), []).append(clean_entry(entry))
    return {f"{topic}.yml": yaml.safe_dump({"entries": items}, allow_unicode=True, sort_keys=False, width=110)
            for topic, items in by_topic.items()}


def write_version(entries: Sequence[dict], out: Path, source: Path = KNOWLEDGE) -> list[Path]:
    """Write the topic files of ``entries`` into ``out`` (with the other files of ``source`` when elsewhere)."""
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() != source.resolve():
        for name in SPECIAL_FILES:
            if (source / name).exists():
                shutil.copyfile(source / name, out / name)
    written = []
    for name, text in version_files(entries).items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written


def store_for(db_url: str, directory: Path = KNOWLEDGE) -> VersionStore:
    engine = create_engine(db_url)
    migrate(engine)
    return VersionStore(engine, validator(directory, Gazetteer.load(COUNTERPARTS)))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.knowledge_export")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write the live version as YAML")
    export.add_argument("--out", type=Path, default=KNOWLEDGE)
    imported = sub.add_parser("import", help="publish the YAML files as a new version")
    imported.add_argument("--dir", type=Path, default=KNOWLEDGE)
    imported.add_argument("--by", default="knowledge/")
    args = parser.parse_args(argv)
    db_url = os.environ.get("ENGAGEMENT_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"
    if args.command == "export":
        store = store_for(db_url)
        live = store.live()
        if live is None:
            live_id = store.import_initial([raw for _, raw in read_entries(KNOWLEDGE)])
            live = store.get(live_id)
        assert live is not None
        written = write_version(live.entries, args.out)
        print(f"Version {live.id} written to {args.out} ({len(written)} files)")
        return 0
    store = store_for(db_url, args.dir)
    entries = [raw for _, raw in read_entries(args.dir)]
    if store.live_id() is None:
        print(f"Version {store.import_initial(entries, by=args.by)} imported from {args.dir}")
        return 0
    try:
        version = store.publish(entries, by=args.by, note=f"Import av {args.dir.name}/")
    except VersionError as exc:
        if exc.code != "unchanged":
            raise
        print(f"{args.dir} is the live version {store.live_id()} already; nothing published")
        return 0
    print(f"Version {version.id} published from {args.dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
