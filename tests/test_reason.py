"""OWL reasoning with owlready2 + HermiT: the core ontology is consistent and classifies as designed;
a policy that rules out a disclosure and also makes it (to a narrower recipient) is inconsistent."""
from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

owlready2 = pytest.importorskip("owlready2")
if shutil.which("java") is None:
    pytest.skip("the OWL reasoner HermiT needs java (apt-get install default-jre-headless)", allow_module_level=True)

from policykg.cli import main  # noqa: E402
from policykg.ingest.graph import ONTOLOGY_GRAPH, POLICY_BASE  # noqa: E402
from policykg.ingest.pipeline import load_ontology  # noqa: E402
from policykg.reason import (Disclosure, core_graph, is_consistent, load_world, policy_axioms,  # noqa: E402
                             reason_store, reasoning_graph, run_hermit)

PK = "https://w3id.org/policykg/ns#"
DPV = "https://w3id.org/dpv#"
SKOS_BROADER = "http://www.w3.org/2004/02/skos/core#broader"
PREFIXES = """
@prefix pk: <https://w3id.org/policykg/ns#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
"""


def store_with(policies: dict[str, str], broader: list[tuple[str, str]] = ()) -> ox.Store:
    store = ox.Store()
    load_ontology(store)
    for narrow, broad in broader:
        store.add(ox.Quad(ox.NamedNode(narrow), ox.NamedNode(SKOS_BROADER), ox.NamedNode(broad), ONTOLOGY_GRAPH))
    for slug, turtle in policies.items():
        graph = POLICY_BASE + slug
        body = PREFIXES + f"@prefix p: <{graph}#> .\n<{graph}> a pk:PolicyDocument .\n" + turtle.replace("POLICY", f"<{graph}>")
        store.load(input=body.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return store


NEVER_THIRD_PARTIES = """
POLICY pk:states p:d1, p:d2 .
p:d1 a pk:Disclosure ; pk:modality pk:Prohibited ; dpv:hasRecipient dpv:ThirdParty ; pk:evidence p:s1 .
p:s1 oa:exact "We never share your personal data with third parties." .
p:d2 a pk:Disclosure ; pk:modality pk:Permitted ; dpv:hasRecipient pk:Advertiser ; pk:evidence p:s2 .
p:s2 oa:exact "We share your data with advertisers." .
"""


def test_core_ontology_is_consistent():
    assert is_consistent(core_graph())


def test_core_ontology_classifies_as_designed():
    world = load_world(core_graph())
    run_hermit(world)
    assert list(world.inconsistent_classes()) == []
    sale = world[PK + "Sale"]
    ancestors = {c.iri for c in sale.ancestors() if hasattr(c, "iri")}
    assert {PK + "Disclosure", PK + "Practice", PK + "Fact", DPV + "Process"} <= ancestors


def test_an_individual_with_evidence_is_classified_as_a_fact():
    import rdflib

    g = core_graph()
    fact, ev = rdflib.URIRef("urn:x#fact"), rdflib.URIRef("urn:x#ev")
    g.add((fact, rdflib.RDF.type, rdflib.OWL.NamedIndividual))
    g.add((ev, rdflib.RDF.type, rdflib.OWL.NamedIndividual))
    g.add((fact, rdflib.URIRef(PK + "evidence"), ev))
    world = load_world(g)
    run_hermit(world)
    assert PK + "Fact" in {c.iri for c in world["urn:x#fact"].is_a if hasattr(c, "iri")}
    assert PK + "Evidence" in {c.iri for c in world["urn:x#ev"].is_a if hasattr(c, "iri")}


def test_a_practice_both_permitted_and_prohibited_is_inconsistent():
    import rdflib

    g = core_graph()
    fact = rdflib.URIRef("urn:x#fact")
    g.add((fact, rdflib.RDF.type, rdflib.URIRef(PK + "Disclosure")))
    g.add((fact, rdflib.URIRef(PK + "modality"), rdflib.URIRef(PK + "Permitted")))
    assert is_consistent(g)
    g.add((fact, rdflib.URIRef(PK + "modality"), rdflib.URIRef(PK + "Prohibited")))
    assert not is_consistent(g)


def test_ruling_out_third_parties_and_sharing_with_advertisers_is_inconsistent():
    g = reasoning_graph([(PK + "Advertiser", DPV + "ThirdParty")])
    policy_axioms(g, POLICY_BASE + "x", [Disclosure("f1", DPV + "ThirdParty", False, None),
                                         Disclosure("f2", PK + "Advertiser", True, None)])
    assert not is_consistent(g)


def test_without_the_broader_link_the_same_statements_are_consistent():
    g = reasoning_graph([])
    policy_axioms(g, POLICY_BASE + "x", [Disclosure("f1", DPV + "ThirdParty", False, None),
                                         Disclosure("f2", PK + "Advertiser", True, None)])
    assert is_consistent(g)


def test_reason_store_names_the_contradicting_policy_and_sentences():
    store = store_with({
        "helpdesk": NEVER_THIRD_PARTIES,
        "clean": """POLICY pk:states p:d1 .
                    p:d1 a pk:Disclosure ; pk:modality pk:Permitted ; dpv:hasRecipient pk:Advertiser .""",
    }, broader=[(PK + "Advertiser", DPV + "ThirdParty")])
    report = reason_store(store)
    assert list(report.inconsistent) == [POLICY_BASE + "helpdesk"]
    [pair] = report.inconsistent[POLICY_BASE + "helpdesk"]
    assert pair.prohibited.sentence == "We never share your personal data with third parties."
    assert pair.permitted.recipient == PK + "Advertiser"
    assert "helpdesk: INCONSISTENT" in report.render()


def test_reason_command_exits_1_on_an_inconsistent_policy(tmp_path):
    path = tmp_path / "store"
    store = ox.Store(str(path))
    source = store_with({"helpdesk": NEVER_THIRD_PARTIES}, broader=[(PK + "Advertiser", DPV + "ThirdParty")])
    store.extend(list(source))
    store.flush()
    del store
    result = CliRunner().invoke(main, ["reason", "helpdesk", "--store", str(path)])
    assert result.exit_code == 1, result.output
    assert "advertisers" in result.output
