"""Remote stores: parameters bound as VALUES, JSON answers as terms, truncation noticed, graphs pushed."""
from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.errors import QueryError
from policykg.output import term_json
from policykg.queries import catalogue, parse_query
from policykg.query import Results, bind_params, run_local, shape
from policykg.remote import (Credentials, duration_from_number, masked, push, run_remote, select, term_from_json,
                             with_values, without_comments)

POLICY = "https://w3id.org/policykg/policy/"


@pytest.fixture(scope="module")
def store(examples_store: ox.Store) -> ox.Store:
    return examples_store


def policies(store: ox.Store) -> list[str]:
    return sorted(g.value.removeprefix(POLICY) for g in store.named_graphs()
                  if isinstance(g, ox.NamedNode) and g.value.startswith(POLICY))


# --- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(catalogue()))
def test_param_declarations_match_the_query_body(name: str) -> None:
    query = catalogue()[name]
    body = masked(query.text)
    where = body[body.upper().index("WHERE"):]
    used = set(re.findall(r"[?$]([A-Za-z_][\w]*)", where))
    for param in query.params:
        assert param.name in used, f"{name}.rq declares ?{param.name} but its WHERE clause does not use it"
        assert param.kind in ("policy", "iri", "literal")
        assert param.description, f"{name}.rq: parameter {param.name} has no description"
    if "policy" in used and "policy" in query.columns:
        assert "policy" in {p.name for p in query.params}, f"{name}.rq answers per policy but has no policy param"


@pytest.mark.parametrize("name", [n for n, q in catalogue().items() if q.params])
def test_values_binding_answers_like_substitution(store: ox.Store, name: str) -> None:
    query = catalogue()[name]
    for slug in policies(store):
        params = {"policy": slug}
        bound = bind_params(query, params)
        solutions = store.query(with_values(query.text, bound))
        columns = [v.value for v in solutions.variables]
        by_values = shape(Results(columns, [{c: s[c] for c in columns} for s in solutions]), query, evidence=False)
        assert by_values == run_local(store, query, params)


def test_a_hostile_literal_stays_a_value() -> None:
    query = parse_query("probe", "# title: t\n# columns: name\n# param: name literal a name\n"
                                 "SELECT ?name ?hit WHERE { OPTIONAL { ?s ?p ?o } BIND(1 AS ?hit) }\n")
    hostile = '"} } ; DROP ALL ; SELECT * { ?x ?y "'
    text = with_values(query.text, bind_params(query, {"name": hostile}))
    rows = list(ox.Store().query(text))
    assert [r["name"].value for r in rows] == [hostile]


def test_with_values_finds_the_outer_where_not_one_in_a_comment_or_iri() -> None:
    text = "# WHERE { in a comment\nPREFIX w: <http://x/WHERE>\nSELECT ?policy WHERE { ?policy ?p ?o }"
    bound = {ox.Variable("policy"): ox.NamedNode("http://x/p")}
    out = with_values(text, bound)
    assert out.index("VALUES") > out.index("SELECT ?policy WHERE {")


def test_without_comments_keeps_hashes_in_iris_and_strings() -> None:
    text = '# title: e-mail addresses\nPREFIX pk: <https://w3id.org/policykg/ns#>\nSELECT ("#x" AS ?a) WHERE {}'
    assert without_comments(text) == 'PREFIX pk: <https://w3id.org/policykg/ns#>\nSELECT ("#x" AS ?a) WHERE {}'


@pytest.mark.parametrize("name", list(catalogue()))
def test_order_covers_every_column_so_every_store_prints_the_same(name: str) -> None:
    """The runner sorts by the `# order:` columns (the queries have no ORDER BY, which Oxigraph runs slowly):
    naming every shown column leaves no tie that a store could break its own way."""
    query = catalogue()[name]
    assert set(query.columns) <= set(query.order), (
        f"{name}.rq: '# order:' should list every column ({' '.join(query.columns)}); "
        f"otherwise another store may print tied rows in another order")
    assert not re.search(r"\bORDER\s+BY\b", masked(query.text), re.IGNORECASE), \
        f"{name}.rq: the runner sorts the rows; ORDER BY only costs time"


# --- answers as terms ---------------------------------------------------------------------------

@pytest.mark.parametrize("term", [
    ox.NamedNode("https://w3id.org/dpv/pd#EmailAddress"),
    ox.Literal("plain"),
    ox.Literal("Datenschutz", language="de"),
    ox.Literal("P2Y", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#duration")),
    ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
])
def test_json_binding_comes_back_as_the_same_term(term) -> None:
    assert term_from_json(term_json(term)) == term


def test_virtuoso_typed_literal_binding_is_read() -> None:
    binding = {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "7"}
    assert term_from_json(binding) == ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


@pytest.mark.parametrize("number, duration", [("24", "P2Y"), ("13", "P1Y1M"), ("2.592e+06", "P30D"),
                                              ("7.776e+06", "P90D"), ("3.6e+03", "PT1H"), ("0", "P0M")])
def test_virtuoso_duration_numbers_become_canonical_durations(number: str, duration: str) -> None:
    assert duration_from_number(number) == duration


# --- a small fake store server: SPARQL query/update and Graph Store, with basic auth ----------------

class FakeStore(ThreadingHTTPServer):
    """Answers like a triple store server, from a pyoxigraph store; records what it was asked."""

    def __init__(self, *, graph_store: bool = True, user: str | None = None, password: str | None = None,
                 max_rows: int | None = None):
        self.data = ox.Store()
        self.graph_store, self.user, self.password, self.max_rows = graph_store, user, password, max_rows
        self.requests: list[tuple[str, str]] = []
        super().__init__(("127.0.0.1", 0), FakeHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class FakeHandler(BaseHTTPRequestHandler):
    server: FakeStore

    def log_message(self, *args) -> None:
        pass

    def _authorised(self) -> bool:
        if self.server.user is None:
            return True
        token = base64.b64encode(f"{self.server.user}:{self.server.password}".encode()).decode()
        if self.headers.get("Authorization") == f"Basic {token}":
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="fake"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def _reply(self, status: int, body: bytes = b"", media: str = "text/plain", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self._authorised():
            return
        if not self.server.graph_store:
            return self._reply(405)
        graph = ox.NamedNode(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["graph"][0])
        self.server.requests.append(("PUT", graph.value))
        self.server.data.remove_graph(graph) if graph in set(self.server.data.named_graphs()) else None
        for triple in ox.parse(body, format=ox.RdfFormat.TURTLE):
            self.server.data.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
        self._reply(201)

    def do_POST(self) -> None:
        fields = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if not self._authorised():
            return
        if "update" in fields:
            self.server.requests.append(("UPDATE", fields["update"][0].split("{")[0].strip()))
            self.server.data.update(fields["update"][0])
            return self._reply(200)
        solutions = self.server.data.query(fields["query"][0])
        if isinstance(solutions, ox.QueryBoolean):
            return self._reply(200, json.dumps({"head": {}, "boolean": bool(solutions)}).encode(),
                               "application/sparql-results+json")
        rows = list(solutions)
        headers = {}
        if self.server.max_rows is not None and len(rows) > self.server.max_rows:
            rows, headers = rows[: self.server.max_rows], {"X-SPARQL-MaxRows": str(self.server.max_rows)}
        columns = [v.value for v in solutions.variables]
        body = json.dumps({"head": {"vars": columns}, "results": {"bindings": [
            {c: term_json(r[c]) for c in columns if r[c] is not None} for r in rows]}}).encode()
        self._reply(200, body, "application/sparql-results+json", headers)


def quads_by_graph(store: ox.Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for q in store:
        if isinstance(q.graph_name, ox.NamedNode):
            found.setdefault(q.graph_name.value, set()).add(f"{q.subject} {q.predicate} {q.object}")
    return found


def blank_nodes_renamed(by_graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {g: {re.sub(r"_:\w+", "_:b", t) for t in triples} for g, triples in by_graph.items()}


def test_push_puts_every_graph_and_pushing_twice_replaces(store: ox.Store) -> None:
    fake = FakeStore(user="ana", password="pw")
    try:
        for _ in range(2):
            push(store, graph_store=fake.base + "/graph", credentials=Credentials("ana", "pw"))
        assert blank_nodes_renamed(quads_by_graph(fake.data)) == blank_nodes_renamed(quads_by_graph(store))
        assert len(fake.data) == sum(1 for q in store if isinstance(q.graph_name, ox.NamedNode))
        assert {m for m, _ in fake.requests} == {"PUT"}
    finally:
        fake.close()


def test_push_falls_back_to_sparql_update_without_a_graph_store(store: ox.Store) -> None:
    fake = FakeStore(graph_store=False)
    try:
        slug = policies(store)[0]
        for _ in range(2):
            report = push(store, graph_store=fake.base + "/graph", endpoint=fake.base + "/sparql", policies=[slug])
        assert {method for _, _, method in report.graphs} == {"update"}
        pushed = quads_by_graph(fake.data)
        local = quads_by_graph(store)
        assert set(pushed) == {POLICY + slug, "https://w3id.org/policykg/ns"}
        assert blank_nodes_renamed(pushed) == blank_nodes_renamed({g: local[g] for g in pushed})
        assert ("UPDATE", f"DROP SILENT GRAPH <{POLICY + slug}>") in fake.requests
    finally:
        fake.close()


def test_push_with_wrong_password_says_so(store: ox.Store) -> None:
    fake = FakeStore(user="ana", password="pw")
    try:
        with pytest.raises(QueryError, match="refused"):
            push(store, graph_store=fake.base + "/graph", credentials=Credentials("ana", "wrong"))
    finally:
        fake.close()


def test_push_of_an_unknown_policy_lists_the_known_ones(store: ox.Store) -> None:
    with pytest.raises(Exception, match="no policy .*nosuch"):
        push(store, graph_store="http://127.0.0.1:9/", policies=["nosuch"])


def test_canned_query_on_a_pushed_store_equals_local(store: ox.Store) -> None:
    fake = FakeStore()
    try:
        push(store, graph_store=fake.base + "/graph")
        query = catalogue()["disclosures"]
        for slug in policies(store):
            assert run_remote(fake.base + "/sparql", query, {"policy": slug}) == run_local(store, query, {"policy": slug})
    finally:
        fake.close()


def test_a_silently_truncated_answer_is_an_error(store: ox.Store) -> None:
    fake = FakeStore(max_rows=5)
    try:
        push(store, graph_store=fake.base + "/graph")
        with pytest.raises(QueryError, match="cut the answer off at 5 rows"):
            select(fake.base + "/sparql", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert len(select(fake.base + "/sparql", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 4").rows) == 4
    finally:
        fake.close()


def test_unreachable_endpoint_is_a_clear_error() -> None:
    with pytest.raises(QueryError, match="cannot reach the SPARQL endpoint"):
        run_remote("http://127.0.0.1:9/sparql", catalogue()["rights"])


# --- the command line ---------------------------------------------------------------------------

def test_push_takes_no_password_argument() -> None:
    from policykg.cli_remote import push as push_command

    assert not [p for p in push_command.params if "password" in p.name]


def test_push_prompts_for_the_password_when_the_environment_has_none(store: ox.Store,
                                                                     examples_store_path: Path) -> None:
    fake = FakeStore(user="ana", password="pw")
    try:
        result = CliRunner().invoke(main, ["push", "--store", str(examples_store_path), "--user", "ana",
                                           "--graph-store", fake.base + "/graph"], input="pw\n",
                                    env={"POLICYKG_PASSWORD": None})
        assert result.exit_code == 0, result.output
        assert "Pushed" in result.output
        assert len(fake.data) == sum(1 for q in store if isinstance(q.graph_name, ox.NamedNode))
    finally:
        fake.close()


def test_query_command_with_endpoint_prints_like_the_local_store(store: ox.Store, examples_store_path: Path) -> None:
    fake = FakeStore()
    try:
        push(store, graph_store=fake.base + "/graph")
        runner = CliRunner()
        for name in catalogue():
            here = runner.invoke(main, ["query", name, "--store", str(examples_store_path)])
            there = runner.invoke(main, ["query", name, "--endpoint", fake.base + "/sparql"])
            assert there.exit_code == 0, there.output
            assert there.output == here.output      # both sorted by the runner, on every column
    finally:
        fake.close()


def test_a_policy_the_endpoint_lacks_is_an_error_with_suggestions(monkeypatch) -> None:
    from policykg import remote
    from policykg.errors import UnknownPolicyError

    known = ["https://w3id.org/policykg/policy/acme/privacy"]
    monkeypatch.setattr(remote, "ask", lambda url, text, **kw: "<https://w3id.org/policykg/policy/acme/privacy>" in text)
    monkeypatch.setattr(remote, "remote_policies", lambda url, **kw: known)
    monkeypatch.setattr(remote, "select", lambda *a, **kw: pytest.fail("the question ran on an unknown policy"))
    with pytest.raises(UnknownPolicyError) as caught:
        remote.run_remote("http://127.0.0.1:9/sparql", catalogue()["rights"], {"policy": "privacy"})
    assert caught.value.suggestions == ("acme/privacy",)


def test_push_without_the_ontology_sends_the_policy_graphs_only(store: ox.Store) -> None:
    fake = FakeStore()
    try:
        slug = policies(store)[0]
        report = push(store, graph_store=fake.base + "/graph", policies=[slug], include_ontology=False)
        assert [g for g, _, _ in report.graphs] == [POLICY + slug]
        pushed = quads_by_graph(fake.data)
        assert set(pushed) == {POLICY + slug}
        assert blank_nodes_renamed(pushed) == blank_nodes_renamed({POLICY + slug: quads_by_graph(store)[POLICY + slug]})
        assert fake.requests == [("PUT", POLICY + slug)]
    finally:
        fake.close()


def test_push_command_with_no_ontology(store: ox.Store, examples_store_path: Path) -> None:
    fake = FakeStore()
    try:
        result = CliRunner().invoke(main, ["push", "--store", str(examples_store_path), "--no-ontology",
                                           "--graph-store", fake.base + "/graph"])
        assert result.exit_code == 0, result.output
        assert set(quads_by_graph(fake.data)) == set(POLICY + p for p in policies(store))
        assert f"Pushed {len(policies(store))} graphs" in result.output
        assert "https://w3id.org/policykg/ns " not in result.output
    finally:
        fake.close()


def test_canned_questions_on_a_store_without_the_ontology(store: ox.Store) -> None:
    """What the README says of --no-ontology: only `disclosures` reads the ontology graph (which right is
    which Art. 13/14 item); every other canned question answers as on the embedded store without it."""
    fake = FakeStore()
    try:
        push(store, graph_store=fake.base + "/graph", include_ontology=False)
        assert "https://w3id.org/policykg/ns" not in quads_by_graph(fake.data)
        reads_ontology = {n for n, q in catalogue().items() if "GRAPH <https://w3id.org/policykg/ns>" in q.text}
        assert reads_ontology == {"disclosures"}
        for name, query in catalogue().items():
            there, here = run_remote(fake.base + "/sparql", query), run_local(store, query)
            if name in reads_ontology:
                assert len(there.rows) < len(here.rows), name
            else:
                assert there == here, name
    finally:
        fake.close()
