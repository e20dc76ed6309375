"""Score each development set on its fixed *tune* half and *check* half, to see whether a change generalises.

    python scripts/score_halves.py [--only QUESTION ...] [--set NAME ...] [--json OUT]

Each set of ``../shared/eval/sets`` is split by policy: a policy whose name hashes (SHA-1) to an even
first byte is in *tune*, the others in *check*. The split is fixed: it depends on the policy's name
alone, never on the scores. Each half is laid out as a set of its own in a temporary folder (the
policy files linked, the gold filtered; nothing is copied into the project) and scored by
``../shared/eval/score.py``, which runs ``policykg ingest`` and every canned question through the
command line. A change that lifts *tune* and not *check* teaches one wording: revert it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT.parent / "shared" / "eval" / "sets"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"


def half_of(policy: str) -> str:
    return "tune" if hashlib.sha1(policy.encode()).digest()[0] % 2 == 0 else "check"


def policy_of(path: Path) -> str:
    return path.stem.lower()


def lay_out(set_dir: Path, half: str, into: Path) -> Path:
    gold = json.loads((set_dir / "gold.json").read_text())
    target = into / f"{set_dir.name}-{half}"
    (target / "policies").mkdir(parents=True)
    for path in sorted((set_dir / "policies").iterdir()):
        if path.is_file() and half_of(policy_of(path)) == half:
            os.symlink(path.resolve(), target / "policies" / path.name)
    gold["annotations"] = [a for a in gold["annotations"] if half_of(a["policy"]) == half]
    (target / "gold.json").write_text(json.dumps(gold))
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", default=[], help="a set name under ../shared/eval/sets")
    ap.add_argument("--only", action="append", default=[], help="score only these questions")
    ap.add_argument("--cli", default=str(ROOT / ".venv" / "bin" / "policykg"))
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses of each half")
    args = ap.parse_args(argv)
    if not SCORER.exists():
        print(f"score_halves: no scorer at {SCORER}", file=sys.stderr)
        return 2
    names = args.set or sorted(p.name for p in SETS.iterdir() if (p / "gold.json").exists())
    results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="policykg-halves-") as tmp:
        for name in names:
            for half in ("tune", "check"):
                laid = lay_out(SETS / name, half, Path(tmp))
                out = Path(tmp) / f"{name}-{half}.json"
                cmd = [sys.executable, str(SCORER), "--set", str(laid), "--cli", args.cli, "--json", str(out)]
                cmd += [a for q in args.only for a in ("--only", q)] + (["-v"] if args.verbose else [])
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if args.verbose:
                    print(proc.stdout)
                if proc.returncode != 0 or not out.exists():
                    print(proc.stdout + proc.stderr, file=sys.stderr)
                    return 1
                results.setdefault(name, {})[half] = json.loads(out.read_text())[0]
    questions = sorted({q for r in results.values() for h in r.values() for q in h["questions"]})
    header = f"{'question':34}" + "".join(f" {n[:12] + ' ' + h:>19}" for n in results for h in ("tune", "check"))
    print(header)
    for q in questions:
        cells = []
        for r in results.values():
            for h in ("tune", "check"):
                entry = r[h]["questions"].get(q)
                cells.append(f"{entry['f1']:19.3f}" if entry else f"{'-':>19}")
        print(f"{q:34}" + " ".join(cells))
    print(f"{'macro-F1':34}" + " ".join(f"{r[h]['macro_f1']:19.3f}" for r in results.values()
                                         for h in ("tune", "check")))
    print(f"{'policies':34}" + " ".join(f"{r[h]['policies']:19d}" for r in results.values()
                                         for h in ("tune", "check")))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
