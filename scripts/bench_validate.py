"""Measure `policykg validate` on a folder of policies (default: the tosback corpus beside the project).

    python scripts/bench_validate.py [FOLDER] [--profile gdpr] [--jobs N] [--runs 3]

Ingests the folder once into a fresh store, then runs `policykg validate --store ... --format json`
in a child process ``--runs`` times and prints, for each run, the wall time and the CPU time of all
its processes (CPU time is the steadier figure on a shared machine).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", default=str(ROOT.parent / "shared/corpus/tosback/latest"))
    ap.add_argument("--profile", default="gdpr")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: policykg's, one per CPU)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"bench_validate: no folder {folder}", file=sys.stderr)
        return 2
    cli = shutil.which("policykg") or str(ROOT / ".venv/bin/policykg")
    work = Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    try:
        store = work / "store"
        # exit status 1 says some files were skipped (the corpus has empty ones); the rest is stored
        ingest = subprocess.run([cli, "ingest", str(folder), "--store", str(store), "--quiet"],
                                capture_output=True, text=True)
        if ingest.returncode not in (0, 1):
            print(ingest.stderr, file=sys.stderr)
            return ingest.returncode
        command = [cli, "validate", "--store", str(store), "--profile", args.profile, "--format", "json",
                   "-o", str(work / "report.json"), "--fail-on", "never"]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        for run in range(1, args.runs + 1):
            cpu, start = _cpu(), time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, text=True)
            wall = time.perf_counter() - start
            print(f"run {run}: validate ({args.profile}) wall {wall:.1f} s, CPU {_cpu() - cpu:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
