#!/usr/bin/env python3
"""Missing-item detection on GDPR-Transparency dev: precision and recall of `policykg validate`.

The gold lists, per policy, the GDPR Art. 13/14 information items it discloses; the items it does NOT
disclose are the complement over the 21 items of ontology/gdpr-items.ttl. A policy's predicted missing
items are the item findings of the `gdpr` profile (not the conditional rules). Scores are micro-averaged
over (policy, item) pairs.

    .venv/bin/python scripts/eval_missing_items.py            # ../shared/eval/sets/gdprt-dev
    .venv/bin/python scripts/eval_missing_items.py -v         # with per-item figures
    .venv/bin/python scripts/eval_missing_items.py --set seeds

Skips (exit 0) when ../shared is absent: it is not part of a user's clone.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT.parent / "shared" / "eval" / "sets"


def score(pairs_pred: set[tuple[str, str]], pairs_gold: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(pairs_pred & pairs_gold)
    precision = tp / len(pairs_pred) if pairs_pred else 1.0
    recall = tp / len(pairs_gold) if pairs_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="gdprt-dev", help="evaluation set under ../shared/eval/sets")
    parser.add_argument("-v", "--verbose", action="store_true", help="per-item precision and recall")
    args = parser.parse_args()

    gold_file = SETS / args.set / "gold.json"
    if not gold_file.exists():
        print(f"skipped: {gold_file} is absent (../shared is not part of a user's clone)")
        return 0

    import pyoxigraph as ox

    from policykg.ingest.pipeline import ingest
    from policykg.validate import validate_store

    gold = {a["policy"]: set(a["disclosures"]) for a in json.loads(gold_file.read_text())["annotations"]}
    optional = {a["policy"]: set(a.get("optional", {}).get("disclosures", []))
                for a in json.loads(gold_file.read_text())["annotations"]}
    with tempfile.TemporaryDirectory(prefix="policykg-eval-") as tmp:
        store = ox.Store(tmp)
        started = time.perf_counter()
        ingest([SETS / args.set / "policies"], store)
        ingested = time.perf_counter()
        report = validate_store(store, profile="gdpr")
        validated = time.perf_counter()
        items = list(report.items)
        predicted = {(p.slug, f.item) for p in report.policies if p.slug in gold for f in p.missing}
        expected = {(slug, item) for slug, disclosed in gold.items() for item in items
                    if item not in disclosed and item not in optional.get(slug, set())}
        # an item the gold calls optional counts neither way
        predicted -= {(slug, item) for slug, opt in optional.items() for item in opt}
        absent = sorted(set(gold) - {p.slug for p in report.policies})
        del store

    precision, recall, f1 = score(predicted, expected)
    print(f"{args.set}: {len(gold)} policies, {len(expected)} missing (policy, item) pairs in the gold")
    print(f"missing-item detection: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"ingest {ingested - started:.1f} s, validate {validated - ingested:.1f} s")
    if absent:
        print(f"not ingested: {', '.join(absent)}", file=sys.stderr)
    if args.verbose:
        print(f"\n{'item':26} {'prec':>6} {'rec':>6} {'pred':>5} {'gold':>5}")
        for item in items:
            pi = {x for x in predicted if x[1] == item}
            gi = {x for x in expected if x[1] == item}
            p, r, _ = score(pi, gi)
            print(f"{item:26} {p:6.2f} {r:6.2f} {len(pi):5} {len(gi):5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
