"""The canned questions: every .rq file has its header, and the header agrees with the SPARQL."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from policykg.queries import catalogue, parse_query

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import EXAMPLES  # noqa: E402

QUERIES = catalogue()


def select_variables(text: str) -> list[str]:
    """The variables a SELECT projects: plain ``?x`` and ``(expression AS ?x)``, in order."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    m = re.search(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE\b|\{)", body, re.S | re.I)
    assert m, "no SELECT clause"
    clause = m.group(1)
    while "(" in clause:   # innermost parentheses first: keep only the AS variable of each expression
        clause = re.sub(r"\(([^()]*)\)", lambda e: " ".join(re.findall(r"\bAS\s+(\?\w+)", e.group(1), re.I)), clause)
    return re.findall(r"\?(\w+)", clause)


def test_there_are_canned_queries():
    assert len(QUERIES) >= 10


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_has_title_and_question(name):
    q = QUERIES[name]
    assert q.title.strip(), f"{name}.rq: no '# title:'"
    assert q.question.strip().endswith("?"), f"{name}.rq: '# question:' missing or not a question"


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_columns_start_with_policy_and_are_selected(name):
    q = QUERIES[name]
    assert q.columns and q.columns[0] == "policy", f"{name}.rq: '# columns:' must start with policy"
    selected = select_variables(q.text)
    missing = [c for c in q.columns + q.hidden if c not in selected]
    assert not missing, f"{name}.rq: header columns {missing} are not in SELECT {selected}"


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_selects_no_column_the_header_does_not_declare(name):
    q = QUERIES[name]
    undeclared = [v for v in select_variables(q.text) if v not in q.columns + q.hidden]
    assert not undeclared, f"{name}.rq: SELECT has {undeclared}, not in '# columns:' or '# hidden:'"


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_declared_params_are_variables_of_the_body(name):
    q = QUERIES[name]
    body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
    for param in q.params:
        assert re.search(rf"\?{re.escape(param.name)}\b", body), f"{name}.rq: param {param.name} is not ?{param.name}"


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_parses_and_runs_on_an_empty_store(name):
    result = ox.Store().query(QUERIES[name].text)
    assert isinstance(result, ox.QuerySolutions)
    assert [v.value for v in result.variables][:1] == ["policy"]


def test_header_with_a_bad_param_kind_is_rejected():
    from policykg.errors import QueryError

    with pytest.raises(QueryError, match="bad param"):
        parse_query("x", "# title: t\n# param: policy nosuchkind text\nSELECT ?policy WHERE {}")


@pytest.fixture(scope="module")
def examples_with_versions(examples_validated_store_path):
    """The examples with their validation reports (`validate --into-store`, which missing-information
    reads) and the versions of examples/versions/ (which `ingest examples` skips)."""
    from policykg.ingest.pipeline import ingest

    store = ox.Store()
    store.extend(ox.Store.read_only(str(examples_validated_store_path)))
    ingest([EXAMPLES / "versions"], store, workers=0)
    return store


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_answers_one_row_per_answer_on_the_examples(name, examples_with_versions):
    """The engine's own rows, hidden fact included: no two share their answer columns (one row per
    answer, not one per fact; the runner drops nothing). The questions across versions answer on
    the versions of examples/versions/."""
    q = QUERIES[name]
    solutions = examples_with_versions.query(q.text)
    rows = [tuple(s[c] for c in q.columns) for s in solutions]
    assert rows, f"{name}: no answer on examples/"
    repeated = sorted({r for r in rows if rows.count(r) > 1}, key=str)
    assert repeated == [], f"{name}.rq gives these answers more than once: {repeated[:3]}"


@pytest.mark.parametrize("name", list(QUERIES))
def test_query_order_names_columns_of_the_query(name):
    q = QUERIES[name]
    assert set(q.order) <= set(q.columns), f"{name}.rq: '# order:' names a column not in '# columns:'"
