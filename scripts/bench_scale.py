#!/usr/bin/env python3
"""Time every canned question on stores of 5k, 20k and 100k policies built from the corpus's real graphs.

    python scripts/bench_scale.py [--corpus DIR] [--base STORE] [--sizes 5000,20000,100000]
                                  [--work DIR] [--timeout 600] [--json FILE] [--keep]

1. Ingests the corpus (default ``../shared/corpus/tosback/latest``: 540 files, 508 policies) into a
   base store with ``policykg ingest`` (or reuses ``--base``).
2. Dumps each policy graph of the base store (and each service graph) as N-Quads once, then builds one
   store, growing it size by size: copy 0 is the corpus as it is, copy ``k`` the same graphs with every
   policy IRI ``https://w3id.org/policykg/policy/X`` (graph names, fact and evidence IRIs) renamed
   ``.../policy/rK/X`` (and service IRIs likewise), loaded with Oxigraph's bulk loader
   (``Store.bulk_load``: no transaction, the fast path for building a store). The last copy of a
   size takes the first graphs only, so a size holds exactly that many policies.
3. At each size: the store's size on disk; for every canned question the engine time in one child
   process that opens the store read-only and runs them one after another (``run_local``: query,
   rows as terms, hidden columns dropped; wall and CPU); the command line with start-up (``policykg
   query NAME --store S --format csv``, output thrown away; wall, CPU and peak RSS of that process);
   and, for questions with a ``policy`` parameter, the command line with ``--param policy=...``
   (the corpus's policy with the most facts, in copy 0).

Prints a table per size (and appends each row to ``--json`` as a JSON line, so a long run that is
stopped keeps what it measured). CPU time is the steadier figure on a shared machine. A run that
takes longer than ``--timeout`` seconds is stopped and shown as ``>T``.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = b"<https://w3id.org/policykg/policy/"
SERVICE = b"<https://w3id.org/policykg/service/"


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_child(command: list[str], timeout: float) -> tuple[float, float, float, int | None]:
    """(wall s, CPU s, peak RSS MB, exit status or None when stopped at the timeout) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() > deadline:
            os.killpg(proc.pid, 9)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = None
            break
        time.sleep(0.01)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def engine_child(store_path: str, names: list[str]) -> None:
    """In a child: open the store read-only, run each question on the whole store, print one JSON line each."""
    import resource

    from policykg.queries import catalogue
    from policykg.query import run_local
    from policykg.store import open_store

    store = open_store(Path(store_path), read_only=True)
    queries = catalogue()
    for name in names:
        cpu, start = time.process_time(), time.perf_counter()
        rows = len(run_local(store, queries[name]).rows)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"question": name, "rows": rows, "engine_s": wall, "engine_cpu": cpu, "engine_rss": rss}),
              flush=True)


def base_graphs(base: Path) -> tuple[list[bytes], list[bytes], str]:
    """The N-Quads of each policy graph and each service graph of the base store, and its busiest policy."""
    import pyoxigraph as ox

    from policykg.ingest.graph import POLICY_BASE, SERVICE_BASE

    store = ox.Store.read_only(str(base))
    policies, services = [], []
    for g in sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value):
        if g.value.startswith(POLICY_BASE):
            policies.append(ox.serialize(store.quads_for_pattern(None, None, None, g), format=ox.RdfFormat.N_QUADS))
        elif g.value.startswith(SERVICE_BASE):
            services.append(ox.serialize(store.quads_for_pattern(None, None, None, g), format=ox.RdfFormat.N_QUADS))
    busiest = next(iter(store.query("""
        PREFIX pk: <https://w3id.org/policykg/ns#>
        SELECT ?g (COUNT(?f) AS ?n) WHERE { GRAPH ?g { ?g pk:states ?f } } GROUP BY ?g ORDER BY DESC(?n) ?g LIMIT 1""")))
    del store
    gc.collect()
    return policies, services, busiest["g"].value.removeprefix(POLICY_BASE)


def renamed(nquads: bytes, copy: int) -> bytes:
    if copy == 0:
        return nquads
    return (nquads.replace(POLICY, POLICY + b"r%d/" % copy).replace(SERVICE, SERVICE + b"r%d/" % copy))


def grow(store_path: Path, policies: list[bytes], services: list[bytes], have: int, size: int) -> tuple[float, float]:
    """Bulk-load copies into the store until it holds ``size`` policies; (wall s, CPU s) of the loading."""
    import pyoxigraph as ox

    from policykg.ingest.pipeline import load_ontology

    cpu, start = time.process_time(), time.perf_counter()
    store = ox.Store(str(store_path))
    if have == 0:
        load_ontology(store)
    n = len(policies)
    while have < size:
        copy, first = divmod(have, n)
        take = policies[first:first + min(n - first, size - have)]
        chunk = b"".join(renamed(g, copy) for g in take)
        if first == 0:
            chunk += b"".join(renamed(g, copy) for g in services)
        store.bulk_load(chunk, format=ox.RdfFormat.N_QUADS)
        have += len(take)
    store.flush()
    del store
    gc.collect()
    return time.perf_counter() - start, time.process_time() - cpu


def grow_child(store_path: str, base: str, have: int, size: int) -> None:
    """In a child (so the measuring process stays small: Linux keeps a process's peak RSS across exec, and
    every child would inherit this one's): bulk-load up to ``size`` policies, print one JSON line."""
    policies, services, busiest = base_graphs(Path(base))
    wall, cpu = grow(Path(store_path), policies, services, have, size)
    print(json.dumps({"load_s": wall, "load_cpu": cpu, "busiest": busiest, "base_policies": len(policies),
                      "services": len(services)}), flush=True)


def measure(store_path: Path, size: int, policy: str, timeout: float, out, whole_cli: bool = True) -> list[dict]:
    from policykg.queries import catalogue

    cli = str(Path(sys.executable).with_name("policykg"))
    queries = catalogue()
    names = list(queries)
    # the single-policy runs first: quick, and the figures a long run at a large size should not lose
    single: dict[str, dict] = {}
    for name in names:
        if any(p.name == "policy" for p in queries[name].params):
            base = [cli, "query", name, "--store", str(store_path), "--format", "csv"]
            w, c, m, status = run_child(base + ["--param", f"policy={policy}"], timeout)
            if status not in (0, None):
                raise SystemExit(f"bench_scale: `{' '.join(base)} --param policy={policy}` exited {status}")
            single[name] = dict(policy_s=w, policy_cpu=c, policy_rss=m, policy_timeout=status is None)
            print("  policy " + json.dumps({"question": name, **single[name]}), file=sys.stderr, flush=True)
            if out is not None:
                out.write(json.dumps({"size": size, "kind": "policy", "question": name, **single[name]}) + "\n")
                out.flush()
    engine: dict[str, dict] = {}
    proc = subprocess.Popen([sys.executable, __file__, "--engine-child", str(store_path), *names],
                            stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            row = json.loads(line)
            engine[row["question"]] = row
            print("  engine " + line.strip(), file=sys.stderr, flush=True)
            if out is not None:
                out.write(json.dumps({"size": size, "kind": "engine", **row}) + "\n")
                out.flush()
    finally:
        proc.wait()
    rows = []
    for name in names:
        row = {"size": size, "question": name, **engine.get(name, {}), **single.get(name, {})}
        base = [cli, "query", name, "--store", str(store_path), "--format", "csv"]
        if whole_cli:
            row["cli_s"], row["cli_cpu"], row["cli_rss"], status = run_child(base, timeout)
            row["cli_timeout"] = status is None
            if status not in (0, None):
                raise SystemExit(f"bench_scale: `{' '.join(base)}` exited {status}")
        rows.append(row)
        print("  " + json.dumps(row), file=sys.stderr, flush=True)
        if out is not None:
            out.write(json.dumps(row) + "\n")
            out.flush()
    return rows


def table(rows: list[dict], timeout: float) -> str:
    def fig(row: dict, key: str) -> str:
        if row.get(key.split("_")[0] + "_timeout"):
            return f">{timeout:g}"
        return f"{row[key]:.2f}" if key in row else "-"

    header = ["question", "rows", "engine s (CPU)", "CLI s (CPU, MB)", "--param policy s (CPU, MB)"]
    lines = []
    for r in rows:
        policy = (f"{fig(r, 'policy_s')} ({r['policy_cpu']:.2f}, {r['policy_rss']:.0f})" if "policy_s" in r else "-")
        lines.append([r["question"], str(r.get("rows", "-")),
                      f"{r['engine_s']:.2f} ({r['engine_cpu']:.2f})" if "engine_s" in r else "-",
                      f"{fig(r, 'cli_s')} ({r['cli_cpu']:.2f}, {r['cli_rss']:.0f})" if "cli_s" in r else "-", policy])
    widths = [max(len(x[i]) for x in [header] + lines) for i in range(len(header))]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
           "|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|"]
    out += ["| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(x, widths))) + " |"
            for x in lines]
    return "\n".join(out)


def main() -> int:
    if sys.argv[1:2] == ["--grow-child"]:
        grow_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    if sys.argv[1:2] == ["--engine-child"]:
        engine_child(sys.argv[2], sys.argv[3:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/tosback/latest")
    ap.add_argument("--base", type=Path, help="a store of the corpus already ingested (default: ingest it)")
    ap.add_argument("--sizes", default="5000,20000,100000", help="policies per store, ascending (default 5000,20000,100000)")
    ap.add_argument("--work", type=Path, help="folder for the stores (default: a temporary folder, removed)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds before one run is stopped (default 600)")
    ap.add_argument("--json", type=Path, help="append each measurement to this file as a JSON line")
    ap.add_argument("--keep", action="store_true", help="keep the stores")
    ap.add_argument("--have", type=int, default=0,
                    help="the store --work/scale of an earlier run (--keep) already holds this many policies: grow it")
    ap.add_argument("--whole-cli-up-to", type=int, default=10**9, metavar="N",
                    help="time the whole-store command line only at sizes up to N (the engine time is always taken)")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = args.work or Path(tempfile.mkdtemp(prefix="policykg-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    cli = str(Path(sys.executable).with_name("policykg"))
    out = args.json.open("a", encoding="utf-8") if args.json else None
    try:
        base = args.base
        if base is None:
            base = work / "base"
            shutil.rmtree(base, ignore_errors=True)
            wall, cpu, rss, _ = run_child([cli, "ingest", str(args.corpus), "--store", str(base), "-q"], 3600)
            print(f"corpus ingested into {base}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {rss:.0f} MB", flush=True)
        store = work / "scale"
        have = args.have
        if not have:
            shutil.rmtree(store, ignore_errors=True)
        for size in sizes:
            grown = subprocess.run([sys.executable, __file__, "--grow-child", str(store), str(base), str(have), str(size)],
                                   check=True, stdout=subprocess.PIPE, text=True)
            info = json.loads(grown.stdout.strip().splitlines()[-1])
            load_wall, load_cpu, busiest = info["load_s"], info["load_cpu"], info["busiest"]
            if have == 0:
                print(f"base: {info['base_policies']} policies, {info['services']} service graphs; --param "
                      f"policy={busiest}; {os.cpu_count()} CPUs", flush=True)
            have = size
            import pyoxigraph as ox

            s = ox.Store.read_only(str(store))
            quads = len(s)
            del s
            gc.collect()
            disk = du(store) / 2**20
            print(f"\n{size} policies: {quads:,} quads, {disk:,.0f} MB on disk, grown in {load_wall:.1f} s wall "
                  f"({load_cpu:.1f} s CPU); load {os.getloadavg()[0]:.2f}", flush=True)
            if out is not None:
                out.write(json.dumps({"size": size, "quads": quads, "disk_mb": disk, "load_s": load_wall,
                                      "load_cpu": load_cpu}) + "\n")
            rows = measure(store, size, busiest, args.timeout, out, whole_cli=size <= args.whole_cli_up_to)
            print(table(rows, args.timeout), flush=True)
            worst = max(rows, key=lambda r: r.get("engine_s", 0))
            single = [r for r in rows if "policy_s" in r]
            print(f"slowest whole-store question in the engine: {worst['question']} {worst.get('engine_s', 0):.2f} s; "
                  f"slowest --param policy through the CLI: "
                  f"{max((r['policy_s'] for r in single), default=0):.2f} s", flush=True)
    finally:
        if out is not None:
            out.close()
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
