#!/usr/bin/env python3
"""Time every canned question on a store: in-process engine time and the command line, start-up included.

    python scripts/bench_queries.py --store kg [--runs 5] [--policy SLUG] [--evidence] [--format csv]
                                    [--queries DIR] [QUESTION ...]

For each question (all canned ones by default) it prints the median over ``--runs`` runs of

- ``engine``: :func:`policykg.query.run_local` in this process on the whole store (query, rows as
  terms, hidden columns dropped), wall and CPU time;
- ``cli``: ``policykg query NAME --store S --format table`` (or ``--format``) in a child process,
  wall and CPU time (start-up, import and printing included);
- ``cli policy``: the same with ``--param policy=SLUG`` (default: the policy with the most facts);
- ``cli evidence`` (with ``--evidence``): the whole store with ``--evidence``;

and ``solutions`` (what the engine returned) beside ``rows`` (the answers shown): equal when the
question answers one row per answer. CPU time is the steadier figure on a shared machine. The
command line used is the ``policykg`` beside this interpreter (run the script with the venv's python).

``--queries DIR`` times the ``NAME.rq`` files of DIR instead of the canned ones (``policykg query
DIR/NAME.rq``), e.g. another version of the questions, to compare both under the same load:

    mkdir old && for f in queries/*.rq; do git show main:$f > old/$(basename $f); done
    python scripts/bench_queries.py --store kg --queries old
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def time_cli(command: list[str], runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of a child process, its output thrown away."""
    pairs = []
    for _ in range(runs):
        cpu, start = _children_cpu(), time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        pairs.append((time.perf_counter() - start, _children_cpu() - cpu))
    return _median(pairs)


def time_engine(store, query, runs: int) -> tuple[float, float, int]:
    """Median (wall, CPU) seconds of run_local on the whole store, and the rows it answered."""
    from policykg.query import run_local

    pairs, rows = [], 0
    for _ in range(runs):
        cpu, start = time.process_time(), time.perf_counter()
        rows = len(run_local(store, query).rows)
        pairs.append((time.perf_counter() - start, time.process_time() - cpu))
    wall, cpu = _median(pairs)
    return wall, cpu, rows


def busiest_policy(store) -> str:
    """The slug of the policy that states the most facts."""
    from policykg.queries import POLICY_BASE

    rows = list(store.query("""
        PREFIX pk: <https://w3id.org/policykg/ns#>
        SELECT ?g (COUNT(?f) AS ?n) WHERE { GRAPH ?g { ?g pk:states ?f } } GROUP BY ?g ORDER BY DESC(?n) ?g LIMIT 1"""))
    if not rows:
        raise SystemExit("bench_queries: the store holds no policy")
    return rows[0]["g"].value.removeprefix(POLICY_BASE)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("questions", nargs="*", help="canned questions to time (default: all)")
    ap.add_argument("--store", required=True, type=Path, help="the store to ask (made by policykg ingest)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    ap.add_argument("--policy", help="slug for the --param policy=... runs (default: the policy with the most facts)")
    ap.add_argument("--evidence", action="store_true", help="also time the whole store with --evidence")
    ap.add_argument("--format", default="table", choices=["table", "csv", "json"], help="output format (default table)")
    ap.add_argument("--queries", type=Path, help="time the NAME.rq files of this folder instead of the canned questions")
    args = ap.parse_args()
    if not args.store.is_dir():
        print(f"bench_queries: no store at {args.store}", file=sys.stderr)
        return 2

    from policykg.queries import catalogue, parse_query
    from policykg.query import bind_params
    from policykg.store import open_store

    cli = Path(sys.executable).with_name("policykg")
    if not cli.exists():
        print(f"bench_queries: no policykg beside {sys.executable}", file=sys.stderr)
        return 2
    store = open_store(args.store, read_only=True)
    if args.queries:
        queries = {f.stem: parse_query(f.stem, f.read_text(encoding="utf-8")) for f in sorted(args.queries.glob("*.rq"))}
    else:
        queries = catalogue()
    names = args.questions or list(queries)
    unknown = [n for n in names if n not in queries]
    if unknown:
        print(f"bench_queries: no canned question {unknown[0]!r}", file=sys.stderr)
        return 2
    policy = args.policy or busiest_policy(store)
    print(f"store {args.store}, {'queries of ' + str(args.queries) if args.queries else 'canned questions'}, "
          f"{args.runs} runs each (median), --format {args.format}, --param policy={policy}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")

    header = ["question", "solutions", "rows", "engine s", "cpu", "cli s", "cpu", "cli policy s", "cpu"]
    if args.evidence:
        header += ["cli evidence s", "cpu"]
    table = []
    totals = [0.0] * (len(header) - 3)
    for name in names:
        query = queries[name]
        solutions = sum(1 for _ in store.query(query.text))
        engine_wall, engine_cpu, rows = time_engine(store, query, args.runs)
        target = str(args.queries / f"{name}.rq") if args.queries else name
        base = [str(cli), "query", target, "--store", str(args.store), "--format", args.format]
        figures = [engine_wall, engine_cpu, *time_cli(base, args.runs)]
        if any(p.name == "policy" for p in query.params):
            bind_params(query, {"policy": policy})      # a bad slug fails here, not in a child
            figures += time_cli(base + ["--param", f"policy={policy}"], args.runs)
        else:
            figures += [float("nan"), float("nan")]
        if args.evidence:
            figures += time_cli(base + ["--evidence"], args.runs)
        totals = [t + f for t, f in zip(totals, figures)]
        table.append([name, str(solutions), str(rows)] + [f"{f:.2f}" for f in figures])
        print("  " + "  ".join(table[-1]), file=sys.stderr, flush=True)
    table.append(["total", "", ""] + [f"{t:.2f}" for t in totals])

    widths = [max(len(r[i]) for r in [header] + table) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")
    for row in table:
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
              + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
