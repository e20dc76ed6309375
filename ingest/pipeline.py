"""The ingest pipeline: files in, one named graph per policy out.

read (bytes -> text) -> structure (blocks, sentences) -> extract (facts) -> graph (quads) -> store.
Each document is read and written on its own: a file that fails is reported and skipped, and a
document's graph is replaced in one transaction, so the store never holds half a policy.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import InputError, PolicyKGError
from policykg.ingest.extract import Fact, extract_facts
from policykg.ingest.graph import (ONTOLOGY_GRAPH, POLICY_BASE, SERVICE_BASE, document_quads, expand, iso_date, policy_iri,
                                   service_iri, service_name, slugify)
from policykg.ingest.lexicon import load_lexicon, ontology_quads
from policykg.ingest.parties import parties
from policykg.ingest.readers import DEFAULT_MAX_BYTES, SUFFIXES, read_source
from policykg.ingest.structure import Document, build_document


@dataclass
class IngestReport:
    """What a batch did: the policies stored and the files that failed, each with its reason."""

    stored: list[tuple[Path, str, int]] = field(default_factory=list)   # (file, policy IRI, quads)
    failed: list[InputError] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)       # (file, policy IRI): stored unchanged

    @property
    def ok(self) -> bool:
        return not self.failed


# A folder holding this file is skipped when a folder above it is ingested (named itself, it is read):
# examples/versions/ keeps the version examples out of `policykg ingest examples`.
SKIP_MARKER = ".noingest"

# Files a folder of policies carries that are not policies (named explicitly, they are still read).
_NOT_POLICIES = re.compile(r"^(?:readme|license|licence|changelog|contributing|notice)(?:\.[\w-]+)*$", re.I)


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The policy files named, folders searched recursively for the supported suffixes, in a stable order."""
    for path, _root in _files_with_roots(paths):
        yield path


def _files_with_roots(paths: Iterable[Path]) -> Iterator[tuple[Path, Path | None]]:
    for path in paths:
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                                and not _NOT_POLICIES.match(p.name)
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                                and not _skipped(p, path)):
                yield found, path
        else:
            yield path, None


def _skipped(found: Path, root: Path) -> bool:
    """Whether a folder between ``root`` (excluded) and ``found`` holds the :data:`SKIP_MARKER`."""
    folder = found.parent
    while folder != root and root in folder.parents:
        if (folder / SKIP_MARKER).exists():
            return True
        folder = folder.parent
    return False


@dataclass(frozen=True)
class PolicyFile:
    """A file to ingest, the name of its policy and how the file is recorded in the graph.

    The name (slug) is the file's path relative to the folder given, each part lower-cased with
    runs of other characters as ``-`` and without the suffix: ``acme/privacy.md`` under the folder
    ``corpus`` is ``acme/privacy``; a file in the folder itself, or named on its own, is its file
    name alone (``quietnote.md`` is ``quietnote``). ``source`` is the path as given when it is
    relative, else the folder's name and the relative path: never a local absolute path.
    """

    path: Path
    slug: str
    source: str
    service: str | None = None     # the service this file is a version of (--service, or its file name)
    date: str | None = None        # its date, YYYY-MM-DD (--date, or its file name)


# A version's file name: <service>-YYYY-MM-DD.<suffix> (tosback's versions/<service>/<service>-2019-06-19.md)
_VERSION_NAME = re.compile(r"^(?P<service>.+?)[-_](?P<date>\d{4}-\d{2}-\d{2})$")


def version_of(path: Path) -> tuple[str | None, str | None]:
    """(service, date) from a file name ending in ``-YYYY-MM-DD``, else (None, None)."""
    m = _VERSION_NAME.match(path.stem)
    if not m or iso_date(m.group("date")) is None:
        return None, None
    return service_name(m.group("service")), m.group("date")


def slug_for(path: Path, root: Path | None = None) -> str:
    """The policy name of ``path`` found under the folder ``root`` (or named on its own)."""
    if root is None:
        return slugify(path.stem)
    parts = path.relative_to(root).with_suffix("").parts
    return "/".join(slugify(part) for part in parts)


def _recorded_source(path: Path, root: Path | None) -> str:
    if not path.is_absolute():
        return path.as_posix()
    if root is None:
        return path.name
    return (Path(root.name) / path.relative_to(root)).as_posix() if root.name else path.relative_to(root).as_posix()


def policy_files(paths: Iterable[Path], *, name: str | None = None, service: str | None = None,
                 date: str | None = None) -> tuple[list[PolicyFile], list[InputError]]:
    """The files to ingest with their policy names, and the files whose name another file of the batch has.

    ``name`` names the policy of a single file explicitly. Two files that would get one name are
    never a silent replacement: the first keeps it and the second is reported with both paths.
    A file is a version of a service when its name ends in ``-YYYY-MM-DD`` (the service is the part
    before), its front matter says ``service:``, or ``service`` is given (``date`` with it, for one file).
    """
    found = list(_files_with_roots(paths))
    if date is not None:
        if iso_date(date) is None:
            raise InputError(Path(date), "a version's date is written YYYY-MM-DD")
        if len(found) != 1:
            raise InputError(Path(date), f"a date can be given to one file only, not {len(found)}")
        date = iso_date(date)

    def versioned(path: Path, slug: str, source: str) -> PolicyFile:
        named_service, named_date = version_of(path)
        return PolicyFile(path, slug, source, service_name(service) if service else named_service, date or named_date)

    if name is not None:
        if len(found) != 1:
            raise InputError(Path(name), f"a policy name can be given to one file only, not {len(found)}")
        slug = "/".join(slugify(part) for part in name.split("/") if part)
        path, root = found[0]
        return [versioned(path, slug, _recorded_source(path, root))], []
    files: list[PolicyFile] = []
    clashes: list[InputError] = []
    taken: dict[str, Path] = {}
    for path, root in found:
        slug = slug_for(path, root)
        if slug in taken:
            if taken[slug].resolve() == path.resolve():
                continue  # the same file named twice
            clashes.append(InputError(path, f"would be the policy {slug!r}, which {taken[slug]} already is in this "
                                            f"batch; rename one of them or ingest it on its own with --name"))
            continue
        taken[slug] = path
        files.append(versioned(path, slug, _recorded_source(path, root)))
    return files, clashes


def read_document(path: Path, slug: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and structure one file (raises :class:`InputError`, also when its text is over ``max_bytes``)."""
    source = read_source(path, max_bytes)
    doc = build_document(slug or slugify(path.stem), source)
    if not doc.sentences:
        raise InputError(path, "has no sentences once web noise is removed")
    return doc


def facts_of(doc: Document, *, classifiers: bool = True) -> list[Fact]:
    """The facts the rules read (with the sentence classifiers where a rule asks them, unless turned off)."""
    lexicon = load_lexicon()
    return list(parties(doc, lexicon)) + extract_facts(doc, lexicon, classifiers=classifiers)


def policy_quads(path: Path, slug: str | None = None, source: str | None = None, *, service: str | None = None,
                 date: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Document, list[ox.Quad]]:
    """Read one file into its graph's quads; a version of a service (given, or in its front matter) is linked to it."""
    doc = read_document(path, slug, max_bytes)
    service = service or (service_name(doc.source.service) if doc.source.service else None)
    issued = date or iso_date(doc.source.date) if service else None
    return doc, document_quads(doc, facts_of(doc), source=source, service=service, issued=issued)


def graph_update(graph: ox.NamedNode, quads: list[ox.Quad]) -> str:
    """The SPARQL update that replaces one named graph by ``quads`` (drop and refill in one request)."""
    triples = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{triples}\n}} }}"


def replace_graph(store: ox.Store, graph: ox.NamedNode, quads: Iterable[ox.Quad], key: str | None = None) -> None:
    """Replace one named graph by ``quads`` in one transaction, so the store never holds half a policy.

    A graph the store does not hold yet is added by one transactional :meth:`Store.extend` (the
    common case of a corpus ingest: no SPARQL text is built or parsed). A graph it holds is changed
    by one SPARQL update that deletes the quads it loses and inserts the quads it gains (Oxigraph
    runs one update request as one transaction), so re-ingesting an unchanged file writes nothing.
    ``key`` (:func:`ingest_key`) is recorded for the graph in :data:`INGEST_GRAPH` in the same
    transaction, so a key never stands beside a graph other than the one it was computed for.
    """
    quads = list(quads)
    if not store.contains_named_graph(graph):
        store.extend(quads + _key_quads(graph, key))
        return
    key_update = ""
    if key is not None and key != stored_key(store, graph):
        key_update = (f"DELETE WHERE {{ {graph} {_INGEST_KEY} ?key }} ;\n"
                      f"INSERT DATA {{ {graph} {_INGEST_KEY} {ox.Literal(key)} }}")
    old = set(store.quads_for_pattern(None, None, None, graph))
    staged = ox.Store()            # in memory: the quads as the store hands them back (it stores some
    staged.extend(quads)           # literals in a canonical form, e.g. xsd:nonNegativeInteger as xsd:integer)
    new = set(staged)
    if any(isinstance(t, ox.BlankNode) for q in old | new for t in (q.subject, q.object)):
        store.update(graph_update(graph, quads) + (" ;\n" + key_update if key_update else ""))   # DELETE DATA takes no blank nodes
        return
    gone, added = old - new, new - old
    if not gone and not added:
        if key_update:
            store.update(key_update)
        return
    parts = [key_update] if key_update else []
    if gone:
        parts.append("DELETE DATA { " + " ".join(f"GRAPH {graph} {{ {q.subject} {q.predicate} {q.object} }}"
                                                 for q in gone) + " }")
    if added:
        parts.append("INSERT DATA { " + " ".join(f"GRAPH {graph} {{ {q.subject} {q.predicate} {q.object} }}"
                                                 for q in added) + " }")
    store.update(" ;\n".join(parts))


# Where the store keeps, for each policy graph, the key of what it was read from: a re-ingest of a file
# whose key is stored beside its graph skips reading it. Store bookkeeping, kept in the default graph
# (every policy, the ontology and each service has a named graph; nothing else is in the default graph,
# so what counts, exports or pushes the named graphs never meets it), and its predicate is no term of
# the ontology (pk:): `<policy> <https://w3id.org/policykg/ingested#key> "..."`.
INGEST_GRAPH = ox.DefaultGraph()
_INGEST_KEY = ox.NamedNode("https://w3id.org/policykg/ingested#key")


def _key_quads(graph: ox.NamedNode, key: str | None) -> list[ox.Quad]:
    return [] if key is None else [ox.Quad(graph, _INGEST_KEY, ox.Literal(key), INGEST_GRAPH)]


def stored_key(store: ox.Store, graph: ox.NamedNode) -> str | None:
    """The ingest key recorded for a policy graph, if any."""
    for q in store.quads_for_pattern(graph, _INGEST_KEY, None, INGEST_GRAPH):
        return q.object.value
    return None


@functools.cache
def engine_version() -> str:
    """A fingerprint of everything that turns a file into its graph: the package version, spaCy's and its
    lemma tables' versions, the ingest code, the ontology (vocabulary, cues, modifiers) and the
    classifiers' models. Any change to them reads every file again."""
    from importlib import metadata, resources

    digest = hashlib.sha256()
    # policykg, and the reading layer's tokenizer and lemma tables, whose versions change how text is read
    for distribution in ("policykg", "spacy", "spacy-lookups-data"):
        try:
            digest.update(distribution.encode() + b"=" + metadata.version(distribution).encode() + b"\0")
        except metadata.PackageNotFoundError:
            pass
    for package, patterns in (("policykg.ingest", ("*.py",)), ("policykg.ontology", ("*.ttl", "*/*.ttl")),
                              ("policykg.models", ("*.npz", "*.json"))):
        folder = Path(str(resources.files(package)))
        for found in sorted(p for pattern in patterns for p in folder.glob(pattern) if p.is_file()):
            digest.update(found.relative_to(folder).as_posix().encode() + b"\0" + found.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ingest_key(file: PolicyFile, sha256: str) -> str:
    """What a policy graph is a function of: the engine, the file's bytes (SHA-256) and how it is named and
    dated. Equal keys give equal graphs, so a file whose key is stored beside its graph is not read again."""
    parts = (engine_version(), sha256, file.slug, file.source, file.service or "", file.date or "")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None     # unreadable: it is read (and reported) as any other
    return digest.hexdigest()


def unchanged(store: ox.Store, file: PolicyFile) -> bool:
    """Whether the store holds the graph of ``file`` read from the same bytes by the same engine."""
    graph = policy_iri(file.slug)
    stored = stored_key(store, graph)
    if stored is None or not store.contains_named_graph(graph):
        return False
    sha = _file_sha256(file.path)
    return sha is not None and ingest_key(file, sha) == stored


def load_ontology(store: ox.Store) -> None:
    """(Re)load the ontology, vocabulary and cue graph into its own named graph."""
    replace_graph(store, ONTOLOGY_GRAPH, [ox.Quad(q.subject, q.predicate, q.object, ONTOLOGY_GRAPH)
                                          for q in ontology_quads()])


@dataclass(frozen=True)
class _Prepared:
    path: Path
    graph: str
    nquads: bytes     # the policy graph as N-Quads: Oxigraph writes and reads these in Rust, fast to pickle
    quads: int
    service: str | None = None
    key: str | None = None     # ingest_key of what was read


def _prepare(file: PolicyFile, max_bytes: int = DEFAULT_MAX_BYTES) -> _Prepared | InputError:
    """Read one file into the quads of its graph (runs in a worker process for large batches)."""
    try:
        doc, quads = policy_quads(file.path, file.slug, file.source, service=file.service, date=file.date,
                                  max_bytes=max_bytes)
        graph = policy_iri(doc.slug)
        versions = [q.object.value for q in quads if q.subject == graph and q.predicate == _IS_VERSION_OF]
        return _Prepared(file.path, graph.value, ox.serialize(quads, format=ox.RdfFormat.N_QUADS), len(quads),
                         versions[0] if versions else None, ingest_key(file, doc.source.sha256))
    except InputError as exc:
        return exc
    except (OSError, ValueError, UnicodeError, SyntaxError, RecursionError, MemoryError) as exc:
        return InputError(file.path, f"could not be ingested: {type(exc).__name__}: {exc}")


_IS_VERSION_OF = expand("dct:isVersionOf")
_ISSUED = expand("dct:issued")
_REVISION_OF = expand("prov:wasRevisionOf")

_VERSIONS = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?service ?version ?date WHERE { GRAPH ?version { ?version dct:isVersionOf ?service OPTIONAL { ?version dct:issued ?date } } }"""


def service_versions(store: ox.Store, service: str | ox.NamedNode) -> list[tuple[str, str | None]]:
    """(policy IRI, date) of each version of ``service`` in the store, oldest first (undated last, then by IRI)."""
    node = service if isinstance(service, ox.NamedNode) else service_iri(service)
    rows = [(r["version"].value, r["date"].value if r["date"] is not None else None)
            for r in store.query(_VERSIONS, substitutions={ox.Variable("service"): node})]
    return sorted(set(rows), key=lambda row: (row[1] is None, row[1] or "", row[0]))


def link_versions(store: ox.Store, service: str | ox.NamedNode) -> int:
    """Recompute the order of a service's versions in its own graph, named by the service IRI.

    The graph holds ``<service> a pk:Service`` and ``<version> prov:wasRevisionOf <previous>`` for each
    version after the first, oldest first by ``dct:issued``; it is replaced in one transaction, like a
    policy graph, and dropped when the service has no version left. Returns the number of versions.
    """
    node = service if isinstance(service, ox.NamedNode) else service_iri(service)
    versions = service_versions(store, node)
    if not versions:
        if store.contains_named_graph(node):
            store.remove_graph(node)
        return 0
    quads = [ox.Quad(node, expand("rdf:type"), expand("pk:Service"), node),
             ox.Quad(node, expand("rdfs:label"), ox.Literal(node.value.removeprefix(SERVICE_BASE)), node)]
    for (previous, _), (version, _) in zip(versions, versions[1:]):
        quads.append(ox.Quad(ox.NamedNode(version), _REVISION_OF, ox.NamedNode(previous), node))
    replace_graph(store, node, quads)
    return len(versions)


def _stored_service(store: ox.Store, graph: ox.NamedNode) -> str | None:
    for q in store.quads_for_pattern(graph, _IS_VERSION_OF, None, graph):
        return q.object.value
    return None


# Below this many files the start-up of worker processes costs more than it saves, unless a file is large.
PARALLEL_THRESHOLD = 16
LARGE_FILE = 1_000_000
# Documents in flight per worker: enough to keep the workers busy while the writer stores one.
IN_FLIGHT = 16
# Seconds one document may take in a worker before the worker is stopped and the file reported.
DEFAULT_TIME_BUDGET = 120.0


def _prepared(files: list[PolicyFile], workers: int, budget: float | None,
              max_bytes: int = DEFAULT_MAX_BYTES, dask: str | None = None) -> Iterator[_Prepared | InputError]:
    if not files:
        return              # nothing to read (all stored unchanged): no workers or cluster started
    if dask is not None:
        yield from _prepared_on_dask(files, dask, budget, max_bytes)
        return
    prepare = functools.partial(_prepare, max_bytes=max_bytes)
    # a few small files are read in this process; a large one goes to a worker, where the budget holds
    small = len(files) < PARALLEL_THRESHOLD and all(_size(f.path) < LARGE_FILE for f in files)
    if workers < 1 or small:
        yield from map(prepare, files)
        return
    import multiprocessing
    from concurrent.futures import TimeoutError as FutureTimeout

    from pebble import ProcessPool, ProcessExpired

    load_lexicon()  # compiled once here; forked workers inherit it, the classifiers and the reading layer
    from policykg.ingest.classify import preload
    from policykg.ingest.reading import reading_layer

    preload()
    reading_layer()   # spaCy's pipeline and matchers, built once instead of once per worker

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    from collections import deque

    with ProcessPool(max_workers=max(workers, 1), context=context) as pool:
        # a bounded window of documents in flight, consumed in file order: finished graphs wait for
        # the writer a few at a time, never the whole batch at once
        window: deque = deque()
        pending = iter(files)
        for file in pending:
            window.append((file, pool.schedule(prepare, args=(file,), timeout=budget)))
            if len(window) >= IN_FLIGHT * max(workers, 1):
                break
        while window:
            file, future = window.popleft()
            try:
                yield future.result()
            except FutureTimeout:
                yield InputError(file.path, f"took longer than the time budget of {budget:g} s per document "
                                            "and was stopped (raise it with --time-budget)")
            except ProcessExpired as exc:
                yield InputError(file.path, f"stopped its worker process (exit code {exc.exitcode}); "
                                            "it may be too large for this machine's memory")
            del future
            nxt = next(pending, None)
            if nxt is not None:
                window.append((nxt, pool.schedule(prepare, args=(nxt,), timeout=budget)))


class ClusterError(PolicyKGError):
    """The Dask scheduler cannot be reached, or the cluster failed in a way no single document explains."""


def _dask_client(address: str):
    """A ``distributed.Client`` on the scheduler at ``address``, or on a LocalCluster for ``local``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        from policykg.extras import missing_extra

        raise missing_extra("dask", exc) from exc
    if address == "local":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(address, timeout=30), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _prepared_on_dask(files: list[PolicyFile], address: str, budget: float | None,
                      max_bytes: int) -> Iterator[_Prepared | InputError]:
    """:func:`_prepare` on the workers of a Dask cluster, results in file order, a bounded window in flight.

    The workers read the files by their absolute paths (a cluster of several machines needs the files
    at the same paths on each: a shared file system); what they return names each file as given here,
    so the messages are those of a local ingest. A worker that dies has its documents run again on
    another (Dask's own retry); a document that kills workers repeatedly (``KilledWorker``) is reported
    as a local one that stops its worker process. The time budget is counted from when this process
    starts waiting for the document: a document over it is reported and cancelled, though a task
    already running on a worker thread runs to its end there.
    """
    from concurrent.futures import TimeoutError as FutureTimeout
    from collections import deque

    client, cluster = _dask_client(address)
    try:
        from distributed import KilledWorker

        threads = max(sum(client.nthreads().values()), 1)
        window: deque = deque()
        pending = iter(files)

        def submit(file: PolicyFile) -> None:
            remote = PolicyFile(file.path.resolve(), file.slug, file.source, file.service, file.date)
            window.append((file, client.submit(_prepare, remote, max_bytes, pure=False, retries=0)))

        for file in pending:
            submit(file)
            if len(window) >= IN_FLIGHT * threads:
                break
        while window:
            file, future = window.popleft()
            try:
                result = future.result(timeout=budget)
            except FutureTimeout:
                future.cancel()
                result = InputError(file.path, f"took longer than the time budget of {budget:g} s per document "
                                               "and was stopped (raise it with --time-budget)")
            except KilledWorker:
                result = InputError(file.path, "stopped its worker process (Dask reported the worker killed, "
                                               "more than once); it may be too large for this machine's memory")
            except PolicyKGError:
                raise
            except Exception as exc:    # the scheduler gone, a worker without policykg, ...
                raise ClusterError(f"the Dask cluster at {address} failed on {file.path}: "
                                   f"{type(exc).__name__}: {exc}") from None
            del future
            if isinstance(result, InputError):
                result = InputError(file.path, result.problem)
            else:
                result = dataclasses.replace(result, path=file.path)
            yield result
            nxt = next(pending, None)
            if nxt is not None:
                submit(nxt)
    finally:
        for _, future in window:
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def ingest(paths: Iterable[Path], store: ox.Store, *, workers: int | None = None, name: str | None = None,
           service: str | None = None, date: str | None = None, time_budget: float | None = DEFAULT_TIME_BUDGET,
           on_document: Callable[[Path, InputError | None], None] | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES, dask: str | None = None, force: bool = False) -> IngestReport:
    """Ingest files and folders into ``store``; one failing file never stops the batch.

    A file whose text is over ``max_bytes`` bytes (UTF-8; default 10 MB) fails as any unreadable file.
    A file whose graph the store holds, read from the same bytes by the same engine under the same name
    (:func:`ingest_key`), is not read again (``report.skipped``), unless ``force``.
    ``dask`` (a scheduler address, or ``local``) reads and extracts on the workers of a Dask cluster
    instead of local processes (:func:`_prepared_on_dask`); the store is written here either way.

    Files are read and turned into graphs by ``workers`` processes (default: one per core), each
    document within ``time_budget`` seconds; the store is written from this process only, one
    transaction per policy, in file order. Policy names follow :class:`PolicyFile`; a file whose
    name another file of the batch already has is reported, never stored over it. After the batch,
    the order of the versions of each service the batch touched is recomputed (:func:`link_versions`).
    """
    report = IngestReport()
    load_ontology(store)
    files, clashes = policy_files(paths, name=name, service=service, date=date)
    services: set[str] = set()
    for clash in clashes:
        report.failed.append(clash)
        if on_document is not None:
            on_document(clash.path, clash)
    if not force:
        todo = []
        for file in files:
            if unchanged(store, file):
                graph = policy_iri(file.slug)
                report.skipped.append((file.path, graph.value))
                services.update(s for s in (_stored_service(store, graph),) if s)   # relinked, as a re-read would be
                if on_document is not None:
                    on_document(file.path, None)
            else:
                todo.append(file)
        files = todo
    workers = workers if workers is not None else (os.cpu_count() or 1)
    unflushed = 0   # quads written since the store's buffers were last flushed
    for result in _prepared(files, workers, time_budget, max_bytes, dask):
        if isinstance(result, InputError):
            report.failed.append(result)
            if on_document is not None:
                on_document(result.path, result)
            continue
        graph = ox.NamedNode(result.graph)
        before = _stored_service(store, graph) if store.contains_named_graph(graph) else None
        replace_graph(store, graph, ox.parse(result.nquads, format=ox.RdfFormat.N_QUADS), result.key)
        unflushed += result.quads
        if unflushed >= FLUSH_QUADS:
            store.flush()   # RocksDB's write buffers otherwise grow with the batch (900 MB for the corpus)
            unflushed = 0
        services.update(s for s in (before, result.service) if s)
        report.stored.append((result.path, result.graph, result.quads))
        if on_document is not None:
            on_document(result.path, None)
    for touched in sorted(services):
        link_versions(store, ox.NamedNode(touched))
    store.flush()
    return report


# Quads the writer stores between flushes of the store: Oxigraph's RocksDB keeps what is written in
# memory until it flushes (every 25 to 50 policies of the corpus; flushing each policy costs more CPU).
FLUSH_QUADS = 50_000


# Documents per N-Quads shard of `policykg extract`: on the corpus about 130,000 quads and 28 MB a shard.
SHARD_DOCUMENTS = 100
ONTOLOGY_SHARD = "ontology.nq"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` as a whole or not at all: a temporary file beside it, flushed, then renamed over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def extract(paths: Iterable[Path], out: Path, *, per_shard: int = SHARD_DOCUMENTS, workers: int | None = None,
            name: str | None = None, service: str | None = None, date: str | None = None,
            time_budget: float | None = DEFAULT_TIME_BUDGET,
            on_document: Callable[[Path, InputError | None], None] | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES, dask: str | None = None) -> IngestReport:
    """Read files and folders into N-Quads shards in ``out``, for any store's bulk loader; no store is opened.

    ``part-00000.nq``, ``part-00001.nq``, ...: the graphs of ``per_shard`` documents each, in file order,
    with their ingest keys (in :data:`INGEST_GRAPH`, so a later ``policykg ingest`` of the same files
    into a store loaded from the shards skips them), each shard written atomically (a temporary file
    renamed), so a killed extract leaves whole shards only; ``ontology.nq`` holds the ontology graph.
    Files are read as :func:`ingest` reads them (the same workers, or ``dask``); one failing file is
    reported and the rest go in. Shards of an earlier extract into ``out`` are replaced, never mixed in.
    """
    if per_shard < 1:
        raise ValueError("per_shard must be at least 1")
    report = IngestReport()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.nq"):
        old.unlink()
    _write_atomically(out / ONTOLOGY_SHARD, ox.serialize(
        [ox.Quad(q.subject, q.predicate, q.object, ONTOLOGY_GRAPH) for q in ontology_quads()],
        format=ox.RdfFormat.N_QUADS))
    files, clashes = policy_files(paths, name=name, service=service, date=date)
    for clash in clashes:
        report.failed.append(clash)
        if on_document is not None:
            on_document(clash.path, clash)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    shard: list[bytes] = []
    shards = 0

    def flush() -> None:
        nonlocal shards, shard
        if shard:
            _write_atomically(out / f"part-{shards:05d}.nq", b"".join(shard))
            shards += 1
            shard = []

    for result in _prepared(files, workers, time_budget, max_bytes, dask):
        if isinstance(result, InputError):
            report.failed.append(result)
        else:
            graph = ox.NamedNode(result.graph)
            shard.append(result.nquads + ox.serialize(_key_quads(graph, result.key), format=ox.RdfFormat.N_QUADS))
            report.stored.append((result.path, result.graph, result.quads))
            if len(shard) >= per_shard:
                flush()
        if on_document is not None:
            on_document(result.path, result if isinstance(result, InputError) else None)
    flush()
    return report


def shard_files(folder: Path) -> list[Path]:
    """The policy shards of a folder `policykg extract` wrote, in order."""
    return sorted(p for p in folder.glob("*.nq") if p.name != ONTOLOGY_SHARD and not p.name.startswith("."))


def load_shards(folder: Path, store: ox.Store,
                on_shard: Callable[[Path, int], None] | None = None) -> IngestReport:
    """Load the N-Quads shards of ``folder`` (:func:`extract`) into ``store``, one transaction per shard.

    A shard none of whose policies the store holds is added by one transactional ``Store.extend``; one
    that holds a policy the store has replaces each of its graphs as :func:`ingest` does, so loading
    twice, or after an ingest, never mixes two versions of a graph. A killed load leaves whole shards;
    run it again. The ontology is (re)loaded from the engine, and the versions of every service the
    shards touch are linked again (:func:`link_versions`). ``report.stored`` lists (shard, policy IRI,
    quads); a shard that does not parse is reported in ``report.failed`` and the others still go in.
    """
    if not folder.is_dir():
        raise InputError(folder, "is not a folder of N-Quads shards (policykg extract --out FOLDER writes one)")
    report = IngestReport()
    load_ontology(store)
    services: set[str] = set()
    for path in shard_files(folder):
        try:
            quads = ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
            by_graph: dict[ox.NamedNode, list[ox.Quad]] = {}
            keys: dict[ox.NamedNode, str] = {}
            for q in quads:
                if isinstance(q.graph_name, ox.DefaultGraph) and q.predicate == _INGEST_KEY and isinstance(q.subject, ox.NamedNode):
                    keys[q.subject] = q.object.value
                elif isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(POLICY_BASE):
                    by_graph.setdefault(q.graph_name, []).append(q)
                else:
                    raise ValueError(f"holds a quad outside the policy graphs: {q}")
        except (OSError, SyntaxError, ValueError) as exc:
            report.failed.append(InputError(path, f"is not a policy shard: {exc}"))
            continue
        for graph, graph_quads in by_graph.items():
            services.update(q.object.value for q in graph_quads if q.subject == graph and q.predicate == _IS_VERSION_OF)
        if not any(store.contains_named_graph(g) for g in by_graph):
            store.extend([q for qs in by_graph.values() for q in qs]
                         + [q for g, k in keys.items() if g in by_graph for q in _key_quads(g, k)])
        else:
            for graph, graph_quads in by_graph.items():
                before = _stored_service(store, graph) if store.contains_named_graph(graph) else None
                if before:
                    services.add(before)
                replace_graph(store, graph, graph_quads, keys.get(graph))
        report.stored.extend((path, g.value, len(qs)) for g, qs in by_graph.items())
        if on_shard is not None:
            on_shard(path, len(by_graph))
    for touched in sorted(services):
        link_versions(store, ox.NamedNode(touched))
    store.flush()
    return report
