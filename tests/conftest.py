"""Shared fixtures for the policykg tests.

Fixtures any test module may use (all documented here so other test files can reuse them):

- ``repo_root`` / ``examples_dir``: paths resolved from this file, never from the working directory.
- ``examples_store_path``: a store directory with ``examples/`` ingested ONCE per test session through
  the library (``policykg.ingest.pipeline.ingest``). The writer is closed after ingest, so the
  directory can be opened read-only by any number of readers (the CLI, other processes).
- ``examples_store``: a read-only ``pyoxigraph.Store`` on that directory (session-scoped).
- ``examples_report``: the ``IngestReport`` of that ingest.
- ``examples_validated_store_path``: a copy of that store in which ``validate --into-store`` kept
  each example's GDPR validation report (what the ``missing-information`` question reads); skips
  without pySHACL.
- ``run_cli``: runs ``policykg ARGS...`` in-process with click's ``CliRunner`` and returns the
  result (``.exit_code``, ``.stdout``, ``.stderr``); stdout and stderr are kept apart.
- ``write_policy``: writes a tiny policy text to a file in ``tmp_path`` and returns its path.
- ``read_facts``: writes a tiny policy and returns its facts as :class:`FactView` (kind + props with
  prefixed-name values), the form extraction tests assert on.

Nothing here ingests a corpus other than ``examples/``; unit tests use hand-written snippets.
"""
from __future__ import annotations

import gc
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = REPO_ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"

# The six example policies (file stem = policy slug), as examples/README.md lists them.
EXAMPLE_POLICIES = ("lumen-analytics", "brightpath-learning", "harbor-goods", "quietnote", "orbit-fitness",
                    "mojibake/cafe-verde")

PREFIXES = {
    "https://w3id.org/policykg/ns#": "pk:",
    "https://w3id.org/dpv/pd#": "pd:",
    "https://w3id.org/dpv/legal/eu/gdpr#": "eu-gdpr:",
    "https://w3id.org/dpv#": "dpv:",
    "https://w3id.org/policykg/policy/": "",
}


def short(term: object) -> str:
    """A term as a prefixed name (IRIs) or its lexical value (literals); policy IRIs become slugs."""
    if isinstance(term, ox.NamedNode):
        for long, prefix in PREFIXES.items():
            if term.value.startswith(long):
                return prefix + term.value[len(long):]
        return term.value
    return getattr(term, "value", str(term))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def _examples_ingested(tmp_path_factory: pytest.TempPathFactory):
    from policykg.ingest.pipeline import ingest

    path = tmp_path_factory.mktemp("examples-store")
    store = ox.Store(str(path))
    report = ingest([EXAMPLES], store)
    store.flush()
    del store           # release the writer so read-only opens (CLI, other processes) share the directory
    gc.collect()
    return path, report


@pytest.fixture(scope="session")
def examples_store_path(_examples_ingested) -> Path:
    """Directory of a store holding examples/ (read it; do not write to it)."""
    return _examples_ingested[0]


@pytest.fixture(scope="session")
def examples_report(_examples_ingested):
    return _examples_ingested[1]


@pytest.fixture(scope="session")
def examples_store(examples_store_path: Path) -> ox.Store:
    return ox.Store.read_only(str(examples_store_path))


def keep_validation_reports(path: Path) -> None:
    """What ``policykg validate --store PATH --into-store`` does, through the library."""
    from policykg.shaclreport import store_reports
    from policykg.validate import validate_store

    store = ox.Store(str(path))
    store_reports(store, validate_store(store, profile="gdpr", rdf=True))
    store.flush()
    del store
    gc.collect()


@pytest.fixture(scope="session")
def examples_validated_store_path(examples_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the examples store holding each example's GDPR validation report (read it only)."""
    pytest.importorskip("pyshacl")
    path = tmp_path_factory.mktemp("examples-validated") / "store"
    shutil.copytree(examples_store_path, path, ignore=shutil.ignore_patterns("LOCK", "policykg.lock"))
    keep_validation_reports(path)
    return path


@pytest.fixture()
def examples_copy(tmp_path: Path) -> Path:
    """A private copy of examples/ that a test may modify."""
    return Path(shutil.copytree(EXAMPLES, tmp_path / "examples"))


@pytest.fixture()
def run_cli() -> Callable[..., object]:
    """``run_cli("query", "rights", "--store", path)`` -> click Result (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from policykg.cli import main

    def run(*args: object, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture()
def write_policy(tmp_path: Path) -> Callable[..., Path]:
    """``write_policy("We collect ...", name="p.txt")`` -> path of the file written (UTF-8 unless bytes)."""

    def write(text: str | bytes, name: str = "policy.txt") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@dataclass(frozen=True)
class FactView:
    """A fact as tests see it: its pk: class and each property's values as prefixed names or literals."""

    kind: str
    props: dict[str, frozenset[str]]
    sentence: str | None

    def get(self, prop: str) -> frozenset[str]:
        return self.props.get(prop, frozenset())


def view_facts(facts) -> list[FactView]:
    views = []
    for fact in facts:
        props: dict[str, set[str]] = {}
        for prop, value in fact.props:
            props.setdefault(prop, set()).add(short(value))
        views.append(FactView(fact.kind, {k: frozenset(v) for k, v in props.items()},
                              fact.sentence.text if fact.sentence is not None else None))
    return views


@pytest.fixture()
def read_facts(write_policy) -> Callable[..., list[FactView]]:
    """``read_facts("We do not sell ...")`` -> the facts read from that text as a one-file policy."""
    from policykg.ingest.pipeline import facts_of, read_document

    def read(text: str, name: str = "policy.txt", kind: str | None = None) -> list[FactView]:
        doc = read_document(write_policy(text, name))
        views = view_facts(facts_of(doc))
        return [v for v in views if kind is None or v.kind == kind]

    return read


@pytest.fixture()
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path
