"""Versions of a policy: how ingest links them, the practice-level diff, history and the cross-version questions."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import EXAMPLES, REPO_ROOT  # noqa: E402

VERSIONS = EXAMPLES / "versions"
OLD, NEW = VERSIONS / "tallyho-2023-03-01.md", VERSIONS / "tallyho-2024-09-15.md"
SHARED_VERSIONS = REPO_ROOT.parent / "shared" / "corpus" / "tosback" / "versions"
SERVICE = "https://w3id.org/policykg/service/tallyho"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def versions_store(tmp_path_factory) -> ox.Store:
    from policykg.ingest.pipeline import ingest

    store = ox.Store(str(tmp_path_factory.mktemp("versions") / "kg"))
    report = ingest([VERSIONS], store, workers=0)
    assert report.ok and len(report.stored) == 2
    return store


# --- versions in the graph ----------------------------------------------------------------------

def test_examples_ingest_skips_the_versions_folder():
    from policykg.ingest.pipeline import find_files

    found = list(find_files([EXAMPLES]))
    assert len(found) == 6 and not any("versions" in p.parts for p in found)
    assert sorted(p.name for p in find_files([VERSIONS])) == [OLD.name, NEW.name]


def test_service_and_date_come_from_the_file_name_or_the_options(tmp_path):
    from policykg.ingest.pipeline import policy_files

    (tmp_path / "acme-2019-06-19.md").write_text("We collect your name.")
    (tmp_path / "plain.md").write_text("We collect your name.")
    files = {f.slug: f for f in policy_files([tmp_path])[0]}
    assert (files["acme-2019-06-19"].service, files["acme-2019-06-19"].date) == ("acme", "2019-06-19")
    assert (files["plain"].service, files["plain"].date) == (None, None)
    [given] = policy_files([tmp_path / "plain.md"], service="Acme Inc", date="2020-01-02")[0]
    assert (given.service, given.date) == ("acme-inc", "2020-01-02")


def test_a_version_is_linked_to_its_service_with_an_xsd_date(versions_store):
    old = ox.NamedNode("https://w3id.org/policykg/policy/tallyho-2023-03-01")
    assert list(versions_store.quads_for_pattern(old, ox.NamedNode(DCT + "isVersionOf"), ox.NamedNode(SERVICE), old))
    [issued] = versions_store.quads_for_pattern(old, ox.NamedNode(DCT + "issued"), None, old)
    assert issued.object == ox.Literal("2023-03-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))


def test_revisions_are_recomputed_for_the_whole_service_in_its_graph(tmp_path):
    from policykg.ingest.pipeline import ingest

    store = ox.Store()
    ingest([OLD, NEW], store, workers=0)
    middle = tmp_path / "tallyho-2024-01-01.md"
    middle.write_text(OLD.read_text(encoding="utf-8").replace("2023-03-01", "2024-01-01"), encoding="utf-8")
    ingest([middle], store, workers=0)   # a later batch, dated between the two
    links = sorted((q.subject.value.rsplit("/", 1)[1], q.object.value.rsplit("/", 1)[1])
                   for q in store.quads_for_pattern(None, ox.NamedNode(PROV + "wasRevisionOf"), None,
                                                    ox.NamedNode(SERVICE)))
    assert links == [("tallyho-2024-01-01", "tallyho-2023-03-01"), ("tallyho-2024-09-15", "tallyho-2024-01-01")]
    assert not list(store.quads_for_pattern(None, ox.NamedNode(PROV + "wasRevisionOf"), None,
                                            ox.NamedNode("https://w3id.org/policykg/policy/tallyho-2024-09-15")))


# --- the diff -----------------------------------------------------------------------------------

# One text change can show in more than one question: a right removed is the right (rights) and the
# Art. 13 item (disclosures); consent asked for the merger transfer is a consent basis (the
# LegalBasis item). The reworded paragraphs (collection, retention) change no answer.
GOLDEN = {
    ("added", "sells-personal-data"),
    ("removed", "rights eu-gdpr:A20"),
    ("removed", "disclosures RightToPortability"),
    ("changed", "merger-transfer-without-consent"),
    ("added", "disclosures LegalBasis"),
}


def test_example_versions_diff_to_exactly_their_changes():
    from policykg.diff import diff_versions, file_version

    d = diff_versions(file_version(OLD), file_version(NEW))
    assert {(c.change, c.label) for c in d.changes} == GOLDEN
    merger = next(c for c in d.changes if c.question == "merger-transfer-without-consent")
    assert (merger.old.state, merger.new.state) == ("without consent", "with consent")
    assert "may be transferred to the acquirer." in merger.old.sentence
    assert "only with your consent" in merger.new.sentence and merger.new.section == "Who we share it with"
    sale = next(c for c in d.changes if c.question == "sells-personal-data")
    assert sale.old is None and sale.new.sentence == "We may sell your personal data."
    right = next(c for c in d.changes if c.label == "rights eu-gdpr:A20")
    assert "portable format" in right.old.sentence and right.old.section == "Your rights" and right.new is None


def test_more_sentences_for_the_same_answer_and_a_new_controller_name(tmp_path):
    from policykg.diff import diff_versions, file_version

    one = tmp_path / "a.md"
    one.write_text("# Acme privacy\n\nAcme Ltd is the controller of your personal data.\n\n"
                   "If Acme is acquired, your personal data may be transferred to the buyer.\n", encoding="utf-8")
    two = tmp_path / "b.md"
    two.write_text("# Acme privacy\n\nBeta Ltd is the controller of your personal data.\n\n"
                   "If Acme is acquired, your personal data may be transferred to the buyer.\n\n"
                   "In a merger, your personal data may also be transferred to the acquirer.\n", encoding="utf-8")
    changes = {(c.change, c.label) for c in diff_versions(file_version(one), file_version(two)).changes}
    assert ("added", "controllers Beta Ltd") in changes and ("removed", "controllers Acme Ltd") in changes
    assert not any(label.startswith("merger") for _, label in changes)
    three = tmp_path / "c.md"
    three.write_text(two.read_text(encoding="utf-8").replace("Beta Ltd is", "BETA, Ltd. is"), encoding="utf-8")
    assert diff_versions(file_version(two), file_version(three)).changes == []


def test_a_file_diffed_with_itself_is_empty(run_cli):
    result = run_cli("diff", OLD, OLD, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["changes"] == []
    assert "0 added, 0 removed, 0 changed" in run_cli("diff", NEW, NEW).stdout


def test_two_unrelated_policies_give_valid_output_in_every_format(run_cli):
    other = EXAMPLES / "quietnote.md"
    data = json.loads(run_cli("diff", OLD, other, "--format", "json").stdout)
    assert data["schema"] == "https://w3id.org/policykg/diff/1"
    assert data["old"]["policy"] == "tallyho-2023-03-01" and data["new"]["policy"] == "quietnote"
    assert data["summary"]["added"] > 0 and data["summary"]["removed"] > 0
    assert sum(data["summary"].values()) == len(data["changes"])
    for change in data["changes"]:
        assert set(change) == {"question", "change", "answer", "old", "new"}
        assert change["change"] in ("added", "removed", "changed")
        assert (change["old"] is None) == (change["change"] == "added")
        assert (change["new"] is None) == (change["change"] == "removed")
        for side in (change["old"], change["new"]):
            if side is not None:
                assert set(side) == {"values", "state", "sentence", "section"} and side["sentence"]
    text = run_cli("diff", OLD, other).stdout
    assert text.splitlines()[0].startswith("tallyho-2023-03-01 (2023-03-01) -> quietnote:")
    markdown = run_cli("diff", OLD, other, "--format", "markdown").stdout
    assert markdown.startswith("## ") and "- **added** `" in markdown


def test_diff_and_history_of_policies_in_a_store(run_cli, versions_store, tmp_path):
    path = tmp_path / "kg"
    store = ox.Store(str(path))
    store.extend(versions_store)
    store.flush()
    del store
    result = run_cli("diff", "tallyho-2023-03-01", "tallyho-2024-09-15", "--store", path, "--format", "json")
    assert result.exit_code == 0
    assert {(c["change"], c["question"]) for c in json.loads(result.stdout)["changes"]} == \
        {(kind, label.split()[0]) for kind, label in GOLDEN}
    history = run_cli("history", "tallyho", "--store", path)
    assert history.exit_code == 0
    assert history.stdout.startswith("tallyho: 2 versions")
    assert "~ merger-transfer-without-consent: without consent -> with consent" in history.stdout
    assert run_cli("diff", "tallyho-2023", "tallyho-2024-09-15", "--store", path).exit_code == 2
    assert run_cli("history", "nosuchservice", "--store", path).exit_code == 2


# --- the questions across versions --------------------------------------------------------------

def test_version_timeline_lists_versions_with_date_and_previous(versions_store):
    from policykg.queries import catalogue
    from policykg.query import run_local

    rows = run_local(versions_store, catalogue()["version-timeline"], {"service": "service:tallyho"}).rows
    assert [(r["policy"].value.rsplit("/", 1)[1], r["date"].value,
             r["previous"].value.rsplit("/", 1)[1] if r["previous"] else None) for r in rows] == [
        ("tallyho-2023-03-01", "2023-03-01", None), ("tallyho-2024-09-15", "2024-09-15", "tallyho-2023-03-01")]
    assert run_local(versions_store, catalogue()["version-timeline"], {"service": "service:other"}).rows == []


@pytest.mark.parametrize("params, found", [
    ({}, True), ({"from": "2024-09-15"}, True), ({"from": "2024-09-16"}, False),
    ({"to": "2024-09-15"}, True), ({"to": "2024-09-14"}, False),
    ({"from": "2024-01-01", "to": "2024-12-31", "service": "service:tallyho"}, True),
])
def test_practice_added_finds_the_sale_the_previous_version_lacks(versions_store, params, found):
    from policykg.queries import catalogue
    from policykg.query import run_local

    rows = run_local(versions_store, catalogue()["practice-added"], params, evidence=True).rows
    expected = [("tallyho-2024-09-15", "tallyho-2023-03-01", "https://w3id.org/policykg/ns#Sale",
                 "We may sell your personal data.")] if found else []
    assert [(r["policy"].value.rsplit("/", 1)[1], r["previous"].value.rsplit("/", 1)[1], r["practice"].value,
             r["sentence"].value) for r in rows] == expected


def test_practice_added_ignores_a_practice_the_previous_version_states(tmp_path):
    from policykg.ingest.pipeline import ingest
    from policykg.queries import catalogue
    from policykg.query import run_local

    (tmp_path / "s-2020-01-01.md").write_text("We may sell your personal data.\n\nWe collect your name.\n")
    (tmp_path / "s-2021-01-01.md").write_text("We collect your name.\n\nWe may sell your personal data.\n")
    (tmp_path / "s-2022-01-01.md").write_text("We collect your name.\n\nWe do not sell your personal data.\n")
    store = ox.Store()
    ingest([tmp_path], store, workers=0)
    assert run_local(store, catalogue()["practice-added"]).rows == []


# --- the tosback versions -----------------------------------------------------------------------

@pytest.mark.skipif(not SHARED_VERSIONS.is_dir(), reason="needs ../shared/corpus/tosback/versions")
def test_history_runs_on_every_tosback_service(tmp_path, run_cli):
    services = sorted(p.name for p in SHARED_VERSIONS.iterdir() if p.is_dir())
    assert len(services) == 6
    corpus = tmp_path / "versions"
    shutil.copytree(SHARED_VERSIONS, corpus)
    store = tmp_path / "kg"
    assert run_cli("ingest", corpus, "--store", store, "-q").exit_code in (0, 1)
    for service in services:
        result = run_cli("history", service, "--store", store, "--format", "json")
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        dates = [v["date"] for v in data["versions"]]
        assert len(dates) >= 2 and dates == sorted(dates)
        assert data["versions"][0]["diff"] is None
        assert all(v["diff"]["old"]["policy"] == p["policy"] for p, v in zip(data["versions"], data["versions"][1:]))
