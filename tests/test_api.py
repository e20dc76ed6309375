"""The Python API (policykg.read, policykg.open, policykg.questions; docs/api.md).

- a notebook-style session: a policy read from text, three questions, a DataFrame with evidence,
  validation, all without the command line;
- the command line and the API give the same answers on examples/ for every canned question (the
  store through KnowledgeGraph.ask, each file through policykg.read and Policy.answers);
- the types of facts and answers, unknown policies, read-only stores, pandas missing;
- mypy --strict passes on policykg/__init__.py and policykg/api.py (skipped when mypy is absent).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import policykg
from conftest import EXAMPLE_POLICIES, EXAMPLES, REPO_ROOT
from policykg.queries import catalogue

QUESTIONS = sorted(catalogue())

NOTEBOOK_POLICY = """# Privacy Policy of Acme Notes Ltd

Acme Notes Ltd is the controller of your personal data. Contact privacy@acme-notes.example.

## What we collect

We collect your email address and your name when you sign up.

## Sharing

We do not sell your personal data. If Acme Notes Ltd is involved in a merger or acquisition, your
information may be transferred to the acquirer.

## Your rights

You can request a copy of your data, and you can ask us to delete it.
"""


def test_notebook_session_from_text_to_dataframe_and_validation(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    pytest.importorskip("pyshacl")
    monkeypatch.chdir(tmp_path)
    policy = policykg.read(NOTEBOOK_POLICY, slug="acme-notes")
    assert policy.slug == "acme-notes"
    assert policy.iri == "https://w3id.org/policykg/policy/acme-notes"

    controllers = policy.answers("controllers")
    assert [row["controller"] for row in controllers] == ["Acme Notes Ltd"]
    collected = policy.answers("data-collected", evidence=True)
    assert {"https://w3id.org/dpv/pd#EmailAddress", "https://w3id.org/dpv/pd#Name"} <= {
        row["category"] for row in collected}
    merger = policy.answers("merger-transfer-without-consent", evidence=True)
    assert len(merger) == 1 and "merger" in str(merger.rows[0]["evidence"])

    frame = collected.to_pandas()
    assert list(frame.columns) == ["policy", "category", "sentence", "section"]
    assert len(frame) == len(collected)
    assert frame["section"].eq("What we collect").all()
    assert frame["sentence"].str.contains("We collect your email address").all()

    report = policy.validate()
    assert [p.policy for p in report.policies] == [policy.iri]
    found = report.policies[0].found
    assert "ControllerIdentity" in found or "ControllerContact" in found
    assert any(f.item == "LegalBasis" for f in report.policies[0].findings)
    assert list(tmp_path.iterdir()) == []          # nothing written where the user is


def test_facts_are_typed_with_labels_and_evidence():
    policy = policykg.read(NOTEBOOK_POLICY, slug="acme-notes")
    collections = [f for f in policy.facts if f.kind == "Collection"]
    assert collections and all(f.modality == "Permitted" for f in collections)
    email = next(f for f in collections
                 if any(c.iri.endswith("#EmailAddress") for c in f.concepts["dpv:hasPersonalData"]))
    assert email.concepts["dpv:hasPersonalData"][0].label == "email address"
    ev = email.evidence
    assert ev is not None and ev.section == "What we collect" and isinstance(ev.line, int)
    assert isinstance(ev.start, int) and isinstance(ev.end, int) and ev.end > ev.start
    text = next(q.object.value for q in policy.to_graph() if q.predicate.value.endswith("#text"))
    assert text[ev.start:ev.end] == ev.sentence

    sale = next(f for f in policy.facts if f.kind == "Sale")
    assert sale.modality == "Prohibited"
    transfer = next(f for f in policy.facts if f.conditions)
    assert transfer.conditions[0].iri.startswith("https://w3id.org/policykg/ns#")
    assert transfer.conditions[0].label
    controller = next(f for f in policy.facts if f.kind == "Controller")
    assert controller.values["dpv:hasName"] == ("Acme Notes Ltd",)


def test_read_a_file_names_it_as_ingest_does():
    policy = policykg.read(EXAMPLES / "quietnote.md")
    assert policy.slug == "quietnote"
    assert policykg.read(str(EXAMPLES / "quietnote.md"), slug="notes").slug == "notes"
    with pytest.raises(policykg.InputError):
        policykg.read("no-such-policy.md")
    with pytest.raises(policykg.InputError):
        policykg.read(EXAMPLES)


def test_to_graph_as_quads_or_rdflib():
    policy = policykg.read("We collect your email address.", slug="tiny")
    quads = policy.to_graph()
    assert quads and all(q.graph_name.value == policy.iri for q in quads)
    graph = policy.to_graph(rdflib=True)
    assert len(graph) == len(quads)
    assert str(graph.identifier) == policy.iri


def test_answer_values_are_python_values():
    policy = policykg.read(EXAMPLES / "brightpath-learning.txt")
    ages = policy.answers("children")
    assert ages.rows and all(isinstance(row["minAge"], int) for row in ages)
    assert ages.columns == ["policy", "minAge"]
    assert all(isinstance(row["policy"], str) for row in ages)
    assert json.loads(ages.to_json())["head"]["vars"] == ages.columns


def test_to_pandas_without_pandas_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    answer = policykg.read("We collect your email address.").answers("data-collected")
    with pytest.raises(ModuleNotFoundError, match="pip install pandas"):
        answer.to_pandas()


def test_questions_catalogue():
    qs = policykg.questions()
    assert list(qs) == QUESTIONS
    rights = qs["rights"]
    assert rights.title and rights.description and rights.columns[0] == "policy"
    assert [p.name for p in rights.parameters] == ["policy"] and rights.parameters[0].kind == "policy"


# ------------------------------------------------------------------ a store


def test_ask_unknown_policy_raises_with_suggestions(examples_store_path):
    with policykg.open(examples_store_path, read_only=True) as kg:
        with pytest.raises(policykg.UnknownPolicyError) as info:
            kg.ask("rights", policy="quietnot")
        assert "quietnote" in info.value.suggestions
        with pytest.raises(policykg.UnknownPolicyError):
            kg.policy("quietnot")
        with pytest.raises(policykg.QueryError):
            kg.ask("rigths")


def test_store_policies_names_and_sparql(examples_store_path):
    with policykg.open(examples_store_path, read_only=True) as kg:
        assert sorted(kg.names()) == sorted(EXAMPLE_POLICIES)
        listed = kg.policies()
        assert listed.columns == ["policy", "source", "title", "date"]
        assert len(listed) == len(EXAMPLE_POLICIES)
        count = kg.ask("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?g a <https://w3id.org/policykg/ns#PolicyDocument> } }")
        assert count.rows == [{"n": len(EXAMPLE_POLICIES)}]
        stored = kg.policy("quietnote")
        assert stored.facts == policykg.read(EXAMPLES / "quietnote.md").facts
        with pytest.raises(policykg.StoreError):
            kg.ingest([EXAMPLES / "quietnote.md"])
    with pytest.raises(policykg.StoreError):
        kg.names()


def test_ingest_validate_export_and_close_release_the_store(tmp_path):
    pytest.importorskip("pyshacl")
    path = tmp_path / "kg"
    with policykg.open(path) as kg:
        report = kg.ingest(EXAMPLES / "quietnote.md")
        assert report.ok and [iri for _, iri, _ in report.stored] == ["https://w3id.org/policykg/policy/quietnote"]
        validation = kg.validate("quietnote")
        assert [p.slug for p in validation.policies] == ["quietnote"] and validation.fails("violation")
        assert kg.export(tmp_path / "kg.nq", policies=["quietnote"], include_ontology=False) > 0
    with policykg.open(path, read_only=True) as again:     # the writer's lock is gone
        assert again.names() == ["quietnote"]


# ------------------------------------------------------------------ the CLI and the API agree


@pytest.mark.parametrize("evidence", [False, True], ids=["plain", "evidence"])
def test_cli_and_api_give_the_same_answers_on_the_examples(evidence, examples_store_path, run_cli):
    extra = ["--evidence"] if evidence else []
    with policykg.open(examples_store_path, read_only=True) as kg:
        for name in QUESTIONS:
            cli = run_cli("query", name, "--store", examples_store_path, "--format", "json", *extra)
            assert cli.exit_code == 0, cli.stderr
            assert cli.stdout == kg.ask(name, evidence=evidence).to_json() + "\n", name
            table = run_cli("query", name, "--store", examples_store_path, *extra)
            assert table.stdout == kg.ask(name, evidence=evidence).to_table() + "\n", name


def test_read_and_ingest_give_the_same_answers_for_each_example(examples_store_path):
    with policykg.open(examples_store_path, read_only=True) as kg:
        for slug in EXAMPLE_POLICIES:
            path = next(p for p in EXAMPLES.rglob("*") if p.is_file() and p.relative_to(EXAMPLES).with_suffix("")
                        .as_posix() == slug)
            policy = policykg.read(path, slug=slug)
            for name in QUESTIONS:
                if not any(p.name == "policy" for p in catalogue()[name].params):
                    continue
                assert policy.answers(name, evidence=True).to_json() == \
                    kg.ask(name, evidence=True, policy=slug).to_json(), (slug, name)


def test_cli_policies_prints_the_api_answer(examples_store_path, run_cli):
    cli = run_cli("policies", "--store", examples_store_path, "--format", "json")
    with policykg.open(examples_store_path, read_only=True) as kg:
        assert cli.stdout == kg.policies().to_json() + "\n"


# ------------------------------------------------------------------ types


def test_mypy_passes_on_the_public_modules(tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (it is in the dev extra)")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                           "policykg/__init__.py", "policykg/api.py"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_py_typed_marker_ships():
    assert (REPO_ROOT / "policykg" / "py.typed").exists()


def test_docs_api_examples_run(tmp_path):
    """docs/api.md's python blocks, in order, as one script in a folder holding a copy of examples/."""
    pytest.importorskip("pandas")
    pytest.importorskip("pyshacl")
    import re
    import shutil

    text = (REPO_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    script = "\n".join(re.findall(r"^```python[^\n]*\n(.*?)^```", text, re.M | re.S))
    assert "policykg.read(" in script and "policykg.open(" in script
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_docs_api_names_every_public_name():
    text = (REPO_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [name for name in policykg.__all__ if f"`{name}" not in text and f"policykg.{name}" not in text]
    assert not missing, f"docs/api.md does not document {missing}"
