"""A read-only SPARQL 1.1 Protocol endpoint over the embedded store, and a small HTML page.

Why not an existing server: Oxigraph's own ``serve-read-only`` executes SERVICE (it fetches any URL
a query names) and its time limit is soft; rdflib-endpoint over Oxigraph is ~700x slower, has no
time limit, serialises all requests, executes SERVICE and reads ``FROM <file:///...>``. This module
closes each of those holes, in layers:

- every request is checked before it runs: only queries (UPDATE, LOAD, CLEAR, DROP... are refused
  with 403), no SERVICE (403; pyoxigraph *would* execute it), FROM / FROM NAMED and the protocol's
  ``default-graph-uri`` / ``named-graph-uri`` may only name graphs of the store (400);
- queries run in worker processes that open the store read-only and, where the kernel allows,
  in an empty network namespace; a worker that passes the time limit is killed (a thread could
  not be stopped) and replaced, so one slow query never blocks the others for long;
- answers larger than the row limit are refused, not silently cut; request bodies have a size
  limit (413); the server binds 127.0.0.1 unless told otherwise;
- every error is a JSON envelope ``{"error": {"status", "code", "message", "line", "column"}}``,
  with the parser's line and column for bad SPARQL.
"""
from __future__ import annotations

import json
import multiprocessing
import queue
import re
import sys
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

from policykg.errors import PolicyKGError, UnknownPolicyError
from policykg.remote import masked, unescape


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0          # seconds a query may run before its worker is killed
    max_rows: int = 10000          # rows (or triples) an answer may have
    max_body: int = 1_000_000      # bytes of a POST body
    workers: int = 2               # queries that can run at the same time


class EndpointError(Exception):
    """A refused or failed request; becomes the JSON error envelope."""

    def __init__(self, status: int, code: str, message: str, *, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.line, self.column = status, code, message, line, column

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.line is not None:
            error["line"], error["column"] = self.line, self.column
        return {"error": error}


# --- checking a request before it runs ----------------------------------------------------------

_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:\s*<x*>|BASE\s+<x*>)\s*)*", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)
_FROM = re.compile(r"(?<![\w:?$])FROM\s+(NAMED\s+)?(<x*>|\S+)", re.IGNORECASE)
_SYNTAX_POSITION = re.compile(r"error at (\d+):(\d+)")

READ_ONLY = ("this endpoint is read-only: SPARQL UPDATE operations (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, "
             "ADD, MOVE, COPY) are refused; send a SELECT, ASK, CONSTRUCT or DESCRIBE query")


def check_query(text: str, graphs: frozenset[str]) -> tuple[list[str], list[str]]:
    """Refuse what a read-only, offline endpoint must not run; return the FROM and FROM NAMED graphs."""
    plain = unescape(text)             # \u0053ERVICE is SERVICE to the parser, so it is to us
    shown = masked(plain)
    start = _PROLOGUE.match(shown)
    first = _FIRST_WORD.match(shown, start.end() if start else 0)
    if first and first.group(0).upper() in _UPDATE_WORDS:
        raise EndpointError(403, "read-only", READ_ONLY)
    if _SERVICE.search(shown):
        raise EndpointError(403, "service-refused", "SERVICE (federated query) is refused: this endpoint never "
                            "sends requests to other addresses; query the data of this store only")
    default: list[str] = []
    named: list[str] = []
    for m in _FROM.finditer(shown):
        token = m.group(2)
        if not token.startswith("<"):
            raise EndpointError(400, "bad-dataset", f"write FROM graphs as full IRIs <...>, not {token!r}")
        iri = plain[m.start(2) + 1:m.end(2) - 1]
        (named if m.group(1) else default).append(iri)
    check_graphs(default + named, graphs)
    return default, named


def check_graphs(iris: list[str], graphs: frozenset[str]) -> None:
    for iri in iris:
        if iri not in graphs:
            raise EndpointError(400, "unknown-graph", f"<{iri}> is not a graph of this store; the graphs are: "
                                + ", ".join(f"<{g}>" for g in sorted(graphs)))


# --- answers in the negotiated format -----------------------------------------------------------

DOWNLOADS = ("csv", "json")      # the formats of `policykg query --format`, less the terminal table
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
_ACCEPT = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
    "text/turtle": "ttl", "application/n-triples": "nt", "application/rdf+xml": "rdfxml",
}
GRAPH_TYPES = {"ttl": ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
               "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
               "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML)}


def negotiate(accept: str | None, explicit: str | None) -> str:
    """A short format name (json, xml, csv, tsv, ttl, nt, rdfxml) from ?format= or the Accept header."""
    if explicit:
        name = explicit.lower()
        if name in RESULT_TYPES or name in GRAPH_TYPES:
            return name
        if name in _ACCEPT:
            return _ACCEPT[name]
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept or "*/*").split(",")):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, media.strip().lower()))
    for negative_q, _, media in sorted(ranked):
        if negative_q == 0:
            break
        if media in _ACCEPT:
            return _ACCEPT[media]
        if media in ("*/*", "application/*", "text/*", ""):
            return "json"
    raise EndpointError(406, "not-acceptable", f"cannot answer in {accept!r}; accepted: "
                        + ", ".join(sorted(_ACCEPT)))


def _term_xml(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'<literal xml:lang="{xml_escape(term.language)}">{xml_escape(term.value)}</literal>'
        return (f'<literal datatype="{xml_escape(term.datatype.value)}">{xml_escape(term.value)}</literal>')
    return f"<literal>{xml_escape(str(term))}</literal>"


def _csv_cell(term: Any) -> str:
    text = "" if term is None else (term.value if hasattr(term, "value") else str(term))
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def serialize_solutions(columns: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    """SELECT rows in SPARQL 1.1 JSON, XML, CSV or TSV results format."""
    from policykg.output import term_json

    if fmt == "json":
        bindings = [{c: term_json(t) for c, t in zip(columns, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": columns}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f'<variable name="{c}"/>' for c in columns]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>" + "".join(f'<binding name="{c}">{_term_xml(t)}</binding>'
                                            for c, t in zip(columns, row) if t is not None) + "</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        lines = [",".join(columns)] + [",".join(_csv_cell(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{c}" for c in columns)] + ["\t".join("" if t is None else str(t) for t in row)
                                                          for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise EndpointError(406, "not-acceptable", f"a SELECT answer cannot be given as {fmt}; "
                        f"use one of {', '.join(RESULT_TYPES)}")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{str(value).lower()}</boolean></sparql>\n").encode()
    return (str(value).lower() + "\n").encode()


# --- the worker processes -----------------------------------------------------------------------

def _isolate_network() -> bool:
    """Move this process into an empty network namespace if the kernel lets us (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import os

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    if libc.unshare(clone_newnet) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(clone_newuser | clone_newnet) != 0:
        return False
    try:   # keep our own uid so the store's files stay readable
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        pass
    return True


def _worker_main(conn: Any, store_path: str) -> None:
    isolated = _isolate_network()
    try:
        store = ox.Store.read_only(store_path)
    except OSError as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", isolated))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", _execute(store, job)))
        except EndpointError as exc:
            conn.send(("error", (exc.status, exc.code, exc.message, exc.line, exc.column)))
        except UnknownPolicyError as exc:
            conn.send(("error", (404, "unknown-policy", str(exc), None, None)))
        except PolicyKGError as exc:
            conn.send(("error", (400, "bad-request", str(exc), None, None)))
        except Exception as exc:   # a bug or a store failure: report it, keep the worker alive
            conn.send(("error", (500, "internal", f"{type(exc).__name__}: {exc}", None, None)))


def _syntax_error(exc: SyntaxError) -> EndpointError:
    m = _SYNTAX_POSITION.search(str(exc))
    return EndpointError(400, "syntax", f"the SPARQL does not parse: {exc}",
                         line=int(m.group(1)) if m else None, column=int(m.group(2)) if m else None)


def _execute(store: ox.Store, job: dict[str, Any]) -> tuple[str, bytes]:
    """Run one job in a worker; return (content type, body)."""
    max_rows = job["max_rows"]
    if job["kind"] == "canned":
        from policykg.output import render
        from policykg.queries import resolve
        from policykg.query import run_local

        results = run_local(store, resolve(job["name"]), job["params"], evidence=job["evidence"])
        if len(results.rows) > max_rows:
            raise _too_many(max_rows)
        fmt = job.get("format", "json")     # what `policykg query NAME --format json|csv` prints
        return RESULT_TYPES[fmt], render(results, fmt).encode()
    fmt = job["format"]
    options: dict[str, Any] = {}
    if job["default_graphs"]:
        options["default_graph"] = [ox.NamedNode(g) for g in job["default_graphs"]]
    if job["named_graphs"]:
        options["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    try:
        answer = store.query(job["query"], **options)
    except SyntaxError as exc:
        raise _syntax_error(exc) from None
    if isinstance(answer, ox.QueryBoolean):
        return RESULT_TYPES.get(fmt, "text/plain"), serialize_boolean(bool(answer), fmt)
    if isinstance(answer, ox.QuerySolutions):
        if fmt not in RESULT_TYPES:
            fmt = "json"
        columns = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            if len(rows) == max_rows:
                raise _too_many(max_rows)
            rows.append([solution[c] for c in columns])
        return RESULT_TYPES[fmt], serialize_solutions(columns, rows, fmt)
    if fmt not in GRAPH_TYPES:
        fmt = "ttl"
    triples = []
    for triple in answer:
        if len(triples) == max_rows:
            raise _too_many(max_rows)
        triples.append(triple)
    media, rdf_format = GRAPH_TYPES[fmt]
    return media, ox.serialize(triples, format=rdf_format) or b""


def _too_many(max_rows: int) -> EndpointError:
    return EndpointError(400, "row-limit", f"the answer has more than {max_rows} rows, this endpoint's row "
                         f"limit; add LIMIT/OFFSET or narrow the query (or start the server with a larger --max-rows)")


class _Worker:
    def __init__(self, context: Any, store_path: str):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, store_path), daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(60):
            self.stop()
            raise PolicyKGError("a query worker did not start within 60 s")
        try:
            state, detail = self.conn.recv()
        except EOFError:
            self.stop()
            raise PolicyKGError(f"a query worker stopped while starting (exit code {self.process.exitcode})") \
                from None
        if state != "ready":
            self.stop()
            raise PolicyKGError(f"a query worker cannot open the store at {store_path}: {detail}")
        self.isolated: bool = detail

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """Worker processes, each with the store open read-only; a job past the time limit kills its worker."""

    def __init__(self, store_path: Path, limits: Limits):
        self.store_path, self.limits = str(store_path), limits
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        for _ in range(max(1, limits.workers)):
            self._add(_Worker(self._context, self.store_path))

    @property
    def isolated(self) -> bool:
        return all(w.isolated for w in self._all)

    def _add(self, worker: _Worker) -> None:
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.remove(worker)
        self._add(_Worker(self._context, self.store_path))

    def run(self, job: dict[str, Any]) -> tuple[str, bytes]:
        timeout = self.limits.timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise EndpointError(503, "busy", f"all {self.limits.workers} query workers stayed busy for "
                                f"{timeout:g} s; try again later") from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._replace(worker)
                raise EndpointError(503, "timeout", f"the query ran longer than the {timeout:g} s time limit "
                                    f"and was stopped; narrow it or add LIMIT")
            state, detail = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise EndpointError(500, "worker-died", "the query worker stopped unexpectedly") from None
        self._idle.put(worker)
        if state == "error":
            status, code, message, line, column = detail
            raise EndpointError(status, code, message, line=line, column=column)
        return detail

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:
            w.stop()


# --- HTTP ---------------------------------------------------------------------------------------

class Endpoint:
    """What the HTTP handler needs: the pool, the limits, the store's graphs and the page."""

    def __init__(self, store_path: Path, limits: Limits = Limits()):
        from policykg.ingest.graph import POLICY_BASE
        from policykg.store import concept_labels, list_policies, open_store

        store = open_store(store_path, read_only=True)
        self.graphs = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        self.labels = concept_labels(store)
        self.policies = [(row["policy"].value.removeprefix(POLICY_BASE),
                          row["title"].value if row.get("title") is not None else "")
                         for row in list_policies(store).rows if isinstance(row.get("policy"), ox.NamedNode)]
        del store
        self.page = page(self.labels, self.policies)
        self.limits = limits
        self.pool = WorkerPool(store_path, limits)

    def sparql(self, fields: dict[str, list[str]], accept: str | None) -> tuple[str, bytes]:
        if "update" in fields:
            raise EndpointError(403, "read-only", READ_ONLY)
        queries = fields.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            raise EndpointError(400, "missing-query", "give exactly one SPARQL query in the `query` parameter "
                                "(GET ?query=..., or POST as a form or as application/sparql-query)")
        default, named = check_query(queries[0], self.graphs)
        default = fields.get("default-graph-uri", []) or default
        named = fields.get("named-graph-uri", []) or named
        check_graphs(default + named, self.graphs)
        fmt = negotiate(accept, (fields.get("format") or [None])[0])
        return self.pool.run({"kind": "sparql", "query": queries[0], "default_graphs": default,
                              "named_graphs": named, "format": fmt, "max_rows": self.limits.max_rows})

    def canned(self, name: str, fields: dict[str, list[str]]) -> tuple[str, bytes] | tuple[str, bytes, dict[str, str]]:
        """A canned question's answer: SPARQL 1.1 JSON results, or with ``format=csv|json`` a download of
        exactly what ``policykg query NAME --format csv|json`` prints (the same renderers)."""
        from policykg.errors import QueryError
        from policykg.queries import catalogue

        if name not in catalogue():
            raise EndpointError(404, "unknown-query", f"no canned query {name!r}; see / for the list")
        declared = {p.name for p in catalogue()[name].params}
        params = {k: v[0] for k, v in fields.items() if k in declared and v and v[0].strip()}
        unknown = [k for k in fields if k not in declared and k not in ("evidence", "format")]
        if unknown:
            raise EndpointError(400, "bad-parameter", f"query {name!r} has no parameter {unknown[0]!r} "
                                f"(its parameters: {', '.join(sorted(declared)) or 'none'})")
        evidence = (fields.get("evidence") or ["0"])[0].lower() in ("1", "true", "on", "yes")
        download = (fields.get("format") or [""])[0].lower()
        if download not in ("", *DOWNLOADS):
            raise EndpointError(400, "bad-format", f"a canned answer downloads as {' or '.join(DOWNLOADS)}, "
                                f"not {download!r}")
        try:
            media, body = self.pool.run({"kind": "canned", "name": name, "params": params, "evidence": evidence,
                                         "format": download or "json", "max_rows": self.limits.max_rows})
        except QueryError as exc:
            raise EndpointError(400, "bad-parameter", str(exc)) from None
        if not download:
            return media, body
        stem = "-".join([name] + [re.sub(r"[^A-Za-z0-9._-]+", "-", params[k]) for k in sorted(params)])
        return media, body, {"Content-Disposition": f'attachment; filename="{stem}.{download}"'}

    def close(self) -> None:
        self.pool.close()


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    timeout = 60                       # seconds a client may take to send its request
    protocol_version = "HTTP/1.1"
    server_version = "policykg-sparql"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._answer(lambda: self._route(urllib.parse.urlsplit(self.path).query))

    def do_POST(self) -> None:
        self._answer(lambda: self._route(urllib.parse.urlsplit(self.path).query, self._body()))

    def _body(self) -> dict[str, list[str]]:
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            raise EndpointError(411, "length-required", "send a Content-Length header with the POST body")
        try:
            size = int(length)
        except ValueError:
            self.close_connection = True
            raise EndpointError(400, "bad-request", "Content-Length is not a number") from None
        if size > self.server.endpoint.limits.max_body:
            self.close_connection = True
            raise EndpointError(413, "body-too-large", f"the request body has {size} bytes; this endpoint "
                                f"accepts at most {self.server.endpoint.limits.max_body}")
        raw = self.rfile.read(size).decode("utf-8", "replace")
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise EndpointError(403, "read-only", READ_ONLY)
        if media == "application/sparql-query":
            return {"query": [raw]}
        if media in ("application/x-www-form-urlencoded", ""):
            return urllib.parse.parse_qs(raw, keep_blank_values=True)
        raise EndpointError(415, "unsupported-media-type", f"cannot read a {media} body; send "
                            "application/sparql-query or application/x-www-form-urlencoded")

    def _route(self, query_string: str, body: dict[str, list[str]] | None = None) \
            -> tuple[str, bytes] | tuple[str, bytes, dict[str, str]]:
        path = urllib.parse.urlsplit(self.path).path
        fields = urllib.parse.parse_qs(query_string, keep_blank_values=True)
        for key, values in (body or {}).items():
            fields.setdefault(key, []).extend(values)
        endpoint = self.server.endpoint
        if path in ("/", "/sparql") and ("query" in fields or "update" in fields or body is not None):
            return endpoint.sparql(fields, self.headers.get("Accept"))
        if path == "/" and self.command == "GET":
            return "text/html; charset=utf-8", endpoint.page.encode()
        if path == "/sparql":
            return endpoint.sparql(fields, self.headers.get("Accept"))
        if path.startswith("/canned/") and self.command == "GET":
            return endpoint.canned(urllib.parse.unquote(path[len("/canned/"):]), fields)
        raise EndpointError(404, "not-found", f"nothing at {path}; the SPARQL endpoint is /sparql, "
                            f"the page is /")

    def _answer(self, produce: Any) -> None:
        headers: dict[str, str] = {}
        try:
            media, body, *extra = produce()
            headers = extra[0] if extra else {}
            status = 200
        except EndpointError as exc:
            status, media = exc.status, "application/json"
            body = json.dumps(exc.envelope(), ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", media)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if media.startswith("text/html"):
            self.send_header("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; "
                             "style-src 'unsafe-inline'; connect-src 'self'")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def page(labels: dict[str, str] | None = None, policies: list[tuple[str, str]] | None = None) -> str:
    """The HTML page: the canned questions as forms (a policy parameter picked from the store's policies),
    answers as tables with concepts by their labels (the IRI as link and tooltip) and CSV and JSON
    downloads, and an ad-hoc SPARQL box."""
    from policykg.ingest.graph import POLICY_BASE, SERVICE_BASE
    from policykg.output import SHORT
    from policykg.queries import catalogue

    entries = [{"name": q.name, "title": q.title, "question": q.question,
                "params": [{"name": p.name, "kind": p.kind, "description": p.description} for p in q.params]}
               for q in catalogue().values()]

    def data(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")

    return (_PAGE.replace("/*QUERIES*/[]", data(entries))
            .replace("/*LABELS*/{}", data(labels or {}))
            .replace("/*POLICIES*/[]", data(policies or []))
            .replace("/*SHORT*/[]", data(sorted(SHORT.items(), key=lambda kv: -len(kv[0]))))
            .replace("/*LOCAL*/[]", data([POLICY_BASE, SERVICE_BASE])))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>policykg SPARQL</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;max-width:70em;margin:1em auto;padding:0 1em;color:#222}
details{border:1px solid #ccc;border-radius:4px;margin:.4em 0;padding:.3em .6em}
summary{cursor:pointer;font-weight:600} .q{color:#555;margin:.2em 0 .5em}
label{margin-right:1em} table{border-collapse:collapse;margin:.5em 0;font-size:14px}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4} .err{color:#a00;white-space:pre-wrap} textarea{width:100%;font-family:monospace}
a.concept{color:#124;text-decoration:none;border-bottom:1px dotted #124} .downloads a{margin-right:1em}
</style></head><body>
<h1>policykg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 endpoint at <code>/sparql</code> (GET or POST, <code>query</code> parameter).
Canned questions below; parameters are bound as values, never pasted into the query. Concepts show
their labels from the store's ontology graph; point at one for its IRI.</p>
<h2>Canned questions</h2><div id="canned"></div>
<h2>Ad-hoc SPARQL</h2>
<form id="adhoc"><textarea name="query" rows="8">PREFIX pk: <https://w3id.org/policykg/ns#>
SELECT ?policy (COUNT(?fact) AS ?facts) WHERE { GRAPH ?policy { ?policy pk:states ?fact } }
GROUP BY ?policy ORDER BY ?policy</textarea><br><button>Run</button></form>
<div id="adhoc-out"></div>
<script>
const QUERIES = /*QUERIES*/[];
const LABELS = /*LABELS*/{};
const POLICIES = /*POLICIES*/[];
const SHORT = /*SHORT*/[];
const LOCAL = /*LOCAL*/[];
function el(tag, text){const e=document.createElement(tag); if(text!==undefined) e.textContent=text; return e;}
function short(iri){for(const [long, s] of SHORT){if(iri.startsWith(long)) return s + iri.slice(long.length);} return iri;}
function cell(b){
  const td=el("td");
  if(!b) return td;
  if(b.type!=="uri"){td.textContent=b.value; return td;}
  // policy and service IRIs name no web page; only http(s) IRIs become links (never javascript: and the like)
  const label=LABELS[b.value], link=/^https?:\/\//.test(b.value) && !LOCAL.some(base=>b.value.startsWith(base));
  const e=el(link ? "a" : "span", label || short(b.value));
  if(link) e.href=b.value;
  e.title=b.value; e.className=label ? "concept" : "iri"; td.append(e);
  return td;
}
function show(out, data, downloads){
  out.replaceChildren();
  if(data.error){const e=el("p", data.error.message + (data.error.line ? " (line "+data.error.line+", column "+data.error.column+")" : "")); e.className="err"; out.append(e); return;}
  if("boolean" in data){out.append(el("p", String(data.boolean))); return;}
  const vars=data.head.vars, t=el("table"), h=el("tr");
  vars.forEach(v=>h.append(el("th", v))); t.append(h);
  data.results.bindings.forEach(b=>{const r=el("tr"); vars.forEach(v=>r.append(cell(b[v]))); t.append(r);});
  const n=data.results.bindings.length, p=el("p", n + (n===1 ? " row" : " rows"));
  out.append(t, p);
  if(downloads){const d=el("p"); d.className="downloads";
    Object.entries(downloads).forEach(([fmt, href])=>{const a=el("a", "Download " + fmt.toUpperCase()); a.href=href; a.download=""; a.className="download-"+fmt; d.append(a);});
    out.append(d);}
}
async function fetchJson(url, options){
  try{const r=await fetch(url, options); return await r.json();}
  catch(e){return {error:{message:String(e)}};}
}
function policyPicker(p){
  const s=el("select"); s.name=p.name; s.title=p.description;
  const all=el("option", "(every policy)"); all.value=""; s.append(all);
  POLICIES.forEach(([slug, title])=>{const o=el("option", title ? slug + " \u2014 " + title : slug); o.value=slug; s.append(o);});
  return s;
}
const box=document.getElementById("canned");
QUERIES.forEach(q=>{
  const d=el("details"), s=el("summary", q.name + ": " + q.title), f=el("form"), out=el("div");
  d.id="q-" + q.name; d.append(s, el("p", q.question)); d.lastChild.className="q";
  q.params.forEach(p=>{const l=el("label", p.name + " ");
    let i; if(p.kind==="policy"){i=policyPicker(p);} else {i=el("input"); i.name=p.name; i.placeholder=p.description; i.size=30;}
    l.append(i); f.append(l);});
  const ev=el("label", " evidence "); const c=el("input"); c.type="checkbox"; c.name="evidence"; c.value="1"; ev.prepend(c); f.append(ev);
  const b=el("button", "Run"); f.append(b);
  f.addEventListener("submit", async e=>{e.preventDefault();
    const params=new URLSearchParams(); new FormData(f).forEach((v,k)=>{if(v) params.append(k,v);});
    const url="canned/" + encodeURIComponent(q.name) + "?" + params, sep=params.toString() ? "&" : "";
    show(out, await fetchJson(url), {csv: url + sep + "format=csv", json: url + sep + "format=json"});
    out.dataset.ready="true";});
  d.append(f, out); box.append(d);
});
document.getElementById("adhoc").addEventListener("submit", async e=>{e.preventDefault();
  const body=new URLSearchParams(new FormData(e.target)), out=document.getElementById("adhoc-out");
  const url="sparql?" + body;
  show(out, await fetchJson("sparql", {method:"POST", body, headers:{"Accept":"application/sparql-results+json"}}),
       {csv: url + "&format=csv", json: url + "&format=json"});
  out.dataset.ready="true";});
</script></body></html>
"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], endpoint: Endpoint, verbose: bool):
        self.endpoint, self.verbose = endpoint, verbose
        super().__init__(address, _Handler)


def make_server(store_path: Path, *, host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits(),
                verbose: bool = False) -> _Server:
    """A server ready to ``serve_forever()``; call ``server.endpoint.close()`` after shutting it down."""
    endpoint = Endpoint(store_path, limits)
    try:
        return _Server((host, port), endpoint, verbose)
    except OSError as exc:
        endpoint.close()
        raise PolicyKGError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def serve(store_path: Path, *, host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits(),
          verbose: bool = True, on_ready: Any = None) -> None:
    """Serve until interrupted."""
    import signal

    server = make_server(store_path, host=host, port=port, limits=limits, verbose=verbose)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)       # stop the workers too, not only this process
    if on_ready:
        on_ready(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.endpoint.close()
