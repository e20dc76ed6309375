"""OWL reasoning with owlready2 and HermiT: is the ontology consistent, and does a policy contradict itself?

Why OWL here and not SHACL: a contradiction is an open-world question. "We never share your data with
third parties" (a prohibited disclosure to dpv:ThirdParty) rules out every disclosure to anything that
*is* a third party, including advertisers, because the vocabulary says pk:Advertiser is narrower than
dpv:ThirdParty. In OWL that is one class expression on the policy, ``not (pk:disclosesTo some C)``, and
each permitted disclosure is a witness ``pk:disclosesTo r, r a R`` with ``R subClassOf C`` from the
skos:broader/rdfs:subClassOf links: HermiT finds the ontology inconsistent, no rule written per pair.
Sales use pk:sellsTo, a subproperty of pk:disclosesTo ("we never sell" does not forbid sharing), and
disclosures made only on a condition (a merger) are left out: they are the usual stated exception.
The practice level of core.ttl is kept as designed (pk:modality is functional, pk:Permitted and
pk:Prohibited are different individuals), so one fact stated both ways is inconsistent too.

HermiT names no culprit: once a policy is inconsistent, the (permitted, prohibited) recipient pairs are
listed with a SPARQL question over the same facts, for the message. Policies are checked together first
and split in halves only when the set is inconsistent, so a clean store costs one reasoner run.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from policykg.errors import PolicyKGError

if TYPE_CHECKING:
    import rdflib

PK = "https://w3id.org/policykg/ns#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
DISCLOSES_TO = PK + "disclosesTo"
SELLS_TO = PK + "sellsTo"      # rdfs:subPropertyOf pk:disclosesTo: a sale is a disclosure

_DISCLOSURES = """
PREFIX pk: <https://w3id.org/policykg/ns#>
PREFIX dpv: <https://w3id.org/dpv#>
SELECT ?policy ?fact ?recipient ?modality ?sale ?sentence WHERE {
  GRAPH ?policy {
    ?policy pk:states ?fact . ?fact pk:modality ?modality ; dpv:hasRecipient ?recipient .
    { ?fact a pk:Disclosure BIND(false AS ?sale) } UNION { ?fact a pk:Sale BIND(true AS ?sale) }
    # a disclosure that only happens on a condition (a merger) is the usual exception to "we never share"
    FILTER NOT EXISTS { ?fact pk:modality pk:Permitted ; pk:hasCondition ?condition }
    OPTIONAL { ?fact pk:evidence/<http://www.w3.org/ns/oa#exact> ?sentence }
  }
}"""

_HIERARCHY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g ?narrow ?broad WHERE { GRAPH ?g { { ?narrow skos:broader ?broad } UNION { ?narrow rdfs:subClassOf ?broad } } }"""


class ReasoningError(PolicyKGError):
    """The reasoner cannot run (no java, owlready2 missing) or the input cannot be read."""


@dataclass(frozen=True, slots=True)
class Disclosure:
    fact: str
    recipient: str
    permitted: bool
    sentence: str | None
    sale: bool = False

    @property
    def prop(self) -> str:
        return SELLS_TO if self.sale else DISCLOSES_TO


@dataclass(frozen=True, slots=True)
class Contradiction:
    policy: str
    permitted: Disclosure
    prohibited: Disclosure


@dataclass(slots=True)
class ReasoningReport:
    checked: list[str] = field(default_factory=list)
    inconsistent: dict[str, list[Contradiction]] = field(default_factory=dict)
    reasoner_runs: int = 0

    @property
    def consistent(self) -> bool:
        return not self.inconsistent

    def render(self) -> str:
        from policykg.ingest.graph import policy_slug

        lines = []
        for policy, pairs in self.inconsistent.items():
            lines.append(f"{policy_slug(policy)}: INCONSISTENT")
            for c in pairs:
                lines.append(f"  rules out disclosure to {_local(c.prohibited.recipient)}: "
                             f"\"{_short(c.prohibited.sentence)}\"")
                lines.append(f"  but discloses to {_local(c.permitted.recipient)}: \"{_short(c.permitted.sentence)}\"")
            if not pairs:
                lines.append("  (the reasoner found the facts inconsistent; no single recipient pair explains it)")
        ok = len(self.checked) - len(self.inconsistent)
        runs = f"{self.reasoner_runs} HermiT run" + ("" if self.reasoner_runs == 1 else "s")
        lines.append(f"{ok} of {len(self.checked)} policies consistent ({runs}).")
        return "\n".join(lines)


# ---------------------------------------------------------------- the reasoner, wrapped once

def java_available() -> bool:
    return shutil.which("java") is not None


# Datatypes RDF uses but the OWL 2 datatype map lacks; HermiT refuses an ontology that names them.
NON_OWL2_DATATYPES = ("http://www.w3.org/2001/XMLSchema#duration",)


def core_graph() -> rdflib.Graph:
    """core.ttl as the reasoner sees it: ranges on non-OWL 2 datatypes (pk:duration's xsd:duration) dropped.

    xsd:duration is not in the OWL 2 datatype map, so HermiT would reject the whole ontology; the
    range stays in core.ttl for RDF tools, and SHACL (profile `structure`) checks the values instead.
    """
    import rdflib
    from rdflib.namespace import RDFS

    root = resources.files("policykg.ontology")
    g = rdflib.Graph()
    g.parse(data=(root / "core.ttl").read_bytes(), format="turtle")
    for datatype in NON_OWL2_DATATYPES:
        g.remove((None, RDFS.range, rdflib.URIRef(datatype)))
    return g


def is_consistent(graph: rdflib.Graph) -> bool:
    """Run HermiT on ``graph`` (OWL in RDF); False when the ontology is inconsistent."""
    world = load_world(graph)
    try:
        run_hermit(world)
    except _inconsistent_error():
        return False
    return True


def load_world(graph: rdflib.Graph):
    """An owlready2 World holding ``graph``, handed over as N-Triples (owlready2 reads them best)."""
    try:
        import owlready2
    except ImportError as exc:
        from policykg.extras import missing_extra

        raise missing_extra("reason", exc) from exc
    world = owlready2.World()
    with tempfile.NamedTemporaryFile("wb", suffix=".nt", delete=False) as tmp:
        tmp.write(graph.serialize(format="nt", encoding="utf-8"))
    try:
        world.get_ontology(Path(tmp.name).as_uri()).load(format="ntriples")
    finally:
        Path(tmp.name).unlink(missing_ok=True)
    return world


def run_hermit(world) -> None:
    """HermiT via the machine's java (owlready2's bundled Pellet needs a newer Java than the machine has)."""
    import owlready2

    if not java_available():
        raise ReasoningError("the OWL reasoner needs java: install a Java runtime (apt-get install default-jre-headless)")
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyJavaError as exc:
        raise ReasoningError(f"HermiT failed: {exc}") from exc


def _inconsistent_error() -> type[Exception]:
    import owlready2

    return owlready2.OwlReadyInconsistentOntologyError


# ---------------------------------------------------------------- policies

def disclosures(store: ox.Store, policy: str) -> list[Disclosure]:
    rows = store.query(_DISCLOSURES, substitutions={ox.Variable("policy"): ox.NamedNode(policy)})
    return [Disclosure(r["fact"].value, r["recipient"].value, r["modality"].value == PK + "Permitted",
                       r["sentence"].value if r["sentence"] is not None else None, r["sale"].value == "true")
            for r in rows]


def hierarchy(store: ox.Store) -> list[tuple[str, str]]:
    """(narrower, broader) links between concepts, from skos:broader and rdfs:subClassOf in the ontology graph."""
    from policykg.ingest.graph import ONTOLOGY_GRAPH

    rows = store.query(_HIERARCHY, substitutions={ox.Variable("g"): ONTOLOGY_GRAPH})
    return [(r["narrow"].value, r["broad"].value) for r in rows
            if isinstance(r["narrow"], ox.NamedNode) and isinstance(r["broad"], ox.NamedNode)]


def policy_axioms(graph: rdflib.Graph, policy: str, facts: Iterable[Disclosure]) -> None:
    """Add the OWL reading of one policy's disclosures to ``graph``.

    permitted disclosure to R:  policy pk:disclosesTo policy#to-n, policy#to-n a R
    prohibited disclosure to C: policy a [ owl:complementOf [ owl:onProperty pk:disclosesTo ; owl:someValuesFrom C ] ]
    and the same with pk:sellsTo for sales: ruling out a sale does not rule out sharing, but ruling out
    sharing rules out selling (pk:sellsTo is a subproperty of pk:disclosesTo).
    """
    from rdflib import BNode, URIRef
    from rdflib.namespace import OWL as O, RDF

    p = URIRef(policy)
    graph.add((p, RDF.type, O.NamedIndividual))
    graph.add((p, RDF.type, URIRef(PK + "PolicyDocument")))
    for n, d in enumerate(facts, 1):
        recipient = URIRef(d.recipient)
        graph.add((recipient, RDF.type, O.Class))
        if d.permitted:
            witness = URIRef(f"{policy}#to-{n}")
            graph.add((witness, RDF.type, O.NamedIndividual))
            graph.add((witness, RDF.type, recipient))
            graph.add((p, URIRef(d.prop), witness))
        else:
            restriction, complement = BNode(), BNode()
            graph.add((restriction, RDF.type, O.Restriction))
            graph.add((restriction, O.onProperty, URIRef(d.prop)))
            graph.add((restriction, O.someValuesFrom, recipient))
            graph.add((complement, RDF.type, O.Class))
            graph.add((complement, O.complementOf, restriction))
            graph.add((p, RDF.type, complement))


def reasoning_graph(links: Iterable[tuple[str, str]]) -> rdflib.Graph:
    """core.ttl plus the concept hierarchy as OWL subclass axioms and the pk:disclosesTo property."""
    from rdflib import URIRef
    from rdflib.namespace import OWL as O, RDF, RDFS

    g = core_graph()
    g.add((URIRef(DISCLOSES_TO), RDF.type, O.ObjectProperty))
    g.add((URIRef(DISCLOSES_TO), RDFS.domain, URIRef(PK + "PolicyDocument")))
    g.add((URIRef(SELLS_TO), RDF.type, O.ObjectProperty))
    g.add((URIRef(SELLS_TO), RDFS.subPropertyOf, URIRef(DISCLOSES_TO)))
    for narrow, broad in links:
        g.add((URIRef(narrow), RDF.type, O.Class))
        g.add((URIRef(broad), RDF.type, O.Class))
        g.add((URIRef(narrow), RDFS.subClassOf, URIRef(broad)))
    return g


def reason_store(store: ox.Store, policies: Iterable[str] = ()) -> ReasoningReport:
    """Check the policies (all when none are named) for self-contradicting disclosures with HermiT."""
    from policykg.validate import resolve_policies

    if not java_available():
        raise ReasoningError("the OWL reasoner needs java: install a Java runtime (apt-get install default-jre-headless)")
    targets = resolve_policies(store, policies)
    links = hierarchy(store)
    facts = {p: disclosures(store, p) for p in targets}
    report = ReasoningReport(checked=list(targets))
    # only policies that both permit and rule out some disclosure can contradict themselves this way
    candidates = [p for p in targets if any(d.permitted for d in facts[p]) and any(not d.permitted for d in facts[p])]
    _bisect(candidates, facts, links, report)
    for policy in list(report.inconsistent):
        report.inconsistent[policy] = explain(facts[policy], links, policy)
    return report


def _bisect(policies: list[str], facts: dict[str, list[Disclosure]], links: list[tuple[str, str]],
            report: ReasoningReport) -> None:
    if not policies:
        return
    g = reasoning_graph(links)
    for p in policies:
        policy_axioms(g, p, facts[p])
    report.reasoner_runs += 1
    if is_consistent(g):
        return
    if len(policies) == 1:
        report.inconsistent[policies[0]] = []
        return
    half = len(policies) // 2
    _bisect(policies[:half], facts, links, report)
    _bisect(policies[half:], facts, links, report)


def explain(facts: list[Disclosure], links: Iterable[tuple[str, str]], policy: str) -> list[Contradiction]:
    """The (permitted, prohibited) pairs whose recipients fall under one another: what HermiT tripped on."""
    broader: dict[str, set[str]] = {}
    for narrow, broad in links:
        broader.setdefault(narrow, set()).add(broad)

    def ancestors(concept: str) -> set[str]:
        seen, todo = {concept}, [concept]
        while todo:
            for b in broader.get(todo.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    pairs = []
    for allowed in (d for d in facts if d.permitted):
        up = ancestors(allowed.recipient)
        for ruled_out in (d for d in facts if not d.permitted):
            if ruled_out.recipient in up and (allowed.sale or not ruled_out.sale):
                pairs.append(Contradiction(policy, allowed, ruled_out))
    return pairs


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _short(text: str | None, width: int = 120) -> str:
    if not text:
        return "(no sentence)"
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
