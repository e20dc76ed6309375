"""`policykg serve`: a read-only SPARQL 1.1 endpoint; each safety rule is tested with an attack."""
from __future__ import annotations

import csv
import io
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from policykg.endpoint import EndpointError, Limits, make_server
from policykg.output import render
from policykg.queries import catalogue
from policykg.query import run_local
from policykg.remote import run_remote

LIMITS = Limits(timeout=3.0, max_rows=1000, max_body=20_000, workers=2)
# 2307+ quads cubed: runs for hours unless stopped.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s2 ?p2 ?o2 } GRAPH ?c { ?s3 ?p3 ?o3 } }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def server(examples_store_path: Path):
    srv = make_server(examples_store_path, port=0, limits=LIMITS)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    srv.endpoint.close()


@pytest.fixture(scope="module")
def url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/sparql"


@pytest.fixture(scope="module")
def local(examples_store: ox.Store) -> ox.Store:
    return examples_store


def call(url: str, *, query: str | None = None, method: str = "GET", body: bytes | None = None,
         content_type: str | None = None, accept: str = "application/sparql-results+json",
         fields: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    params = dict(fields or {})
    if query is not None and method == "GET":
        params["query"] = query
    if query is not None and method == "POST" and body is None:
        body = urllib.parse.urlencode({"query": query, **params}).encode()
        content_type = content_type or "application/x-www-form-urlencoded"
        params = {}
    target = url + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(target, data=body, method=method, headers={"Accept": accept})
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def error_of(body: bytes) -> dict:
    return json.loads(body)["error"]


def triple_count(url: str) -> int:
    status, _, body = call(url, query=COUNT)
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("name", list(catalogue()))
def test_every_canned_query_through_sparqlwrapper_equals_local(url: str, local: ox.Store, name: str) -> None:
    query = catalogue()[name]
    assert render(run_remote(url, query), "json") == render(run_local(local, query), "json")
    # With evidence, rows that tie on every ORDER BY key may come in any order, even from one engine.
    remote, expected = run_remote(url, query, evidence=True), run_local(local, query, evidence=True)
    assert remote.columns == expected.columns
    assert sorted(render_rows(remote)) == sorted(render_rows(expected))


def render_rows(results) -> list[str]:
    return render(results, "csv").splitlines()[1:]


def test_sparqlwrapper_client_reads_the_endpoint(url: str, local: ox.Store) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(url)
    client.setQuery(COUNT)
    client.setReturnFormat(JSON)
    n = int(client.query().convert()["results"]["bindings"][0]["n"]["value"])
    assert n == sum(1 for q in local if q.graph_name != ox.DefaultGraph())


@pytest.mark.parametrize("update", [
    "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }",
    "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP ALL",
    "PREFIX pk: <https://w3id.org/policykg/ns#>\nDROP GRAPH <https://w3id.org/policykg/ns>",
    "# a comment first\nCREATE GRAPH <urn:x>",
    "WITH <urn:x> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_and_change_nothing(url: str, update: str) -> None:
    before = triple_count(url)
    attempts = [
        call(url, query=update),
        call(url, query=update, method="POST"),
        call(url, method="POST", body=urllib.parse.urlencode({"update": update}).encode(),
             content_type="application/x-www-form-urlencoded"),
        call(url, method="POST", body=update.encode(), content_type="application/sparql-update"),
    ]
    for status, headers, body in attempts:
        assert status == 403
        assert headers["Content-Type"] == "application/json"
        assert "read-only" in error_of(body)["message"]
    assert triple_count(url) == before


def listening_socket() -> tuple[socket.socket, list[bytes]]:
    """A local port that records every connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    arrived: list[bytes] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            arrived.append(conn.recv(200))
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return sock, arrived


def test_pyoxigraph_alone_would_fetch_a_service_url() -> None:
    """Why the endpoint checks queries: the engine itself calls whatever SERVICE names."""
    sock, arrived = listening_socket()
    port = sock.getsockname()[1]
    try:
        with pytest.raises(Exception):
            list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"))
        time.sleep(0.3)
        assert arrived, "pyoxigraph no longer executes SERVICE; the check stays as a second layer"
    finally:
        sock.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE # hidden\n <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} OPTIONAL {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?q ?r }} }} }}",
    "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_and_no_connection_leaves(url: str, template: str) -> None:
    sock, arrived = listening_socket()
    try:
        query = template.format(port=sock.getsockname()[1])
        for method in ("GET", "POST"):
            status, _, body = call(url, query=query, method=method)
            assert status == 403
            assert error_of(body)["code"] == "service-refused"
        time.sleep(0.5)
        assert arrived == []
    finally:
        sock.close()


def test_isolated_workers_cannot_connect_even_past_the_check(server) -> None:
    """The second layer: a SERVICE query handed straight to a worker reaches nothing."""
    if not server.endpoint.pool.isolated:
        pytest.skip("the kernel gives the workers no network namespace here; the query check is the only layer")
    sock, arrived = listening_socket()
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{sock.getsockname()[1]}/> {{ ?s ?p ?o }} }}"
        with pytest.raises(EndpointError):
            server.endpoint.pool.run({"kind": "sparql", "query": query, "default_graphs": [], "named_graphs": [],
                                      "format": "json", "max_rows": 10})
        time.sleep(0.5)
        assert arrived == []
    finally:
        sock.close()


def test_service_as_a_word_in_names_and_strings_is_allowed(url: str) -> None:
    query = ('PREFIX service: <https://w3id.org/policykg/ns#>\n'
             'SELECT ?service WHERE { BIND("SERVICE <http://x/>" AS ?service) '
             'OPTIONAL { GRAPH ?g { ?s service:SERVICE ?o } } }  # SERVICE in a comment')
    status, _, body = call(url, query=query)
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"][0]["service"]["value"] == "SERVICE <http://x/>"


@pytest.mark.parametrize("dataset", [
    {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
    {"query": "SELECT * FROM NAMED <http://127.0.0.1:9/> WHERE { GRAPH ?g { ?s ?p ?o } }"},
    {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"},
    {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": "file:///etc/hostname"},
])
def test_graphs_outside_the_store_are_refused(url: str, dataset: dict[str, str]) -> None:
    query = dataset.pop("query")
    status, _, body = call(url, query=query, fields=dataset)
    assert status == 400
    assert error_of(body)["code"] == "unknown-graph"


def test_from_a_policy_graph_is_answered(url: str, local: ox.Store) -> None:
    graph = "https://w3id.org/policykg/policy/quietnote"
    status, _, body = call(url, query=f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}")
    assert status == 200
    expected = sum(1 for _ in local.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == expected > 0


def test_slow_query_is_stopped_at_the_time_limit_without_blocking_others(url: str, server) -> None:
    pids_before = {w.process.pid for w in server.endpoint.pool._all}
    outcome: dict[str, object] = {}

    def slow() -> None:
        start = time.monotonic()
        outcome["status"], _, outcome["body"] = call(url, query=SLOW)
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    start = time.monotonic()
    assert triple_count(url) > 0                     # answered by the other worker meanwhile
    assert time.monotonic() - start < 1.5
    thread.join(30)
    assert outcome["status"] == 503
    assert error_of(outcome["body"])["code"] == "timeout"
    assert LIMITS.timeout <= outcome["seconds"] < LIMITS.timeout + 3
    killed = pids_before - {w.process.pid for w in server.endpoint.pool._all}
    assert len(killed) == 1
    for pid in killed:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert triple_count(url) > 0                     # the pool is whole again


def test_answers_over_the_row_limit_are_refused_not_cut(url: str) -> None:
    status, _, body = call(url, query="SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert status == 400
    assert error_of(body)["code"] == "row-limit"
    status, _, body = call(url, query="SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1000")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 1000


def test_request_body_over_the_limit_is_refused(url: str) -> None:
    padding = "#" + "x" * LIMITS.max_body + "\n"
    status, _, body = call(url, query=padding + COUNT, method="POST")
    assert status == 413
    assert error_of(body)["code"] == "body-too-large"


def test_bad_sparql_gets_the_parser_line_and_column(url: str) -> None:
    status, _, body = call(url, query="SELECT ?s\nWHERE {\n  ?s ?p \n}")
    assert status == 400
    error = error_of(body)
    assert (error["code"], error["line"]) == ("syntax", 4)
    assert isinstance(error["column"], int)


@pytest.mark.parametrize("accept, fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_content_negotiation_gives_each_results_format(url: str, local: ox.Store, accept: str, fmt) -> None:
    query = ('PREFIX pk: <https://w3id.org/policykg/ns#> SELECT ?p ?o WHERE { GRAPH ?g { ?p pk:sha256 ?o } } '
             'ORDER BY ?p')
    status, headers, body = call(url, query=query, accept=accept)
    assert status == 200
    assert headers["Content-Type"].startswith(accept)
    expected = list(local.query(query))
    if fmt == ox.QueryResultsFormat.CSV:      # lossy by design: plain values, CRLF rows
        rows = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
        assert [(r["p"], r["o"]) for r in rows] == [(s["p"].value, s["o"].value) for s in expected]
        return
    parsed = list(ox.parse_query_results(body, fmt))
    assert [str(s["p"]) for s in parsed] == [str(s["p"]) for s in expected]
    assert [s["o"].value for s in parsed] == [s["o"].value for s in expected]


def test_ask_and_construct_are_answered(url: str) -> None:
    status, _, body = call(url, query="ASK { GRAPH ?g { ?s ?p ?o } }")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, headers, body = call(url, query="CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5",
                                 accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == 5


def test_get_post_form_and_post_direct_agree(url: str) -> None:
    answers = {call(url, query=COUNT)[2], call(url, query=COUNT, method="POST")[2],
               call(url, method="POST", body=COUNT.encode(), content_type="application/sparql-query")[2]}
    assert len(answers) == 1


def test_binds_127_0_0_1_unless_told_otherwise(examples_store_path: Path) -> None:
    srv = make_server(examples_store_path, port=0, limits=Limits(workers=1))
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.server_close()
        srv.endpoint.close()


def test_page_lists_every_canned_query_with_its_description(url: str) -> None:
    status, headers, body = call(url.removesuffix("sparql"), accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    for name, query in catalogue().items():
        assert json.dumps(name) in page and json.dumps(query.question)[1:-1] in page


def test_page_runs_a_canned_query_with_parameters_and_evidence(url: str, local: ox.Store) -> None:
    base = url.removesuffix("sparql")
    query = catalogue()["disclosures"]
    status, _, body = call(base + "canned/disclosures", fields={"policy": "harbor-goods", "evidence": "1"})
    assert status == 200
    expected = json.loads(render(run_local(local, query, {"policy": "harbor-goods"}, evidence=True), "json"))
    answer = json.loads(body)
    assert answer["head"] == expected["head"] and "sentence" in answer["head"]["vars"]
    as_text = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731  (ties: any order)
    assert as_text(answer["results"]["bindings"]) == as_text(expected["results"]["bindings"]) != []


def test_page_refuses_an_undeclared_parameter(url: str) -> None:
    status, _, body = call(url.removesuffix("sparql") + "canned/rights", fields={"category": "pd:EmailAddress"})
    assert status == 400
    assert "no parameter 'category'" in error_of(body)["message"]


def test_page_answers_404_with_suggestions_for_a_policy_the_store_lacks(url: str) -> None:
    status, _, body = call(url.removesuffix("sparql") + "canned/rights", fields={"policy": "quietnot"})
    assert status == 404
    error = error_of(body)
    assert error["code"] == "unknown-policy" and "'quietnote'" in error["message"]


# --- the page's downloads and labels ------------------------------------------------------------

def cli_output(store_path: Path, *args: str) -> str:
    from click.testing import CliRunner

    from policykg.cli import main

    result = CliRunner().invoke(main, ["query", *args, "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_canned_download_is_what_the_command_line_prints(url: str, examples_store_path: Path, fmt: str) -> None:
    base = url.removesuffix("sparql")
    status, headers, body = call(base + "canned/rights", fields={"policy": "lumen-analytics", "format": fmt})
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv" if fmt == "csv" else "application/sparql-results+json")
    assert headers["Content-Disposition"] == f'attachment; filename="rights-lumen-analytics.{fmt}"'
    printed = cli_output(examples_store_path, "rights", "--param", "policy=lumen-analytics", "--format", fmt)
    assert body.decode() + "\n" == printed
    assert "https://w3id.org/dpv/legal/eu/gdpr#A15" in printed


def test_canned_download_with_evidence_and_no_parameter(url: str, examples_store_path: Path) -> None:
    base = url.removesuffix("sparql")
    status, headers, body = call(base + "canned/merger-transfer-without-consent",
                                 fields={"evidence": "1", "format": "csv"})
    assert status == 200
    assert headers["Content-Disposition"] == 'attachment; filename="merger-transfer-without-consent.csv"'
    printed = cli_output(examples_store_path, "merger-transfer-without-consent", "--evidence", "--format", "csv")
    assert body.decode() + "\n" == printed
    assert list(csv.reader(io.StringIO(body.decode())))[0] == ["policy", "controller", "evidence", "sentence",
                                                               "section"]


def test_canned_answer_without_format_is_no_download(url: str) -> None:
    status, headers, _ = call(url.removesuffix("sparql") + "canned/rights", fields={"policy": "quietnote"})
    assert status == 200 and "Content-Disposition" not in headers


def test_canned_download_in_another_format_is_refused(url: str) -> None:
    status, _, body = call(url.removesuffix("sparql") + "canned/rights", fields={"format": "xml"})
    assert status == 400
    assert error_of(body) == {"status": 400, "code": "bad-format",
                              "message": "a canned answer downloads as csv or json, not 'xml'"}


def test_page_carries_the_store_labels_and_policies(url: str, local: ox.Store) -> None:
    from policykg.store import list_policies

    status, _, body = call(url.removesuffix("sparql"), accept="text/html")
    assert status == 200
    page = body.decode()
    assert '"https://w3id.org/dpv/legal/eu/gdpr#A15": "right of access"' in page
    assert '"https://w3id.org/dpv/pd#EmailAddress": "email address"' in page
    slugs = [row["policy"].value.removeprefix("https://w3id.org/policykg/policy/")
             for row in list_policies(local).rows]
    assert f"const POLICIES = {json.dumps([[s, t] for s, t in server_policies(url)], ensure_ascii=False)}" in page
    assert [s for s, _ in server_policies(url)] == slugs and "quietnote" in slugs


def server_policies(url: str) -> list[tuple[str, str]]:
    status, _, body = call(url, query="PREFIX pk: <https://w3id.org/policykg/ns#> PREFIX dct: <http://purl.org/dc/terms/> "
                           "SELECT ?g ?t WHERE { GRAPH ?g { ?g a pk:PolicyDocument OPTIONAL { ?g dct:title ?t } } } "
                           "ORDER BY ?g")
    assert status == 200
    return [(b["g"]["value"].removeprefix("https://w3id.org/policykg/policy/"), b.get("t", {}).get("value", ""))
            for b in json.loads(body)["results"]["bindings"]]
