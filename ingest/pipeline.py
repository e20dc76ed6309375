"""The ingest pipeline: files in, one named graph per policy out.

read (bytes -> text) -> structure (blocks, sentences) -> extract (facts) -> graph (quads) -> store.
Each document is read and written on its own: a file that fails is reported and skipped, and a
document's graph is replaced in one SPARQL update, so the store never holds half a policy.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import InputError
from policykg.ingest.extract import Fact, extract_facts
from policykg.ingest.graph import ONTOLOGY_GRAPH, document_quads, policy_iri, slugify
from policykg.ingest.lexicon import load_lexicon, ontology_quads
from policykg.ingest.parties import parties
from policykg.ingest.readers import DEFAULT_MAX_BYTES, SUFFIXES, read_source
from policykg.ingest.structure import Document, build_document


@dataclass
class IngestReport:
    """What a batch did: the policies stored and the files that failed, each with its reason."""

    stored: list[tuple[Path, str, int]] = field(default_factory=list)   # (file, policy IRI, quads)
    failed: list[InputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


# Files a folder of policies carries that are not policies (named explicitly, they are still read).
_NOT_POLICIES = re.compile(r"^(?:readme|license|licence|changelog|contributing|notice)(?:\.[\w-]+)*$", re.I)


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The policy files named, folders searched recursively for the supported suffixes, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                              and not _NOT_POLICIES.match(p.name)
                              and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            yield path


def read_document(path: Path, slug: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and structure one file (raises :class:`InputError`, also when its text is over ``max_bytes``)."""
    source = read_source(path, max_bytes)
    doc = build_document(slug or slugify(path.stem), source)
    if not doc.sentences:
        raise InputError(path, "has no sentences once web noise is removed")
    return doc


def facts_of(doc: Document) -> list[Fact]:
    lexicon = load_lexicon()
    return list(parties(doc, lexicon)) + extract_facts(doc, lexicon)


def policy_quads(path: Path, slug: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Document, list[ox.Quad]]:
    doc = read_document(path, slug, max_bytes)
    return doc, document_quads(doc, facts_of(doc))


def graph_update(graph: ox.NamedNode, quads: list[ox.Quad]) -> str:
    """The SPARQL update that replaces one named graph by ``quads`` (drop and refill in one request)."""
    triples = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{triples}\n}} }}"


def replace_graph(store: ox.Store, graph: ox.NamedNode, quads: list[ox.Quad]) -> None:
    """Replace one named graph atomically: Oxigraph runs a single update request as one transaction."""
    store.update(graph_update(graph, quads))


def load_ontology(store: ox.Store) -> None:
    """(Re)load the ontology, vocabulary and cue graph into its own named graph."""
    replace_graph(store, ONTOLOGY_GRAPH, [ox.Quad(q.subject, q.predicate, q.object, ONTOLOGY_GRAPH)
                                          for q in ontology_quads()])


@dataclass(frozen=True)
class _Prepared:
    path: Path
    graph: str
    update: str
    quads: int


def _prepare(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> _Prepared | InputError:
    """Read one file into the update that stores it (runs in a worker process for large batches)."""
    try:
        doc, quads = policy_quads(path, max_bytes=max_bytes)
        graph = policy_iri(doc.slug)
        return _Prepared(path, graph.value, graph_update(graph, quads), len(quads))
    except InputError as exc:
        return exc
    except (OSError, ValueError, UnicodeError, SyntaxError, RecursionError) as exc:
        return InputError(path, f"could not be ingested: {type(exc).__name__}: {exc}")


# Below this many files the start-up of worker processes costs more than it saves.
PARALLEL_THRESHOLD = 16


def _prepared(files: list[Path], workers: int, max_bytes: int) -> Iterator[_Prepared | InputError]:
    prepare = functools.partial(_prepare, max_bytes=max_bytes)
    if workers <= 1 or len(files) < PARALLEL_THRESHOLD:
        yield from map(prepare, files)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    load_lexicon()  # compiled once here; forked workers inherit it

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(prepare, files, chunksize=4)


def ingest(paths: Iterable[Path], store: ox.Store, *, workers: int | None = None,
           on_document: Callable[[Path, InputError | None], None] | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES) -> IngestReport:
    """Ingest files and folders into ``store``; one failing file never stops the batch.

    A file whose text is over ``max_bytes`` bytes (UTF-8; default 10 MB) fails as any unreadable file.

    Files are read and turned into graphs by ``workers`` processes (default: one per core); the
    store is written from this process only, one atomic update per policy, in file order.
    """
    import os

    report = IngestReport()
    load_ontology(store)
    files = list(find_files(paths))
    workers = workers if workers is not None else (os.cpu_count() or 1)
    for result in _prepared(files, workers, max_bytes):
        if isinstance(result, InputError):
            report.failed.append(result)
            if on_document is not None:
                on_document(result.path, result)
            continue
        store.update(result.update)
        report.stored.append((result.path, result.graph, result.quads))
        if on_document is not None:
            on_document(result.path, None)
    store.flush()
    return report
