#!/usr/bin/env python3
"""Snapshot every canned question's answers on a folder of policies, or compare two snapshots.

An extraction rule that helps one policy can hurt others; this shows where, before a commit:

    python scripts/answers_snapshot.py ../shared/corpus/tosback/latest -o before.json   # on main
    python scripts/answers_snapshot.py ../shared/corpus/tosback/latest -o after.json    # with the change
    python scripts/answers_snapshot.py --diff before.json after.json

A query change must not change any answer; snapshot a store (made once by `policykg ingest`) with
the queries before and after it, each question also asked policy by policy with --param:

    python scripts/answers_snapshot.py --store kg --per-policy -o before.json
    python scripts/answers_snapshot.py --store kg --per-policy -o after.json
    python scripts/answers_snapshot.py --diff before.json after.json        # exit 1 if they differ

A snapshot holds, per question, the answer rows (policy slug and the question's columns, evidence
left out); with --per-policy also, under "NAME --param policy", the rows of the question asked once
per policy of the store, put together (they should be the whole-store rows). The diff prints, per
question, how many rows each side has and the rows only one side gives (the first --show of each),
so a reviewer reads what changed, not just a score; it exits 1 when the snapshots differ.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def snapshot(folder: Path) -> dict[str, list[list[str]]]:
    import pyoxigraph as ox

    from policykg.ingest.pipeline import ingest

    with tempfile.TemporaryDirectory(prefix="policykg-snapshot-") as tmp:
        store = ox.Store(tmp)
        ingest([folder], store)
        answers = store_answers(store)
        del store
    return answers


def store_answers(store, per_policy: bool = False) -> dict[str, list[list[str]]]:
    """Every canned question's rows on ``store``; with ``per_policy`` also asked policy by policy."""
    from policykg.ingest.graph import POLICY_BASE
    from policykg.queries import catalogue
    from policykg.query import run_local
    from policykg.store import policy_graphs

    def rows_of(results) -> set[tuple[str, ...]]:
        return {tuple("" if row.get(c) is None else row[c].value.removeprefix(POLICY_BASE)
                      for c in results.columns) for row in results.rows}

    answers: dict[str, list[list[str]]] = {}
    policies = policy_graphs(store) if per_policy else []
    for name, query in sorted(catalogue().items()):
        answers[name] = [list(r) for r in sorted(rows_of(run_local(store, query)))]
        if policies and any(p.name == "policy" for p in query.params):
            rows: set[tuple[str, ...]] = set()
            for policy in policies:
                rows |= rows_of(run_local(store, query, {"policy": policy}))
            answers[f"{name} --param policy"] = [list(r) for r in sorted(rows)]
    return answers


def diff(before: dict[str, list[list[str]]], after: dict[str, list[list[str]]], show: int) -> bool:
    """Print the differences; True when the snapshots give the same rows for every question."""
    same = True
    for name in sorted(set(before) | set(after)):
        old = {tuple(r) for r in before.get(name, [])}
        new = {tuple(r) for r in after.get(name, [])}
        print(f"{name}: {len(old)} -> {len(new)} rows" + ("" if old == new else "  DIFFERENT"))
        same = same and old == new and name in before and name in after
        for sign, rows in (("-", old - new), ("+", new - old)):
            for row in sorted(rows)[:show]:
                print(f"  {sign} {' | '.join(row)}")
            if len(rows) > show:
                print(f"  {sign} ... {len(rows) - show} more")
    return same


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", help="folder of policies to snapshot (ingested into a temporary store)")
    ap.add_argument("--store", help="snapshot this store instead (made by policykg ingest)")
    ap.add_argument("--per-policy", action="store_true",
                    help="with --store: also ask each question policy by policy (--param policy=...)")
    ap.add_argument("-o", "--output", help="where to write the snapshot (JSON)")
    ap.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two snapshots")
    ap.add_argument("--show", type=int, default=10, help="rows shown per question and side (default 10)")
    args = ap.parse_args()
    if args.diff:
        before, after = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.diff)
        return 0 if diff(before, after, args.show) else 1
    if not args.output or bool(args.folder) == bool(args.store):
        ap.error("give FOLDER or --store STORE, and -o OUTPUT; or --diff BEFORE AFTER")
    if args.store:
        from policykg.errors import StoreError
        from policykg.store import open_store

        try:
            store = open_store(Path(args.store), read_only=True)
        except StoreError as exc:
            print(f"answers_snapshot: {exc}", file=sys.stderr)
            return 2
        answers = store_answers(store, per_policy=args.per_policy)
        Path(args.output).write_text(json.dumps(answers, indent=0) + "\n", encoding="utf-8")
        return 0
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"answers_snapshot: no folder {folder}", file=sys.stderr)
        return 2
    Path(args.output).write_text(json.dumps(snapshot(folder), indent=0) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
