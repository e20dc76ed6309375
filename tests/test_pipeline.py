"""The ingest pipeline: one named graph per policy, replaced on re-ingest; bad files reported, not fatal."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from policykg.errors import InputError
from policykg.ingest.graph import ONTOLOGY_GRAPH, policy_iri
from policykg.ingest.pipeline import find_files, ingest

POLICY = "Tiny App Privacy\n\nWe collect your e-mail address. We do not sell your data.\n"


def quads_in(store: ox.Store, graph: ox.NamedNode) -> int:
    return len(list(store.quads_for_pattern(None, None, None, graph)))


@pytest.fixture()
def store() -> ox.Store:
    return ox.Store()          # in memory


def test_ingesting_a_file_twice_leaves_one_copy_of_its_graph(store, write_policy):
    path = write_policy(POLICY, name="tiny-app.txt")
    ingest([path], store)
    once = quads_in(store, policy_iri("tiny-app"))
    ingest([path], store)
    assert once > 0
    assert quads_in(store, policy_iri("tiny-app")) == once


def test_reingesting_a_changed_file_replaces_its_graph(store, write_policy):
    path = write_policy(POLICY + "\nWe keep it for 13 months.\n", name="tiny-app.txt")
    ingest([path], store)
    write_policy(POLICY, name="tiny-app.txt")
    ingest([path], store)
    durations = list(store.quads_for_pattern(None, ox.NamedNode("https://w3id.org/policykg/ns#duration"), None,
                                             policy_iri("tiny-app")))
    assert durations == []


def test_batch_stores_good_files_and_reports_empty_and_binary_ones(store, write_policy):
    good = write_policy(POLICY, name="good.txt")
    empty = write_policy("", name="empty.txt")
    binary = write_policy(b"\x00\x01\x02binary" * 20, name="binary.md")
    report = ingest([empty, good, binary], store)
    assert [path for path, _, _ in report.stored] == [good]
    assert not report.ok
    failed = {e.path.name: str(e) for e in report.failed}
    assert set(failed) == {"empty.txt", "binary.md"}
    assert all(name in message for name, message in failed.items())
    assert all(isinstance(e, InputError) for e in report.failed)
    assert store.contains_named_graph(policy_iri("good"))


def test_folders_are_searched_recursively_for_supported_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.md").write_text(POLICY)
    (tmp_path / "top.txt").write_text(POLICY)
    (tmp_path / "a" / "notes.docx").write_text(POLICY)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "skip.txt").write_text(POLICY)
    found = [p.relative_to(tmp_path).as_posix() for p in find_files([tmp_path])]
    assert found == ["a/b/deep.md", "top.txt"]


def test_ingest_loads_the_ontology_graph(store, write_policy):
    ingest([write_policy(POLICY)], store)
    core_class = ox.Quad(ox.NamedNode("https://w3id.org/policykg/ns#PolicyDocument"),
                         ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                         ox.NamedNode("http://www.w3.org/2002/07/owl#Class"), ONTOLOGY_GRAPH)
    assert core_class in store


def test_policy_graph_names_the_policy_and_its_source(store, write_policy):
    path = write_policy(POLICY, name="Tiny App.txt")
    report = ingest([path], store)
    graph = policy_iri("tiny-app")
    assert report.stored == [(path, graph.value, quads_in(store, graph))]
    assert ox.Quad(graph, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   ox.NamedNode("https://w3id.org/policykg/ns#PolicyDocument"), graph) in store


def test_examples_ingest_without_failures(examples_report):
    assert examples_report.ok, [str(e) for e in examples_report.failed]


def test_examples_folder_holds_exactly_the_six_example_policies(examples_store):
    from conftest import EXAMPLE_POLICIES
    from policykg.store import policy_graphs

    assert sorted(policy_graphs(examples_store)) == sorted(policy_iri(s).value for s in EXAMPLE_POLICIES)


# ---------------------------------------------------------------- policy identity

def test_same_file_name_in_two_folders_gives_two_policies(store, tmp_path):
    for service in ("acme", "globex"):
        (tmp_path / service).mkdir()
        (tmp_path / service / "privacy.md").write_text(POLICY)
    report = ingest([tmp_path], store)
    assert report.ok
    assert sorted(graph for _, graph, _ in report.stored) == [policy_iri("acme/privacy").value,
                                                              policy_iri("globex/privacy").value]


def test_two_files_with_one_policy_name_are_an_error_naming_both(store, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "privacy.md", tmp_path / "b" / "privacy.txt"
    first.write_text(POLICY)
    second.write_text(POLICY + "We keep it for 13 months.\n")
    report = ingest([first, second], store)          # named on their own: both would be 'privacy'
    assert [path for path, _, _ in report.stored] == [first]
    [error] = report.failed
    assert error.path == second and str(first) in error.problem and "'privacy'" in error.problem


def test_the_same_file_named_twice_is_stored_once(store, write_policy):
    path = write_policy(POLICY, name="tiny-app.txt")
    report = ingest([path, path], store)
    assert report.ok and len(report.stored) == 1


def test_an_explicit_name_names_the_policy(store, write_policy):
    report = ingest([write_policy(POLICY, name="privacy.md")], store, name="Acme/Privacy 2024")
    assert [graph for _, graph, _ in report.stored] == [policy_iri("acme/privacy-2024").value]


def test_the_graph_records_the_file_without_its_absolute_path(store, tmp_path):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "privacy.md").write_text(POLICY)
    ingest([tmp_path], store)
    [source] = [q.object.value for q in store.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/policykg/ns#sourceFile"), None, None)]
    assert source == f"{tmp_path.name}/acme/privacy.md"
    assert not source.startswith("/")


# ---------------------------------------------------------------- writes

def test_reingesting_an_unchanged_file_writes_no_quads(store, write_policy):
    from policykg.ingest.pipeline import policy_quads, replace_graph

    path = write_policy(POLICY, name="tiny-app.txt")
    ingest([path], store)

    class Recording:
        """The store, with its updates recorded."""
        def __init__(self) -> None:
            self.updates: list[str] = []

        def __getattr__(self, name: str):
            return getattr(store, name)

        def update(self, text: str) -> None:
            self.updates.append(text)
            store.update(text)

    recording = Recording()
    _, quads = policy_quads(path, "tiny-app")
    replace_graph(recording, policy_iri("tiny-app"), quads)
    assert recording.updates == []
    assert quads_in(store, policy_iri("tiny-app")) == len(quads)


def test_a_document_over_the_time_budget_is_reported_and_the_rest_stored(store, write_policy, monkeypatch):
    import time

    from policykg.ingest import pipeline

    slow = write_policy(POLICY, name="slow.txt")
    good = write_policy(POLICY, name="good.txt")
    real = pipeline.policy_quads

    def policy_quads(path, *args, **kwargs):
        if path.name == "slow.txt":
            time.sleep(30)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "policy_quads", policy_quads)
    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 1)    # workers (forked, so they see the patch)
    started = time.monotonic()
    report = ingest([slow, good], store, workers=2, time_budget=1.5)
    assert time.monotonic() - started < 20
    assert [path for path, _, _ in report.stored] == [good]
    [error] = report.failed
    assert error.path == slow and "time budget" in error.problem


@pytest.mark.parametrize("workers", [1, 2])
def test_hostile_files_fail_one_by_one_and_recoverable_ones_are_stored(store, write_policy, workers, monkeypatch):
    from test_readers import pypdf_page_pdf

    from policykg.ingest import pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 2)     # the worker processes too, with a small batch
    files = [
        write_policy(pypdf_page_pdf("x", encrypt={"user_password": "pw", "owner_password": "o",
                                                  "algorithm": "AES-128"}), name="locked.pdf"),
        write_policy(POLICY.encode("utf-16-le"), name="utf16.txt"),
        write_policy("---\na: &a [x, x]\nb: [*a, *a]\n---\n\n" + POLICY, name="aliases.md"),
        write_policy(POLICY * 200, name="too-long.txt"),
        write_policy(POLICY, name="good.txt"),
    ]
    report = ingest(files, store, workers=workers, max_bytes=5_000)
    assert sorted(path.name for path, _, _ in report.stored) == ["aliases.md", "good.txt", "utf16.txt"]
    failed = {e.path.name: e.problem for e in report.failed}
    assert failed == {"locked.pdf": "is encrypted (password required)",
                      "too-long.txt": "has 15.2 KB of text, more than the limit of 5 KB (--max-bytes)"}


# --- skipping what is stored unchanged; extract and load ---------------------------------------------

def policies(store: ox.Store) -> set[ox.Quad]:
    """The quads outside the ontology graph (whose blank nodes are new at each load of the ontology)."""
    return {q for q in store if q.graph_name != ONTOLOGY_GRAPH}


def test_reingesting_an_unchanged_file_skips_reading_it(store, write_policy, monkeypatch):
    from policykg.ingest import pipeline

    path = write_policy(POLICY, name="tiny-app.txt")
    first = ingest([path], store)
    before = policies(store)
    read = []
    monkeypatch.setattr(pipeline, "read_document", lambda *a, **k: read.append(a) or pytest.fail("read again"))
    again = ingest([path], store)
    assert again.skipped == [(path, policy_iri("tiny-app").value)] and again.stored == [] and again.ok
    assert policies(store) == before and first.stored and not read


def test_a_changed_file_a_changed_engine_or_force_reads_it_again(store, write_policy, monkeypatch):
    from policykg.ingest import pipeline

    path = write_policy(POLICY, name="tiny-app.txt")
    ingest([path], store)
    key = pipeline.stored_key(store, policy_iri("tiny-app"))
    write_policy(POLICY + "\nWe keep it for 13 months.\n", name="tiny-app.txt")
    changed = ingest([path], store)
    assert len(changed.stored) == 1 and not changed.skipped
    assert pipeline.stored_key(store, policy_iri("tiny-app")) != key
    assert len(list(store.quads_for_pattern(None, None, None, pipeline.INGEST_GRAPH))) == 1   # one key per graph
    assert len(ingest([path], store, force=True).stored) == 1
    monkeypatch.setattr(pipeline, "engine_version", lambda: "another-engine")
    assert len(ingest([path], store).stored) == 1
    assert len(ingest([path], store).skipped) == 1


def test_the_engine_fingerprint_covers_the_rules_and_the_ontology():
    from policykg.ingest import pipeline

    assert len(pipeline.engine_version()) == 16
    pipeline.engine_version.cache_clear()
    assert pipeline.engine_version() == pipeline.engine_version()


def test_the_keys_are_in_the_default_graph_and_no_named_graph_holds_them(store, write_policy):
    from policykg.ingest.pipeline import INGEST_GRAPH, stored_key

    ingest([write_policy(POLICY, name="tiny-app.txt")], store)
    keys = list(store.quads_for_pattern(None, None, None, INGEST_GRAPH))
    assert [(q.subject, q.object.value) for q in keys] == [(policy_iri("tiny-app"), stored_key(store, policy_iri("tiny-app")))]
    assert sorted(g.value for g in store.named_graphs()) == [ONTOLOGY_GRAPH.value, policy_iri("tiny-app").value]


def test_extracted_shards_load_into_the_store_an_ingest_makes(tmp_path, examples_dir):
    from policykg.ingest.pipeline import extract, load_shards

    report = extract([examples_dir], tmp_path / "shards", per_shard=4, workers=0)
    names = sorted(p.name for p in (tmp_path / "shards").iterdir())
    assert names == ["ontology.nq", "part-00000.nq", "part-00001.nq"] and len(report.stored) == 6
    loaded, ingested = ox.Store(), ox.Store()
    load_shards(tmp_path / "shards", loaded)
    ingest([examples_dir], ingested, workers=0)
    assert policies(loaded) == policies(ingested) and len(policies(loaded)) > 2731
    again = load_shards(tmp_path / "shards", loaded)      # a second load replaces, never doubles
    assert policies(loaded) == policies(ingested) and len(again.stored) == 6
    assert len(ingest([examples_dir], loaded).skipped) == 6


def test_a_bad_document_is_reported_and_the_other_shards_written(tmp_path, write_policy):
    from policykg.ingest.pipeline import extract

    write_policy(POLICY, name="good.txt")
    write_policy("", name="empty.txt")
    report = extract([tmp_path], tmp_path / "out", workers=0)
    assert [e.path.name for e in report.failed] == ["empty.txt"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ontology.nq", "part-00000.nq"]


def test_a_shard_that_is_not_n_quads_is_reported_and_the_others_loaded(tmp_path, examples_dir):
    from policykg.ingest.pipeline import extract, load_shards

    extract([examples_dir], tmp_path / "s", per_shard=3, workers=0)
    (tmp_path / "s" / "part-00001.nq").write_text("not n-quads\n")
    store = ox.Store()
    report = load_shards(tmp_path / "s", store)
    assert [e.path.name for e in report.failed] == ["part-00001.nq"] and len(report.stored) == 3


def test_a_missing_dask_extra_names_it(monkeypatch, write_policy, store):
    import builtins

    from policykg.extras import MissingExtraError

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(MissingExtraError, match=r"'dask' extra \(distributed\)"):
        ingest([write_policy(POLICY, name="tiny-app.txt")], store, dask="local")


def test_the_summary_line_counts_unchanged_files_and_extract_and_load_report_theirs(run_cli, tmp_path, write_policy):
    from policykg.store import release_store

    write_policy(POLICY, name="tiny-app.txt")
    write_policy(POLICY.replace("e-mail address", "phone number"), name="other.txt")
    store, shards = tmp_path / "kg", tmp_path / "shards"
    first = run_cli("ingest", tmp_path / "tiny-app.txt", tmp_path / "other.txt", "--store", store)
    release_store(store)
    again = run_cli("ingest", tmp_path / "tiny-app.txt", tmp_path / "other.txt", "--store", store)
    release_store(store)
    assert first.exit_code == again.exit_code == 0
    assert first.stdout.startswith("Ingested 2 of 2 files (") and first.stdout.endswith(f"into {store}; 0 failed.\n")
    assert again.stdout == f"Ingested 0 of 2 files (0 quads) into {store}; 2 unchanged, not read again; 0 failed.\n"
    extracted = run_cli("extract", tmp_path / "tiny-app.txt", tmp_path / "other.txt", "--out", shards,
                        "--per-shard", "1")
    quads = first.stdout.split("(")[1].split(" ")[0]
    assert extracted.stdout == f"Extracted 2 of 2 files ({quads} quads) into 2 shards in {shards}; 0 failed.\n"
    loaded = run_cli("load", shards, "--store", tmp_path / "kg2")
    release_store(tmp_path / "kg2")
    assert loaded.exit_code == 0
    assert loaded.stdout == f"Loaded 2 policies ({quads} quads) from 2 shards into {tmp_path / 'kg2'}; 0 failed.\n"
