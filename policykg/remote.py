"""Canned questions on a remote SPARQL 1.1 service, and pushing the store's graphs to one.

Queries go through SPARQLWrapper; their answers come back as :class:`policykg.query.Results` made of
pyoxigraph terms, so the renderers print them exactly as they print the embedded store's.

Parameters are bound as a ``VALUES`` block of serialized RDF terms put at the start of the query's
WHERE clause (SPARQLWrapper has no substitutions): the value is an RDF term, never user text pasted
into the query.

Pushing copies each policy's named graph and the ontology graph with the SPARQL 1.1 Graph Store
HTTP Protocol (one PUT per graph, so a second push replaces rather than duplicates), or with
SPARQL UPDATE (DROP SILENT GRAPH + INSERT DATA) where the store has no Graph Store endpoint.
Basic and digest authentication are negotiated from the server's challenge.
"""
from __future__ import annotations

import base64
import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from policykg.errors import QueryError, StoreError
from policykg.queries import CannedQuery
from policykg.query import Results, Term, attach_evidence, bind_params, evidence_of, shape

# Result caps some servers apply silently (Virtuoso's ResultSetMaxRows default is 10000).
KNOWN_ROW_CAPS = (10000, 100000)
_EVIDENCE_CHUNK = 100     # facts per evidence request (the query text grows with them)
_UPDATE_CHUNK = 500

# --- reading SPARQL text -------------------------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEXEMES = re.compile(r'''
    (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
              |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
''', re.VERBOSE | re.DOTALL)


def unescape(text: str) -> str:
    """Apply SPARQL's \\u and \\U code point escapes, which hold anywhere in a query, not only in strings."""
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def masked(text: str) -> str:
    """``text`` with comments and string contents blanked and IRIs filled with ``x`` (same length).

    Keywords can then be found with a regular expression without matching words inside strings,
    comments or IRIs; positions still index the original text.
    """
    def blank(m: re.Match[str]) -> str:
        s = m.group(0)
        if m.lastgroup == "comment":
            return " " * len(s)
        if m.lastgroup == "iri":
            return "<" + "x" * (len(s) - 2) + ">"
        return s[0] + " " * (len(s) - 2) + s[-1]

    return _LEXEMES.sub(blank, text)


def without_comments(text: str) -> str:
    """``text`` without its comments (SPARQLWrapper guesses query from update by keywords, comments included)."""
    return _LEXEMES.sub(lambda m: "" if m.lastgroup == "comment" else m.group(0), text).lstrip("\n")


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(text: str, bound: dict[ox.Variable, Term]) -> str:
    """The query with ``VALUES (?a ?b) { (term term) }`` at the start of its outer WHERE clause."""
    if not bound:
        return text
    m = _WHERE.search(masked(text))
    if m is None:
        raise QueryError("the query has no WHERE { ... } clause to bind parameters in")
    names = " ".join(f"?{v.value}" for v in bound)
    values = " ".join(str(t) for t in bound.values())     # N-Triples syntax: a term, never raw text
    block = f"\n  VALUES ({names}) {{ ({values}) }}\n"
    return text[: m.end()] + block + text[m.end():]


# --- answers as pyoxigraph terms ----------------------------------------------------------------

def term_from_json(binding: dict[str, str]) -> Term:
    """A SPARQL 1.1 JSON results binding as a pyoxigraph term."""
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        # Stores name blank nodes freely (Virtuoso: nodeID://b1234); keep them distinct and valid.
        return ox.BlankNode(hashlib.sha1(value.encode()).hexdigest()[:16])
    if kind in ("literal", "typed-literal"):
        if binding.get("xml:lang"):
            return ox.Literal(value, language=binding["xml:lang"])
        datatype = binding.get("datatype")
        if datatype in _DURATIONS and not value.lstrip("-").startswith("P"):
            value = duration_from_number(value)
        return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)
    raise QueryError(f"the endpoint returned a binding of unknown type {kind!r}")


_XSD = "http://www.w3.org/2001/XMLSchema#"
_DURATIONS = {_XSD + "duration", _XSD + "yearMonthDuration", _XSD + "dayTimeDuration"}


def duration_from_number(value: str) -> str:
    """The canonical xsd:duration of the number Virtuoso 7 keeps instead of a duration's lexical form.

    Virtuoso stores "P2Y" as 24 (months, an integer) and "P30D" as 2.592e+06 (seconds, a float), and
    answers with that number under the xsd:duration datatype. A duration mixing months and days, or
    a whole number of seconds Virtuoso prints as an integer, cannot be told apart and stays wrong.
    """
    sign = "-" if value.startswith("-") else ""
    number = value.lstrip("-")
    if re.fullmatch(r"\d+", number):
        years, months = divmod(int(number), 12)
        text = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{text}"
    try:
        seconds = float(number)
    except ValueError:
        return value
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "") + \
        (f"{secs:g}S" if secs else "")
    text = (f"{int(days)}D" if days else "") + (f"T{clock}" if clock else "")
    return f"{sign}P{text or 'T0S'}"


def results_from_json(data: dict[str, Any]) -> Results:
    try:
        columns = list(data["head"]["vars"])
        rows = [{c: (term_from_json(b[c]) if c in b else None) for c in columns}
                for b in data["results"]["bindings"]]
    except (KeyError, TypeError) as exc:
        raise QueryError(f"the endpoint's answer is not SPARQL 1.1 JSON results (missing {exc})") from exc
    return Results(columns, rows)


# --- talking to an endpoint ---------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    user: str
    password: str


def _sparql(url: str, text: str, credentials: Credentials | None, timeout: float) -> tuple[dict[str, Any], dict[str, str]]:
    """Send a query with SPARQLWrapper; basic auth first, digest if the server asks for it."""
    from SPARQLWrapper import BASIC, DIGEST, JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException, Unauthorized

    def attempt(auth: str) -> tuple[dict[str, Any], dict[str, str]]:
        client = SPARQLWrapper(url)
        client.setQuery(without_comments(text))
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        client.setTimeout(int(timeout))
        if credentials is not None:
            client.setHTTPAuth(auth)
            client.setCredentials(credentials.user, credentials.password)
        response = client.query()
        headers = {k.lower(): v for k, v in response.info().items()}
        return response.convert(), headers

    try:
        try:
            return attempt(BASIC)
        except Unauthorized:
            if credentials is None:
                raise
            return attempt(DIGEST)
    except Unauthorized as exc:
        hint = "" if credentials else " (give --user; the password comes from $POLICYKG_PASSWORD or a prompt)"
        raise QueryError(f"{url} refused the credentials{hint}") from exc
    except SPARQLWrapperException as exc:
        raise QueryError(f"{url}: {_first_line(exc)}") from exc
    except urllib.error.HTTPError as exc:
        raise QueryError(f"{url} answered HTTP {exc.code}: {_body(exc)}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise QueryError(f"cannot reach the SPARQL endpoint {url}: {reason}") from exc


def ask(url: str, text: str, *, credentials: Credentials | None = None, timeout: float = 60) -> bool:
    """Run an ASK on ``url``."""
    data, _ = _sparql(url, text, credentials, timeout)
    if "boolean" not in data:
        raise QueryError(f"{url}: an ASK query was not answered with a boolean")
    return bool(data["boolean"])


_POLICIES_QUERY = """SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a <https://w3id.org/policykg/ns#PolicyDocument> } }"""


def remote_policies(url: str, *, credentials: Credentials | None = None, timeout: float = 60) -> list[str]:
    """The policy graph IRIs an endpoint holds."""
    rows = select(url, _POLICIES_QUERY, credentials=credentials, timeout=timeout).rows
    return sorted(r["g"].value for r in rows if isinstance(r.get("g"), ox.NamedNode))


def select(url: str, text: str, *, credentials: Credentials | None = None, timeout: float = 60) -> Results:
    """Run a SELECT on ``url``; an answer cut at a row cap the server announces is an error, not a result."""
    data, headers = _sparql(url, text, credentials, timeout)
    if "boolean" in data or "results" not in data:
        raise QueryError(f"{url}: only SELECT queries are answered as tables")
    results = results_from_json(data)
    cap = headers.get("x-sparql-maxrows")
    capped = int(cap) if cap and cap.isdigit() else None
    n = len(results.rows)
    if capped is not None and n >= capped:
        raise QueryError(f"{url} cut the answer off at {capped} rows (a server row limit such as Virtuoso's "
                         f"ResultSetMaxRows); narrow the question with --param or raise that limit")
    if capped is None and n in KNOWN_ROW_CAPS:
        import warnings

        warnings.warn(f"{url} answered exactly {n} rows, a common server row limit: the answer may be cut off",
                      stacklevel=2)
    return results


def run_remote(url: str, query: CannedQuery, params: dict[str, str] | None = None, *, evidence: bool = False,
               credentials: Credentials | None = None, timeout: float = 60) -> Results:
    """Run a canned query on a SPARQL 1.1 endpoint; the answer equals :func:`policykg.query.run_local`'s."""
    from policykg.query import policy_params, require_policies

    substitutions = bind_params(query, params or {})
    require_policies(policy_params(query, substitutions),
                     lambda iri: ask(url, f"ASK {{ GRAPH {iri} {{ ?s ?p ?o }} }}", credentials=credentials,
                                     timeout=timeout),
                     lambda: remote_policies(url, credentials=credentials, timeout=timeout))
    text = with_values(query.text, substitutions)
    results = select(url, text, credentials=credentials, timeout=timeout)
    if evidence:
        attach_evidence(results, lambda facts: evidence_of(
            facts, lambda text: select(url, text, credentials=credentials, timeout=timeout).rows, _EVIDENCE_CHUNK))
    return shape(results, query, evidence=evidence)


# --- pushing graphs -----------------------------------------------------------------------------

@dataclass
class PushReport:
    """What was pushed: (graph IRI, triples, method) per graph."""

    graphs: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(n for _, n, _ in self.graphs)


def graphs_to_push(store: ox.Store, policies: Iterable[str] = (), *, include_ontology: bool = True) -> list[str]:
    """The policy graphs (all, or the chosen slugs/IRIs) and, unless ``include_ontology`` is false, the
    ontology graph."""
    from policykg.ingest.graph import ONTOLOGY_GRAPH, POLICY_BASE
    from policykg.store import policy_graphs

    available = policy_graphs(store)
    chosen = [p if p.startswith(("http://", "https://", "urn:")) else POLICY_BASE + p for p in policies]
    missing = [p for p in chosen if p not in available]
    if missing:
        raise StoreError(f"no policy {missing[0]} in the store (it has: "
                         f"{', '.join(g.removeprefix(POLICY_BASE) for g in available) or 'none'})")
    ontology = ONTOLOGY_GRAPH.value if isinstance(ONTOLOGY_GRAPH, ox.NamedNode) else str(ONTOLOGY_GRAPH)
    return (chosen or available) + ([ontology] if include_ontology else [])


def push(store: ox.Store, *, endpoint: str | None = None, graph_store: str | None = None,
         credentials: Credentials | None = None, policies: Iterable[str] = (),
         on_graph: Callable[[str, int, str], None] | None = None, timeout: float = 300,
         include_ontology: bool = True) -> PushReport:
    """Copy the chosen policy graphs and (unless ``include_ontology`` is false) the ontology graph to a
    remote store.

    With ``graph_store`` each graph is PUT (Graph Store HTTP Protocol); if that URL answers that it
    has no such service (404, 405, 501) and an ``endpoint`` is given, SPARQL UPDATE is used instead.
    """
    if not endpoint and not graph_store:
        raise QueryError("push needs --endpoint (SPARQL UPDATE) or --graph-store (Graph Store Protocol) or both")
    report = PushReport()
    use_gsp = bool(graph_store)
    for graph in graphs_to_push(store, policies, include_ontology=include_ontology):
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]
        method = "graph-store"
        if use_gsp:
            assert graph_store is not None
            try:
                _put_graph(graph_store, graph, triples, credentials, timeout)
            except _NoGraphStore as exc:
                if not endpoint:
                    raise QueryError(f"{graph_store} has no Graph Store endpoint ({exc}); give --endpoint "
                                     f"to push with SPARQL UPDATE instead") from None
                use_gsp = False
        if not use_gsp:
            assert endpoint is not None
            _update_graph(endpoint, graph, triples, credentials, timeout)
            method = "update"
        report.graphs.append((graph, len(triples), method))
        if on_graph:
            on_graph(graph, len(triples), method)
    return report


class _NoGraphStore(Exception):
    pass


def _authorization(request: urllib.request.Request, credentials: Credentials, timeout: float) -> str | None:
    """The Authorization header for ``request``, from the challenge of a body-less probe.

    Answering the server's 401 after sending the body does not work: Virtuoso answers before reading
    the body and closes the connection (a broken pipe). So ask first with an empty PUT (harmless: the
    real PUT replaces the graph right after; an empty POST is no update at all) and send the body
    once, authorised.
    """
    probe = urllib.request.Request(request.full_url, data=b"", method=request.get_method(),
                                   headers={"Content-Type": request.get_header("Content-type") or "text/plain"})
    try:
        with urllib.request.urlopen(probe, timeout=timeout) as response:
            response.read()
        return None
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            return None      # no authentication asked for; the real request will show what is wrong
        challenges = exc.headers.get_all("WWW-Authenticate") or []
    for challenge in challenges:
        scheme, _, rest = challenge.strip().partition(" ")
        if scheme.lower() == "digest":
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, request.full_url, credentials.user, credentials.password)
            fields = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(rest)))
            answer = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(request, fields)
            if answer:
                return "Digest " + answer
    if any(c.strip().lower().startswith("basic") for c in challenges):
        token = base64.b64encode(f"{credentials.user}:{credentials.password}".encode()).decode()
        return "Basic " + token
    raise QueryError(f"{request.full_url} asks for an authentication scheme policykg does not speak: "
                     f"{'; '.join(challenges) or 'none given'} (basic and digest are supported)")


def _send(request: urllib.request.Request, credentials: Credentials | None, timeout: float) -> None:
    """Send a request that writes to the store, authorised before its body goes (Virtuoso drops the
    connection when a body arrives unauthorised)."""
    if credentials is not None:
        authorization = _authorization(request, credentials, timeout)
        if authorization:
            request.add_unredirected_header("Authorization", authorization)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def _put_graph(graph_store: str, graph: str, triples: list[ox.Triple], credentials: Credentials | None,
               timeout: float) -> None:
    # N-Triples is Turtle too, and every Graph Store implementation reads text/turtle.
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    sep = "&" if "?" in graph_store else "?"
    url = f"{graph_store}{sep}{urllib.parse.urlencode({'graph': graph})}"
    request = urllib.request.Request(url, data=body, method="PUT",
                                     headers={"Content-Type": "text/turtle; charset=utf-8"})
    try:
        _send(request, credentials, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 405, 501):
            raise _NoGraphStore(f"HTTP {exc.code}") from exc
        if exc.code in (401, 403):
            raise QueryError(f"{graph_store} refused to store <{graph}>: HTTP {exc.code} "
                             f"(check --user and $POLICYKG_PASSWORD)") from exc
        raise QueryError(f"{graph_store} refused <{graph}>: HTTP {exc.code}: {_body(exc)}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise QueryError(f"cannot reach the Graph Store endpoint {graph_store}: {getattr(exc, 'reason', exc)}") from exc


def _update_graph(endpoint: str, graph: str, triples: list[ox.Triple], credentials: Credentials | None,
                  timeout: float) -> None:
    _post_update(endpoint, f"DROP SILENT GRAPH <{graph}>", credentials, timeout)
    plain = [t for t in triples if not _needs_template(t)]
    for i in range(0, len(plain), _UPDATE_CHUNK):
        data = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in plain[i:i + _UPDATE_CHUNK])
        _post_update(endpoint, f"INSERT DATA {{ GRAPH <{graph}> {{\n{data}\n}} }}", credentials, timeout)
    special = [t for t in triples if _needs_template(t)]
    if special:
        _post_update(endpoint, _insert_template(graph, special), credentials, timeout)


def _needs_template(triple: ox.Triple) -> bool:
    """Triples INSERT DATA cannot carry everywhere: blank nodes (their labels are scoped to one request,
    and Virtuoso refuses them in INSERT DATA) and durations (Virtuoso 7 fails on "P30D"^^xsd:duration)."""
    obj = triple.object
    return (isinstance(triple.subject, ox.BlankNode) or isinstance(obj, ox.BlankNode)
            or (isinstance(obj, ox.Literal) and obj.datatype.value in _DURATIONS))


def _insert_template(graph: str, triples: list[ox.Triple]) -> str:
    """One INSERT ... WHERE { BIND(STRDT(...)) } with a single solution: the same triples, in one request."""
    binds: list[str] = []
    lines: list[str] = []
    for t in triples:
        obj = str(t.object)
        if isinstance(t.object, ox.Literal) and t.object.datatype.value in _DURATIONS:
            var = f"?v{len(binds)}"
            binds.append(f"BIND(STRDT({ox.Literal(t.object.value)}, {t.object.datatype}) AS {var})")
            obj = var
        lines.append(f"{t.subject} {t.predicate} {obj} .")
    body = "\n".join(lines)
    return f"INSERT {{ GRAPH <{graph}> {{\n{body}\n}} }} WHERE {{ {' '.join(binds)} }}"


def _post_update(endpoint: str, text: str, credentials: Credentials | None, timeout: float) -> None:
    """Send one SPARQL UPDATE (SPARQL 1.1 Protocol, form-encoded), authorised before the body goes."""
    request = urllib.request.Request(endpoint, data=urllib.parse.urlencode({"update": text}).encode(),
                                     method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        _send(request, credentials, timeout)
    except urllib.error.HTTPError as exc:
        hint = " (check --user and $POLICYKG_PASSWORD)" if exc.code in (401, 403) else ""
        raise QueryError(f"{endpoint} refused the update: HTTP {exc.code}: {_body(exc)}{hint}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise QueryError(f"cannot reach the SPARQL endpoint {endpoint}: {getattr(exc, 'reason', exc)}") from exc


def _first_line(exc: Exception) -> str:
    """SPARQLWrapper's message with the server's own answer (after "Response:"), on one line."""
    text = " ".join(str(exc).split())
    return text[:600] if text else type(exc).__name__


def _body(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read().decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return " ".join(text.split())[:300] or (exc.reason or "")
