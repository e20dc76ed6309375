"""Validation findings as RDF: the W3C SHACL ``sh:ValidationReport`` of each policy, and the store's copy.

Each policy's report is pySHACL's own report graph (every result as pySHACL describes it:
``sh:focusNode``, ``sh:resultSeverity``, ``sh:sourceShape``, ``sh:sourceConstraintComponent``,
``sh:resultMessage``, ``sh:resultPath``, ``sh:value``), the results of all profiles run gathered
under one ``sh:ValidationReport`` node, enriched with what the shapes files say of each result:

- ``pk:paragraph``: the GDPRtEXT IRI of the GDPR paragraph (``https://w3id.org/GDPRtEXT/gdpr#article13-1-c``),
  beside ``pk:article`` (its text, ``13(1)(c)``), ``pk:item`` (the information item), ``pk:rule``
  (the conditional rule) and ``pk:profile``;
- ``pk:sentence``: the evidence sentence of the fact that triggered a conditional rule (the
  ``pk:Evidence`` node of the policy's graph, its text, line and section copied into the report);
- ``dpv:hasImpact eu-gdpr:A13-Limited`` ("a limited fulfillment of A13 obligation to provide
  information e.g. not providing all required information") on each violation of an Art. 13
  paragraph, ``eu-gdpr:A14-Impact`` on each of an Art. 14 one (DPV 2.3 has no A14-Limited);
- on the policy: ``dpv:hasComplianceStatus eu-gdpr:GDPRNonCompliant`` when the gdpr profile
  reports a violation, else ``eu-gdpr:GDPRComplianceUnknown`` (a reading of the text cannot
  establish compliance), as policykg reads the policy.

The report node is named ``https://w3id.org/policykg/validation/<policy name>`` (its own base, so
it can never be the IRI of a policy); results are ``<report>#result-N`` in the order of the
findings, other blank nodes get labels derived from the report, so the output is the same on every
run. ``prov:wasDerivedFrom`` names the policy and ``pk:checkedSha256`` the SHA-256 of the text that
was validated: a report whose value is not the policy's ``pk:sha256`` any more is out of date.

:func:`store_reports` keeps each report in the store, in the named graph of the report's IRI,
replacing the one before in one transaction per policy (a DROP and an INSERT in one update).
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pyoxigraph as ox

from policykg.errors import PolicyKGError

if TYPE_CHECKING:
    import rdflib
    from rdflib.term import Node

    from policykg.validate import PolicyReport, ValidationReport

VALIDATION_BASE = "https://w3id.org/policykg/validation/"
GDPRTEXT = "https://w3id.org/GDPRtEXT/gdpr#"
PK = "https://w3id.org/policykg/ns#"
SH = "http://www.w3.org/ns/shacl#"
DPV = "https://w3id.org/dpv#"
EU_GDPR = "https://w3id.org/dpv/legal/eu/gdpr#"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# the prefixes of the Turtle output and the JSON-LD context
CONTEXT = {"sh": SH, "pk": PK, "dpv": DPV, "eu-gdpr": EU_GDPR, "gdprtext": GDPRTEXT, "oa": OA,
           "prov": PROV, "xsd": XSD, "policy": "https://w3id.org/policykg/policy/",
           "validation": VALIDATION_BASE}


class ReportError(PolicyKGError):
    """A validation report that cannot be written as RDF."""


def report_iri(policy: str) -> str:
    """The IRI of a policy's validation report, also the name of its graph in the store."""
    from policykg.ingest.graph import policy_slug

    return VALIDATION_BASE + str(policy_slug(policy))


Triple = tuple["Node", "Node", "Node"]


def _iri(namespace: str, name: str) -> rdflib.URIRef:
    from rdflib import URIRef

    return URIRef(namespace + name)


def policy_report_triples(pr: PolicyReport, profiles: list[str]) -> list[Triple]:
    """The triples of one policy's ``sh:ValidationReport`` (rdflib terms)."""
    from rdflib import RDF, BNode, Literal, URIRef

    report = URIRef(report_iri(pr.policy))
    policy = URIRef(pr.policy)

    def sh(name: str) -> URIRef:
        return _iri(SH, name)

    def pk(name: str) -> URIRef:
        return _iri(PK, name)

    out: list[Triple] = [(report, RDF.type, sh("ValidationReport")),
                        (report, sh("conforms"), Literal(not pr.findings)),
                        (report, URIRef(PROV + "wasDerivedFrom"), policy)]
    if pr.sha256:
        out.append((report, pk("checkedSha256"), Literal(pr.sha256)))
    out += [(report, pk("profile"), Literal(name)) for name in profiles]
    stem = hashlib.sha1(pr.policy.encode("utf-8")).hexdigest()[:10]
    for i, f in enumerate(pr.findings, 1):
        if not f.triples:
            raise ReportError("the findings carry no SHACL results: validate with rdf=True to write the report as RDF")
        result = URIRef(f"{report}#result-{i}")
        labels: dict[Node, Node] = {f.triples[0][0]: result}

        def term(t: Node, _labels: dict[Node, Node] = labels, _i: int = i) -> Node:
            if isinstance(t, BNode):
                if t not in _labels:
                    _labels[t] = BNode(f"v{stem}r{_i}n{len(_labels)}")
                return _labels[t]
            return t

        out.append((report, sh("result"), result))
        messages = set()
        for s, p, o in f.triples:
            out.append((term(s), p, term(o)))
            if s == f.triples[0][0] and p == sh("resultMessage"):
                messages.add(str(o))
        if f.message and f.message not in messages:
            out.append((result, sh("resultMessage"), Literal(f.message)))
        out.append((result, pk("profile"), Literal(f.profile)))
        if f.paragraph:
            out.append((result, pk("paragraph"), URIRef(f.paragraph)))
        if f.article:
            out.append((result, pk("article"), Literal(f.article)))
        if f.item:
            out.append((result, pk("item"), pk(f.item)))
        if f.rule:
            out.append((result, pk("rule"), Literal(f.rule)))
        if f.evidence is not None and f.evidence.iri:
            ev = URIRef(f.evidence.iri)
            out += [(result, pk("sentence"), ev), (ev, RDF.type, pk("Evidence")),
                    (ev, URIRef(OA + "exact"), Literal(f.evidence.sentence))]
            if f.evidence.line is not None:
                out.append((ev, pk("line"), Literal(f.evidence.line)))
            if f.evidence.section:
                out.append((ev, pk("section"), Literal(f.evidence.section)))
        impact = _impact(f.paragraph) if f.severity == "violation" else None
        if impact:
            out.append((result, URIRef(DPV + "hasImpact"), URIRef(EU_GDPR + impact)))
    if "gdpr" in profiles:
        failing = any(f.severity == "violation" and f.profile == "gdpr" for f in pr.findings)
        status = "GDPRNonCompliant" if failing else "GDPRComplianceUnknown"
        out.append((policy, URIRef(DPV + "hasComplianceStatus"), URIRef(EU_GDPR + status)))
    return out


def _impact(paragraph: str | None) -> str | None:
    if not paragraph or not paragraph.startswith(GDPRTEXT):
        return None
    local = paragraph[len(GDPRTEXT):]
    if local.startswith("article13-"):
        return "A13-Limited"
    if local.startswith("article14-"):
        return "A14-Impact"
    return None


def report_graph(report: ValidationReport) -> rdflib.Graph:
    """All policies' reports in one rdflib graph, with the prefixes of :data:`CONTEXT` bound."""
    import rdflib

    g = rdflib.Graph(bind_namespaces="core")
    for prefix, ns in CONTEXT.items():
        g.bind(prefix, ns)
    for pr in report.policies:
        for t in policy_report_triples(pr, report.profiles):
            g.add(t)
    return g


def render_turtle(report: ValidationReport, *, fail_on: str = "violation") -> str:
    return str(report_graph(report).serialize(format="turtle")).rstrip("\n")


def render_jsonld(report: ValidationReport, *, fail_on: str = "violation") -> str:
    """JSON-LD compacted with the prefixes of :data:`CONTEXT` (an inline ``@context``)."""
    return str(report_graph(report).serialize(format="json-ld", context=CONTEXT, auto_compact=True, indent=2))


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ReportError(f"unexpected RDF term {term!r}")


def store_reports(store: ox.Store, report: ValidationReport) -> int:
    """Keep each policy's report in the named graph of its IRI, replacing the one before; returns how many.

    One SPARQL update (a DROP and an INSERT DATA) per policy, which Oxigraph runs as one
    transaction: a policy's report is never half-written, and a re-run does not add to it.
    """
    from policykg.ingest.pipeline import graph_update

    for pr in report.policies:
        graph = ox.NamedNode(report_iri(pr.policy))
        quads = []
        for s, p, o in policy_report_triples(pr, report.profiles):
            subject, predicate = _to_ox(s), _to_ox(p)
            if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
                raise ReportError(f"not an RDF triple: {s} {p} {o}")
            quads.append(ox.Quad(subject, predicate, _to_ox(o), graph))
        store.update(graph_update(graph, quads))
    return len(report.policies)
