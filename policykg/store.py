"""The embedded store: a persistent Oxigraph directory, one named graph per policy."""
from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import StoreError

ENV_STORE = "POLICYKG_STORE"


def default_store_path() -> Path:
    return Path(os.environ.get(ENV_STORE) or "policykg-store")


LOCK_FILE = "policykg.lock"
_held: dict[Path, tuple[int, bool]] = {}   # store directory -> (lock file descriptor, exclusive)


def _lock(path: Path, exclusive: bool) -> None:
    """Hold the store's lock for the rest of this process: shared for readers, exclusive for the writer.

    Oxigraph leaves a read-only open undefined while another process writes, so readers and the
    writer do not overlap: a reader is told the store is being written, a writer that readers hold it.
    """
    try:
        import fcntl
    except ImportError:       # no flock (Windows): Oxigraph's own write lock still holds
        return
    key = path.resolve()
    fd, held_exclusive = _held.get(key, (-1, False))
    if fd >= 0 and (held_exclusive or not exclusive):
        return
    if fd < 0:
        fd = os.open(key / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        if key not in _held:
            os.close(fd)
        if exclusive:
            raise StoreError(f"the store at {path} is open in another process (a query, `policykg serve`, or a "
                             f"Python session): it cannot be written while it is read; stop that process, or "
                             f"ingest into another store") from None
        raise StoreError(f"the store at {path} is open for writing in another process (an ingest, or a Python "
                         f"session that opened it for writing): wait for it to finish or close it, then ask "
                         f"again") from None
    _held[key] = (fd, exclusive)


def release_store(path: Path | None = None) -> None:
    """Give up this process's lock on the store (after the last use of the Store opened on it)."""
    fd, _ = _held.pop((path or default_store_path()).resolve(), (-1, False))
    if fd >= 0:
        os.close(fd)


def open_store(path: Path | None = None, *, read_only: bool = False) -> ox.Store:
    """Open (or create) the store at ``path``; read-only opens let several readers share it.

    One process writes at a time and never while others read (see :func:`_lock`); either way the
    one that comes second gets a :class:`StoreError` saying what holds the store.
    """
    path = path or default_store_path()
    try:
        if read_only:
            if not path.exists():
                raise StoreError(f"no store at {path}: run `policykg ingest FILES --store {path}` first")
            _lock(path, exclusive=False)
            return ox.Store.read_only(str(path))
        path.mkdir(parents=True, exist_ok=True)
        _lock(path, exclusive=True)
        return ox.Store(str(path))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise StoreError(f"the store at {path} is open for writing in another process (an ingest, or a "
                             f"Python session holding policykg.open / pyoxigraph.Store on it): wait for it to "
                             f"finish or close it, then try again") from None
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc


def policy_graphs(store: ox.Store) -> list[str]:
    """IRIs of the policy graphs in the store."""
    from policykg.ingest.graph import POLICY_BASE

    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(POLICY_BASE))


_POLICIES = """
PREFIX pk: <https://w3id.org/policykg/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?policy ?source ?title ?date WHERE {
  GRAPH ?policy { ?policy a pk:PolicyDocument . OPTIONAL { ?policy pk:sourceFile ?source }
                  OPTIONAL { ?policy dct:title ?title } OPTIONAL { ?policy dct:date ?date } }
} ORDER BY ?policy"""


def list_policies(store: ox.Store):
    """The policies of the store with their source file, title and date, as query results."""
    from policykg.query import Results

    solutions = store.query(_POLICIES)
    columns = [v.value for v in solutions.variables]
    return Results(columns, [{c: row[c] for c in columns} for row in solutions])


_SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def labels_of(quads) -> dict[str, str]:
    """IRI -> label from ``quads``: skos:prefLabel before rdfs:label, English or untagged before others."""
    ranked: dict[str, tuple[int, str]] = {}
    for q in quads:
        p = q.predicate.value
        if p not in (_SKOS_PREF, _RDFS_LABEL) or not isinstance(q.object, ox.Literal):
            continue
        subject = q.subject.value if isinstance(q.subject, (ox.NamedNode, ox.BlankNode)) else str(q.subject)
        lang = q.object.language
        rank = (0 if p == _SKOS_PREF else 2) + (0 if lang in (None, "en") else 1)
        if subject not in ranked or rank < ranked[subject][0]:
            ranked[subject] = (rank, q.object.value)
    return {iri: label for iri, (_, label) in ranked.items()}


def concept_labels(store: ox.Store) -> dict[str, str]:
    """Labels of the concepts and classes of the store's ontology graph (DPV's, GDPR's, policykg's)."""
    from policykg.ingest.graph import ONTOLOGY_GRAPH

    return {iri: label for iri, label in labels_of(store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH)).items()
            if "://" in iri}


_PK = "https://w3id.org/policykg/ns#"
_OA = "http://www.w3.org/ns/oa#"


def fact_evidence(store: ox.Store, fact: ox.NamedNode,
                  graph: ox.NamedNode | None = None) -> tuple[str, int | None, str | None] | None:
    """(sentence, source line, section) of the evidence a fact points at, in ``graph`` or any graph."""

    def value(subject: ox.NamedNode | ox.BlankNode, predicate: str) -> ox.Term | None:
        for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, graph):
            return q.object
        return None

    ev = value(fact, _PK + "evidence")
    sentence = value(ev, _OA + "exact") if isinstance(ev, (ox.NamedNode, ox.BlankNode)) else None
    if sentence is None:
        return None
    line, section = value(ev, _PK + "line"), value(ev, _PK + "section")
    return sentence.value, int(line.value) if line is not None else None, section.value if section is not None else None
