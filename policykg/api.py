"""policykg's Python API: read one policy, open a store, ask the canned questions, validate.

Everything here is re-exported by :mod:`policykg`; ``docs/api.md`` documents each name with an
example. The command line's ``ingest``, ``query`` and ``policies`` commands call these same
functions, so an answer from Python and from the command line are one code path.

Heavy modules (the readers, pySHACL, rdflib, pandas) are imported inside the functions that need
them, so ``import policykg`` stays cheap.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, overload

from policykg.errors import InputError, QueryError, StoreError, UnknownPolicyError

if TYPE_CHECKING:
    import pandas
    import pyoxigraph as ox
    from rdflib import Graph as RdflibGraph

    from policykg.ingest.pipeline import IngestReport
    from policykg.query import Results
    from policykg.queries import CannedQuery
    from policykg.validate import ValidationReport

__all__ = [
    "Answer", "Concept", "Evidence", "Fact", "KnowledgeGraph", "Parameter", "Policy", "Question",
    "UnknownPolicyError", "open", "questions", "read",
]

Value = str | int | float | bool
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong",
                                "unsignedShort", "unsignedByte")}
_FLOATS = {_XSD + t for t in ("decimal", "float", "double")}
_PK = "https://w3id.org/policykg/ns#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_OA = "http://www.w3.org/ns/oa#"
_FACT_LINKS = {_PK + "states", _PK + "hasController", _PK + "hasContactPoint"}


def python_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Value | None:
    """An RDF term as a Python value: IRIs and blank nodes as str, xsd integers as int, xsd decimals,
    floats and doubles as float, xsd:boolean as bool, every other literal as its text; None stays None."""
    import pyoxigraph as ox

    if term is None:
        return None
    if not isinstance(term, ox.Literal):
        return term.value
    datatype = term.datatype.value if term.datatype is not None else ""
    try:
        if datatype in _INTEGERS:
            return int(term.value)
        if datatype in _FLOATS:
            return float(term.value)
    except ValueError:
        return term.value
    if datatype == _XSD + "boolean":
        return term.value in ("true", "1")
    return term.value


# ------------------------------------------------------------------ the catalogue


@dataclass(frozen=True)
class Parameter:
    """A parameter a question declares: ``kind`` is ``policy`` (a name or IRI), ``iri`` or ``literal``."""

    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Question:
    """A canned question of the catalogue (one ``.rq`` file of ``policykg/queries``)."""

    name: str
    title: str
    description: str
    columns: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    sparql: str


def questions() -> dict[str, Question]:
    """The canned questions by name, in name order: what ``policykg queries`` lists."""
    from policykg.queries import catalogue

    return {name: _question(q) for name, q in catalogue().items()}


def _question(q: CannedQuery) -> Question:
    return Question(q.name, q.title, q.description, q.columns,
                    tuple(Parameter(p.name, p.kind, p.description) for p in q.params), q.text)


def _resolve(name_or_sparql: str | Question) -> CannedQuery:
    """A canned question by name, a ``.rq`` file by path, or SPARQL text (with or without a header)."""
    from policykg.queries import parse_query, resolve

    if isinstance(name_or_sparql, Question):
        name_or_sparql = name_or_sparql.name
    if not isinstance(name_or_sparql, str):
        raise QueryError(f"a question is a name, a .rq file or SPARQL text, not {type(name_or_sparql).__name__}")
    text = name_or_sparql.strip()
    if "\n" in text or "{" in text:
        return parse_query("query", name_or_sparql)
    return resolve(text)


def _params(params: Mapping[str, object] | None, kwargs: Mapping[str, object]) -> dict[str, str]:
    bound = {k: str(v) for k, v in (params or {}).items()}
    bound.update({k: str(v) for k, v in kwargs.items()})
    return bound


# ------------------------------------------------------------------ answers


class Answer:
    """The rows of one answer: iterate it for dicts of Python values (see :func:`python_value`).

    ``columns`` are the answer's columns in order (``sentence`` and ``section`` last when evidence was
    asked); ``rows`` the converted rows (a missing value is None); ``results`` the RDF terms as
    pyoxigraph returned them, which the command line prints.
    """

    def __init__(self, results: Results):
        self.results = results
        self.columns: list[str] = list(results.columns)
        self._rows: list[dict[str, Value | None]] | None = None

    @property
    def rows(self) -> list[dict[str, Value | None]]:
        """The rows as dicts of Python values (converted on first use: the command line prints the terms)."""
        if self._rows is None:
            columns = self.columns
            self._rows = [{c: python_value(row.get(c)) for c in columns} for row in self.results.rows]
        return self._rows

    def __iter__(self) -> Iterator[dict[str, Value | None]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __repr__(self) -> str:
        return f"<Answer {len(self.rows)} rows: {', '.join(self.columns)}>"

    def to_json(self) -> str:
        """W3C SPARQL 1.1 Query Results JSON, exactly what ``policykg query --format json`` prints."""
        from policykg.output import to_json

        return to_json(self.results)

    def to_csv(self) -> str:
        """CSV with a header line, what ``--format csv`` prints."""
        from policykg.output import to_csv

        return to_csv(self.results)

    def to_table(self) -> str:
        """The aligned text table that ``policykg query`` prints by default."""
        from policykg.output import to_table

        return to_table(self.results)

    def render(self, fmt: str = "table") -> str:
        """The answer as the command line prints it: ``table``, ``json`` or ``csv``."""
        from policykg.output import FORMATS, render

        if fmt not in FORMATS:
            raise QueryError(f"no format {fmt!r}: choose one of {', '.join(FORMATS)}")
        return render(self.results, fmt)

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame, one column per answer column (pandas is optional)."""
        try:
            import pandas
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError("Answer.to_pandas() needs pandas: pip install pandas", name="pandas") from exc
        return pandas.DataFrame(self.rows, columns=self.columns)


# ------------------------------------------------------------------ facts of one policy


@dataclass(frozen=True)
class Concept:
    """A concept IRI (DPV, GDPR or policykg's own) with its label from the ontology, where it has one."""

    iri: str
    label: str | None = None

    def __str__(self) -> str:
        return self.iri


@dataclass(frozen=True)
class Evidence:
    """The sentence a fact was read from: its text, its offsets in the policy's normalised text
    (``start`` inclusive, ``end`` exclusive), the heading it stands under and its line in the source."""

    sentence: str
    start: int | None
    end: int | None
    section: str | None
    line: int | None


@dataclass(frozen=True)
class Fact:
    """One thing the policy states, as stored in its graph.

    ``kind`` is the local name of its ``pk:`` class (``Collection``, ``Disclosure``, ``RightStatement``,
    ``Controller``, ...); ``modality`` ``Permitted`` or ``Prohibited`` for practices, else None;
    ``concepts`` the IRI values by property (a prefixed name such as ``dpv:hasPersonalData``),
    ``values`` the literal values by property; ``conditions`` and ``safeguards`` the concepts of
    ``pk:hasCondition`` and ``pk:hasSafeguard``.
    """

    iri: str
    kind: str
    modality: str | None
    concepts: dict[str, tuple[Concept, ...]] = field(default_factory=dict)
    values: dict[str, tuple[Value, ...]] = field(default_factory=dict)
    conditions: tuple[Concept, ...] = ()
    safeguards: tuple[Concept, ...] = ()
    evidence: Evidence | None = None


def _curie(iri: str) -> str:
    from policykg.ingest.graph import PREFIXES

    for prefix, base in PREFIXES.items():
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


@lru_cache(maxsize=1)
def _ontology() -> tuple[tuple[Any, ...], dict[str, str]]:
    """The ontology graph's quads (in its named graph) and the label of each concept (skos:prefLabel,
    else rdfs:label, English first)."""
    import pyoxigraph as ox

    from policykg.ingest.graph import ONTOLOGY_GRAPH
    from policykg.ingest.lexicon import ontology_quads

    quads = tuple(ox.Quad(q.subject, q.predicate, q.object, ONTOLOGY_GRAPH) for q in ontology_quads())
    return quads, _labels(quads)


def _text(term: Any) -> str:
    """The value of an IRI, blank node or literal (an RDF-star triple as its N-Triples text)."""
    value = getattr(term, "value", None)
    return value if isinstance(value, str) else str(term)


def _labels(quads: Iterable[ox.Quad]) -> dict[str, str]:
    from policykg.store import labels_of

    return labels_of(quads)


def _facts(policy_iri: str, quads: list[ox.Quad], labels: Mapping[str, str]) -> list[Fact]:
    import pyoxigraph as ox

    by_subject: dict[str, list[tuple[str, Any]]] = {}
    for q in quads:
        by_subject.setdefault(_text(q.subject), []).append((q.predicate.value, q.object))
    nodes = [o.value for p, o in by_subject.get(policy_iri, []) if p in _FACT_LINKS and isinstance(o, ox.NamedNode)]

    def concept(iri: str) -> Concept:
        return Concept(iri, labels.get(iri))

    def first(subject: str, predicate: str) -> Any:
        return next((o for p, o in by_subject.get(subject, []) if p == predicate), None)

    facts = []
    for node in dict.fromkeys(nodes):
        kind = modality = None
        concepts: dict[str, list[Concept]] = {}
        values: dict[str, list[Value]] = {}
        conditions: list[Concept] = []
        safeguards: list[Concept] = []
        evidence = None
        for p, o in sorted(by_subject.get(node, []), key=lambda po: (po[0], str(po[1]))):
            if p == _RDF_TYPE:
                if o.value.startswith(_PK):     # a controller is also a dpv:DataController: its kind is its pk: class
                    kind = o.value.removeprefix(_PK)
            elif p == _PK + "modality":
                modality = o.value.removeprefix(_PK)
            elif p == _PK + "evidence":
                sentence = first(o.value, _OA + "exact")
                if sentence is not None:
                    def num(predicate: str) -> int | None:
                        value = python_value(first(o.value, predicate))
                        return value if isinstance(value, int) else None

                    section = first(o.value, _PK + "section")
                    evidence = Evidence(sentence.value, num(_OA + "start"), num(_OA + "end"),
                                        section.value if section is not None else None, num(_PK + "line"))
            elif p == _PK + "hasCondition":
                conditions.append(concept(o.value))
            elif p == _PK + "hasSafeguard":
                safeguards.append(concept(o.value))
            elif isinstance(o, ox.NamedNode):
                concepts.setdefault(_curie(p), []).append(concept(o.value))
            else:
                value = python_value(o)
                if value is not None:
                    values.setdefault(_curie(p), []).append(value)
        facts.append(Fact(node, kind or "Fact", modality, {k: tuple(v) for k, v in concepts.items()},
                          {k: tuple(v) for k, v in values.items()}, tuple(conditions), tuple(safeguards), evidence))
    facts.sort(key=_fact_order)
    return facts


def _fact_order(fact: Fact) -> tuple[int, str, int]:
    """Facts in text order (those with no sentence first), then by kind and number (collection-2 before -10)."""
    stem, _, number = fact.iri.rpartition("-")
    return (fact.evidence.start if fact.evidence and fact.evidence.start is not None else -1,
            stem, int(number) if number.isdigit() else 0)


class Policy:
    """One policy's graph, read with :func:`read` or taken from a store with :meth:`KnowledgeGraph.policy`.

    ``slug`` is its name, ``iri`` its IRI (and graph name), ``facts`` what it states, each with its
    evidence. :meth:`answers` asks the canned questions of this policy alone, in memory.
    """

    def __init__(self, slug: str, quads: Iterable[ox.Quad], *, labels: Mapping[str, str] | None = None):
        from policykg.ingest.graph import policy_iri

        self.slug = slug
        self.iri = policy_iri(slug).value
        self._quads = list(quads)
        self._labels = labels if labels is not None else _ontology()[1]
        self._facts: list[Fact] | None = None
        self._store: ox.Store | None = None

    def __repr__(self) -> str:
        return f"<Policy {self.slug!r}: {len(self.facts)} facts>"

    @property
    def facts(self) -> list[Fact]:
        """The facts of the policy graph, in the order of their sentences in the text."""
        if self._facts is None:
            self._facts = _facts(self.iri, self._quads, self._labels)
        return self._facts

    @property
    def title(self) -> str | None:
        """The policy's title (front matter, else its first heading), if it has one."""
        return next((_text(q.object) for q in self._quads if _text(q.subject) == self.iri
                     and q.predicate.value == "http://purl.org/dc/terms/title"), None)

    def _memory_store(self) -> ox.Store:
        if self._store is None:
            import pyoxigraph as ox

            store = ox.Store()
            store.extend(self._quads)
            store.extend(_ontology()[0])
            self._store = store
        return self._store

    def answers(self, question: str | Question, *, evidence: bool = False,
                params: Mapping[str, object] | None = None, **kwargs: object) -> Answer:
        """Answer a canned question (or a ``.rq`` file, or SPARQL text) on this policy.

        It runs on an in-memory store holding the policy graph and the ontology graph, through the
        runner ``policykg query`` uses; parameters go as keywords (``policy=`` is this policy unless
        given) or in ``params``; ``evidence=True`` adds the ``sentence`` and ``section`` columns.
        """
        from policykg.query import run_local

        query = _resolve(question)
        bound = _params(params, kwargs)
        if any(p.name == "policy" for p in query.params):
            bound.setdefault("policy", self.iri)
        return Answer(run_local(self._memory_store(), query, bound, evidence=evidence))

    @overload
    def to_graph(self, *, rdflib: Literal[False] = False) -> list[ox.Quad]: ...

    @overload
    def to_graph(self, *, rdflib: Literal[True]) -> RdflibGraph: ...

    def to_graph(self, *, rdflib: bool = False) -> list[ox.Quad] | RdflibGraph:
        """The policy's named graph as pyoxigraph quads, or as an rdflib Graph with ``rdflib=True``."""
        if not rdflib:
            return list(self._quads)
        import pyoxigraph as ox
        import rdflib as rdflib_module

        graph = rdflib_module.Graph(identifier=rdflib_module.URIRef(self.iri))
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in self._quads]
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        if data:
            graph.parse(data=data.decode("utf-8"), format="nt")
        return graph

    def validate(self, profile: str = "gdpr") -> ValidationReport:
        """Validate this policy against a SHACL profile (``gdpr``, ``structure`` or ``all``); needs pySHACL."""
        from policykg.validate import validate_store

        return validate_store(self._memory_store(), [self.iri], profile=profile)


_SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
_MARKDOWN = re.compile(r"^(?:---\s*$|#{1,6}\s)", re.M)


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and len(value) < 4096 and (
        Path(value).exists() or (" " not in value and value.lower().endswith(_SUPPORTED)))


def read(path_or_text: str | Path, *, slug: str | None = None) -> Policy:
    """Read one policy into a :class:`Policy`, without a store.

    ``path_or_text`` is a file (a :class:`~pathlib.Path`, or a str naming a file that exists or ending
    in a supported suffix) or the policy's text itself (any other str: plain text, Markdown when it
    has front matter or ``#`` headings, or HTML). Text is read through a temporary file that is
    removed afterwards; nothing else is written. The policy is named ``slug``, else by the file's name
    as ``policykg ingest`` names it, else ``policy``. Raises :class:`~policykg.errors.InputError` for a
    file that cannot be read.
    """
    if isinstance(path_or_text, Path) or (isinstance(path_or_text, str) and _looks_like_path(path_or_text)):
        return _read_file(Path(path_or_text), slug)
    if not isinstance(path_or_text, str):
        raise TypeError(f"read() takes a path or the policy's text, not {type(path_or_text).__name__}")
    import tempfile

    from policykg.ingest.graph import slugify

    name = slugify(slug.replace("/", "-")) if slug else "policy"
    suffix = ".md" if _MARKDOWN.search(path_or_text) else ".txt"
    with tempfile.TemporaryDirectory(prefix="policykg-read-") as tmp:
        path = Path(tmp) / f"{name}{suffix}"
        path.write_text(path_or_text, encoding="utf-8")
        return _read_file(path, slug or "policy", source=path.name)


def _read_file(path: Path, slug: str | None, source: str | None = None) -> Policy:
    from policykg.ingest.pipeline import policy_files, policy_quads

    if not path.exists():
        raise InputError(path, "no such file or directory")
    if path.is_dir():
        raise InputError(path, "is a folder: read() reads one policy file (KnowledgeGraph.ingest takes folders)")
    files, _ = policy_files([path], name=slug)
    file = files[0]
    try:
        doc, quads = policy_quads(file.path, file.slug, source if source is not None else file.source)
    except (OSError, ValueError, UnicodeError, SyntaxError, RecursionError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(path, f"could not be read: {type(exc).__name__}: {exc}") from exc
    return Policy(doc.slug, quads)


# ------------------------------------------------------------------ a store


class KnowledgeGraph:
    """A policykg store on disk (an Oxigraph directory), opened with :func:`open`.

    Use it as a context manager, or call :meth:`close`, so that the directory is released for other
    processes (a writer holds a lock on it).
    """

    def __init__(self, path: Path, store: ox.Store, *, read_only: bool):
        self.path = path
        self.read_only = read_only
        self._store: ox.Store | None = store

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._store is None else ("read-only" if self.read_only else "open")
        return f"<KnowledgeGraph {str(self.path)!r} ({state})>"

    @property
    def store(self) -> ox.Store:
        """The underlying ``pyoxigraph.Store`` (for SPARQL of your own)."""
        if self._store is None:
            raise StoreError(f"the store at {self.path} is closed")
        return self._store

    def close(self) -> None:
        """Flush (when writable) and release the store; further calls raise :class:`StoreError`."""
        if self._store is None:
            return
        if not self.read_only:
            self._store.flush()
        self._store = None
        if not self.read_only:     # a writer's lock on the directory goes when pyoxigraph frees the Store
            import gc

            gc.collect()
        from policykg.store import release_store

        release_store(self.path)   # and policykg's own lock, so other processes may read or write it

    def ingest(self, paths: str | Path | Iterable[str | Path], *, name: str | None = None,
               service: str | None = None, date: str | None = None, time_budget: float | None = 120.0, workers: int | None = None,
               on_document: Callable[[Path, InputError | None], None] | None = None,
               max_bytes: int | None = None, dask: str | None = None, force: bool = False) -> IngestReport:
        """Ingest policy files and folders, as ``policykg ingest`` does; returns the IngestReport
        (``stored``: (file, policy IRI, quads) per policy, ``failed``: an InputError per file skipped).

        ``name`` names the policy of a single file; ``service`` and ``date`` (YYYY-MM-DD, one file) make
        the files versions of a service (by default a name ending in -YYYY-MM-DD does); ``time_budget`` is seconds per document (None: no
        limit); ``max_bytes`` is the largest text a document may have (default 10 MB);
        ``on_document(path, error_or_None)`` is called after each file. A file stored unchanged (same
        bytes, same engine, same name) is not read again (``skipped``) unless ``force``; ``dask`` (a
        scheduler address such as ``tcp://10.0.0.5:8786``, or ``"local"``) reads on a Dask cluster.
        """
        from policykg.ingest.pipeline import ingest
        from policykg.ingest.readers import DEFAULT_MAX_BYTES

        if self.read_only:
            raise StoreError(f"the store at {self.path} is open read-only: open it with read_only=False to ingest")
        items = [paths] if isinstance(paths, (str, Path)) else list(paths)
        return ingest([Path(p) for p in items], self.store, name=name, service=service, date=date,
                      time_budget=time_budget, workers=workers, dask=dask, force=force,
                      on_document=on_document, max_bytes=max_bytes if max_bytes is not None else DEFAULT_MAX_BYTES)

    def policies(self) -> Answer:
        """The policies of the store: columns policy (IRI), source, title, date; what ``policykg policies`` prints."""
        from policykg.store import list_policies

        return Answer(list_policies(self.store))

    def names(self) -> list[str]:
        """The names (slugs) of the store's policies, sorted."""
        from policykg.ingest.graph import policy_slug
        from policykg.store import policy_graphs

        return [policy_slug(iri) for iri in policy_graphs(self.store)]

    def policy(self, name: str) -> Policy:
        """One policy of the store (by name or IRI) as a :class:`Policy`; raises UnknownPolicyError."""
        import pyoxigraph as ox

        from policykg.ingest.graph import ONTOLOGY_GRAPH, policy_slug
        from policykg.queries import expand_value
        from policykg.query import require_policies
        from policykg.store import policy_graphs

        iri = ox.NamedNode(expand_value("policy", name)[1])
        require_policies([iri], self.store.contains_named_graph, lambda: policy_graphs(self.store))
        labels = _labels(self.store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
        return Policy(policy_slug(iri.value), self.store.quads_for_pattern(None, None, None, iri), labels=labels)

    def ask(self, name_or_sparql: str | Question, /, *, evidence: bool = False,
            params: Mapping[str, object] | None = None, **kwargs: object) -> Answer:
        """Answer a canned question by name (or a ``.rq`` file, or SPARQL text) on the whole store.

        Parameters go as keywords (``policy="quietnote"``) or in ``params``; a policy name the store
        does not hold raises :class:`UnknownPolicyError` with the closest names. ``evidence=True``
        adds the ``sentence`` and ``section`` of each answer.
        """
        from policykg.query import run_local

        return Answer(run_local(self.store, _resolve(name_or_sparql), _params(params, kwargs), evidence=evidence))

    def validate(self, policies: str | Iterable[str] | None = None, profile: str = "gdpr", *,
                 jobs: int = 1, into_store: bool = False) -> ValidationReport:
        """Validate the policies named (all when None) against a SHACL profile; the report that
        ``policykg validate`` prints (``policykg.validate.render`` renders it, also as ``ttl`` or
        ``jsonld``). ``into_store=True`` also keeps each policy's ``sh:ValidationReport`` in the
        store, as ``policykg validate --into-store`` does (the store must be open for writing).
        Needs pySHACL."""
        from policykg.validate import validate_store

        if into_store and self.read_only:
            raise StoreError(f"the store at {self.path} is open read-only: open it with read_only=False to keep "
                             f"validation reports in it")
        wanted = [policies] if isinstance(policies, str) else list(policies or ())
        report = validate_store(self.store, wanted, profile=profile, jobs=jobs,
                                store_path=self.path if self.read_only else None, rdf=True)
        if into_store:
            from policykg.shaclreport import store_reports

            store_reports(self.store, report)
        return report

    def export(self, out: str | Path, format: str = "nq", *, policies: Iterable[str] | None = None,
               include_ontology: bool = True) -> int:
        """Write the policy graphs (all, or those named) and, unless ``include_ontology`` is false, the
        ontology graph as RDF: ``nq``, ``trig``, ``ttl`` or ``jsonld`` (compacted with
        ``policykg/context.jsonld``); returns the number of quads written."""
        from policykg.rdfexport import export_rdf

        return export_rdf(self.store, format, Path(out), policies=list(policies) if policies else None,
                          include_ontology=include_ontology)


def open(path: str | Path | None = None, *, read_only: bool = False) -> KnowledgeGraph:  # noqa: A001
    """Open (or create) the store at ``path`` (default: ``$POLICYKG_STORE``, else ``./policykg-store``).

    ``read_only=True`` opens an existing store that other processes may read at the same time (and
    raises :class:`~policykg.errors.StoreError` when there is none). Shadows the builtin ``open``
    inside :mod:`policykg` only.
    """
    from policykg.store import default_store_path, open_store

    where = Path(path) if path is not None else default_store_path()
    return KnowledgeGraph(where, open_store(where, read_only=read_only), read_only=read_only)
