"""Projections of the store as networkx graphs, their writers, and `policykg export`.

Most tests read ``tests/data/viz/two-policies.trig``: two hand-written policies (acme: shares e-mail
and phone with advertisers in one sentence, merger transfer with notice only, rules out selling to
data brokers; beta: shares unnamed data with advertisers, merger transfer only with consent) and a
data vocabulary shaped like DPV's (Personal Data > External > Contact > Email Address, Phone Number).
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from policykg.errors import PolicyKGError
from policykg.projections import Vocabulary, curie, local_label, project
from policykg.viewers import FORMATS, render, to_dot

ROOT = Path(__file__).parent.parent
SMALL = ROOT / "tests" / "data" / "viz" / "two-policies.trig"
PK = "https://w3id.org/policykg/ns#"
PD = "https://w3id.org/dpv/pd#"
ACME = "https://w3id.org/policykg/policy/acme"
BETA = "https://w3id.org/policykg/policy/beta"
ALL_VIEWS = {"policy": {"policies": ["acme"]}, "sharing": {}, "collection": {},
             "question": {"question": "merger-transfer-without-consent"}}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(path=str(SMALL), format=ox.RdfFormat.TRIG)
    return s


def _edge_to(graph: nx.DiGraph, target: str) -> dict:
    (data,) = [d for _, t, d in graph.edges(data=True) if t == target]
    return data


# ------------------------------------------------------------------ vocabulary

def test_labels_prefer_english_preflabel_and_fall_back_to_local_name(store):
    voc = Vocabulary.from_store(store)
    assert voc.label(PD + "EmailAddress") == "Email Address"
    assert voc.label("https://w3id.org/dpv#LawEnforcementOrganisation") == "Law Enforcement Organisation"
    assert local_label(PK + "data-broker") == "data broker"


def test_curie_uses_the_project_prefixes():
    assert curie(PD + "EmailAddress") == "pd:EmailAddress"
    assert curie("https://example.org/x") == "https://example.org/x"


def test_collapse_walks_broader_to_the_depth_below_the_top_concept(store):
    voc = Vocabulary.from_store(store)
    assert voc.collapse(PD + "EmailAddress", "leaf") == PD + "EmailAddress"
    assert voc.collapse(PD + "EmailAddress", "2") == PD + "Contact"
    assert voc.collapse(PD + "EmailAddress", "1") == PD + "External"
    assert voc.collapse(PD + "Contact", "2") == PD + "Contact"
    assert voc.collapse(PD + "External", "2") == PD + "External"


# ------------------------------------------------------------------ policy view

def test_policy_view_goes_controller_practice_concept(store):
    g = project(store, "policy", policies=["acme"])
    assert g.nodes[ACME]["label"] == "Acme Ltd"
    practices = [n for n in g.successors(ACME) if g.nodes[n]["kind"] == "practice"]
    assert {g.nodes[p]["label"] for p in practices} == {"collection", "disclosure to recipients",
                                                        "sale or rental of personal data"}
    collection = next(p for p in practices if g.nodes[p]["label"] == "collection")
    assert set(g.successors(collection)) == {PD + "EmailAddress", PD + "PhoneNumber"}


def test_policy_view_merger_edge_says_notice_no_consent(store):
    g = project(store, "policy", policies=["acme"])
    edge = _edge_to(g, PK + "Acquirer")
    assert edge["safeguards"] == "notice, no consent"
    assert edge["label"] == "notice, no consent"
    assert edge["condition"].startswith("merger")
    assert edge["evidence"].startswith("[acme] In a merger your data may pass to the buyer")


def test_policy_view_marks_ruled_out_practices(store):
    g = project(store, "policy", policies=["acme"])
    assert _edge_to(g, PK + "DataBroker")["modality"] == "ruled out"
    assert _edge_to(g, PD + "EmailAddress")["modality"] == "permitted"


def test_policy_view_keeps_the_iri_as_an_attribute(store):
    g = project(store, "policy", policies=["acme"])
    assert g.nodes[PD + "EmailAddress"]["iri"] == PD + "EmailAddress"
    assert g.nodes[PD + "EmailAddress"]["curie"] == "pd:EmailAddress"


def test_policy_view_needs_exactly_one_policy(store):
    with pytest.raises(PolicyKGError, match="exactly one --policy"):
        project(store, "policy")


def test_unknown_policy_is_an_error_that_says_how_to_list_them(store):
    with pytest.raises(PolicyKGError, match="No policy 'nosuch'.*policykg query controllers"):
        project(store, "sharing", policies=["nosuch"])


# ------------------------------------------------------------------ sharing and collection

def test_sharing_view_weights_edges_by_data_categories_shared(store):
    g = project(store, "sharing")
    acme = g.edges[ACME, PK + "Advertiser"]
    assert acme["weight"] == 2
    assert acme["categories"] == "pd:EmailAddress, pd:PhoneNumber"
    beta = g.edges[BETA, PK + "Advertiser"]
    assert beta["weight"] == 1
    assert beta["categories"] == "pk:UnspecifiedPersonalData"


def test_sharing_view_level_2_merges_categories_under_their_parent(store):
    g = project(store, "sharing", level="2")
    assert g.edges[ACME, PK + "Advertiser"]["categories"] == "pd:Contact"
    assert g.edges[ACME, PK + "Advertiser"]["weight"] == 1


def test_sharing_view_names_the_policy_of_each_sentence(store):
    g = project(store, "sharing")
    lines = g.nodes[PK + "Advertiser"]["policy"].split()
    assert lines == ["acme", "beta"]
    assert g.edges[BETA, PK + "Advertiser"]["evidence"] == "[beta] We share information with advertising partners."


def test_sharing_view_leaves_out_ruled_out_disclosures(store):
    assert PK + "DataBroker" not in project(store, "sharing")


def test_sharing_view_restricted_to_one_policy(store):
    g = project(store, "sharing", policies=["beta"])
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "controller"} == {BETA}


def test_collection_view_is_bipartite_controllers_and_data(store):
    g = project(store, "collection")
    top = {n for n, d in g.nodes(data=True) if d["bipartite"] == 0}
    assert top == {ACME}              # beta collects nothing and is left out
    assert nx.is_bipartite(g)
    assert {d["kind"] for n, d in g.nodes(data=True) if n not in top} == {"data"}


def test_collection_view_level_2_shows_the_parent_concept(store):
    g = project(store, "collection", level="2")
    assert set(g.successors(ACME)) == {PD + "Contact"}
    assert g.nodes[PD + "Contact"]["label"] == "Contact"


def test_collection_view_level_1_shows_the_top_category(store):
    g = project(store, "collection", level="1")
    assert set(g.successors(ACME)) == {PD + "External"}


# ------------------------------------------------------------------ question view

def test_question_view_draws_the_controllers_that_answer_with_evidence(store):
    g = project(store, "question", question="merger-transfer-without-consent")
    hub = "question:merger-transfer-without-consent"
    assert g.nodes[hub]["kind"] == "question"
    assert set(g.successors(hub)) == {ACME}          # beta asks for consent
    assert "we will notify you first" in g.edges[hub, ACME]["evidence"]


def test_question_view_draws_answer_values_as_nodes(store):
    g = project(store, "question", question="recipients")
    assert g.nodes[PK + "Advertiser"]["kind"] == "recipient"
    assert g.has_edge(BETA, PK + "Advertiser")


def test_question_view_unknown_question_suggests_one(store):
    with pytest.raises(PolicyKGError, match="Did you mean 'merger-transfer-without-consent'"):
        project(store, "question", question="merger-transfer")


def test_question_only_goes_with_the_question_view(store):
    with pytest.raises(PolicyKGError, match="--question only goes with --view question"):
        project(store, "sharing", question="recipients")


# ------------------------------------------------------------------ writers

@pytest.mark.parametrize("view", sorted(ALL_VIEWS))
def test_graphml_round_trips_through_networkx(store, view):
    g = project(store, view, **ALL_VIEWS[view])
    back = nx.read_graphml(io.BytesIO(render(g, "graphml")))
    assert set(back.nodes) == set(g.nodes)
    assert set(back.edges) == set(g.edges)
    for node, data in g.nodes(data=True):
        assert back.nodes[node]["label"] == data["label"]
        assert back.nodes[node]["iri"] == data["iri"]
    for s, t, data in g.edges(data=True):
        assert back.edges[s, t]["weight"] == data["weight"]      # typed: an int comes back an int


@pytest.mark.parametrize("view", sorted(ALL_VIEWS))
def test_gexf_round_trips_through_networkx(store, view):
    g = project(store, view, **ALL_VIEWS[view])
    back = nx.read_gexf(io.BytesIO(render(g, "gexf")))
    assert set(back.nodes) == set(g.nodes)
    assert set(back.edges) == set(g.edges)
    assert {back.nodes[n]["label"] for n in back} == {d["label"] for _, d in g.nodes(data=True)}
    assert all(back.edges[s, t]["evidence"] == d["evidence"] for s, t, d in g.edges(data=True))


def test_cyjs_round_trips_through_networkx(store):
    g = project(store, "sharing")
    data = json.loads(render(g, "cyjs"))
    back = nx.cytoscape_graph(data)
    assert set(back.nodes) == set(g.nodes)
    assert set(back.edges) == set(g.edges)
    assert back.nodes[ACME]["name"] == "Acme Ltd"


def test_dot_gives_nodes_their_own_ids_and_keeps_the_iri():
    g = nx.DiGraph()
    g.add_node("https://w3id.org/dpv/pd#EmailAddress", label='say "hi" \\ bye', kind="data",
               iri="https://w3id.org/dpv/pd#EmailAddress")
    text = to_dot(g)
    assert 'n0 [label="say \\"hi\\" \\\\ bye"' in text
    assert 'iri="https://w3id.org/dpv/pd#EmailAddress"' in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (Debian: apt-get install graphviz)")
@pytest.mark.parametrize("view", sorted(ALL_VIEWS))
def test_dot_renders_through_graphviz(store, view):
    g = project(store, view, **ALL_VIEWS[view])
    svg = render(g, "svg").decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for _, data in g.nodes(data=True):
        assert data["label"].replace("&", "&amp;").split()[0] in svg
    assert render(g, "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_svg_without_graphviz_says_what_to_install(store, monkeypatch):
    import policykg.viewers as viewers

    monkeypatch.setattr(viewers.shutil, "which", lambda name: None)
    with pytest.raises(PolicyKGError, match="apt-get install graphviz"):
        render(project(store, "sharing"), "svg")


def test_html_page_is_self_contained(store):
    from html.parser import HTMLParser

    page = render(project(store, "sharing"), "html").decode("utf-8")
    refs: list[tuple[str, str]] = []

    class Refs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            refs.extend((tag, name) for name, value in attrs if name in ("src", "href") and value)

    Refs().feed(page)
    assert refs == []
    assert "cytoscape" in page and "Content-Security-Policy" in page


def test_html_page_escapes_a_closing_script_tag_in_a_sentence(store):
    page = render(project(store, "policy", policies=["acme"]), "html").decode("utf-8")
    assert "notify you first </script>" not in page
    data = page.split('<script id="graph-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    parsed = json.loads(data)
    evidence = [e["data"]["evidence"] for e in parsed["graph"]["elements"]["edges"]]
    assert any("notify you first </script><b>." in e for e in evidence)


# ------------------------------------------------------------------ the command

@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """The two hand-written policies in an on-disk store, as the command opens it."""
    path = tmp_path_factory.mktemp("viz-store") / "kg"
    s = ox.Store(str(path))
    s.load(path=str(SMALL), format=ox.RdfFormat.TRIG)
    s.flush()
    del s
    return path


def _run(*args: str):
    from policykg.cli import main

    return CliRunner().invoke(main, ["export", *args], catch_exceptions=False)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ("svg", "png")])
@pytest.mark.parametrize("view", sorted(ALL_VIEWS))
def test_export_writes_every_view_in_every_format(store_dir, tmp_path, view, fmt):
    options = ALL_VIEWS[view]
    extra = [a for p in options.get("policies", []) for a in ("--policy", p)]
    if "question" in options:
        extra += ["--question", options["question"]]
    out = tmp_path / f"{view}.{fmt}"
    result = _run("--store", str(store_dir), "--view", view, *extra, "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_export_prints_text_formats_to_stdout(store_dir):
    result = _run("--store", str(store_dir), "--view", "sharing", "--format", "dot")
    assert result.exit_code == 0
    assert result.stdout.startswith("digraph policykg {")


def test_export_without_view_still_writes_rdf(store_dir):
    result = _run("--store", str(store_dir), "--format", "nq", "--policy", "beta")
    assert result.exit_code == 0
    assert "<https://w3id.org/policykg/policy/beta>" in result.stdout
    assert "policy/acme>" not in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "png"], "--format png draws a graph: add --view"),
    (["--view", "sharing", "--format", "ttl"], "--format ttl is an RDF format"),
    (["--view", "sharing", "--format", "png"], "--format png is binary: give --out FILE.png"),
    (["--question", "recipients"], "--question goes with --view question"),
    (["--view", "question"], "the question view needs --question NAME"),
    (["--view", "policy"], "give exactly one --policy ID"),
])
def test_export_explains_a_wrong_combination(store_dir, args, message):
    result = _run("--store", str(store_dir), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_export_help_has_an_example():
    result = _run("--help")
    assert "policykg export --store kg --view sharing --format html" in result.stdout


# ------------------------------------------------------------------ the documented commands

DOC = ROOT / "docs" / "visualisation.md"


def _documented_exports() -> list[list[str]]:
    import shlex

    block = DOC.read_text(encoding="utf-8").split("```console", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        command, _, comment = line.partition(" #")
        if not command.startswith("$ policykg export") or "exit" in comment:
            continue
        commands.append(shlex.split(command[2:])[2:])
    return commands


def test_docs_show_export_commands():
    assert len(_documented_exports()) >= 4


@pytest.mark.parametrize("args", _documented_exports(), ids=lambda a: " ".join(a[:6]))
def test_documented_export_command_works_on_examples(examples_store_path, tmp_path, args):
    if "png" in args or "svg" in args:
        if shutil.which("dot") is None:
            pytest.skip("Graphviz is not installed (Debian: apt-get install graphviz)")
    args = [str(examples_store_path) if a == "kg" else a for a in args]
    args = [str(tmp_path / a) if i and args[i - 1] == "--out" else a for i, a in enumerate(args)]
    result = _run(*args)
    assert result.exit_code == 0, result.stderr
    out = [a for i, a in enumerate(args) if i and args[i - 1] == "--out"]
    assert (Path(out[0]).stat().st_size if out else len(result.stdout_bytes)) > 0
