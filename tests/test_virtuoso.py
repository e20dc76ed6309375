"""Integration with a real Virtuoso Open Source 7.2 server (Debian package virtuoso-opensource).

The fixture starts ``virtuoso-t`` on free ports of 127.0.0.1 with a throw-away database folder and a
random dba password, as docs/sparql.md tells users to, and stops it afterwards.
"""
from __future__ import annotations

import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from policykg.errors import QueryError
from policykg.output import render
from policykg.queries import catalogue
from policykg.query import run_local
from policykg.remote import Credentials, push, run_remote, select

PACKAGE_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
MAX_ROWS = 2000     # the server's ResultSetMaxRows: above every canned answer, below the store's size


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def virtuoso_ini(template: str, folder: Path, sql_port: int, http_port: int) -> str:
    """The package's virtuoso.ini with the database in ``folder`` and both ports on 127.0.0.1."""
    text = template.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    lines, section = [], ""
    for line in text.splitlines():
        header = re.match(r"\s*\[(.+)\]", line)
        if header:
            section = header.group(1)
        if re.match(r"\s*ServerPort\s*=", line):
            line = f"ServerPort = 127.0.0.1:{sql_port if section == 'Parameters' else http_port}"
        elif re.match(r"\s*DirsAllowed\s*=", line):
            line = f"DirsAllowed = ., {folder}, /usr/share/virtuoso-opensource-7/vad"
        elif re.match(r"\s*ResultSetMaxRows\s*=", line):
            line = f"ResultSetMaxRows = {MAX_ROWS}"
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory):
    missing = [p for p in ("virtuoso-t", "isql-vt") if shutil.which(p) is None]
    if missing or not PACKAGE_INI.exists():
        pytest.skip(f"Virtuoso is not installed ({', '.join(missing) or PACKAGE_INI} missing): "
                    f"apt-get install virtuoso-opensource")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(PACKAGE_INI.read_text(), folder, sql_port, http_port))
    server = subprocess.Popen(["virtuoso-t", "+configfile", str(ini), "+foreground"], cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    try:
        log = folder / "virtuoso.log"
        deadline = time.monotonic() + 180
        # HTTP comes up before the SQL port; "Server online" is logged when both are.
        while not (log.exists() and "Server online at" in log.read_text(errors="replace")):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
                pytest.fail(f"virtuoso-t did not start: {tail}")
            time.sleep(0.3)
        password = "pk" + secrets.token_hex(12)      # SET PASSWORD wants it to start with a letter
        changed = subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba",
                                  f"exec=SET PASSWORD dba {password};"], capture_output=True, text=True, timeout=60)
        if "Done." not in changed.stdout:      # isql-vt exits 0 even when it could not connect
            pytest.fail(f"could not set the dba password: {changed.stdout} {changed.stderr}")
        urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=10).read()
        yield {"base": base, "credentials": Credentials("dba", password)}
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def store(examples_store: ox.Store) -> ox.Store:
    return examples_store


@pytest.fixture(scope="module")
def pushed(virtuoso, store: ox.Store):
    for _ in range(2):                  # the second push must replace, not add
        report = push(store, graph_store=virtuoso["base"] + "/sparql-graph-crud-auth",
                      endpoint=virtuoso["base"] + "/sparql-auth", credentials=virtuoso["credentials"])
    assert {method for _, _, method in report.graphs} == {"graph-store"}
    return virtuoso


def count(url: str, graph: str) -> int:
    rows = select(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows
    return int(rows[0]["n"].value)


def local_count(store: ox.Store, graph: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def test_push_with_digest_auth_copies_every_graph_once(pushed, store: ox.Store) -> None:
    url = pushed["base"] + "/sparql"
    graphs = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    assert graphs
    for graph in graphs:
        assert count(url, graph) == local_count(store, graph)


@pytest.mark.parametrize("name", list(catalogue()))
def test_every_canned_query_answers_on_virtuoso_as_on_the_embedded_store(pushed, store: ox.Store, name: str) -> None:
    url, query = pushed["base"] + "/sparql", catalogue()[name]
    for evidence in (False, True):
        remote, local = run_remote(url, query, evidence=evidence), run_local(store, query, evidence=evidence)
        assert remote.columns == local.columns
        # The same rows, policy by policy in the same order; rows tied on every ORDER BY key (and
        # durations, which the engines order differently) may come in another order.
        assert [r["policy"] for r in remote.rows] == [r["policy"] for r in local.rows]
        assert sorted(render(remote, "csv").splitlines()) == sorted(render(local, "csv").splitlines())


def test_canned_query_parameters_work_on_virtuoso(pushed, store: ox.Store) -> None:
    url, query = pushed["base"] + "/sparql", catalogue()["disclosures"]
    for graph in store.named_graphs():
        slug = graph.value.removeprefix("https://w3id.org/policykg/policy/")
        if not graph.value.startswith("https://w3id.org/policykg/policy/"):
            continue
        remote = run_remote(url, query, {"policy": slug}, evidence=True)
        local = run_local(store, query, {"policy": slug}, evidence=True)
        assert sorted(render(remote, "csv").splitlines()) == sorted(render(local, "csv").splitlines())


def test_sparql_update_fallback_on_virtuoso(virtuoso, store: ox.Store) -> None:
    """Every graph (blank nodes and durations included) by UPDATE; twice, to show it replaces."""
    for _ in range(2):
        report = push(store, endpoint=virtuoso["base"] + "/sparql-auth", credentials=virtuoso["credentials"])
    assert {method for _, _, method in report.graphs} == {"update"}
    for graph, triples, _ in report.graphs:
        assert count(virtuoso["base"] + "/sparql", graph) == local_count(store, graph) == triples


def test_virtuoso_row_cap_is_noticed(pushed) -> None:
    with pytest.raises(QueryError, match=f"cut the answer off at {MAX_ROWS} rows"):
        select(pushed["base"] + "/sparql", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")


def test_anonymous_endpoint_refuses_a_push(virtuoso, store: ox.Store) -> None:
    with pytest.raises(QueryError):
        push(store, endpoint=virtuoso["base"] + "/sparql", policies=[])
