"""Export the store (or chosen policies) as RDF files for bulk loaders and other tools.

JSON-LD is compacted with policykg's context (``policykg/context.jsonld``, shipped in the package:
the prefixes of DPV and the extensions used, policykg's ``pk:``, Web Annotation's ``oa:``, Dublin
Core, PROV, SKOS, RDFS, OWL, XSD, SHACL). The context is written into each export, so a reader needs
no network to expand it; nothing here fetches anything.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from policykg.errors import QueryError
from policykg.queries import PREFIXES, expand_value

RDF_FORMATS = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
}
CONTEXT_FILE = Path(__file__).with_name("context.jsonld")


@lru_cache(maxsize=1)
def jsonld_context() -> dict[str, str]:
    """The ``@context`` object of ``policykg/context.jsonld``: prefix -> namespace IRI."""
    context = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    return dict(context)


def export_graphs(store: ox.Store, policies: list[str] | None = None, *,
                  include_ontology: bool = True) -> list[ox.NamedNode]:
    """The named graphs an export or a push writes: the policies' (all, or those named), then the
    ontology graph unless ``include_ontology`` is false."""
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
    return graphs


def export_rdf(store: ox.Store, fmt: str, out: IO[bytes] | Path, *, policies: list[str] | None = None,
               include_ontology: bool = True) -> int:
    """Write the policies' named graphs (all, or the ones named) in ``fmt``; return the number of quads.

    N-Quads, TriG and JSON-LD keep one named graph per policy; Turtle has no graphs, so it merges them.
    ``include_ontology=False`` leaves out the ontology graph (vocabulary, cue patterns, shapes' items).
    """
    if fmt not in RDF_FORMATS:
        raise QueryError(f"unknown RDF format {fmt!r} (expected one of {', '.join(RDF_FORMATS)})")
    graphs = export_graphs(store, policies, include_ontology=include_ontology)
    if fmt == "jsonld":
        return _write_jsonld(store, graphs, out)
    quads = [q for g in graphs for q in store.quads_for_pattern(None, None, None, g)]
    if fmt == "ttl":
        quads = [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads]
    prefixes = dict(PREFIXES) if fmt in ("ttl", "trig") else None
    ox.serialize(quads, out, RDF_FORMATS[fmt], prefixes=prefixes)
    return len(quads)


def compact_graph(quads: list[ox.Quad]) -> list[dict[str, Any]]:
    """One named graph's quads as compacted JSON-LD graph objects (``{"@id": graph, "@graph": [...]}``),
    with nodes sorted by ``@id`` and unordered values sorted, so the same graph always reads the same."""
    import rdflib

    dataset = rdflib.Dataset()
    dataset.parse(data=(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8"),
                  format="nquads")
    document = json.loads(dataset.serialize(format="json-ld", context=jsonld_context(), auto_compact=True))
    document.pop("@context", None)
    items = document["@graph"] if "@graph" in document and "@id" not in document else [document]
    graphs: list[dict[str, Any]] = []
    for item in items:
        nodes = item.get("@graph", [])
        if isinstance(nodes, dict):
            nodes = [nodes]
        for node in nodes:
            _shrink_ids(node)
            for value in node.values():
                if isinstance(value, list):
                    value.sort(key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        nodes = [dict(sorted(n.items())) for n in sorted(nodes, key=lambda n: str(n.get("@id", "")))]
        graphs.append({"@id": item["@id"], "@graph": nodes} if "@id" in item else {"@graph": nodes})
    return [g for g in graphs if g["@graph"]]


def _shrink_ids(node: dict[str, Any]) -> None:
    """Compact the ``@id`` IRIs rdflib leaves whole (it only shortens IRIs whose namespace, up to the last
    ``#`` or ``/``, is a prefix: ``policy:quietnote#s302-327`` stays long otherwise)."""
    prefixes = sorted(jsonld_context().items(), key=lambda kv: -len(kv[1]))

    def shrink(iri: str) -> str:
        for prefix, namespace in prefixes:
            rest = iri[len(namespace):]
            if iri.startswith(namespace) and rest and not rest.startswith("//"):
                return f"{prefix}:{rest}"
        return iri

    for key, value in node.items():
        if key == "@id" and isinstance(value, str):
            node[key] = shrink(value)
        elif isinstance(value, dict) and set(value) == {"@id"}:
            value["@id"] = shrink(value["@id"])
        elif isinstance(value, list):
            for v in value:
                if isinstance(v, dict) and set(v) == {"@id"}:
                    v["@id"] = shrink(v["@id"])


def _write_jsonld(store: ox.Store, graphs: list[ox.NamedNode], out: IO[bytes] | Path) -> int:
    """A JSON-LD dataset: the context, then one graph object per named graph, built one graph at a
    time (memory holds one graph in rdflib, never the whole store)."""
    count = 0
    chunks = [b'{\n "@context": ' + json.dumps(jsonld_context(), indent=1).replace("\n", "\n ").encode()
              + b',\n "@graph": [']
    first = True
    for graph in graphs:
        quads = list(store.quads_for_pattern(None, None, None, graph))
        count += len(quads)
        for item in compact_graph(quads):
            text = json.dumps(item, indent=1, ensure_ascii=False).replace("\n", "\n  ")
            chunks.append((b"\n  " if first else b",\n  ") + text.encode("utf-8"))
            first = False
    chunks.append(b"\n ]\n}\n")
    if isinstance(out, Path):
        with out.open("wb") as handle:
            handle.writelines(chunks)
    else:
        out.writelines(chunks)
    return count
