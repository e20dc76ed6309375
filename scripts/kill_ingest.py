"""Kill `policykg ingest` with SIGKILL at seeded random moments; check the store after each kill.

    python scripts/kill_ingest.py [--runs 20] [--copies 12] [--seed 7]

Lays out a batch (the examples, copied --copies times under their own folders, so the policies have
distinct names), computes every policy's graph once in memory as the reference, times one whole
ingest, then, --runs times: starts an ingest into a fresh store, kills it after a random delay
between a fifth of that time and all of it, opens the store and checks that
every policy graph it holds equals its reference quad for quad (never half a policy), then runs the
same command again and checks that the store holds every policy, each equal to its reference. Prints
what it found per run and a summary line. tests/test_kill.py runs a few seeded kills.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lay_out(into: Path, copies: int) -> Path:
    batch = into / "batch"
    for i in range(copies):
        shutil.copytree(ROOT / "examples", batch / f"copy{i:02d}", ignore=shutil.ignore_patterns("README.md"))
    return batch


def reference(batch: Path) -> dict[str, set[str]]:
    import pyoxigraph as ox

    from policykg.ingest.pipeline import ingest

    store = ox.Store()
    ingest([batch], store, workers=1)
    return graphs(store)


def graphs(store) -> dict[str, set[str]]:
    from policykg.store import policy_graphs
    import pyoxigraph as ox

    return {g: {str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))}
            for g in policy_graphs(store)}


def check(store_dir: Path, expected: dict[str, set[str]]) -> tuple[int, list[str]]:
    """(policies stored, problems) of the store at ``store_dir``."""
    import pyoxigraph as ox

    store = ox.Store(str(store_dir))
    try:
        found = graphs(store)
    finally:
        del store
    problems = [f"{g}: {len(q)} quads, expected {len(expected.get(g, ()))}" for g, q in found.items()
                if q != expected.get(g)]
    return len(found), problems


def one_run(batch: Path, work: Path, expected: dict[str, set[str]], delay: float, cli: list[str]) -> dict:
    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)
    cmd = cli + ["ingest", str(batch), "--store", str(store), "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)   # the ingest and its worker processes
    proc.wait()
    after_kill, problems = check(store, expected) if store.exists() else (0, [])
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after_rerun, more = check(store, expected)
    missing = sorted(set(expected) - set(graphs_of(store)))
    return {"delay": delay, "killed": killed, "after_kill": after_kill, "half_written": problems + more,
            "after_rerun": after_rerun, "missing_after_rerun": missing}


def graphs_of(store_dir: Path) -> dict[str, set[str]]:
    import pyoxigraph as ox

    store = ox.Store(str(store_dir))
    try:
        return graphs(store)
    finally:
        del store


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--copies", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cli", default=str(Path(sys.executable).parent / "policykg"))
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    bad = 0
    with tempfile.TemporaryDirectory(prefix="policykg-kill-") as tmp:
        work = Path(tmp)
        batch = lay_out(work, args.copies)
        expected = reference(batch)
        started = time.monotonic()
        subprocess.run([args.cli, "ingest", str(batch), "--store", str(work / "timed"), "-q"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        whole = time.monotonic() - started
        print(f"an uninterrupted ingest of the {len(expected)} policies takes {whole:.1f} s; kills fall in "
              f"the second fifth to the end of that")
        for i in range(args.runs):
            result = one_run(batch, work, expected, rng.uniform(0.2 * whole, whole), [args.cli])
            ok = not result["half_written"] and not result["missing_after_rerun"]
            bad += not ok
            print(f"run {i + 1:3d}: killed after {result['delay']:.2f} s ({'killed' if result['killed'] else 'had finished'}), "
                  f"{result['after_kill']} of {len(expected)} policies whole, after the re-run "
                  f"{result['after_rerun']}; {'ok' if ok else 'PROBLEM ' + str(result['half_written'][:3] + result['missing_after_rerun'][:3])}")
    print(f"{args.runs} kills, {bad} with a half-written or missing policy")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
