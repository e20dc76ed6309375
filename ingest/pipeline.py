"""The ingest pipeline: files in, one named graph per policy out.

read (bytes -> text) -> structure (blocks, sentences) -> extract (facts) -> graph (quads) -> store.
Each document is read and written on its own: a file that fails is reported and skipped, and a
document's graph is replaced in one SPARQL update, so the store never holds half a policy.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import InputError
from policykg.ingest.extract import Fact, extract_facts
from policykg.ingest.graph import ONTOLOGY_GRAPH, document_quads, policy_iri, slugify
from policykg.ingest.lexicon import load_lexicon, ontology_quads
from policykg.ingest.parties import parties
from policykg.ingest.readers import SUFFIXES, read_source
from policykg.ingest.structure import Document, build_document


@dataclass
class IngestReport:
    """What a batch did: the policies stored and the files that failed, each with its reason."""

    stored: list[tuple[Path, str, int]] = field(default_factory=list)   # (file, policy IRI, quads)
    failed: list[InputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The policy files named, folders searched recursively for the supported suffixes, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                              and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            yield path


def read_document(path: Path, slug: str | None = None) -> Document:
    """Read and structure one file (raises :class:`InputError`)."""
    source = read_source(path)
    doc = build_document(slug or slugify(path.stem), source)
    if not doc.sentences:
        raise InputError(path, "has no sentences once web noise is removed")
    return doc


def facts_of(doc: Document) -> list[Fact]:
    lexicon = load_lexicon()
    return list(parties(doc, lexicon)) + extract_facts(doc, lexicon)


def policy_quads(path: Path, slug: str | None = None) -> tuple[Document, list[ox.Quad]]:
    doc = read_document(path, slug)
    return doc, document_quads(doc, facts_of(doc))


def replace_graph(store: ox.Store, graph: ox.NamedNode, quads: list[ox.Quad]) -> None:
    """Replace one named graph atomically: a single SPARQL update drops and refills it."""
    triples = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    store.update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{triples}\n}} }}")


def load_ontology(store: ox.Store) -> None:
    """(Re)load the ontology, vocabulary and cue graph into its own named graph."""
    replace_graph(store, ONTOLOGY_GRAPH, [ox.Quad(q.subject, q.predicate, q.object, ONTOLOGY_GRAPH)
                                          for q in ontology_quads()])


def ingest(paths: Iterable[Path], store: ox.Store, *,
           on_document: Callable[[Path, InputError | None], None] | None = None) -> IngestReport:
    """Ingest files and folders into ``store``; one failing file never stops the batch."""
    report = IngestReport()
    load_ontology(store)
    for path in find_files(paths):
        try:
            doc, quads = policy_quads(path)
            graph = policy_iri(doc.slug)
            replace_graph(store, graph, quads)
            report.stored.append((path, graph.value, len(quads)))
            error = None
        except InputError as exc:
            report.failed.append(exc)
            error = exc
        except (OSError, ValueError, UnicodeError, SyntaxError) as exc:
            error = InputError(path, f"could not be ingested: {type(exc).__name__}: {exc}")
            report.failed.append(error)
        if on_document is not None:
            on_document(path, error)
    store.flush()
    return report
