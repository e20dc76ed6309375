"""Validate the policies of a store against SHACL profiles and return typed findings.

Each policy is validated on its own graph, never the whole store: what the shapes can read of the
policy's named graph (for SHACL Core shapes, the triples of the predicates and classes they name;
everything for SHACL-SPARQL) is copied out of Oxigraph into an rdflib Memory graph (pySHACL is ~18x
slower over an Oxigraph-backed graph), together with the closure of the ontology the shapes need
(rdf:type of known terms, skos:broader, rdfs:subClassOf), and the answers of the `disclosures`
question as ``pk:providesInformation`` links. No RDFS inference. Severity, message, article and
item live in the shapes files (``ontology/shapes/*.ttl``); this module only reads them back, and
renders the findings as text, JSON, JUnit XML or SARIF 2.1.0 (as the W3C SHACL validation report
graph, Turtle or JSON-LD, through :mod:`policykg.shaclreport`).
"""
from __future__ import annotations

import functools
import itertools
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
# policy IRI -> information item -> a fact that discloses it (None when the fact is a blank node)
Disclosed = dict[str, dict[str, ox.NamedNode | None]]

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
    iri: str | None = None      # the pk:Evidence node of the policy's graph


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
    paragraph: str | None = None       # GDPRtEXT IRI of the GDPR paragraph, e.g. https://w3id.org/GDPRtEXT/gdpr#article13-1-c
    # pySHACL's own description of the result (the result node first, then its blank-node closure);
    # kept only when the report is wanted as RDF (validate_store(..., rdf=True))
    triples: tuple = field(default=(), repr=False, compare=False)

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
    sha256: str | None = None   # pk:sha256 of the policy document validated

    @property
    def slug(self) -> str:
        from policykg.ingest.graph import policy_slug

        return policy_slug(self.policy)

    @property
    def missing(self) -> list[Finding]:
        """Item-completeness findings (not the conditional or structural rules)."""
        return [f for f in self.findings if f.item and not f.rule]


@dataclass(slots=True)
class ValidationReport:
    profiles: list[str]
    items: dict[str, tuple[str, str]]                 # item -> (article, label), in catalogue order
    policies: list[PolicyReport] = field(default_factory=list)

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

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

# The SHACL Core parameters (and shape and target terms) whose meaning depends only on the
# predicates and classes a shapes graph names. A shapes graph that uses any other sh: term
# (SHACL-SPARQL, sh:closed, custom targets, rules) may read any triple, and gets the whole graph.
_CORE_TERMS = frozenset(SH + t for t in (
    "NodeShape", "PropertyShape", "Shape", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf",
    "path", "inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath",
    "property", "node", "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive",
    "maxExclusive", "maxInclusive", "minLength", "maxLength", "pattern", "flags", "languageIn", "uniqueLang",
    "equals", "disjoint", "lessThan", "lessThanOrEquals", "not", "and", "or", "xone", "qualifiedValueShape",
    "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "hasValue", "in",
    "severity", "message", "deactivated", "name", "description", "order", "group", "defaultValue",
    "Violation", "Warning", "Info", "IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral",
    "IRIOrLiteral", "declare", "prefix", "namespace", "prefixes", "PropertyGroup"))


@dataclass(frozen=True, slots=True)
class ShapeView:
    """The part of a policy graph a shapes graph can read: the triples of the predicates and classes it names.

    SHACL Core reaches data only through the predicates of its paths and targets and the classes of
    sh:targetClass / sh:class (with their subclasses); copying just those out of Oxigraph is what
    makes validating a large store fast. ``everything`` is set for shapes that may read any triple.
    """
    names: frozenset[str]      # the predicates the shapes' paths and targets walk
    classes: frozenset[str]    # the classes whose rdf:type statements to copy: named ones and their subclasses
    everything: bool

    @classmethod
    def of(cls, shapes: rdflib.Graph, closure: Closure) -> ShapeView:
        from rdflib import RDF, RDFS, OWL, URIRef

        sh = lambda name: URIRef(SH + name)  # noqa: E731
        core = all(not str(p).startswith(SH) or str(p) in _CORE_TERMS for p in shapes.predicates(None, None, unique=True))
        predicates: set[str] = set()
        for term in ("path", "targetSubjectsOf", "targetObjectsOf", "equals", "disjoint", "lessThan", "lessThanOrEquals"):
            for path in shapes.objects(None, sh(term)):
                predicates |= _path_predicates(shapes, path)
        named = {str(c) for term in ("targetClass", "class") for c in shapes.objects(None, sh(term))}
        named |= {str(s) for s in shapes.subjects(RDF.type, sh("NodeShape"))   # implicit class targets
                  if (s, RDF.type, RDFS.Class) in shapes or (s, RDF.type, OWL.Class) in shapes}
        classes = named | {c for c, supers in closure.superclasses.items() if not named.isdisjoint(supers)}
        return cls(frozenset(predicates), frozenset(classes), everything=not core)


def _path_predicates(shapes: rdflib.Graph, path) -> set[str]:
    """The predicates a SHACL property path (an IRI, a sequence list or a path node) walks."""
    from rdflib import RDF, URIRef
    from rdflib.collection import Collection as RDFList

    if isinstance(path, URIRef):
        return {str(path)}
    found: set[str] = set()
    if (path, RDF.first, None) in shapes:
        for step in RDFList(shapes, path):
            found |= _path_predicates(shapes, step)
        return found
    for term in ("inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath", "alternativePath"):
        for inner in shapes.objects(path, URIRef(SH + term)):
            found |= _path_predicates(shapes, inner)
    return found


@dataclass
class Closure:
    """The ontology graph's rdf:type, skos:broader, rdfs:subClassOf and pk:right statements, by subject.

    A policy graph gets only the part reachable from its own terms (its concepts, their broader
    concepts and classes, transitively): the needed closure, a few dozen triples, not the ontology.
    """
    by_subject: dict[str, list[tuple]]
    superclasses: dict[str, set[str]]   # class -> all its superclasses (transitive)

    @classmethod
    def of(cls, store: ox.Store) -> Closure:
        from policykg.ingest.graph import ONTOLOGY_GRAPH

        by_subject: dict[str, list[tuple]] = {}
        parents: dict[str, set[str]] = {}
        for predicate in _CLOSURE_PREDICATES:
            for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, ONTOLOGY_GRAPH):
                by_subject.setdefault(q.subject.value, []).append(
                    (_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
                if predicate == SUBCLASS_OF:
                    parents.setdefault(q.subject.value, set()).add(q.object.value)
        if not by_subject:
            raise ValidationError("the store has no ontology graph: ingest policies with `policykg ingest` first")
        return cls(by_subject, {c: _reachable(parents, c) for c in parents})

    def needed(self, terms: Iterable[str], view: ShapeView) -> list[tuple]:
        """The closure triples ``view`` can see, reachable from ``terms`` (IRIs of a policy graph)."""
        out, seen, todo = [], set(), list(terms)
        all_types = view.everything or RDF_TYPE in view.names
        while todo:
            term = todo.pop()
            if term in seen:
                continue
            seen.add(term)
            for t in self.by_subject.get(term, ()):
                predicate = str(t[1])
                # rdfs:subClassOf always: sh:targetClass and sh:class follow it from a fact's class
                if view.everything or predicate == SUBCLASS_OF or predicate in view.names \
                        or (predicate == RDF_TYPE and (all_types or str(t[2]) in view.classes)):
                    out.append(t)
                    todo.append(str(t[2]))
        return out


def _reachable(parents: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), list(parents.get(start, ()))
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(parents.get(p, ()))
    return seen


def policy_graph(store: ox.Store, policy: str, closure: Closure, view: ShapeView,
                 provided: Iterable[str] = ()) -> rdflib.Graph:
    """What ``view`` sees of one policy's named graph, plus the needed ontology closure, in an rdflib Memory graph.

    ``provided`` are the information items the policy gives (the `disclosures` question), added as
    ``<policy> pk:providesInformation <item>``: the gdpr shapes read them.
    """
    from rdflib import URIRef

    graph = ox.NamedNode(policy)
    if view.everything:
        quads: Iterable[ox.Quad] = store.quads_for_pattern(None, None, None, graph)
    else:
        rdf_type = ox.NamedNode(RDF_TYPE)
        quads = itertools.chain(
            (q for name in view.names for q in store.quads_for_pattern(None, ox.NamedNode(name), None, graph)),
            () if RDF_TYPE in view.names else   # a shape with sh:path rdf:type reads every type statement
            (q for c in view.classes for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(c), graph)))
    g = _memory_graph()
    add = g.add
    terms: set[str] = set()
    for q in quads:
        add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
        if isinstance(q.object, ox.NamedNode):
            terms.add(q.object.value)
    subject, provides = URIRef(policy), URIRef(PK + "providesInformation")
    for item in provided:
        add((subject, provides, URIRef(PK + item)))
    for triple in closure.needed(terms, view):
        add(triple)
    return g


_PREPARED: dict[str, object] = {}


def _memory_graph() -> rdflib.Graph:
    """An rdflib Memory graph whose SPARQL queries are parsed once per process, not once per call.

    pySHACL hands each SHACL-SPARQL constraint to ``graph.query`` as text; rdflib's parser then
    takes ~40 ms a query, which is 80% of validating one policy. The constraint texts are the same
    for every policy, so the parsed form is kept.
    """
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    class PreparedQueryGraph(rdflib.Graph):
        def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # type: ignore[override]
                  initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
            if isinstance(query_object, str) and not initNs:
                prepared = _PREPARED.get(query_object)
                if prepared is None:
                    prepared = _PREPARED[query_object] = prepareQuery(query_object)
                query_object = prepared
            return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)

    return PreparedQueryGraph(bind_namespaces="core")   # one graph per policy: skip binding rdflib's ~30 default prefixes


@functools.lru_cache(maxsize=65536)
def _uri(value: str) -> rdflib.URIRef:
    from rdflib import URIRef

    return URIRef(value)


def _to_rdflib(term: ox.Term) -> rdflib.term.Node:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return _uri(term.value)   # predicates, classes and fact IRIs recur: made once
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
    from policykg.query import require_policies

    known_set = set(known)
    require_policies([ox.NamedNode(iri) for iri in wanted], lambda iri: iri.value in known_set, lambda: known)
    return wanted


def validate_store(store: ox.Store, policies: Iterable[str] = (), *, profile: str = "gdpr",
                   shapes: Iterable[Path] = (), jobs: int = 1, store_path: Path | None = None,
                   on_policy: Callable[[PolicyReport], None] | None = None, rdf: bool = False) -> ValidationReport:
    """Validate each policy graph of ``store`` (all, or those named) against the profile and user shapes.

    With ``jobs`` > 1 and the ``store_path`` of an on-disk store, policies are validated in that many
    worker processes, each opening the store read-only (pySHACL is pure Python: threads would not help).
    ``rdf=True`` keeps pySHACL's description of each result on its finding (``Finding.triples``),
    which :mod:`policykg.shaclreport` turns into a ``sh:ValidationReport`` graph.
    """
    shapes = list(shapes)
    shape_graphs = load_shapes(profile, shapes)
    targets = resolve_policies(store, policies)
    report = ValidationReport(profiles=[n for n, _ in shape_graphs], items=information_items(store))
    disclosed = disclosed_items(store, targets)
    if jobs > 1 and store_path is not None and len(targets) >= 4 * jobs:
        report.policies = _validate_parallel(store_path, targets, profile, shapes, jobs, disclosed, rdf)
        if on_policy is not None:
            for pr in report.policies:
                on_policy(pr)
        return report
    report.policies = _validate_policies(store, targets, shape_graphs, report.items, disclosed, on_policy, rdf)
    return report


def _validate_parallel(store_path: Path, targets: list[str], profile: str, shapes: list[Path],
                       jobs: int, disclosed: Disclosed, rdf: bool = False) -> list[PolicyReport]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(targets) // (jobs * 4))
    chunks = [targets[i:i + size] for i in range(0, len(targets), size)]
    # terms cross the process boundary as IRI strings
    plain = {p: {item: f.value if f is not None else None for item, f in items.items()} for p, items in disclosed.items()}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = pool.map(_validate_chunk, [(str(store_path), c, profile, [str(p) for p in shapes],
                                            {p: plain.get(p, {}) for p in c}, rdf) for c in chunks])
        return [pr for part in parts for pr in part]


def _validate_chunk(args: tuple[str, list[str], str, list[str], dict[str, dict[str, str | None]], bool]) -> list[PolicyReport]:
    path, targets, profile, shapes, plain, rdf = args
    store = ox.Store.read_only(path)
    shape_graphs = load_shapes(profile, [Path(p) for p in shapes])
    disclosed = {p: {item: ox.NamedNode(f) if f is not None else None for item, f in items.items()}
                 for p, items in plain.items()}
    return _validate_policies(store, targets, shape_graphs, information_items(store), disclosed, None, rdf)


def _validate_policies(store: ox.Store, targets: list[str], shape_graphs: list[tuple[str, rdflib.Graph]],
                       items: dict[str, tuple[str, str]], disclosed: Disclosed,
                       on_policy: Callable[[PolicyReport], None] | None, rdf: bool = False) -> list[PolicyReport]:
    closure = Closure.of(store)
    annotations = {name: _shape_annotations(g) for name, g in shape_graphs}
    views = {name: ShapeView.of(g, closure) for name, g in shape_graphs}
    order = {item: i for i, item in enumerate(items)}
    done: list[PolicyReport] = []
    for policy in targets:
        provided = disclosed.get(policy, {})
        pr = PolicyReport(policy, _source_file(store, policy), sha256=_literal(store, policy, PK + "sha256"))
        for name, shapes_graph in shape_graphs:
            data = policy_graph(store, policy, closure, views[name], provided)
            pr.findings += _findings(store, policy, name, data, shapes_graph, annotations[name], rdf)
        pr.findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], order.get(f.item, 99) if f.item else 99, f.code))
        pr.found = {item: _evidence(store, policy, fact) for item, fact in provided.items()}
        done.append(pr)
        if on_policy is not None:
            on_policy(pr)
    return done


def check_files(files: list[Path], *, profile: str = "gdpr", shapes: Iterable[Path] = (),
                max_bytes: int | None = None, rdf: bool = False) -> ValidationReport:
    """Ingest ``files`` into a temporary store and validate them: what a pre-commit hook or CI job runs."""
    import tempfile

    from policykg.ingest.pipeline import ingest

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise ValidationError(f"no such file or directory: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="policykg-check-") as tmp:
        store = ox.Store(tmp)
        result = ingest(files, store) if max_bytes is None else ingest(files, store, max_bytes=max_bytes)
        if result.failed:
            raise ValidationError("cannot check " + "; ".join(str(e) for e in result.failed))
        if not result.stored:
            raise ValidationError("no policy files found (supported: .txt .md .html .htm .pdf)")
        report = validate_store(store, [iri for _, iri, _ in result.stored], profile=profile, shapes=shapes, rdf=rdf)
        del store
        import gc

        gc.collect()     # free the Store now: in the tests, removing the directory failed ("Directory not
                         # empty") when it was freed later
    return report


def run_shacl(data: rdflib.Graph, shapes: rdflib.Graph) -> rdflib.Graph:
    """pySHACL, wrapped once: no inference, SHACL-SPARQL on, the results graph back."""
    from pyshacl import validate
    from pyshacl.errors import ReportableRuntimeError, ValidationFailure

    try:
        _conforms, results, text = validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                            allow_infos=False, allow_warnings=False, inplace=True)
    except ReportableRuntimeError as exc:
        raise ValidationError(f"the shapes cannot be run: {exc}") from exc
    if isinstance(results, ValidationFailure) or not hasattr(results, "subjects"):
        raise ValidationError(f"the shapes cannot be run: {text}")
    return results


@dataclass(frozen=True, slots=True)
class _ShapeInfo:
    severity: Severity | None
    message: str | None
    item: str | None
    article: str | None
    rule: str | None
    paragraph: str | None = None


def _shape_annotations(shapes: rdflib.Graph) -> dict[str, _ShapeInfo]:
    from rdflib import URIRef

    info: dict[str, _ShapeInfo] = {}
    annotated = (set(shapes.subjects(URIRef(SH + "severity"), None)) | set(shapes.subjects(URIRef(SH + "message"), None))
                 | set(shapes.subjects(URIRef(PK + "item"), None)))
    for shape in annotated:
        def one(p: str) -> str | None:
            v = shapes.value(shape, URIRef(p))
            return str(v) if v is not None else None
        sev = one(SH + "severity")
        item = one(PK + "item")
        info[str(shape)] = _ShapeInfo(_severity(sev) if sev else None, one(SH + "message"),
                                      _local(item) if item else None, one(PK + "article"), one(PK + "rule"),
                                      one(PK + "paragraph"))
    return info


def _findings(store: ox.Store, policy: str, profile: str, data: rdflib.Graph, shapes: rdflib.Graph,
              annotations: dict[str, _ShapeInfo], rdf: bool = False) -> list[Finding]:
    from rdflib import URIRef

    results = run_shacl(data, shapes)
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    found: list[Finding] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for r in results.subjects(sh("resultSeverity"), None):
        shape = results.value(r, sh("sourceShape"))
        focus = results.value(r, sh("focusNode"))
        # a property shape is a blank node: annotations sit on the node shape that holds it
        info = _merge(annotations.get(str(shape)), _owner_info(shapes, shape, annotations))
        severity = _severity(str(results.value(r, sh("resultSeverity"))))
        message = (info.message if info and info.message else None) or str(results.value(r, sh("resultMessage")) or "")
        path = results.value(r, sh("resultPath"))
        value = results.value(r, sh("value"))
        # item rules are about the policy: one finding per shape, quoting the first triggering fact
        key = (str(shape), policy, None) if info and info.item else (str(shape), str(focus), str(value))
        if key in seen:
            continue
        seen.add(key)
        found.append(Finding(
            policy=policy, profile=profile, shape=str(_owner(shapes, shape)), severity=severity, message=message,
            item=info.item if info else None, article=info.article if info else None,
            rule=info.rule if info else None, focus=str(focus) if focus is not None else None,
            path=str(path) if path is not None else None, value=str(value) if value is not None else None,
            evidence=_evidence(store, policy, value) if value is not None else None,
            paragraph=info.paragraph if info else None,
            triples=_description(results, r) if rdf else ()))
    return found


def _description(graph: rdflib.Graph, node) -> tuple:
    """The triples of ``node`` in ``graph`` and, through blank-node objects, of the nodes they reach
    (a result's path, its source shape when that is a blank node, nested details): its concise
    bounded description, the result node's own triples first."""
    from rdflib import BNode

    out, seen, todo = [], {node}, [node]
    while todo:
        subject = todo.pop(0)
        for _s, p, o in sorted(graph.triples((subject, None, None))):
            out.append((subject, p, o))
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    return tuple(out)


def _owner(shapes: rdflib.Graph, shape) -> object:
    from rdflib import BNode, URIRef

    if isinstance(shape, BNode):
        owner = shapes.value(None, URIRef(SH + "property"), shape)
        if owner is not None:
            return owner
    return shape


def _owner_info(shapes: rdflib.Graph, shape, annotations: dict[str, _ShapeInfo]) -> _ShapeInfo | None:
    return annotations.get(str(_owner(shapes, shape)))


def _merge(own: _ShapeInfo | None, owner: _ShapeInfo | None) -> _ShapeInfo | None:
    """A property shape's own annotations, completed by those of the node shape that holds it."""
    if own is None or owner is None or own is owner:
        return own or owner
    return _ShapeInfo(own.severity or owner.severity, own.message or owner.message, own.item or owner.item,
                      own.article or owner.article, own.rule or owner.rule, own.paragraph or owner.paragraph)


def _severity(iri: str) -> Severity:
    name = _local(iri).lower()
    return name if name in SEVERITY_RANK else "violation"  # type: ignore[return-value]


def _evidence(store: ox.Store, policy: str, fact) -> Evidence | None:
    """The sentence (and its source line and section) a fact was read from, looked up in the store."""
    from policykg.store import fact_evidence

    if fact is None:
        return None
    iri = fact.value if isinstance(fact, ox.NamedNode) else str(fact)
    if not iri.startswith(("http://", "https://", "urn:")):
        return None
    found = fact_evidence(store, ox.NamedNode(iri), ox.NamedNode(policy))
    if found is None:
        return None
    node = next(iter(store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(PK + "evidence"), None,
                                             ox.NamedNode(policy))), None)
    return Evidence(*found, iri=node.object.value if node is not None and isinstance(node.object, ox.NamedNode) else None)


def _literal(store: ox.Store, policy: str, predicate: str) -> str | None:
    for q in store.quads_for_pattern(ox.NamedNode(policy), ox.NamedNode(predicate), None, ox.NamedNode(policy)):
        return q.object.value
    return None


def _source_file(store: ox.Store, policy: str) -> str | None:
    return _literal(store, policy, PK + "sourceFile")


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# ---------------------------------------------------------------- the disclosures question

def disclosed_items(store: ox.Store, policies: Iterable[str] | None = None) -> Disclosed:
    """policy IRI -> item -> a fact that discloses it, from the canned `disclosures` question.

    For all policies of the store, or those named (asked one by one when they are few).
    """
    from policykg.queries import resolve

    query = resolve("disclosures").text
    wanted = None if policies is None else list(policies)
    if wanted is not None and len(wanted) <= 16:
        rows = itertools.chain.from_iterable(
            store.query(query, substitutions={ox.Variable("policy"): ox.NamedNode(p)}) for p in wanted)
    else:
        rows = store.query(query)
    keep = None if wanted is None else set(wanted)
    out: Disclosed = {}
    for row in rows:
        policy = row["policy"].value
        if keep is not None and policy not in keep:
            continue
        fact = row["fact"]
        out.setdefault(policy, {})[row["item"].value] = fact if isinstance(fact, ox.NamedNode) else None
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


# ---------------------------------------------------------------- renderers

FORMATS = ("text", "json", "junit", "sarif", "ttl", "jsonld")
RDF_FORMATS = ("ttl", "jsonld")   # a sh:ValidationReport graph (policykg.shaclreport): validate with rdf=True
_SARIF_LEVEL = {"violation": "error", "warning": "warning", "info": "note"}


def render(report: ValidationReport, fmt: str, *, fail_on: str = "violation") -> str:
    """The report as text, json, junit (JUnit XML), sarif (SARIF 2.1.0 JSON), or ttl / jsonld (the
    W3C SHACL sh:ValidationReport graph of :mod:`policykg.shaclreport`; needs ``rdf=True`` when validating)."""
    from policykg.shaclreport import render_jsonld, render_turtle

    renderers = {"text": render_text, "json": render_json, "junit": render_junit, "sarif": render_sarif,
                 "ttl": render_turtle, "jsonld": render_jsonld}
    if fmt not in renderers:
        raise ValidationError(f"no format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return renderers[fmt](report, fail_on=fail_on)


def render_text(report: ValidationReport, *, fail_on: str = "violation") -> str:
    """Per policy: what is missing (article, message), then each item found with its evidence; a summary table."""
    out: list[str] = []
    for p in report.policies:
        counts = _counts(p)
        out.append(f"{p.slug} ({p.source_file or p.policy}): {counts['violation']} violations, "
                   f"{counts['warning']} warnings, {counts['info']} notes")
        for f in p.findings:
            where = f" [line {f.evidence.line}]" if f.evidence and f.evidence.line else ""
            label = f"{f.item} [{f.rule}]" if f.item and f.rule else (f.item or f.code)
            detail = f" ({_local(f.value)})" if f.value and f.value != f.policy and not f.item else ""
            out.append(f"  {f.severity.upper():9} {f.article or '-':9} {label}: {f.message}{detail}{where}")
        for item, ev in sorted(p.found.items(), key=lambda kv: _item_order(report, kv[0])):
            article = report.items.get(item, ("-", ""))[0]
            quote = f' "{_shorten(ev.sentence)}"' + (f" (line {ev.line})" if ev.line else "") if ev else ""
            out.append(f"  {'found':9} {article:9} {item}:{quote}")
        out.append("")
    if report.policies:
        out.append(_summary_table(report))
    else:
        out.append("No policies to validate.")
    return "\n".join(out)


def _summary_table(report: ValidationReport) -> str:
    total = len(report.items)
    rows = [("policy", "violations", "warnings", "notes", f"items found (of {total})")]
    for p in report.policies:
        c = _counts(p)
        rows.append((p.slug, str(c["violation"]), str(c["warning"]), str(c["info"]), str(len(p.found))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_json(report: ValidationReport, *, fail_on: str = "violation") -> str:
    import json

    def finding(f: Finding) -> dict:
        d = {"severity": f.severity, "code": f.code, "item": f.item, "article": f.article,
             "paragraph": f.paragraph, "rule": f.rule,
             "message": f.message, "profile": f.profile, "shape": f.shape, "focus": f.focus,
             "path": f.path, "value": f.value}
        if f.evidence:
            d["evidence"] = {"sentence": f.evidence.sentence, "line": f.evidence.line}
        return d

    data = {
        "profiles": report.profiles,
        "fail_on": fail_on,
        "failed": report.fails(fail_on),
        "policies": [{
            "policy": p.policy, "slug": p.slug, "source_file": p.source_file,
            "counts": _counts(p),
            "missing": [f.item for f in p.missing],
            "findings": [finding(f) for f in p.findings],
            "found": [{"item": item, "article": report.items.get(item, ("", ""))[0],
                       "sentence": ev.sentence if ev else None, "line": ev.line if ev else None}
                      for item, ev in sorted(p.found.items(), key=lambda kv: _item_order(report, kv[0]))],
        } for p in report.policies],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def render_junit(report: ValidationReport, *, fail_on: str = "violation") -> str:
    """JUnit XML: one testsuite per policy, one testcase per information item and per other rule broken.

    A finding at or above ``fail_on`` is a <failure>; a lower one passes with the message in <system-out>.
    """
    import xml.etree.ElementTree as ET

    threshold = SEVERITY_RANK.get(fail_on, 99)
    root = ET.Element("testsuites", name="policykg validate")
    all_tests = all_failures = 0
    for p in report.policies:
        suite = ET.SubElement(root, "testsuite", name=p.slug)
        tests = failures = 0
        by_item: dict[str, list[Finding]] = {}
        others: dict[str, list[Finding]] = {}
        for f in p.findings:
            (by_item if f.item and not f.rule else others).setdefault(f.item if f.item and not f.rule else f.code, []).append(f)
        items = list(report.items) if "gdpr" in report.profiles else list(by_item)
        cases: list[tuple[str, list[Finding]]] = [
            (f"{report.items.get(item, ('', ''))[0]} {item}".strip(), by_item.get(item, [])) for item in items]
        cases += [(code, fs) for code, fs in others.items()]
        for name, fs in cases:
            case = ET.SubElement(suite, "testcase", classname=p.slug, name=name)
            tests += 1
            failing = [f for f in fs if SEVERITY_RANK[f.severity] >= threshold]
            if failing:
                failures += 1
                worst = max(failing, key=lambda f: SEVERITY_RANK[f.severity])
                failure = ET.SubElement(case, "failure", message=worst.message, type=worst.severity)
                failure.text = "\n".join(f"{f.severity}: {f.message}" + (f" ({f.value})" if f.value and f.value != p.policy else "")
                                         for f in failing) + f"\nsource: {p.source_file}"
            elif fs:
                ET.SubElement(case, "system-out").text = "\n".join(f"{f.severity}: {f.message}" for f in fs)
            else:
                item = name.split()[-1]
                ev = p.found.get(item)
                if ev:
                    ET.SubElement(case, "system-out").text = f"found: {ev.sentence}" + (f" (line {ev.line})" if ev.line else "")
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        all_tests += tests
        all_failures += failures
    root.set("tests", str(all_tests))
    root.set("failures", str(all_failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def render_sarif(report: ValidationReport, *, fail_on: str = "violation") -> str:
    """SARIF 2.1.0: one result per policy and item (kind "pass" when found, with the evidence line)."""
    import json

    from importlib.metadata import version as package_version

    version = package_version("policykg")
    rules: dict[str, dict] = {}
    results: list[dict] = []

    def rule_index(f: Finding | None, code: str) -> int:
        if code not in rules:
            article, label = report.items.get(code, (f.article if f else None, None))
            rule = {"id": code, "name": code,
                    "shortDescription": {"text": label or (f.message if f else code)},
                    "properties": {k: v for k, v in (("article", article), ("paragraph", f.paragraph if f else None),
                                                      ("profile", f.profile if f else "gdpr")) if v}}
            if f is not None:
                rule["fullDescription"] = {"text": f.message}
                rule["defaultConfiguration"] = {"level": _SARIF_LEVEL[f.severity]}
            rules[code] = rule
        return list(rules).index(code)

    for p in report.policies:
        reported_items = set()
        for f in p.findings:
            if f.item and not f.rule:
                reported_items.add(f.item)
            text = f.message + (f" (GDPR Art. {f.article})" if f.article else "")
            if f.value and f.value != p.policy and not (f.item and not f.rule):
                text += f" [{_local(f.value)}]"
            results.append({"ruleId": f.code, "ruleIndex": rule_index(f, f.code), "kind": "fail",
                            "level": _SARIF_LEVEL[f.severity], "message": {"text": text},
                            "locations": [_sarif_location(p, f.evidence)],
                            "properties": {"policy": p.policy, "severity": f.severity}})
        if "gdpr" in report.profiles:
            for item, ev in p.found.items():
                if item in reported_items:
                    continue
                article = report.items.get(item, ("", ""))[0]
                results.append({"ruleId": item, "ruleIndex": rule_index(None, item), "kind": "pass", "level": "none",
                                "message": {"text": f"Discloses {report.items.get(item, ('', item))[1]} (GDPR Art. {article})."},
                                "locations": [_sarif_location(p, ev)], "properties": {"policy": p.policy}})
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policykg", "version": version,
                                "informationUri": "https://w3id.org/policykg",
                                "rules": list(rules.values())}},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path.cwd().as_uri() + "/"}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _sarif_location(p: PolicyReport, ev: Evidence | None) -> dict:
    source = p.source_file or p.policy
    path = Path(source)
    artifact = {"uri": path.as_uri()} if path.is_absolute() else {"uri": path.as_posix(), "uriBaseId": "SRCROOT"}
    physical: dict = {"artifactLocation": artifact}
    if ev is not None and ev.line:
        physical["region"] = {"startLine": ev.line, "snippet": {"text": ev.sentence}}
    elif ev is not None:
        # text extracted from HTML or PDF has no line of the file: the sentence is quoted instead
        return {"physicalLocation": physical, "message": {"text": ev.sentence}}
    return {"physicalLocation": physical}


def _counts(p: PolicyReport) -> dict[str, int]:
    counts = {"violation": 0, "warning": 0, "info": 0}
    for f in p.findings:
        counts[f.severity] += 1
    return counts


def _item_order(report: ValidationReport, item: str) -> int:
    return list(report.items).index(item) if item in report.items else len(report.items)


def _shorten(text: str, width: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
