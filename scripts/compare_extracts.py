"""Compare two `policykg extract` outputs graph by graph: the sorted quads of every named graph.

    policykg extract ../shared/corpus/tosback/latest --out /tmp/ref --time-budget 0 -q   # before a change
    policykg extract ../shared/corpus/tosback/latest --out /tmp/new --time-budget 0 -q   # after it
    python scripts/compare_extracts.py /tmp/ref /tmp/new

The default graph (the ingest keys, which hash the engine's code) is left out; blank-node labels,
which only the ontology graph has, are compared as one label. Exit status 1 if any graph differs.
"""
import re, sys, collections
from pathlib import Path
import pyoxigraph as ox

def load(folder):
    graphs = collections.defaultdict(set)
    bnodes = 0
    for p in sorted(Path(folder).glob("*.nq")):
        for q in ox.parse(path=str(p), format=ox.RdfFormat.N_QUADS):
            if isinstance(q.graph_name, ox.DefaultGraph):
                continue
            if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
                bnodes += 1
            t = str(ox.Triple(q.subject, q.predicate, q.object))
            if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
                t = re.sub(r"_:[A-Za-z0-9]+", "_:b", t)   # blank-node labels are not stable across runs
            graphs[q.graph_name.value].add(t)
    return graphs, bnodes

a, ba = load(sys.argv[1]); b, bb = load(sys.argv[2])
print(f"graphs {len(a)} vs {len(b)}; quads {sum(map(len,a.values()))} vs {sum(map(len,b.values()))}; blank-node quads {ba} vs {bb}")
diff = [g for g in sorted(set(a) | set(b)) if a.get(g) != b.get(g)]
for g in diff[:10]:
    x, y = a.get(g, set()), b.get(g, set())
    print("DIFF", g, "only-ref", len(x - y), "only-new", len(y - x))
    for t in sorted(x - y)[:3]: print("  -", t[:200])
    for t in sorted(y - x)[:3]: print("  +", t[:200])
policies = [g for g in a if "/policy/" in g]
print("IDENTICAL" if not diff else f"DIFFERENT: {len(diff)} graphs", f"({len(policies)} policy graphs)")
sys.exit(1 if diff else 0)
