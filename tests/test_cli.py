"""The command line: exit statuses, messages on stderr, output formats, parameters, evidence, help."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import EXAMPLE_POLICIES
from policykg.cli import main
from policykg.ingest.graph import policy_iri
from policykg.queries import catalogue

POLICY = "Tiny App Privacy\n\nWe collect your e-mail address. We do not sell your data.\n"
BRIGHTPATH = policy_iri("brightpath-learning").value


def rows_of_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ------------------------------------------------------------------ ingest

def test_ingest_of_good_files_exits_0(run_cli, write_policy, tmp_path):
    result = run_cli("ingest", write_policy(POLICY), "--store", tmp_path / "kg")
    assert result.exit_code == 0, result.stderr
    assert "Ingested 1 of 1 files" in result.stdout


def test_ingest_with_a_bad_file_exits_1_and_names_it_on_stderr(run_cli, write_policy, tmp_path):
    good = write_policy(POLICY, name="good.txt")
    bad = write_policy(b"\x00\x00binary\x00" * 10, name="corrupt.txt")
    result = run_cli("ingest", good, bad, "--store", tmp_path / "kg")
    assert result.exit_code == 1
    assert "corrupt.txt" in result.stderr
    assert "corrupt.txt" not in result.stdout
    assert "Ingested 1 of 2 files" in result.stdout


def test_ingest_of_a_missing_path_exits_1_and_names_it(run_cli, tmp_path):
    result = run_cli("ingest", tmp_path / "nowhere.md", "--store", tmp_path / "kg")
    assert result.exit_code == 1
    assert "nowhere.md" in result.stderr


def test_installed_policykg_script_reports_a_bad_file_on_stderr(write_policy, tmp_path):
    exe = Path(sys.executable).parent / "policykg"
    if not exe.exists():
        pytest.skip(f"no policykg script next to {sys.executable} (package not installed in this environment)")
    bad = write_policy("", name="empty.md")
    proc = subprocess.run([str(exe), "ingest", str(bad), "--store", str(tmp_path / "kg")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "empty.md" in proc.stderr


# ------------------------------------------------------------------ query: formats

def test_query_json_is_w3c_sparql_results_json(run_cli, examples_store_path):
    result = run_cli("query", "children", "--store", examples_store_path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"][:1] == ["policy"]
    assert "minAge" in doc["head"]["vars"]
    assert "fact" not in doc["head"]["vars"]          # hidden column
    bindings = doc["results"]["bindings"]
    assert bindings
    for b in bindings:
        assert set(b) <= set(doc["head"]["vars"])
        assert b["policy"]["type"] == "uri"
        assert all(term["type"] in ("uri", "literal", "bnode") and "value" in term for term in b.values())


def test_query_csv_has_a_header_row_and_one_row_per_answer(run_cli, examples_store_path):
    result = run_cli("query", "children", "--store", examples_store_path, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "policy,minAge"
    rows = rows_of_csv(result.stdout)
    assert {"policy": BRIGHTPATH, "minAge": "13"} in rows


def test_query_table_is_the_default_format(run_cli, examples_store_path):
    result = run_cli("query", "children", "--store", examples_store_path)
    assert result.exit_code == 0, result.stderr
    assert "brightpath-learning" in result.stdout and "minAge" in result.stdout


# ------------------------------------------------------------------ query: parameters and names

def test_param_policy_restricts_the_answer_to_that_policy(run_cli, examples_store_path):
    everything = rows_of_csv(run_cli("query", "children", "--store", examples_store_path, "--format", "csv").stdout)
    result = run_cli("query", "children", "--store", examples_store_path, "--format", "csv",
                     "--param", "policy=brightpath-learning")
    assert result.exit_code == 0, result.stderr
    rows = rows_of_csv(result.stdout)
    assert rows and {r["policy"] for r in rows} == {BRIGHTPATH}
    assert len(rows) < len(everything)


def test_unknown_param_exits_2_and_lists_the_parameters(run_cli, examples_store_path):
    result = run_cli("query", "children", "--store", examples_store_path, "--param", "nosuch=1")
    assert result.exit_code == 2
    assert "nosuch" in result.stderr and "policy" in result.stderr


def test_unknown_query_exits_2_and_suggests_a_name(run_cli, examples_store_path):
    result = run_cli("query", "merger", "--store", examples_store_path)
    assert result.exit_code == 2
    assert "Did you mean" in result.stderr
    assert "merger-transfer-without-consent" in result.stderr


def test_query_runs_a_sparql_file(run_cli, examples_store_path, tmp_path):
    rq = tmp_path / "titles.rq"
    rq.write_text("# title: Titles\n# question: What is each policy called?\n# columns: policy title\n"
                  "PREFIX pk: <https://w3id.org/policykg/ns#>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
                  "SELECT ?policy ?title WHERE { GRAPH ?policy { ?policy a pk:PolicyDocument ; dct:title ?title } }\n")
    result = run_cli("query", rq, "--store", examples_store_path, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    policies = {r["policy"] for r in rows_of_csv(result.stdout)}
    assert {policy_iri(s).value for s in EXAMPLE_POLICIES} <= policies


def test_query_on_a_missing_store_exits_2_and_says_how_to_make_one(run_cli, tmp_path):
    result = run_cli("query", "children", "--store", tmp_path / "none")
    assert result.exit_code == 2
    assert "policykg ingest" in result.stderr


# ------------------------------------------------------------------ evidence

def policy_text(store: ox.Store, policy: str) -> str:
    pk_text = ox.NamedNode("https://w3id.org/policykg/ns#text")
    found = list(store.quads_for_pattern(ox.NamedNode(policy), pk_text, None, ox.NamedNode(policy)))
    assert len(found) == 1
    return found[0].object.value


def test_evidence_adds_sentence_and_section_from_the_policy_text(run_cli, examples_store_path, examples_store):
    result = run_cli("query", "retention", "--store", examples_store_path, "--format", "json", "--evidence")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"][-2:] == ["sentence", "section"]
    bindings = doc["results"]["bindings"]
    assert bindings
    for b in bindings:
        text = policy_text(examples_store, b["policy"]["value"])
        assert b["sentence"]["value"] in text
        if "section" in b:
            assert b["section"]["value"] in text


# ------------------------------------------------------------------ queries, explain, help

def test_queries_lists_every_canned_query_with_its_description(run_cli):
    result = run_cli("queries")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for name, q in catalogue().items():
        assert any(line.split()[0] == name and q.description in line for line in lines), name


def test_explain_prints_topics_with_their_sentences(run_cli, examples_store_path):
    result = run_cli("explain", "brightpath-learning", "--store", examples_store_path)
    assert result.exit_code == 0, result.stderr
    assert "(children)" in result.stdout
    assert "13" in result.stdout
    assert "\u201c" in result.stdout                     # a quoted evidence sentence


def test_explain_of_an_unknown_policy_exits_2(run_cli, examples_store_path):
    result = run_cli("explain", "no-such-policy", "--store", examples_store_path)
    assert result.exit_code == 2
    assert "no-such-policy" in result.stderr


MISSING_EXAMPLE = {
}


@pytest.mark.parametrize("command", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=MISSING_EXAMPLE[name]))
    if name in MISSING_EXAMPLE else name for name in sorted(main.commands)])
def test_every_command_help_has_an_example(run_cli, command):
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_top_level_help_has_an_example(run_cli):
    assert "policykg ingest" in run_cli("--help").stdout


@pytest.fixture(autouse=True)
def _no_default_store_in_the_repo(monkeypatch, tmp_path):
    # a command that forgot --store must not write ./policykg-store into the working tree
    monkeypatch.setenv("POLICYKG_STORE", str(tmp_path / "default-store"))
    yield
    shutil.rmtree(tmp_path / "default-store", ignore_errors=True)


# ---------------------------------------------------------------- names that name nothing

def test_a_policy_parameter_naming_no_stored_policy_exits_2_with_the_closest_name(examples_store_path):
    from click.testing import CliRunner

    from policykg.cli import main

    result = CliRunner().invoke(main, ["query", "rights", "--store", str(examples_store_path),
                                       "--param", "policy=quietnot"])
    assert result.exit_code == 2
    assert "no policy 'quietnot'" in result.output and "'quietnote'" in result.output


def test_a_mistyped_query_name_gets_a_suggestion():
    from click.testing import CliRunner

    from policykg.cli import main

    result = CliRunner().invoke(main, ["query", "mergr"])
    assert result.exit_code == 2 and "merger-transfer-without-consent" in result.output


def test_policies_lists_every_stored_policy_with_its_source_file(examples_store_path):
    import json

    from click.testing import CliRunner

    from policykg.cli import main

    result = CliRunner().invoke(main, ["policies", "--store", str(examples_store_path), "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)["results"]["bindings"]
    sources = {r["policy"]["value"].removeprefix("https://w3id.org/policykg/policy/"): r["source"]["value"]
               for r in rows}
    assert sources["mojibake/cafe-verde"] == "examples/mojibake/cafe-verde.txt"
    assert len(sources) == 6


# ------------------------------------------------------------------ missing extras

@pytest.mark.parametrize("module, extra, args", [
    ("pyshacl", "validate", ["validate", "--store", "{store}"]),
    ("pyshacl", "validate", ["check", "{examples}/quietnote.md"]),
    ("networkx", "viz", ["export", "--store", "{store}", "--view", "sharing", "--format", "html"]),
    ("SPARQLWrapper", "remote", ["query", "rights", "--endpoint", "http://127.0.0.1:9/sparql"]),
    ("owlready2", "reason", ["reason", "--store", "{store}"]),
], ids=["validate", "check", "export-view", "query-endpoint", "reason"])
def test_a_missing_extra_is_one_line_naming_it_and_exit_2(run_cli, monkeypatch, examples_store_path, examples_dir,
                                                         module, extra, args):
    import sys

    monkeypatch.setitem(sys.modules, module, None)     # makes `import module` fail
    result = run_cli(*[a.format(store=examples_store_path, examples=examples_dir) for a in args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("policykg: ") and f"needs the '{extra}' extra ({module})" in lines[0]
    assert f"pip install -e '.[{extra}]' in a checkout" in lines[0]


# ------------------------------------------------------------------ --max-bytes

def test_ingest_max_bytes_fails_the_long_file_and_stores_the_rest(run_cli, write_policy, tmp_path):
    long = write_policy("We collect your e-mail address. " * 100, name="long.txt")
    short = write_policy("We collect your e-mail address.", name="short.txt")
    result = run_cli("ingest", long, short, "--store", tmp_path / "kg", "--max-bytes", 1000)
    assert result.exit_code == 1
    assert "long.txt: has 3.2 KB of text, more than the limit of 1 KB (--max-bytes)" in result.stderr
    assert "Ingested 1 of 2 files" in result.stdout


# ---------------------------------------------------------------- two processes on one store

def test_an_ingest_while_another_process_reads_the_store_is_refused_with_a_message(tmp_path):
    import subprocess
    import textwrap

    from policykg.ingest.pipeline import ingest
    from policykg.store import open_store, release_store

    store_dir = tmp_path / "kg"
    policy = tmp_path / "tiny.txt"
    policy.write_text("Tiny\n\nWe collect your e-mail address.\n")
    writer = open_store(store_dir)
    ingest([policy], writer, workers=0)
    del writer
    release_store(store_dir)
    reader = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from policykg.store import open_store
        store = open_store(Path({str(store_dir)!r}), read_only=True)
        print("open", flush=True)
        sys.stdin.readline()
    """)
    proc = subprocess.Popen([sys.executable, "-c", reader], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        script = Path(sys.executable).parent / "policykg"
        result = subprocess.run([str(script), "ingest", str(policy), "--store", str(store_dir)],
                                capture_output=True, text=True)
        assert result.returncode == 2
        assert "open in another process" in result.stderr and "Traceback" not in result.stderr
    finally:
        proc.communicate("\n", timeout=30)
    again = subprocess.run([str(Path(sys.executable).parent / "policykg"), "ingest", str(policy), "--store",
                            str(store_dir)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
