"""`policykg export` as RDF: JSON-LD compacted with policykg's context, and exports without the ontology."""
from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from policykg.cli import main
from policykg.ingest.graph import ONTOLOGY_GRAPH
from policykg.rdfexport import CONTEXT_FILE, export_rdf, jsonld_context

POLICY = "https://w3id.org/policykg/policy/"


def export(*args: str):
    return CliRunner().invoke(main, ["export", *args], catch_exceptions=False)


def dataset(path: Path, fmt: str) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(path, format=fmt)
    return ds


def named_graphs(ds: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    return {str(g.identifier): g for g in ds.graphs() if len(g) and str(g.identifier) != "urn:x-rdflib:default"}


def test_jsonld_round_trips_through_rdflib_to_the_same_dataset(examples_store_path: Path, tmp_path: Path) -> None:
    nq, jsonld = tmp_path / "kg.nq", tmp_path / "kg.jsonld"
    assert export("--store", str(examples_store_path), "--format", "nq", "--out", str(nq)).exit_code == 0
    assert export("--store", str(examples_store_path), "--format", "jsonld", "--out", str(jsonld)).exit_code == 0
    expected, read_back = named_graphs(dataset(nq, "nquads")), named_graphs(dataset(jsonld, "json-ld"))
    assert set(read_back) == set(expected)
    assert ONTOLOGY_GRAPH.value in expected and len(expected) == 7    # six policies and the ontology
    for name, graph in expected.items():
        assert len(read_back[name]) == len(graph), name
        assert isomorphic(read_back[name], graph), name


def test_jsonld_keys_are_compact_and_the_context_is_the_shipped_one(examples_store_path: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "quietnote.jsonld"
    result = export("--store", str(examples_store_path), "--policy", "quietnote", "--no-ontology",
                    "--format", "jsonld", "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["@context"] == json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    [graph] = document["@graph"]
    assert graph["@id"] == "policy:quietnote"
    keys = {k for node in graph["@graph"] for k in node}
    assert {"dpv:hasPersonalData", "dpv:hasRecipient", "pk:states", "oa:exact", "oa:start"} <= keys
    assert not [k for k in keys if "://" in k], "a key was left as a full IRI"
    types = {t for node in graph["@graph"] for t in ([node["@type"]] if isinstance(node.get("@type"), str)
                                                      else node.get("@type", []))}
    assert "pk:PolicyDocument" in types and not [t for t in types if "://" in t]
    ids = [node["@id"] for node in graph["@graph"]]
    assert ids == sorted(ids) and "policy:quietnote" in ids
    assert not [i for i in ids if i.startswith(POLICY)], "a node of the policy kept its full IRI"


def test_jsonld_is_the_same_bytes_each_time(examples_store: ox.Store, tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonld", tmp_path / "b.jsonld"
    export_rdf(examples_store, "jsonld", first, policies=["harbor-goods"])
    export_rdf(examples_store, "jsonld", second, policies=["harbor-goods"])
    assert first.read_bytes() == second.read_bytes()


def test_context_names_the_vocabularies_of_the_graph() -> None:
    context = jsonld_context()
    for prefix, namespace in {"dpv": "https://w3id.org/dpv#", "pd": "https://w3id.org/dpv/pd#",
                              "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
                              "pk": "https://w3id.org/policykg/ns#", "oa": "http://www.w3.org/ns/oa#",
                              "dct": "http://purl.org/dc/terms/", "prov": "http://www.w3.org/ns/prov#",
                              "xsd": "http://www.w3.org/2001/XMLSchema#",
                              "skos": "http://www.w3.org/2004/02/skos/core#",
                              "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}.items():
        assert context[prefix] == namespace


def test_context_covers_every_namespace_of_the_examples(examples_store: ox.Store) -> None:
    """Every IRI of a policy graph other than its own nodes is under a namespace of the context."""
    namespaces = tuple(jsonld_context().values())
    outside = set()
    for quad in examples_store:
        if not (isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value.startswith(POLICY)):
            continue
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode) and not term.value.startswith(namespaces):
                outside.add(term.value)
    assert outside == set()


@pytest.mark.parametrize("fmt", ["nq", "trig", "jsonld"])
def test_no_ontology_writes_the_policy_graph_only(examples_store: ox.Store, examples_store_path: Path,
                                                  tmp_path: Path, fmt: str) -> None:
    policy = ox.NamedNode(POLICY + "quietnote")
    own = sum(1 for _ in examples_store.quads_for_pattern(None, None, None, policy))
    ontology = sum(1 for _ in examples_store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
    lean, full = tmp_path / f"lean.{fmt}", tmp_path / f"full.{fmt}"
    result = export("--store", str(examples_store_path), "--policy", "quietnote", "--no-ontology",
                    "--format", fmt, "--out", str(lean))
    assert result.exit_code == 0, result.output
    assert f"({own} quads)" in result.stderr
    assert export("--store", str(examples_store_path), "--policy", "quietnote", "--format", fmt,
                  "--out", str(full)).exit_code == 0
    graphs = named_graphs(dataset(lean, {"nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt]))
    assert list(graphs) == [policy.value]
    assert len(graphs[policy.value]) == own
    full_graphs = named_graphs(dataset(full, {"nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt]))
    assert set(full_graphs) == {policy.value, ONTOLOGY_GRAPH.value}
    assert len(full_graphs[ONTOLOGY_GRAPH.value]) == ontology > own


def test_no_ontology_for_the_whole_store_leaves_only_the_ontology_out(examples_store: ox.Store,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "kg.nq"
    n = export_rdf(examples_store, "nq", out, include_ontology=False)
    graphs = named_graphs(dataset(out, "nquads"))
    assert sorted(graphs) == sorted(g.value for g in examples_store.named_graphs()
                                    if isinstance(g, ox.NamedNode) and g.value.startswith(POLICY))
    assert n == sum(len(g) for g in graphs.values())


def test_no_ontology_with_a_view_is_explained(examples_store_path: Path) -> None:
    result = export("--store", str(examples_store_path), "--view", "sharing", "--no-ontology")
    assert result.exit_code == 2
    assert "--no-ontology goes with RDF exports" in result.stderr


def test_oxigraph_reads_the_jsonld_back_to_the_same_quads(examples_store: ox.Store, tmp_path: Path) -> None:
    """A second JSON-LD reader (Oxigraph's own) agrees with rdflib: the same quads, blank nodes aside."""
    out = tmp_path / "kg.jsonld"
    n = export_rdf(examples_store, "jsonld", out)

    def plain(quads) -> tuple[set[str], int]:
        kept, blank = set(), 0
        for q in quads:
            if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
                blank += 1
            else:
                kept.add(str(q))
        return kept, blank

    read = list(ox.parse(path=str(out), format=ox.RdfFormat.JSON_LD))
    assert len(read) == n
    assert plain(read) == plain(q for q in examples_store if isinstance(q.graph_name, ox.NamedNode))
