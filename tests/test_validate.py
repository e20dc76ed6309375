"""SHACL completeness checking: shapes vs the `disclosures` question, conditional rules, reports, exit codes."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

pytest.importorskip("pyshacl")

from policykg.cli import main  # noqa: E402
from policykg.ingest.graph import POLICY_BASE  # noqa: E402
from policykg.ingest.pipeline import ingest, load_ontology  # noqa: E402
from policykg.validate import (ValidationError, disclosed_items, information_items, load_shapes,  # noqa: E402
                               render, validate_store)

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "eval" / "sets" / "seeds" / "policies"
SCHEMAS = Path(__file__).parent / "data" / "schemas"

PREFIXES = """
@prefix pk: <https://w3id.org/policykg/ns#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix p: <https://w3id.org/policykg/policy/tiny#> .
"""
TINY = POLICY_BASE + "tiny"


@pytest.fixture(scope="module")
def examples_store(tmp_path_factory) -> tuple[ox.Store, Path]:
    path = tmp_path_factory.mktemp("examples-store")
    store = ox.Store(str(path))
    ingest([p for p in EXAMPLES.rglob("*") if p.suffix in (".txt", ".md", ".html", ".pdf") and p.name != "README.md"],
           store)
    return store, path


@pytest.fixture(scope="module")
def seeds_store(tmp_path_factory) -> ox.Store:
    if not SEEDS.is_dir():
        pytest.skip("../shared (the seed policies) is absent")
    store = ox.Store(str(tmp_path_factory.mktemp("seeds-store")))
    ingest([SEEDS], store)
    return store


def tiny_store(turtle: str) -> ox.Store:
    """A store holding the ontology and one hand-written policy graph <.../policy/tiny>."""
    store = ox.Store()
    load_ontology(store)
    store.load(input=(PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(TINY))
    return store


def codes(store: ox.Store, profile: str = "gdpr") -> set[str]:
    report = validate_store(store, profile=profile)
    return {f.code for p in report.policies for f in p.findings}


def missing_items(report) -> dict[str, set[str]]:
    return {p.policy: {f.item for f in p.missing} for p in report.policies}


# ---------------------------------------------------------------- the shapes files

def test_every_information_item_has_exactly_one_completeness_shape(examples_store):
    import rdflib

    store, _ = examples_store
    shapes = load_shapes("gdpr")[0][1]
    PK = rdflib.Namespace("https://w3id.org/policykg/ns#")
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    items = information_items(store)
    assert len(items) == 21
    for item, (article, _label) in items.items():
        plain = [s for s in shapes.subjects(PK.item, PK[item]) if shapes.value(s, PK.rule) is None]
        assert len(plain) == 1, item
        shape = plain[0]
        assert str(shapes.value(shape, PK.article)) == article, item
        assert shapes.value(shape, SH.message) is not None
        assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info)


def test_violations_are_what_article_13_always_requires():
    import rdflib

    shapes = load_shapes("gdpr")[0][1]
    PK = rdflib.Namespace("https://w3id.org/policykg/ns#")
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    by_severity: dict[str, set[str]] = {}
    for shape, item in shapes.subject_objects(PK.item):
        if shapes.value(shape, PK.rule) is None:
            by_severity.setdefault(str(shapes.value(shape, SH.severity)).rsplit("#")[-1], set()).add(str(item).rsplit("#")[-1])
    assert by_severity["Violation"] == {
        "ControllerIdentity", "ControllerContact", "Purposes", "LegalBasis", "Recipients", "RetentionPeriod",
        "RightOfAccess", "RightToRectification", "RightToErasure", "RightToRestriction", "RightToObject",
        "RightToPortability", "RightToLodgeComplaint"}
    assert {"DPOContact", "ThirdCountryTransfers", "AutomatedDecisionMaking", "DataSource",
            "MandatoryDisclosure"} <= by_severity["Warning"]


def test_unknown_profile_is_a_usage_error():
    with pytest.raises(ValidationError, match="no profile 'gdrp'"):
        load_shapes("gdrp")


# ---------------------------------------------------------------- agreement with `disclosures`

def assert_shapes_agree(store: ox.Store) -> None:
    report = validate_store(store, profile="gdpr")
    disclosed = disclosed_items(store)
    all_items = set(report.items)
    assert report.policies
    for p in report.policies:
        found = set(disclosed.get(p.policy, {}))
        assert {f.item for f in p.missing} == all_items - found, p.slug
        assert set(p.found) == found


def test_shapes_agree_with_disclosures_on_examples(examples_store):
    assert_shapes_agree(examples_store[0])


def test_shapes_agree_with_disclosures_on_seeds(seeds_store):
    assert_shapes_agree(seeds_store)


def test_right_item_is_found_through_the_pk_right_link_of_gdpr_items():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:r1 .
        p:r1 a pk:RightStatement ; pk:right eu-gdpr:A15 .""")
    report = validate_store(store)
    missing = missing_items(report)[TINY]
    assert "RightOfAccess" not in missing
    assert "RightToErasure" in missing


def test_information_statement_discloses_its_item():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:i1 .
        p:i1 a pk:InformationStatement ; pk:about pk:DPOContact .""")
    assert "DPOContact" not in missing_items(validate_store(store))[TINY]


# ---------------------------------------------------------------- conditional shapes

def test_consent_basis_without_withdrawal_right_is_a_violation():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:b1 .
        p:b1 a pk:LegalBasisStatement ; dpv:hasLegalBasis dpv:Consent .""")
    findings = [f for f in validate_store(store).policies[0].findings if f.rule == "consent-requires-withdrawal"]
    assert [f.severity for f in findings] == ["violation"]


def test_consent_basis_with_withdrawal_right_is_clean():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:b1, p:r1 .
        p:b1 a pk:LegalBasisStatement ; dpv:hasLegalBasis eu-gdpr:A6-1-a .
        p:r1 a pk:RightStatement ; pk:right eu-gdpr:A7-3 .""")
    assert "consent-requires-withdrawal" not in codes(store)


def test_narrower_consent_basis_counts_as_consent_through_skos_broader():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:b1 .
        p:b1 a pk:LegalBasisStatement ; dpv:hasLegalBasis dpv:ExplicitlyExpressedConsent .""")
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/dpv#ExplicitlyExpressedConsent"),
                      ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader"),
                      ox.NamedNode("https://w3id.org/dpv#Consent"), ox.NamedNode("https://w3id.org/policykg/ns")))
    assert "consent-requires-withdrawal" in codes(store)


def test_legitimate_interest_basis_requires_the_interests():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:b1 .
        p:b1 a pk:LegalBasisStatement ; dpv:hasLegalBasis dpv:LegitimateInterest .""")
    assert "legitimate-interest-requires-interests" in codes(store)
    store.load(input=(PREFIXES + """<https://w3id.org/policykg/policy/tiny> pk:states p:i1 .
        p:i1 a pk:InformationStatement ; pk:about pk:LegitimateInterests .""").encode(),
               format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(TINY))
    assert "legitimate-interest-requires-interests" not in codes(store)


def test_transfer_without_safeguard_is_a_violation_and_with_one_is_not():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:t1 .
        p:t1 a pk:CrossBorderTransfer ; pk:modality pk:Permitted .""")
    assert "transfer-requires-safeguard" in codes(store)
    store.add(ox.Quad(ox.NamedNode(TINY + "#t1"), ox.NamedNode("https://w3id.org/policykg/ns#hasTransferSafeguard"),
                      ox.NamedNode("https://w3id.org/dpv#StandardContractualClauses"), ox.NamedNode(TINY)))
    assert "transfer-requires-safeguard" not in codes(store)


def test_collection_from_third_parties_requires_the_source():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:c1 .
        p:c1 a pk:Collection ; pk:modality pk:Permitted ; dpv:hasDataSource dpv:ThirdParty .""")
    assert "third-party-source-requires-source" in codes(store)


def test_conditional_finding_points_at_the_triggering_sentence():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:t1 .
        p:t1 a pk:CrossBorderTransfer ; pk:modality pk:Permitted ; pk:evidence p:s1 .
        p:s1 a pk:Evidence ; oa:exact "We move your data to the US." ; pk:line 7 .""")
    [finding] = [f for f in validate_store(store).policies[0].findings if f.rule]
    assert finding.evidence is not None and finding.evidence.line == 7


# ---------------------------------------------------------------- structure profile

def test_structure_profile_is_clean_on_everything_the_tests_ingest(examples_store):
    report = validate_store(examples_store[0], profile="structure")
    assert [(p.slug, f.code, f.value) for p in report.policies for f in p.findings] == []


def test_structure_reports_an_invalid_duration():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:k1 .
        p:k1 a pk:Retention ; pk:modality pk:Permitted ; pk:duration "P1X"^^xsd:duration .""")
    assert "valid-duration" in codes(store, "structure")


def test_structure_reports_a_fact_without_evidence_and_a_second_policy_document():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:k1 .
        <https://w3id.org/policykg/policy/other> a pk:PolicyDocument .
        p:k1 a pk:Retention ; pk:modality pk:Permitted .""")
    found = codes(store, "structure")
    assert {"fact-has-evidence", "one-policy-per-graph"} <= found


def test_structure_reports_an_unknown_concept():
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:d1 .
        p:d1 a pk:Disclosure ; pk:modality pk:Permitted ; dpv:hasRecipient dpv:NoSuchRecipient .""")
    assert "known-concepts" in codes(store, "structure")


# ---------------------------------------------------------------- user shapes

def test_user_shapes_file_adds_its_own_rule(examples_store, tmp_path):
    rules = tmp_path / "company.ttl"
    rules.write_text("""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix pk: <https://w3id.org/policykg/ns#> .
        <urn:company#NeedsTitle> a sh:NodeShape ; sh:targetClass pk:PolicyDocument ;
            sh:message "Our policies carry a title." ;
            sh:property [ sh:path <http://purl.org/dc/terms/title> ; sh:maxCount 0 ; sh:severity sh:Warning ] .
    """)
    report = validate_store(examples_store[0], ["quietnote"], profile="gdpr", shapes=[rules])
    company = [f for f in report.policies[0].findings if f.profile == "company"]
    assert company and company[0].message == "Our policies carry a title." and company[0].severity == "warning"


def test_user_core_shape_can_require_an_information_item(examples_store, tmp_path):
    rules = tmp_path / "dpo.ttl"
    rules.write_text("""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix pk: <https://w3id.org/policykg/ns#> .
        <urn:company#NamesDPO> a sh:PropertyShape ; sh:targetClass pk:PolicyDocument ;
            sh:path pk:providesInformation ; sh:hasValue pk:DPOContact ; sh:message "Name our DPO." .
    """)
    report = validate_store(examples_store[0], profile="gdpr", shapes=[rules])
    flagged = {p.policy for p in report.policies if any(f.profile == "dpo" for f in p.findings)}
    without_dpo = {p for p, items in disclosed_items(examples_store[0]).items() if "DPOContact" not in items}
    assert flagged == without_dpo and flagged


def test_user_core_shape_sees_the_predicates_it_names_and_nothing_else_is_needed(tmp_path):
    # SHACL Core reads data only along the paths it names: those triples must be in the graph it runs on
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:hasContactPoint p:contact-1 .
        p:contact-1 a pk:ContactPoint ; pk:email "privacy@tiny.example" .
    """)
    rules = tmp_path / "contact.ttl"
    rules.write_text("""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix pk: <https://w3id.org/policykg/ns#> .
        <urn:company#DPOAddress> a sh:PropertyShape ; sh:targetClass pk:PolicyDocument ;
            sh:path ( pk:hasContactPoint pk:email ) ; sh:hasValue "dpo@tiny.example" .
        <urn:company#SomeAddress> a sh:PropertyShape ; sh:targetClass pk:PolicyDocument ;
            sh:path ( pk:hasContactPoint pk:email ) ; sh:minCount 1 .
    """)
    report = validate_store(store, profile="gdpr", shapes=[rules])
    assert {f.shape for f in report.policies[0].findings if f.profile == "contact"} == {"urn:company#DPOAddress"}


def test_user_core_shape_targeting_a_superclass_reaches_its_subclasses(tmp_path):
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:states p:collection-1 .
        p:collection-1 a pk:Collection ; pk:modality pk:Permitted .
    """)
    rules = tmp_path / "practices.ttl"
    rules.write_text("""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix pk: <https://w3id.org/policykg/ns#> .
        <urn:company#NoPractices> a sh:PropertyShape ; sh:targetClass pk:Practice ;
            sh:path pk:modality ; sh:hasValue pk:Prohibited .
    """)
    report = validate_store(store, profile="gdpr", shapes=[rules])
    assert [f.focus for f in report.policies[0].findings if f.profile == "practices"] == [
        "https://w3id.org/policykg/policy/tiny#collection-1"]


def test_user_sparql_shape_reads_the_whole_policy_graph(tmp_path):
    store = tiny_store("""
        <https://w3id.org/policykg/policy/tiny> a pk:PolicyDocument ; pk:text "We keep nothing." .
    """)
    rules = tmp_path / "text.ttl"
    rules.write_text('''
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix pk: <https://w3id.org/policykg/ns#> .
        <urn:company#MentionsCookies> a sh:NodeShape ; sh:targetClass pk:PolicyDocument ;
            sh:sparql [ sh:select """SELECT $this WHERE {
                $this <https://w3id.org/policykg/ns#text> ?t FILTER (!CONTAINS(?t, "cookie")) }""" ] .
    ''')
    report = validate_store(store, profile="gdpr", shapes=[rules])
    assert [f.shape for f in report.policies[0].findings if f.profile == "text"] == ["urn:company#MentionsCookies"]


def test_validation_in_worker_processes_gives_the_serial_report(tmp_path, write_policy):
    texts = [f"Policy {n}. Contact us at privacy{n}@example.org. We keep your e-mail address for {n + 1} years."
             + (" We rely on your consent." if n % 2 else " You may ask us to delete your data.") for n in range(8)]
    files = [write_policy(t, name=f"policy-{n}.txt") for n, t in enumerate(texts)]
    path = tmp_path / "store"
    ingest(files, ox.Store(str(path)))
    store = ox.Store.read_only(str(path))
    serial = validate_store(store, jobs=1)
    parallel = validate_store(store, jobs=2, store_path=path)
    assert render(parallel, "json") == render(serial, "json")
    assert len(serial.policies) == 8


def test_unreadable_user_shapes_file_is_an_input_error(examples_store, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle")
    with pytest.raises(ValidationError, match="bad.ttl"):
        validate_store(examples_store[0], shapes=[bad])


# ---------------------------------------------------------------- reports

def test_sarif_output_validates_against_the_sarif_2_1_0_schema(examples_store):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    log = json.loads(render(validate_store(examples_store[0], profile="all"), "sarif"))
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["version"] == "2.1.0"


def test_sarif_results_cover_every_policy_and_item_and_point_at_evidence_lines(examples_store):
    report = validate_store(examples_store[0])
    results = json.loads(render(report, "sarif"))["runs"][0]["results"]
    for p in report.policies:
        mine = [r for r in results if r["properties"]["policy"] == p.policy and r["ruleId"] in report.items]
        assert {r["ruleId"] for r in mine} == set(report.items)
        for r in mine:
            location = r["locations"][0]["physicalLocation"]
            assert location["artifactLocation"]["uri"].endswith(Path(p.source_file).name)
            if r["kind"] == "pass" and p.found[r["ruleId"]] and p.found[r["ruleId"]].line:
                assert location["region"]["startLine"] == p.found[r["ruleId"]].line


def junit_schema():
    etree = pytest.importorskip("lxml.etree")
    return etree, etree.XMLSchema(etree.parse(str(SCHEMAS / "junit.xsd")))


def test_junit_output_validates_against_the_junit_schema(examples_store):
    etree, schema = junit_schema()
    document = etree.fromstring(render(validate_store(examples_store[0], profile="all"), "junit").encode("utf-8"))
    assert schema.validate(document), schema.error_log


def test_the_junit_schema_rejects_a_test_case_without_a_name():
    etree, schema = junit_schema()
    document = etree.fromstring(b'<testsuites><testsuite name="p" tests="1"><testcase classname="p"/>'
                                b'</testsuite></testsuites>')
    assert not schema.validate(document)


def test_junit_output_has_the_structure_ci_systems_read(examples_store):
    """A hand-written check of the JUnit XML structure (no JUnit XSD ships in a PyPI package we found)."""
    report = validate_store(examples_store[0])
    root = ET.fromstring(render(report, "junit"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [p.slug for p in report.policies]
    total = 0
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) >= len(report.items)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert suite.get("errors") == "0"
        for case in cases:
            assert case.get("classname") == suite.get("name") and case.get("name")
            assert set(child.tag for child in case) <= {"failure", "system-out"}
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message") and failure.get("type") in ("violation", "warning", "info")
        total += len(cases)
    assert int(root.get("tests")) == total


def test_text_report_shows_missing_items_found_evidence_and_a_summary(examples_store):
    text = render(validate_store(examples_store[0], ["lumen-analytics"]), "text")
    assert "13(2)(d)" in text and "RightToLodgeComplaint" in text
    assert "found" in text and "(line " in text
    assert "items found (of 21)" in text


# ---------------------------------------------------------------- command line and exit codes

def test_validate_exits_1_on_violations_and_0_when_told_never_to_fail(examples_store):
    _, path = examples_store
    runner = CliRunner()
    assert runner.invoke(main, ["validate", "--store", str(path)]).exit_code == 1
    assert runner.invoke(main, ["validate", "--store", str(path), "--fail-on", "never"]).exit_code == 0


def test_check_exits_0_on_a_clean_policy(tmp_path):
    rules = tmp_path / "rules.ttl"
    rules.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:r#Any> a sh:NodeShape ; sh:targetClass <https://w3id.org/policykg/ns#PolicyDocument> ;
          sh:property [ sh:path <https://w3id.org/policykg/ns#sourceFile> ; sh:minCount 1 ] .""")
    ok = CliRunner().invoke(main, ["check", str(EXAMPLES / "quietnote.md"), "--profile", "structure",
                                   "--shapes", str(rules), "--fail-on", "warning"])
    assert ok.exit_code == 0, ok.output


def test_validate_exits_2_on_an_unknown_policy_or_profile(examples_store):
    _, path = examples_store
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "no-such-policy", "--store", str(path)])
    assert result.exit_code == 2 and "no policy 'no-such-policy'" in result.output
    assert runner.invoke(main, ["validate", "--store", str(path), "--profile", "gdrp"]).exit_code == 2


def test_check_validates_files_in_one_step_and_exits_2_on_a_missing_file(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(EXAMPLES / "quietnote.md"), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [p["slug"] for p in data["policies"]] == ["quietnote"]
    assert runner.invoke(main, ["check", str(tmp_path / "nothing.md")]).exit_code == 2


def test_check_writes_the_report_to_a_file(tmp_path):
    out = tmp_path / "report.xml"
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "quietnote.md"), "--format", "junit",
                                       "-o", str(out), "--fail-on", "never"])
    assert result.exit_code == 0
    assert ET.parse(out).getroot().tag == "testsuites"


# ---------------------------------------------------------------- the seeds (issue 4's acceptance)

def test_seeds_helpdesk_names_no_controller(seeds_store):
    report = validate_store(seeds_store, ["helpdesk"])
    assert "ControllerIdentity" in {f.item for f in report.policies[0].missing}


def test_seeds_iotamine_gives_no_contact_details(seeds_store):
    report = validate_store(seeds_store, ["iotamine"])
    assert "ControllerContact" in {f.item for f in report.policies[0].missing}


def test_seeds_only_ntropic_mentions_the_complaint_right(seeds_store):
    report = validate_store(seeds_store)
    without = {p.slug for p in report.policies if "RightToLodgeComplaint" in {f.item for f in p.missing}}
    assert without == {p.slug for p in report.policies} - {"ntropic"}


def test_the_company_rules_example_of_the_docs_runs(examples_store, tmp_path):
    docs = (ROOT / "docs" / "validation.md").read_text()
    block = docs.split("```turtle\n", 1)[1].split("```", 1)[0]
    rules = tmp_path / "acme.ttl"
    rules.write_text(block)
    report = validate_store(examples_store[0], ["quietnote"], shapes=[rules])
    assert sorted(f.message for f in report.policies[0].findings if f.profile == "acme") == [
        "Acme policies give our DPO's address (dpo@acme.example).",
        "Acme policies name a data protection officer."]


# ---------------------------------------------------------------- lines of the user's file

POLICY_BODY = "# Privacy\n\nWe collect your e-mail address.\n\nYou can ask us to delete your data at any time.\n"


def sarif_lines(path: Path, tmp_path: Path) -> dict[str, int | None]:
    """sentence -> the startLine that `policykg check --format sarif` reports for it."""
    out = tmp_path / "report.sarif"
    CliRunner().invoke(main, ["check", str(path), "--format", "sarif", "-o", str(out), "--fail-on", "never"])
    lines: dict[str, int | None] = {}
    for result in json.loads(out.read_text())["runs"][0]["results"]:
        for location in result.get("locations", []):
            region = location["physicalLocation"].get("region")
            if region and "snippet" in region:
                lines[region["snippet"]["text"]] = region.get("startLine")
            elif "message" in location:
                lines[location["message"]["text"]] = None
    return lines


def test_report_lines_count_the_front_matter_of_markdown(tmp_path):
    path = tmp_path / "fm.md"
    path.write_text("---\ntitle: Tiny\ndate: 2024-01-01\n---\n\n" + POLICY_BODY)
    source_lines = path.read_text().splitlines()
    [line] = [i + 1 for i, text in enumerate(source_lines) if text.startswith("You can ask us")]
    reported = {s: n for s, n in sarif_lines(path, tmp_path).items() if s.startswith("You can ask us")}
    assert reported and set(reported.values()) == {line} == {10}


def test_report_of_html_quotes_without_a_line_of_the_extracted_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>Tiny</title></head><body>\n<nav>Home</nav>\n<main><h1>Privacy</h1>\n"
                    "<p>We collect your e-mail address.</p>\n<p>You can ask us to delete your data at any time.</p>"
                    "\n</main></body></html>")
    reported = sarif_lines(path, tmp_path)
    assert any(s.startswith("You can ask us") for s in reported)
    assert all(line is None for line in reported.values())
