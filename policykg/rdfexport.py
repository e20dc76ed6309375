"""Export the store (or chosen policies) as RDF files for bulk loaders and other tools."""
from __future__ import annotations

from pathlib import Path
from typing import IO

import pyoxigraph as ox

from policykg.errors import QueryError
from policykg.queries import PREFIXES, expand_value

RDF_FORMATS = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def export_rdf(store: ox.Store, fmt: str, out: IO[bytes] | Path, *, policies: list[str] | None = None,
               include_ontology: bool = True) -> int:
    """Write the policies' named graphs (all, or the ones named) in ``fmt``; return the number of quads.

    N-Quads, TriG and JSON-LD keep one named graph per policy; Turtle has no graphs, so it merges them.
    """
    if fmt not in RDF_FORMATS:
        raise QueryError(f"unknown RDF format {fmt!r} (expected one of {', '.join(RDF_FORMATS)})")
    from policykg.ingest.graph import ONTOLOGY_GRAPH
    from policykg.store import policy_graphs

    if policies:
        graphs = []
        for p in policies:
            iri = ox.NamedNode(expand_value("policy", p)[1])
            if not store.contains_named_graph(iri):
                raise QueryError(f"No policy {p!r} in the store.")
            graphs.append(iri)
    else:
        graphs = [ox.NamedNode(g) for g in policy_graphs(store)]
    if include_ontology and store.contains_named_graph(ONTOLOGY_GRAPH):
        graphs.append(ONTOLOGY_GRAPH)
    quads = [q for g in graphs for q in store.quads_for_pattern(None, None, None, g)]
    if fmt == "ttl":
        quads = [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads]
    prefixes = dict(PREFIXES) if fmt in ("ttl", "trig") else None
    ox.serialize(quads, out, RDF_FORMATS[fmt], prefixes=prefixes)
    return len(quads)
