#!/usr/bin/env python3
"""Snapshot every canned question's answers on a folder of policies, or compare two snapshots.

An extraction rule that helps one policy can hurt others; this shows where, before a commit:

    python scripts/answers_snapshot.py ../shared/corpus/tosback/latest -o before.json   # on main
    python scripts/answers_snapshot.py ../shared/corpus/tosback/latest -o after.json    # with the change
    python scripts/answers_snapshot.py --diff before.json after.json

A snapshot holds, per question, the answer rows (policy slug and the question's columns, evidence
left out). The diff prints, per question, how many rows each side has and the rows only one side
gives (the first --show of each), so a reviewer reads what changed, not just a score.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def snapshot(folder: Path) -> dict[str, list[list[str]]]:
    import pyoxigraph as ox

    from policykg.ingest.graph import POLICY_BASE
    from policykg.ingest.pipeline import ingest
    from policykg.queries import catalogue
    from policykg.query import run_local

    answers: dict[str, list[list[str]]] = {}
    with tempfile.TemporaryDirectory(prefix="policykg-snapshot-") as tmp:
        store = ox.Store(tmp)
        ingest([folder], store)
        for name, query in sorted(catalogue().items()):
            results = run_local(store, query)
            rows = {tuple("" if row.get(c) is None else row[c].value.removeprefix(POLICY_BASE)
                          for c in results.columns) for row in results.rows}
            answers[name] = [list(r) for r in sorted(rows)]
        del store
    return answers


def diff(before: dict[str, list[list[str]]], after: dict[str, list[list[str]]], show: int) -> None:
    for name in sorted(set(before) | set(after)):
        old = {tuple(r) for r in before.get(name, [])}
        new = {tuple(r) for r in after.get(name, [])}
        print(f"{name}: {len(old)} -> {len(new)} rows")
        for sign, rows in (("-", old - new), ("+", new - old)):
            for row in sorted(rows)[:show]:
                print(f"  {sign} {' | '.join(row)}")
            if len(rows) > show:
                print(f"  {sign} ... {len(rows) - show} more")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", help="folder of policies to snapshot")
    ap.add_argument("-o", "--output", help="where to write the snapshot (JSON)")
    ap.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two snapshots")
    ap.add_argument("--show", type=int, default=10, help="rows shown per question and side (default 10)")
    args = ap.parse_args()
    if args.diff:
        before, after = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.diff)
        diff(before, after, args.show)
        return 0
    if not args.folder or not args.output:
        ap.error("give FOLDER and -o OUTPUT, or --diff BEFORE AFTER")
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"answers_snapshot: no folder {folder}", file=sys.stderr)
        return 2
    Path(args.output).write_text(json.dumps(snapshot(folder), indent=0) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
