"""Graph projections of the store that people can read: who collects what and shares it with whom.

A raw RDF graph drawn node for node is unreadable; each function here asks the store a few SPARQL
questions and folds the answers into a small :mod:`networkx` graph. Every graph follows one schema,
so every writer in :mod:`policykg.viewers` serves every view:

- node attributes: ``label`` (human-readable), ``kind`` (``controller``, ``practice``, ``data``,
  ``purpose``, ``recipient``, ``legal-basis``, ``transfer-safeguard``, ``question``, ``answer``, ...),
  ``iri`` (the RDF node it stands for, ``""`` when none), ``policy`` (the policy slugs, space
  separated), ``evidence`` (sentences, one a line, each ``[slug] sentence``);
- edge attributes: ``label``, ``relation``, ``weight`` (int), ``policy``, ``evidence``, and where they
  apply ``modality`` (``permitted``/``ruled out``), ``condition``, ``safeguards``, ``categories``.

All values are strings or ints, so GraphML and GEXF keep their types. Concept labels come from the
ontology graph (``skos:prefLabel``, else ``rdfs:label``, else the IRI's local name), and concepts can
be collapsed to a depth of their ``skos:broader`` tree (see :meth:`Vocabulary.collapse`).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from policykg.errors import QueryError
from policykg.queries import POLICY_BASE, PREFIXES, expand_value

if TYPE_CHECKING:
    import networkx as nx

VIEWS = ("policy", "sharing", "collection", "question")
LEVELS = ("1", "2", "leaf")

PK = PREFIXES["pk"]
DPV = PREFIXES["dpv"]

# The predicates that link a fact to the concepts a view draws, and the kind of node each makes.
CONCEPT_LINKS = {
    DPV + "hasPersonalData": "data",
    DPV + "hasPurpose": "purpose",
    DPV + "hasRecipient": "recipient",
    DPV + "hasLegalBasis": "legal-basis",
    PK + "hasTransferSafeguard": "transfer-safeguard",
}
# The kind of a concept that a canned question returns, told by its SKOS scheme.
SCHEME_KINDS = {
    PK + "DataCategoryScheme": "data",
    PK + "PurposeScheme": "purpose",
    PK + "LegalBasisScheme": "legal-basis",
    PK + "RecipientScheme": "recipient",
    PK + "RightScheme": "right",
    PK + "SecurityMeasureScheme": "measure",
    PK + "TransferSafeguardScheme": "transfer-safeguard",
}
# The kind of an answer column's concepts when the vocabulary does not give their scheme.
COLUMN_KINDS = {"category": "data", "data": "data", "purpose": "purpose", "recipient": "recipient",
                "basis": "legal-basis", "right": "right", "measure": "measure", "safeguard": "transfer-safeguard"}
# Columns of a canned question that a question view does not draw as answer nodes: the controller
# is the row's own node already, and an evidence column is a sentence, shown on the edge.
_NOT_ANSWER_NODES = {"policy", "controller", "evidence", "sentence", "section"}

_PREFIX_SELECT = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in
                           {**PREFIXES, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}.items())

_VOCABULARY_QUERY = _PREFIX_SELECT + """
SELECT ?c ?p ?o WHERE {
  GRAPH <https://w3id.org/policykg/ns> {
    ?c ?p ?o .
    VALUES ?p { skos:prefLabel rdfs:label skos:broader skos:inScheme skos:topConceptOf }
  }
}"""

_CONTROLLERS_QUERY = _PREFIX_SELECT + """
SELECT ?policy ?name ?sentence WHERE {
  GRAPH ?policy {
    ?policy a pk:PolicyDocument .
    OPTIONAL { ?policy pk:hasController ?c .
               OPTIONAL { ?c dpv:hasName ?name }
               OPTIONAL { ?c pk:evidence/oa:exact ?sentence } }
  }
}"""

_FACT_LINKS_QUERY = _PREFIX_SELECT + """
SELECT ?policy ?fact ?type ?p ?o ?modality ?sentence WHERE {
  GRAPH ?policy {
    ?policy pk:states ?fact .
    ?fact a ?type ; ?p ?o .
    VALUES ?p { dpv:hasPersonalData dpv:hasPurpose dpv:hasRecipient dpv:hasLegalBasis pk:hasTransferSafeguard }
    OPTIONAL { ?fact pk:modality ?modality }
    OPTIONAL { ?fact pk:evidence/oa:exact ?sentence }
  }
}"""

_FACT_QUALIFIERS_QUERY = _PREFIX_SELECT + """
SELECT ?policy ?fact ?p ?o WHERE {
  GRAPH ?policy {
    ?policy pk:states ?fact .
    ?fact ?p ?o .
    VALUES ?p { pk:hasCondition pk:hasSafeguard }
  }
}"""

_SHARING_QUERY = _PREFIX_SELECT + """
SELECT ?policy ?fact ?recipient ?ev ?sentence WHERE {
  GRAPH ?policy {
    ?fact dpv:hasRecipient ?recipient ; a ?type ; pk:modality pk:Permitted .
    VALUES ?type { pk:Disclosure pk:Sale }
    OPTIONAL { ?fact pk:evidence ?ev . ?ev oa:exact ?sentence }
  }
}"""

# The data categories of every fact, with its sentence: a disclosure shares the ones it names and
# those collected in the same sentence ("we collect your e-mail address and share it with ...").
_DATA_BY_SENTENCE_QUERY = _PREFIX_SELECT + """
SELECT ?fact ?ev ?data WHERE {
  GRAPH ?policy {
    ?fact dpv:hasPersonalData ?data .
    OPTIONAL { ?fact pk:evidence ?ev }
  }
}"""

_COLLECTION_QUERY = _PREFIX_SELECT + """
SELECT ?policy ?data ?sentence WHERE {
  GRAPH ?policy {
    ?fact a pk:Collection ; dpv:hasPersonalData ?data ; pk:modality pk:Permitted .
    OPTIONAL { ?fact pk:evidence ?ev . ?ev oa:exact ?sentence }
  }
}"""

UNSPECIFIED_DATA = PK + "UnspecifiedPersonalData"


def slug(policy_iri: str) -> str:
    """The short id of a policy IRI (``https://w3id.org/policykg/policy/quietnote`` -> ``quietnote``)."""
    return policy_iri[len(POLICY_BASE):] if policy_iri.startswith(POLICY_BASE) else policy_iri


def local_label(iri: str) -> str:
    """A readable label from an IRI's local name: ``LawEnforcementOrganisation`` -> ``Law Enforcement Organisation``."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[-_]+", " ", local).strip() or iri


def curie(iri: str) -> str:
    """``https://w3id.org/dpv/pd#EmailAddress`` -> ``pd:EmailAddress`` (the IRI itself when no prefix fits)."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _sentence(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Vocabulary:
    """Labels, schemes and the ``skos:broader`` tree of the concepts in the store's ontology graph."""

    labels: dict[str, str] = field(default_factory=dict)
    broader: dict[str, str] = field(default_factory=dict)
    schemes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: ox.Store) -> "Vocabulary":
        voc = cls()
        pref: dict[str, str] = {}
        rdfs: dict[str, str] = {}
        broader: dict[str, list[str]] = defaultdict(list)
        for s in store.query(_VOCABULARY_QUERY):
            c, p, o = s["c"].value, s["p"].value, s["o"]
            if p.endswith("prefLabel") or p.endswith("#label"):
                target = pref if p.endswith("prefLabel") else rdfs
                # an English (or untagged) label wins over others
                if c not in target or (isinstance(o, ox.Literal) and o.language in (None, "en")):
                    target[c] = o.value
            elif p.endswith("broader") and isinstance(o, ox.NamedNode):
                broader[c].append(o.value)
            elif isinstance(o, ox.NamedNode):        # inScheme, topConceptOf
                voc.schemes.setdefault(c, o.value)
        voc.labels = {**rdfs, **pref}
        voc.broader = {c: sorted(bs)[0] for c, bs in broader.items()}
        return voc

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or local_label(iri)

    def kind(self, iri: str, default: str = "answer") -> str:
        return SCHEME_KINDS.get(self.schemes.get(iri, ""), default)

    def ancestors(self, iri: str) -> list[str]:
        """The concept's chain from the top of its tree down to itself."""
        chain = [iri]
        while chain[-1] in self.broader and self.broader[chain[-1]] not in chain:
            chain.append(self.broader[chain[-1]])
        return chain[::-1]

    def collapse(self, iri: str, level: str) -> str:
        """The concept shown for ``iri`` at ``level``: ``leaf`` keeps it; ``1`` and ``2`` walk
        ``skos:broader`` up to that depth below the top concept of its tree (the top is depth 0).
        With DPV's ``dpv:PersonalData > pd:Tracking > pd:Contact > pd:EmailAddress``, level 1 shows
        ``pd:Tracking`` and level 2 ``pd:Contact``. A concept at or above the depth is kept as it is."""
        if level not in LEVELS:
            raise QueryError(f"unknown level {level!r} (expected one of {', '.join(LEVELS)})")
        if level == "leaf":
            return iri
        chain = self.ancestors(iri)
        depth = int(level)
        return chain[depth] if len(chain) > depth + 1 else iri


@dataclass
class _Item:
    """The attributes of one node or edge while a view is being built; evidence and policies are sets."""

    attrs: dict[str, object]
    policies: set[str] = field(default_factory=set)
    evidence: dict[str, None] = field(default_factory=dict)   # ordered set of "[slug] sentence"
    extra: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def note(self, policy_iri: str, sentence: str | None) -> None:
        self.policies.add(slug(policy_iri))
        if sentence:
            self.evidence.setdefault(f"[{slug(policy_iri)}] {_sentence(sentence)}")

    def finish(self) -> dict[str, object]:
        out = dict(self.attrs)
        out["policy"] = " ".join(sorted(self.policies))
        out["evidence"] = "\n".join(self.evidence)
        for key, values in self.extra.items():
            out[key] = ", ".join(sorted(values))
        return out


class _Builder:
    """Collects nodes and edges with merged evidence, then makes the networkx graph."""

    def __init__(self) -> None:
        self.nodes: dict[str, _Item] = {}
        self.edges: dict[tuple[str, str], _Item] = {}

    def node(self, key: str, *, label: str, kind: str, iri: str = "", **attrs: object) -> _Item:
        if key not in self.nodes:
            self.nodes[key] = _Item({"label": label, "kind": kind, "iri": iri, **attrs})
        return self.nodes[key]

    def edge(self, source: str, target: str, *, relation: str, label: str = "", **attrs: object) -> _Item:
        if (source, target) not in self.edges:
            self.edges[(source, target)] = _Item({"label": label, "relation": relation, "weight": 1, **attrs})
        return self.edges[(source, target)]

    def drop_isolated(self, kind: str) -> None:
        """Forget the nodes of ``kind`` that no edge touches (a policy that shares nothing)."""
        touched = {n for edge in self.edges for n in edge}
        for key in [k for k, item in self.nodes.items() if item.attrs["kind"] == kind and k not in touched]:
            del self.nodes[key]

    def graph(self, **graph_attrs: object) -> "nx.DiGraph":
        import networkx as nx

        g = nx.DiGraph(**graph_attrs)
        for key, item in self.nodes.items():
            g.add_node(key, **item.finish())
        for (s, t), item in self.edges.items():
            g.add_edge(s, t, **item.finish())
        return g


def _policy_iris(store: ox.Store, policies: Iterable[str] | None) -> list[str] | None:
    """The IRIs of the policies named (slugs or IRIs), checked against the store; None for all."""
    if not policies:
        return None
    iris = []
    for p in policies:
        iri = expand_value("policy", p)[1]
        if not store.contains_named_graph(ox.NamedNode(iri)):
            raise QueryError(f"No policy {p!r} in the store. `policykg query controllers` lists the policies.")
        iris.append(iri)
    return iris


def _controllers(store: ox.Store, b: _Builder, wanted: list[str] | None) -> dict[str, str]:
    """Add one controller node per policy (keyed by the policy IRI); return policy IRI -> node key."""
    names: dict[str, list[str]] = defaultdict(list)
    sentences: dict[str, list[str]] = defaultdict(list)
    for s in store.query(_CONTROLLERS_QUERY):
        policy = s["policy"].value
        if wanted is not None and policy not in wanted:
            continue
        names.setdefault(policy, [])
        if s["name"] is not None and s["name"].value not in names[policy]:
            names[policy].append(s["name"].value)
        if s["sentence"] is not None:
            sentences[policy].append(s["sentence"].value)
    for policy in names:
        # a document title ("Privacy Policy") rarely names anyone: the policy id says more
        label = " / ".join(sorted(names[policy])) or slug(policy)
        item = b.node(policy, label=label, kind="controller", iri=policy)
        item.note(policy, None)
        for sentence in sentences[policy]:
            item.note(policy, sentence)
    return {p: p for p in names}


def _concept(b: _Builder, voc: Vocabulary, iri: str, kind: str, level: str) -> str:
    shown = voc.collapse(iri, level)
    b.node(shown, label=voc.label(shown), kind=kind, iri=shown, curie=curie(shown))
    return shown


def safeguard_text(condition: bool, safeguards: set[str]) -> str:
    """What protects a conditioned transfer, as the issue words it: ``notice, no consent``."""
    if not (condition or safeguards):
        return ""
    notice = "notice" if PK + "NoticeSafeguard" in safeguards else "no notice"
    consent = "consent" if PK + "ConsentSafeguard" in safeguards else "no consent"
    return f"{notice}, {consent}"


def policy_view(store: ox.Store, policy: str, *, level: str = "leaf") -> "nx.DiGraph":
    """One policy: its controller -> the practices it states (collection, use, disclosure, sale,
    transfer, legal basis) -> the data categories, purposes, recipients, legal bases and transfer
    safeguards they name.

    Each practice -> concept edge carries the evidence sentences, the ``modality`` (``ruled out`` for
    "we do not sell ..."), the ``condition`` (e.g. a merger) and the ``safeguards`` of the facts
    behind it, worded ``notice, no consent`` when a condition or a safeguard is stated.
    """
    iris = _policy_iris(store, [policy])
    assert iris is not None
    iri = iris[0]
    voc = Vocabulary.from_store(store)
    b = _Builder()
    _controllers(store, b, iris)
    bind = {ox.Variable("policy"): ox.NamedNode(iri)}
    qualifiers: dict[str, set[str]] = defaultdict(set)
    for s in store.query(_FACT_QUALIFIERS_QUERY, substitutions=bind):
        qualifiers[s["fact"].value].add(s["o"].value)
    conditions = {PK + "CorporateTransaction"}
    for s in store.query(_FACT_LINKS_QUERY, substitutions=bind):
        fact, ftype, pred, obj = s["fact"].value, s["type"].value, s["p"].value, s["o"]
        if not isinstance(obj, ox.NamedNode):
            continue
        practice = f"{iri}#practice-{local_label(ftype).replace(' ', '')}"
        b.node(practice, label=voc.label(ftype), kind="practice", iri=ftype).note(iri, None)
        b.edge(iri, practice, relation="states").note(iri, None)
        target = _concept(b, voc, obj.value, CONCEPT_LINKS[pred], level)
        b.nodes[target].note(iri, None)
        edge = b.edge(practice, target, relation=curie(pred))
        sentence = s["sentence"].value if s["sentence"] is not None else None
        edge.note(iri, sentence)
        ruled_out = s["modality"] is not None and s["modality"].value == PK + "Prohibited"
        edge.extra["modality"].add("ruled out" if ruled_out else "permitted")
        quals = qualifiers.get(fact, set())
        cond = quals & conditions
        for c in cond:
            edge.extra["condition"].add(voc.label(c))
        words = safeguard_text(bool(cond), quals - conditions)
        if words:
            edge.extra["safeguards"].add(words)
    for edge in b.edges.values():
        edge.attrs["label"] = "; ".join(
            sorted(edge.extra.get("safeguards", set()))
            + (["ruled out"] if edge.extra.get("modality") == {"ruled out"} else []))
    return b.graph(view="policy", title=f"Policy {slug(iri)}", level=level)


def sharing_view(store: ox.Store, policies: Iterable[str] | None = None, *, level: str = "leaf") -> "nx.DiGraph":
    """Across policies: controllers -> recipient categories, each edge weighted by the number of
    data categories the controller says it shares with them (at ``level``).

    A disclosure's data categories are those it names or that are collected in the same sentence;
    a disclosure that names none counts as one category, ``Unspecified Personal Data``, listed in the
    edge's ``categories``.
    """
    wanted = _policy_iris(store, policies)
    voc = Vocabulary.from_store(store)
    b = _Builder()
    controllers = _controllers(store, b, wanted)
    data_of: dict[str, set[str]] = defaultdict(set)       # fact or evidence IRI -> data categories
    for s in store.query(_DATA_BY_SENTENCE_QUERY):
        data_of[s["fact"].value].add(s["data"].value)
        if s["ev"] is not None:
            data_of[s["ev"].value].add(s["data"].value)
    for s in store.query(_SHARING_QUERY):
        policy = s["policy"].value
        if policy not in controllers:          # another policy than the ones wanted
            continue
        target = _concept(b, voc, s["recipient"].value, "recipient", level)
        b.nodes[target].note(policy, None)
        edge = b.edge(policy, target, relation="shares with")
        edge.note(policy, s["sentence"].value if s["sentence"] is not None else None)
        shared = data_of.get(s["fact"].value, set()) | (data_of.get(s["ev"].value, set()) if s["ev"] else set())
        for data in shared or {UNSPECIFIED_DATA}:
            edge.extra["categories"].add(curie(voc.collapse(data, level) if data != UNSPECIFIED_DATA else data))
    for edge in b.edges.values():
        edge.attrs["weight"] = max(1, len(edge.extra.get("categories", ())))
        edge.attrs["label"] = str(edge.attrs["weight"]) if edge.attrs["weight"] > 1 else ""
    b.drop_isolated("controller")
    return b.graph(view="sharing", title="Who shares personal data with whom", level=level)


def collection_view(store: ox.Store, policies: Iterable[str] | None = None, *, level: str = "leaf") -> "nx.DiGraph":
    """Across policies: the bipartite graph of controllers and the data categories they collect.

    Controllers have ``bipartite=0`` and data categories ``bipartite=1`` (networkx's convention);
    an edge's ``weight`` is the number of sentences that state the collection.
    """
    wanted = _policy_iris(store, policies)
    voc = Vocabulary.from_store(store)
    b = _Builder()
    controllers = _controllers(store, b, wanted)
    for item in b.nodes.values():
        item.attrs["bipartite"] = 0
    for s in store.query(_COLLECTION_QUERY):
        policy = s["policy"].value
        if policy not in controllers:          # another policy than the ones wanted
            continue
        target = _concept(b, voc, s["data"].value, "data", level)
        b.nodes[target].attrs["bipartite"] = 1
        b.nodes[target].note(policy, None)
        b.edge(policy, target, relation="collects").note(policy, s["sentence"].value if s["sentence"] is not None else None)
    for edge in b.edges.values():
        edge.attrs["weight"] = max(1, len(edge.evidence))
    b.drop_isolated("controller")
    return b.graph(view="collection", title="Who collects which personal data", level=level)


def question_view(store: ox.Store, name: str, policies: Iterable[str] | None = None) -> "nx.DiGraph":
    """The answer of the canned question ``name`` drawn as a graph: the question -> each controller
    whose policy answers it -> the answer values (concepts or literals) of its rows.

    Every edge carries the evidence sentences of the rows behind it; a question whose answer is only
    the controller (the merger question) draws the question and the controllers that permit it.
    """
    from policykg.queries import resolve
    from policykg.query import run_local

    query = resolve(name)
    wanted = _policy_iris(store, policies)
    if wanted is not None and not any(p.name == "policy" for p in query.params):
        raise QueryError(f"question {name!r} has no policy parameter; drop --policy to draw it for all policies")
    runs = [run_local(store, query, {"policy": p}, evidence=True) for p in wanted] if wanted is not None \
        else [run_local(store, query, evidence=True)]
    voc = Vocabulary.from_store(store)
    b = _Builder()
    hub = f"question:{query.name}"
    b.node(hub, label=query.title or query.name, kind="question", iri="", question=query.question)
    answered: set[str] = set()
    for results in runs:
        for row in results.rows:
            policy = row.get("policy")
            if not isinstance(policy, ox.NamedNode):
                continue
            answered.add(policy.value)
            sentence = row.get("sentence") or row.get("evidence")
            text = sentence.value if sentence is not None else None
            b.edge(hub, policy.value, relation="answered by").note(policy.value, text)
            for column in results.columns:
                value = row.get(column)
                if column in _NOT_ANSWER_NODES or value is None:
                    continue
                if isinstance(value, ox.NamedNode):
                    key = value.value
                    default = COLUMN_KINDS.get(column, "answer")
                    b.node(key, label=voc.label(key), kind=voc.kind(key, default), iri=key, curie=curie(key))
                else:
                    key = f"{column}:{value.value}"
                    b.node(key, label=value.value, kind="answer", iri="")
                b.nodes[key].note(policy.value, None)
                b.edge(policy.value, key, relation=column, label=column).note(policy.value, text)
    for (source, _), edge in b.edges.items():
        if source == hub and edge.evidence:
            # a drawing of the answer shows why each controller is in it: its first sentence
            first = next(iter(edge.evidence)).split("] ", 1)[-1]
            more = len(edge.evidence) - 1
            edge.attrs["label"] = _clip(first, 90) + (f" (+{more} more)" if more else "")
    _controllers(store, b, sorted(answered))
    b.nodes[hub].policies = {slug(p) for p in answered}
    return b.graph(view="question", title=query.title or query.name, question=query.name)


def project(store: ox.Store, view: str, *, policies: Iterable[str] | None = None, question: str | None = None,
            level: str = "leaf") -> "nx.DiGraph":
    """The projection ``view`` (one of :data:`VIEWS`), checking that the options fit it."""
    policies = list(policies or [])
    if level not in LEVELS:
        raise QueryError(f"unknown level {level!r} (expected one of {', '.join(LEVELS)})")
    if view == "policy":
        if len(policies) != 1:
            raise QueryError("the policy view draws one policy: give exactly one --policy ID "
                             "(`policykg query controllers` lists them)")
        return policy_view(store, policies[0], level=level)
    if view == "question":
        if not question:
            raise QueryError("the question view needs --question NAME (see `policykg queries`)")
        return question_view(store, question, policies or None)
    if question:
        raise QueryError(f"--question only goes with --view question, not --view {view}")
    if view == "sharing":
        return sharing_view(store, policies or None, level=level)
    if view == "collection":
        return collection_view(store, policies or None, level=level)
    raise QueryError(f"unknown view {view!r} (expected one of {', '.join(VIEWS)})")
