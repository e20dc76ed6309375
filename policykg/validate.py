"""Validate the policies of a store against SHACL profiles and return typed findings.

Each policy's named graph is copied out of Oxigraph into an rdflib Memory graph (pySHACL is ~18x
slower over an Oxigraph-backed graph), together with the small closure of the ontology the shapes
need (pk:right links of the GDPR items, skos:broader, rdf:type of known terms), and validated on its
own: no RDFS inference, no whole-store graph. Severity, message, article and item live in the shapes
files (``ontology/shapes/*.ttl``); this module only reads them back, and renders the
findings as text, JSON, JUnit XML or SARIF 2.1.0.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from policykg.errors import PolicyKGError

if TYPE_CHECKING:
    import rdflib

PROFILES = ("gdpr", "structure")
Severity = Literal["violation", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "violation": 2}

PK = "https://w3id.org/policykg/ns#"
SH = "http://www.w3.org/ns/shacl#"
_CLOSURE_PREDICATES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2004/02/skos/core#broader",
    "http://www.w3.org/2000/01/rdf-schema#subClassOf",
    PK + "right",
)


class ValidationError(PolicyKGError):
    """A profile, shapes file or policy that cannot be validated (a usage or input error)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: str
    line: int | None
    section: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One SHACL result, with the annotations of the shape that produced it."""

    policy: str                 # policy IRI
    profile: str                # gdpr, structure, or the name of a user shapes file
    shape: str                  # IRI of the source shape
    severity: Severity
    message: str
    item: str | None = None     # local name of the GDPR information item, e.g. "ControllerContact"
    article: str | None = None  # e.g. "13(1)(a)"
    rule: str | None = None     # conditional or structural rule name
    focus: str | None = None
    path: str | None = None
    value: str | None = None
    evidence: Evidence | None = None   # the sentence behind the fact that triggered a conditional rule

    @property
    def code(self) -> str:
        """A stable identifier for CI systems: the item or rule, else the shape's local name."""
        return self.rule or self.item or _local(self.shape)


@dataclass(slots=True)
class PolicyReport:
    policy: str
    source_file: str | None
    findings: list[Finding] = field(default_factory=list)
    found: dict[str, Evidence | None] = field(default_factory=dict)   # disclosed item -> first evidence

    @property
    def slug(self) -> str:
        return _local(self.policy)

    @property
    def missing(self) -> list[Finding]:
        """Item-completeness findings (not the conditional or structural rules)."""
        return [f for f in self.findings if f.item and not f.rule]


@dataclass(slots=True)
class ValidationReport:
    profiles: list[str]
    items: dict[str, tuple[str, str]]                 # item -> (article, label), in catalogue order
    policies: list[PolicyReport] = field(default_factory=list)

    def worst(self) -> Severity | None:
        ranks = [SEVERITY_RANK[f.severity] for p in self.policies for f in p.findings]
        return next((s for s, r in SEVERITY_RANK.items() if ranks and r == max(ranks)), None)  # type: ignore[return-value]

    def fails(self, fail_on: str) -> bool:
        """True when some finding is at or above ``fail_on`` (violation, warning, info or never)."""
        if fail_on == "never":
            return False
        if fail_on not in SEVERITY_RANK:
            raise ValidationError(f"--fail-on must be one of violation, warning, info, never; got {fail_on!r}")
        threshold = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= threshold for p in self.policies for f in p.findings)


# ---------------------------------------------------------------- shapes

def profile_names(profile: str) -> list[str]:
    if profile == "all":
        return list(PROFILES)
    if profile not in PROFILES:
        raise ValidationError(f"no profile {profile!r}: choose one of {', '.join(PROFILES)} or all")
    return [profile]


def load_shapes(profile: str = "gdpr", extra: Iterable[Path] = ()) -> list[tuple[str, rdflib.Graph]]:
    """The shapes graphs to run, as (profile name, graph): the built-in profile(s), then user files."""
    import rdflib

    graphs: list[tuple[str, rdflib.Graph]] = []
    root = resources.files("policykg.ontology") / "shapes"
    for name in profile_names(profile):
        graphs.append((name, rdflib.Graph().parse(data=(root / f"{name}.ttl").read_bytes(), format="turtle")))
    for path in extra:
        try:
            graphs.append((path.stem, rdflib.Graph().parse(str(path), format=_rdf_format(path))))
        except FileNotFoundError:
            raise ValidationError(f"--shapes {path}: no such file") from None
        except Exception as exc:  # rdflib raises parser-specific exceptions carrying line numbers
            raise ValidationError(f"--shapes {path}: not a readable SHACL shapes file: {exc}") from exc
    return graphs


def _rdf_format(path: Path) -> str:
    return {".nt": "nt", ".rdf": "xml", ".owl": "xml", ".jsonld": "json-ld", ".n3": "n3"}.get(path.suffix.lower(), "turtle")


# ---------------------------------------------------------------- graphs

def ontology_closure(store: ox.Store) -> list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.Term]]:
    """The part of the ontology graph the shapes read: types, broader/subclass links, pk:right links."""
    from policykg.ingest.graph import ONTOLOGY_GRAPH

    triples = []
    for predicate in _CLOSURE_PREDICATES:
        for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, ONTOLOGY_GRAPH):
            triples.append((q.subject, q.predicate, q.object))
    if not triples:
        raise ValidationError("the store has no ontology graph: ingest policies with `policykg ingest` first")
    return triples


def policy_graph(store: ox.Store, policy: str, closure: Iterable[tuple]) -> rdflib.Graph:
    """One policy's named graph plus the ontology closure, in an rdflib Memory graph."""
    import rdflib

    g = rdflib.Graph()
    add = g.add
    for s, p, o in closure:
        add((_to_rdflib(s), _to_rdflib(p), _to_rdflib(o)))
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(policy)):
        add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
    return g


def _to_rdflib(term: ox.Term) -> rdflib.term.Node:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValidationError(f"unexpected RDF term {term!r}")


# ---------------------------------------------------------------- validation

def resolve_policies(store: ox.Store, policies: Iterable[str] = ()) -> list[str]:
    """Policy IRIs for slugs or IRIs; all policies of the store when none are named."""
    from policykg.queries import expand_value
    from policykg.store import policy_graphs

    known = policy_graphs(store)
    wanted = [expand_value("policy", p)[1] for p in policies]
    if not wanted:
        return known
    known_set = set(known)
    for iri in wanted:
        if iri not in known_set:
            hint = ", ".join(_local(k) for k in known[:8]) + (" ..." if len(known) > 8 else "")
            raise ValidationError(f"no policy {_local(iri)!r} in the store (it holds: {hint or 'nothing'})")
    return wanted


def validate_store(store: ox.Store, policies: Iterable[str] = (), *, profile: str = "gdpr",
                   shapes: Iterable[Path] = (),
                   on_policy: Callable[[PolicyReport], None] | None = None) -> ValidationReport:
    """Validate each policy graph of ``store`` (all, or those named) against the profile and user shapes."""
    shape_graphs = load_shapes(profile, shapes)
    targets = resolve_policies(store, policies)
    closure = ontology_closure(store)
    annotations = {name: _shape_annotations(g) for name, g in shape_graphs}
    report = ValidationReport(profiles=[n for n, _ in shape_graphs], items=information_items(store))
    disclosed = disclosed_items(store)
    for policy in targets:
        data = policy_graph(store, policy, closure)
        pr = PolicyReport(policy, _source_file(data, policy))
        for name, shapes_graph in shape_graphs:
            pr.findings += _findings(policy, name, data, shapes_graph, annotations[name])
        pr.findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], list(report.items).index(f.item)
                                        if f.item in report.items else 99, f.code))
        pr.found = {item: _evidence(data, fact) for item, fact in disclosed.get(policy, {}).items()}
        report.policies.append(pr)
        if on_policy is not None:
            on_policy(pr)
    return report


def run_shacl(data: rdflib.Graph, shapes: rdflib.Graph) -> rdflib.Graph:
    """pySHACL, wrapped once: no inference, SHACL-SPARQL on, the results graph back."""
    from pyshacl import validate

    _conforms, results, _text = validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                         allow_infos=False, allow_warnings=False, inplace=True)
    return results


@dataclass(frozen=True, slots=True)
class _ShapeInfo:
    severity: Severity | None
    message: str | None
    item: str | None
    article: str | None
    rule: str | None


def _shape_annotations(shapes: rdflib.Graph) -> dict[str, _ShapeInfo]:
    from rdflib import URIRef

    info: dict[str, _ShapeInfo] = {}
    for shape in set(shapes.subjects(URIRef(SH + "severity"), None)) | set(shapes.subjects(URIRef(PK + "item"), None)):
        def one(p: str) -> str | None:
            v = shapes.value(shape, URIRef(p))
            return str(v) if v is not None else None
        sev = one(SH + "severity")
        item = one(PK + "item")
        info[str(shape)] = _ShapeInfo(_severity(sev) if sev else None, one(SH + "message"),
                                      _local(item) if item else None, one(PK + "article"), one(PK + "rule"))
    return info


def _findings(policy: str, profile: str, data: rdflib.Graph, shapes: rdflib.Graph,
              annotations: dict[str, _ShapeInfo]) -> list[Finding]:
    from rdflib import URIRef

    results = run_shacl(data, shapes)
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    found: list[Finding] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for r in results.subjects(sh("resultSeverity"), None):
        shape = results.value(r, sh("sourceShape"))
        focus = results.value(r, sh("focusNode"))
        # a property shape is a blank node: annotations sit on the node shape that holds it
        info = annotations.get(str(shape)) or _owner_info(shapes, shape, annotations)
        severity = _severity(str(results.value(r, sh("resultSeverity"))))
        message = (info.message if info and info.message else None) or str(results.value(r, sh("resultMessage")) or "")
        path = results.value(r, sh("resultPath"))
        value = results.value(r, sh("value"))
        key = (str(shape), str(focus), str(value) if value is not None else None)
        if key in seen:
            continue
        seen.add(key)
        found.append(Finding(
            policy=policy, profile=profile, shape=str(_owner(shapes, shape)), severity=severity, message=message,
            item=info.item if info else None, article=info.article if info else None,
            rule=info.rule if info else None, focus=str(focus) if focus is not None else None,
            path=str(path) if path is not None else None, value=str(value) if value is not None else None,
            evidence=_evidence(data, value) if value is not None else None))
    return found


def _owner(shapes: rdflib.Graph, shape) -> object:
    from rdflib import BNode, URIRef

    if isinstance(shape, BNode):
        owner = shapes.value(None, URIRef(SH + "property"), shape)
        if owner is not None:
            return owner
    return shape


def _owner_info(shapes: rdflib.Graph, shape, annotations: dict[str, _ShapeInfo]) -> _ShapeInfo | None:
    return annotations.get(str(_owner(shapes, shape)))


def _severity(iri: str) -> Severity:
    name = _local(iri).lower()
    return name if name in SEVERITY_RANK else "violation"  # type: ignore[return-value]


def _evidence(data: rdflib.Graph, fact) -> Evidence | None:
    from rdflib import URIRef

    if fact is None:
        return None
    node = data.value(URIRef(str(fact)), URIRef(PK + "evidence"))
    if node is None:
        return None
    sentence = data.value(node, URIRef("http://www.w3.org/ns/oa#exact"))
    line = data.value(node, URIRef(PK + "line"))
    section = data.value(node, URIRef(PK + "section"))
    return Evidence(str(sentence or ""), int(line) if line is not None else None,
                    str(section) if section is not None else None)


def _source_file(data: rdflib.Graph, policy: str) -> str | None:
    from rdflib import URIRef

    v = data.value(URIRef(policy), URIRef(PK + "sourceFile"))
    return str(v) if v is not None else None


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# ---------------------------------------------------------------- the disclosures question

def disclosed_items(store: ox.Store) -> dict[str, dict[str, ox.NamedNode | None]]:
    """policy IRI -> item -> a fact that discloses it, from the canned `disclosures` question."""
    from policykg.queries import resolve

    out: dict[str, dict[str, ox.NamedNode | None]] = {}
    for row in store.query(resolve("disclosures").text):
        items = out.setdefault(row["policy"].value, {})
        fact = row["fact"]
        if row["item"].value not in items or items[row["item"].value] is None:
            items[row["item"].value] = fact if isinstance(fact, ox.NamedNode) else None
    return out


def information_items(store: ox.Store) -> dict[str, tuple[str, str]]:
    """The GDPR Art. 13/14 items of gdpr-items.ttl: local name -> (article, label), in file order."""
    from policykg.ingest.graph import ONTOLOGY_GRAPH

    rows = store.query("""
        PREFIX pk: <https://w3id.org/policykg/ns#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?item ?article ?label WHERE { GRAPH <%s> {
          ?item a pk:InformationItem ; pk:article ?article ; skos:prefLabel ?label } }""" % ONTOLOGY_GRAPH.value)
    items = {_local(r["item"].value): (r["article"].value, r["label"].value) for r in rows}
    return dict(sorted(items.items(), key=lambda kv: (_article_key(kv[1][0]), kv[0])))


def _article_key(article: str) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|[a-z]+", article))
