"""Turn a document and its facts into the quads of the policy's named graph."""
from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox

from policykg.ingest.extract import XSD, Fact
from policykg.ingest.lexicon import PK
from policykg.ingest.structure import Document, Sentence

POLICY_BASE = "https://w3id.org/policykg/policy/"
SERVICE_BASE = "https://w3id.org/policykg/service/"
ONTOLOGY_GRAPH = ox.NamedNode("https://w3id.org/policykg/ns")

PREFIXES = {
    "pk": PK,
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
    "legal-eu": "https://w3id.org/dpv/legal/eu#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": XSD,
}


@lru_cache(maxsize=None)
def expand(curie: str) -> ox.NamedNode:
    prefix, _, local = curie.partition(":")
    try:
        return ox.NamedNode(PREFIXES[prefix] + local)
    except KeyError:
        raise ValueError(f"unknown prefix in {curie!r}") from None


def policy_iri(slug: str) -> ox.NamedNode:
    return ox.NamedNode(POLICY_BASE + slug)


def service_iri(service: str) -> ox.NamedNode:
    """The IRI of a service whose policy has versions (``https://w3id.org/policykg/service/<service>``)."""
    return ox.NamedNode(SERVICE_BASE + service_name(service))


def service_name(service: str) -> str:
    """A service name as it appears in its IRI: lower-case, other characters as ``-``."""
    return slugify(service.removeprefix(SERVICE_BASE))


_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def iso_date(text: str | None) -> str | None:
    """``YYYY-MM-DD`` from a date or date-time text (front matter, ``--date``), else None."""
    m = _ISO_DATE.match(text or "")
    if not m:
        return None
    import datetime

    try:
        return datetime.date(*map(int, m.groups())).isoformat()
    except ValueError:
        return None


def policy_slug(iri: str) -> str:
    """The name of a policy from its IRI (``.../policy/acme/privacy`` is ``acme/privacy``)."""
    return iri.removeprefix(POLICY_BASE)


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "policy"


_TYPE = expand("rdf:type")
_EVIDENCE = expand("pk:evidence")


def document_quads(doc: Document, facts: list[Fact], *, source: str | None = None,
                   service: str | None = None, issued: str | None = None) -> list[ox.Quad]:
    """All quads of the policy's named graph: the document, its facts and their evidence.

    The policy is a ``dpv:PrivacyNotice`` (``pk:PolicyDocument`` is a subclass of it) with
    ``dpv:hasApplicableLaw legal-eu:law-GDPR``, the notice (``dpv:hasNotice``) of the processing it
    describes, ``<policy>#processing``, a ``dpv:Process`` whose ``dpv:hasDataController`` is each
    controller found (as DPV's example E0022 attaches a privacy notice): four quads, two more per controller.

    ``source`` is how the file is recorded (``pk:sourceFile``); by default its file name. A version
    of a ``service`` is linked to it (``dct:isVersionOf`` the service IRI) with its date ``issued``
    (``dct:issued``, an ``xsd:date``); the order of the versions (``prov:wasRevisionOf``) is in the
    service's own graph (see :func:`policykg.ingest.pipeline.link_versions`).
    """
    policy = policy_iri(doc.slug)
    g = policy
    quads: list[ox.Quad] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, expand(p), o, g))

    add(policy, "rdf:type", expand("pk:PolicyDocument"))
    add(policy, "rdf:type", expand("dpv:PrivacyNotice"))
    add(policy, "dpv:hasApplicableLaw", expand("legal-eu:law-GDPR"))
    processing = ox.NamedNode(f"{policy.value}#processing")
    add(processing, "rdf:type", expand("dpv:Process"))
    add(processing, "dpv:hasNotice", policy)
    title = doc.source.title or next((doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"), None)
    if title:
        add(policy, "dct:title", ox.Literal(title))
    if doc.source.date:
        add(policy, "dct:date", ox.Literal(doc.source.date))
    if service:
        add(policy, "dct:isVersionOf", service_iri(service))
        if issued:
            add(policy, "dct:issued", ox.Literal(issued, datatype=expand("xsd:date")))
    add(policy, "pk:sourceFile", ox.Literal(source if source is not None else doc.source.path.name))
    add(policy, "pk:sourceFormat", ox.Literal(doc.source.format))
    add(policy, "pk:sha256", ox.Literal(doc.source.sha256))
    add(policy, "pk:text", ox.Literal(doc.text))
    for repair in doc.source.repairs:
        add(policy, "pk:repair", ox.Literal(repair))

    evidence_nodes: dict[int, ox.NamedNode] = {}

    def evidence(s: Sentence) -> ox.NamedNode:
        node = evidence_nodes.get(s.start)
        if node is None:
            node = ox.NamedNode(f"{policy.value}#s{s.start}-{s.end}")
            evidence_nodes[s.start] = node
            add(node, "rdf:type", expand("pk:Evidence"))
            add(node, "oa:exact", ox.Literal(s.text))
            add(node, "oa:start", ox.Literal(str(s.start), datatype=expand("xsd:nonNegativeInteger")))
            add(node, "oa:end", ox.Literal(str(s.end), datatype=expand("xsd:nonNegativeInteger")))
            if s.block.line is not None:   # a line of the user's file; none for text extracted from HTML or PDF
                add(node, "pk:line", ox.Literal(str(s.block.line), datatype=expand("xsd:integer")))
            if s.section:
                add(node, "pk:section", ox.Literal(s.section))
        return node

    seen: set[tuple[object, ...]] = set()
    counters: dict[str, int] = {}
    for fact in facts:
        key = (fact.kind, fact.sentence.start if fact.sentence else None, fact.props)
        if key in seen:
            continue
        seen.add(key)
        n = counters[fact.kind] = counters.get(fact.kind, 0) + 1
        if fact.kind == "Controller":
            node = ox.NamedNode(f"{policy.value}#controller-{n}")
            add(policy, "pk:hasController", node)
            add(node, "rdf:type", expand("dpv:DataController"))
            add(processing, "dpv:hasDataController", node)
        elif fact.kind == "ContactPoint":
            node = ox.NamedNode(f"{policy.value}#contact-{n}")
            add(policy, "pk:hasContactPoint", node)
        else:
            node = ox.NamedNode(f"{policy.value}#{fact.kind[0].lower()}{fact.kind[1:]}-{n}")
            add(policy, "pk:states", node)
        add(node, "rdf:type", expand(f"pk:{fact.kind}"))
        for prop, value in fact.props:
            add(node, prop, value)
        if fact.sentence is not None:
            quads.append(ox.Quad(node, _EVIDENCE, evidence(fact.sentence), g))
    return quads
