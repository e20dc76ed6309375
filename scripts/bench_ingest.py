"""Measure ingest time and peak memory on a folder of policies (default: the tosback corpus beside the project).

    python scripts/bench_ingest.py [FOLDER] [--workers N]

Runs `policykg ingest` in a child process on a fresh store, then prints wall time, CPU time (all
processes), the peak resident memory of the ingest process and its workers, and the number of
policies stored.
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", default=str(ROOT.parent / "shared/corpus/tosback/latest"))
    args = ap.parse_args()
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"bench_ingest: no folder {folder}", file=sys.stderr)
        return 2
    cli = shutil.which("policykg") or str(ROOT / ".venv/bin/policykg")
    store = Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    try:
        start = time.perf_counter()
        proc = subprocess.run([cli, "ingest", str(folder), "--store", str(store)], capture_output=True, text=True)
        wall = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = usage.ru_maxrss / 1024
        cpu = usage.ru_utime + usage.ru_stime   # all processes of the ingest: steadier than wall time on a busy machine
        files = sum(1 for p in folder.rglob("*") if p.is_file())
        print(proc.stdout.strip())
        skipped = [line for line in proc.stderr.splitlines() if "skipped" in line]
        print(f"files {files}, skipped {len(skipped)}, wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak_mb:.0f} MB")
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
