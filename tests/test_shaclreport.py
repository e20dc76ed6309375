"""Findings as RDF: the sh:ValidationReport graph, `validate --into-store` and the question over it,
GDPRtEXT paragraph IRIs on every GDPR shape, and DPV's notice model in what ingest writes."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

pytest.importorskip("pyshacl")

import rdflib  # noqa: E402
from rdflib.compare import isomorphic  # noqa: E402

from policykg.ingest.graph import POLICY_BASE  # noqa: E402
from policykg.shaclreport import GDPRTEXT, VALIDATION_BASE, render_jsonld, report_graph, store_reports  # noqa: E402
from policykg.validate import check_files, render, validate_store  # noqa: E402

ROOT = Path(__file__).parent.parent
SCHEMA = Path(__file__).parent / "data" / "schemas" / "validation-report.ttl"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
PK = rdflib.Namespace("https://w3id.org/policykg/ns#")
DPV = rdflib.Namespace("https://w3id.org/dpv#")
EU_GDPR = rdflib.Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

# consent as a basis without the right to withdraw it, a transfer abroad with no safeguard, no rights
TINY = """Privacy Policy of Tally Ltd

Tally Ltd is the controller of your personal data. Contact privacy@tally.example.

We collect your e-mail address to provide the service. We process it on the basis of your consent.

Your personal data is transferred to the United States.
"""


def report_of(tmp_path: Path, text: str = TINY, name: str = "tally.md", profile: str = "gdpr"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_files([path], profile=profile, rdf=True)


def conforms_to_schema(graph: rdflib.Graph) -> tuple[bool, str]:
    from pyshacl import validate

    schema = rdflib.Graph().parse(SCHEMA)
    ok, _, text = validate(graph, shacl_graph=schema, inference="none", meta_shacl=True, advanced=True)
    return ok, text


# ---------------------------------------------------------------- the report graph

def test_report_graph_has_the_structure_of_a_shacl_validation_report(tmp_path):
    graph = report_graph(report_of(tmp_path))
    ok, text = conforms_to_schema(graph)
    assert ok, text
    report = rdflib.URIRef(VALIDATION_BASE + "tally")
    assert (report, rdflib.RDF.type, SH.ValidationReport) in graph
    assert graph.value(report, SH.conforms) == rdflib.Literal(False)
    assert len(set(graph.objects(report, SH.result))) >= 3


def test_the_schema_test_rejects_a_report_without_its_required_parts(tmp_path):
    graph = report_graph(report_of(tmp_path))
    result = next(graph.objects(rdflib.URIRef(VALIDATION_BASE + "tally"), SH.result))
    graph.remove((result, SH.focusNode, None))
    assert not conforms_to_schema(graph)[0]
    graph = report_graph(report_of(tmp_path))
    graph.set((rdflib.URIRef(VALIDATION_BASE + "tally"), SH.conforms, rdflib.Literal(True)))
    assert not conforms_to_schema(graph)[0], "sh:conforms true with results must be rejected"


def test_a_clean_report_conforms_with_no_results(tmp_path):
    report = report_of(tmp_path, profile="structure")
    assert report.policies[0].findings == []
    graph = report_graph(report)
    node = rdflib.URIRef(VALIDATION_BASE + "tally")
    assert graph.value(node, SH.conforms) == rdflib.Literal(True)
    assert list(graph.objects(node, SH.result)) == []
    assert conforms_to_schema(graph)[0]
    assert (rdflib.URIRef(POLICY_BASE + "tally"), DPV.hasComplianceStatus, None) not in graph   # no gdpr profile run


def test_results_carry_paragraph_item_evidence_and_dpv_impact(tmp_path):
    graph = report_graph(report_of(tmp_path))

    def result_for(item: str, rule: str | None = None):
        found = [r for r in graph.subjects(PK.item, PK[item])
                 if (rule is None) == (graph.value(r, PK.rule) is None)
                 and (rule is None or str(graph.value(r, PK.rule)) == rule)]
        assert len(found) == 1, (item, rule, found)
        return found[0]

    access = result_for("RightOfAccess")
    assert graph.value(access, PK.paragraph) == rdflib.URIRef(GDPRTEXT + "article13-2-b")
    assert str(graph.value(access, PK.article)) == "13(2)(b)"
    assert graph.value(access, SH.resultSeverity) == SH.Violation
    assert graph.value(access, DPV.hasImpact) == EU_GDPR["A13-Limited"]
    assert graph.value(access, SH.focusNode) == rdflib.URIRef(POLICY_BASE + "tally")
    # a conditional rule quotes the sentence of the fact that triggered it
    transfer = result_for("ThirdCountryTransfers", "transfer-requires-safeguard")
    sentence = graph.value(transfer, PK.sentence)
    assert str(graph.value(sentence, rdflib.URIRef("http://www.w3.org/ns/oa#exact"))) == \
        "Your personal data is transferred to the United States."
    assert graph.value(sentence, PK.line) == rdflib.Literal(7)
    withdraw = result_for("RightToWithdrawConsent", "consent-requires-withdrawal")
    assert graph.value(withdraw, PK.paragraph) == rdflib.URIRef(GDPRTEXT + "article13-2-c")
    # a warning is no limitation of Art. 13: no impact is claimed
    assert graph.value(result_for("DPOContact"), DPV.hasImpact) is None
    assert graph.value(result_for("DataSource"), PK.paragraph) == rdflib.URIRef(GDPRTEXT + "article14-2-f")
    assert (rdflib.URIRef(POLICY_BASE + "tally"), DPV.hasComplianceStatus, EU_GDPR.GDPRNonCompliant) in graph


def test_each_result_is_pyshacls_own_with_its_source_shape(tmp_path):
    report = report_of(tmp_path)
    graph = report_graph(report)
    findings = report.policies[0].findings
    results = set(graph.objects(rdflib.URIRef(VALIDATION_BASE + "tally"), SH.result))
    assert len(results) == len(findings)
    shapes = {str(graph.value(r, SH.sourceShape)) for r in results}
    assert "https://w3id.org/policykg/shapes/gdpr#RightOfAccess" in shapes
    assert {str(graph.value(r, SH.sourceConstraintComponent)) for r in results} >= {
        str(SH.HasValueConstraintComponent), str(SH.OrConstraintComponent)}


def test_jsonld_is_compacted_and_round_trips_to_the_same_graph(tmp_path):
    report = report_of(tmp_path)
    text = render_jsonld(report)
    data = json.loads(text)
    assert data["@context"]["sh"] == str(SH) and data["@context"]["gdprtext"] == GDPRTEXT
    assert isomorphic(rdflib.Graph().parse(data=text, format="json-ld"), report_graph(report))


def test_turtle_output_is_the_same_graph_and_the_same_on_every_run(tmp_path):
    report = report_of(tmp_path)
    text = render(report, "ttl")
    assert isomorphic(rdflib.Graph().parse(data=text, format="turtle"), report_graph(report))
    assert render(report_of(tmp_path), "ttl") == text


def test_validate_format_ttl_on_the_command_line(tmp_path, run_cli):
    (tmp_path / "tally.md").write_text(TINY, encoding="utf-8")
    store = tmp_path / "kg"
    assert run_cli("ingest", tmp_path / "tally.md", "--store", store).exit_code == 0
    result = run_cli("validate", "--store", store, "--format", "ttl")
    assert result.exit_code == 1, result.stderr
    graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
    assert (rdflib.URIRef(VALIDATION_BASE + "tally"), rdflib.RDF.type, SH.ValidationReport) in graph
    assert conforms_to_schema(graph)[0]


# ---------------------------------------------------------------- --into-store and the canned question

def validation_quads(path: Path, slug: str) -> list[ox.Quad]:
    store = ox.Store.read_only(str(path))
    return list(store.quads_for_pattern(None, None, None, ox.NamedNode(VALIDATION_BASE + slug)))


def test_into_store_then_the_question_answers_and_a_rerun_replaces(tmp_path, run_cli, examples_dir):
    store = tmp_path / "kg"
    assert run_cli("ingest", examples_dir, "--store", store).exit_code == 0
    first = run_cli("validate", "--store", store, "--into-store", "--fail-on", "never", "--format", "json")
    assert first.exit_code == 0, first.stderr
    assert "Kept 6 validation reports" in first.stderr
    quads = validation_quads(store, "quietnote")
    assert quads and len({q.graph_name for q in quads}) == 1

    asked = run_cli("query", "missing-information", "--store", store, "--param", "article=13(2)(b)",
                    "--format", "json")
    assert asked.exit_code == 0, asked.stderr
    rows = json.loads(asked.stdout)["results"]["bindings"]
    got = {(r["policy"]["value"].removeprefix(POLICY_BASE), r["item"]["value"].removeprefix(str(PK))) for r in rows}
    # the rights of Art. 13(2)(b) the examples do not give (examples/README.md, disclosures)
    assert ("quietnote", "RightOfAccess") in got and ("quietnote", "RightToRectification") in got
    assert ("harbor-goods", "RightToPortability") in got
    assert not any(p == "lumen-analytics" or p == "orbit-fitness" for p, _ in got)
    assert {r["paragraph"]["value"] for r in rows} == {GDPRTEXT + "article13-2-b"}

    again = run_cli("validate", "--store", store, "--into-store", "--fail-on", "never", "--format", "json")
    assert again.exit_code == 0
    assert sorted(map(str, validation_quads(store, "quietnote"))) == sorted(map(str, quads))
    assert run_cli("query", "missing-information", "--store", store, "--param", "article=13(2)(b)",
                   "--format", "json").stdout == asked.stdout
    listed = run_cli("policies", "--store", store, "--format", "csv").stdout
    assert "validation" not in listed     # report graphs are not policies


def test_a_report_on_an_older_text_is_left_out(tmp_path, run_cli):
    path = tmp_path / "tally.md"
    path.write_text(TINY, encoding="utf-8")
    store = tmp_path / "kg"
    run_cli("ingest", path, "--store", store)
    run_cli("validate", "--store", store, "--into-store", "--fail-on", "never")

    def items() -> set[str]:
        out = run_cli("query", "missing-information", "--store", store, "--format", "json")
        return {r["item"]["value"].removeprefix(str(PK)) for r in json.loads(out.stdout)["results"]["bindings"]}

    assert "RightOfAccess" in items()
    path.write_text(TINY + "\nYou can ask us for a copy of your personal data.\n", encoding="utf-8")
    run_cli("ingest", path, "--store", store)
    assert items() == set(), "the stored report describes the text before the change"
    run_cli("validate", "--store", store, "--into-store", "--fail-on", "never")
    assert "RightOfAccess" not in items() and "RightToErasure" in items()


def test_python_api_keeps_reports_in_an_open_store(tmp_path):
    import policykg

    (tmp_path / "tally.md").write_text(TINY, encoding="utf-8")
    with policykg.open(tmp_path / "kg") as kg:
        kg.ingest([tmp_path / "tally.md"])
        kg.validate(into_store=True)
        answer = kg.ask("missing-information", policy="tally", item="pk:LegalBasis")
        assert answer.rows == []        # consent is a basis the policy gives
        rights = kg.ask("missing-information", policy="tally", article="13(2)")
        assert {row["item"] for row in rights} >= {str(PK.RightOfAccess), str(PK.RightToErasure),
                                                   str(PK.RightToWithdrawConsent)}
    with policykg.open(tmp_path / "kg", read_only=True) as kg, pytest.raises(policykg.StoreError, match="read-only"):
        kg.validate(into_store=True)


def test_store_reports_writes_one_graph_per_policy(tmp_path):
    report = report_of(tmp_path)
    store = ox.Store()
    assert store_reports(store, report) == 1
    assert store_reports(store, report) == 1
    graphs = {q.graph_name.value for q in store}
    assert graphs == {VALIDATION_BASE + "tally"}
    assert len(store) == len(report_graph(report))   # replaced, not added to


# ---------------------------------------------------------------- GDPRtEXT paragraphs on every shape

def documented_paragraphs() -> set[str]:
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    section = text.split("### GDPR paragraphs as IRIs", 1)[1].split("\n### ", 1)[0]
    return set(re.findall(r"https://w3id\.org/GDPRtEXT/gdpr#article1[34]-[0-9]+-[a-z]", section))


def paragraph_of(article: str) -> str:
    m = re.fullmatch(r"(\d+)\((\d+)\)\(([a-z])\)", article)
    assert m, article
    return f"{GDPRTEXT}article{m[1]}-{m[2]}-{m[3]}"


def test_docs_list_the_art_13_14_paragraphs():
    listed = documented_paragraphs()
    assert len(listed) >= 10
    assert all(re.fullmatch(r".*#article1[34]-[12]-[a-g]", p) for p in listed)


@pytest.mark.parametrize("path", ["ontology/shapes/gdpr.ttl", "ontology/gdpr-items.ttl"])
def test_every_gdpr_shape_and_item_has_its_gdprtext_paragraph(path):
    graph = rdflib.Graph().parse(ROOT / path)
    annotated = set(graph.subjects(PK.article, None)) | set(graph.subjects(PK.item, None)) \
        | set(graph.subjects(rdflib.RDF.type, PK.InformationItem)) | set(graph.subjects(SH.severity, None))
    assert len(annotated) >= 21
    listed = documented_paragraphs()
    for node in annotated:
        paragraphs = list(graph.objects(node, PK.paragraph))
        assert len(paragraphs) == 1, node
        assert str(paragraphs[0]) == paragraph_of(str(graph.value(node, PK.article))), node
        assert str(paragraphs[0]) in listed, f"{paragraphs[0]} is not listed in docs/validation.md"


def test_structure_shapes_claim_no_gdpr_paragraph():
    graph = rdflib.Graph().parse(ROOT / "ontology" / "shapes" / "structure.ttl")
    assert list(graph.subject_objects(PK.paragraph)) == []


def test_findings_carry_the_paragraph(tmp_path):
    findings = report_of(tmp_path).policies[0].findings
    assert findings and all(f.paragraph == paragraph_of(f.article) for f in findings)
    data = json.loads(render(report_of(tmp_path), "json"))
    assert {f["paragraph"] for f in data["policies"][0]["findings"]} >= {GDPRTEXT + "article13-2-b"}


# ---------------------------------------------------------------- DPV's notice model

def test_ingest_writes_the_policy_as_a_dpv_privacy_notice(tmp_path):
    from policykg.ingest.pipeline import policy_quads

    path = tmp_path / "tally.md"
    path.write_text(TINY, encoding="utf-8")
    _, quads = policy_quads(path)
    policy = ox.NamedNode(POLICY_BASE + "tally")
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in quads}
    dpv, law = str(DPV), "https://w3id.org/dpv/legal/eu#law-GDPR"
    assert (policy.value, str(rdflib.RDF.type), dpv + "PrivacyNotice") in triples
    assert (policy.value, str(rdflib.RDF.type), str(PK.PolicyDocument)) in triples
    assert (policy.value, dpv + "hasApplicableLaw", law) in triples
    processing = [s for s, p, o in triples if p == dpv + "hasNotice" and o == policy.value]
    assert processing == [policy.value + "#processing"]
    controllers = {o for s, p, o in triples if s == policy.value and p == str(PK.hasController)}
    assert controllers and {o for s, p, o in triples if s == processing[0] and p == dpv + "hasDataController"} \
        == controllers
    assert all((c, str(rdflib.RDF.type), dpv + "DataController") in triples for c in controllers)
    notice = {t for t in triples if t[0] in (policy.value, processing[0]) and t[1].startswith(dpv)}
    assert len(notice) == 2 + len(controllers)      # with the two types: four quads, two per controller


def test_structure_profile_requires_the_notice_model(tmp_path):
    from policykg.ingest.pipeline import load_ontology, policy_quads

    path = tmp_path / "tally.md"
    path.write_text(TINY, encoding="utf-8")
    _, quads = policy_quads(path)
    whole = ox.Store()
    load_ontology(whole)
    whole.extend(quads)
    assert validate_store(whole, profile="structure").policies[0].findings == []
    broken = ox.Store()
    load_ontology(broken)
    broken.extend(q for q in quads if q.predicate.value != str(DPV.hasNotice))
    rules = {f.rule for f in validate_store(broken, profile="structure").policies[0].findings}
    assert rules == {"policy-is-privacy-notice"}


def test_dpv_terms_of_the_notice_model_and_the_reports_exist_in_dpv_2_3():
    reference = ROOT.parent / "shared" / "reference" / "dpv-2.3"
    if not reference.is_dir():
        pytest.skip(f"the DPV 2.3 reference is not at {reference}")
    defined = set()
    for path in reference.glob("*.ttl"):
        defined |= {t.subject.value for t in ox.parse(path.read_bytes(), ox.RdfFormat.TURTLE)
                    if isinstance(t.subject, ox.NamedNode)}
    used = set()
    for path in [ROOT / "ontology" / "core.ttl", *sorted((ROOT / "ontology" / "shapes").glob("*.ttl"))]:
        used |= {term.value for t in ox.parse(path.read_bytes(), ox.RdfFormat.TURTLE)
                 for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)}
    for path in (ROOT / "policykg" / "shaclreport.py", ROOT / "ingest" / "graph.py"):
        text = path.read_text(encoding="utf-8")
        used |= {str(DPV) + name for name in re.findall(r'DPV \+ "(\w+)"|"dpv:(\w+)"', text) for name in name if name}
        used |= {str(EU_GDPR) + name for name in re.findall(r'"(A1[34]-\w+|GDPR\w+)"', text)}
    dpv_terms = {i for i in used if i.startswith((str(DPV), str(EU_GDPR)))}
    assert {str(DPV) + "PrivacyNotice", str(DPV) + "hasNotice", str(EU_GDPR) + "A13-Limited"} <= dpv_terms
    assert sorted(dpv_terms - defined) == []
