"""The canned questions: one SPARQL file each, with a comment header, run on any store.

Header lines (before the query) are ``# key: value``:

- ``title``, ``question``: what the query answers, for people;
- ``columns``: the answer columns, space separated (always starting with ``policy``);
- ``param``: ``NAME KIND description`` (KIND is ``policy``, ``iri`` or ``literal``), one line each:
  a variable ``?NAME`` of the query that the caller may bind (never pasted into the text);
- ``hidden``: columns the query selects for internal use (``fact``: the fact behind a row, which
  ``--evidence`` turns into its sentence and section) and that are not shown;
- ``order``: columns the runner sorts the rows by, in SPARQL's ORDER BY order (unbound first, then
  blank nodes, IRIs, literals; numbers by value). The queries have no ORDER BY of their own.

How the canned questions are written, so that they stay fast on a store of hundreds of policies
(measured on the 508 policies of the tosback corpus, 670,000 quads; Oxigraph plans without
statistics: it starts from the pattern it guesses smallest, a constant object ahead of an unbound
one and any predicate ahead of rdf:type, ties in text order, and looks each later pattern up once per
row so far, one index seek each):

- One row per answer, not per fact: ``GROUP BY`` the answer columns, with the hidden fact
  ``IRI(MIN(STR(?f)))``, the first in IRI order. MIN over the strings picks the same fact on every
  engine. No DISTINCT, which would be per fact (30,000 rows for 10,000 answers of data-collected).
- No ORDER BY: Oxigraph's reads both terms' strings from the store at every comparison (0.7 s for
  10,000 rows); the runner sorts the decoded rows by ``order`` in milliseconds.
- A policy's graph holds its own facts only, so facts are matched inside the graph, without the
  ``pk:states`` link (the same on every graph ``policykg ingest`` writes).
- Questions over the big classes (30,000 collections, 24,000 uses, 14,000 disclosures) join one
  ``{ SELECT }`` per pattern: each subquery is one scan, and Oxigraph joins subqueries by hashing
  rather than looking 30,000 facts up one by one (two to three times faster). Questions over a rare
  class or condition put it first and let the engine look the rest up.
- A practice counts unless the policy rules it out: ``MINUS { ?f pk:modality pk:Prohibited }``
  (1,300 triples) rather than matching the 69,000 ``pk:modality pk:Permitted`` ones. The two are the
  same on valid graphs: the structure profile holds every practice to exactly one modality,
  Permitted or Prohibited.
- A condition on the whole policy (a safeguard anywhere in it) is a MINUS, evaluated once, not a
  FILTER NOT EXISTS, evaluated again for every row.

With ``--param policy=...`` the policy is bound in every subquery (pyoxigraph substitutes the
variable), so each scan reads one graph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from policykg.errors import QueryError

PREFIXES = {
    "pk": "https://w3id.org/policykg/ns#",
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "oa": "http://www.w3.org/ns/oa#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "service": "https://w3id.org/policykg/service/",
    "gdprtext": "https://w3id.org/GDPRtEXT/gdpr#",
}
POLICY_BASE = "https://w3id.org/policykg/policy/"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str            # policy | iri | literal
    description: str


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    question: str
    columns: tuple[str, ...]
    params: tuple[Param, ...]
    hidden: tuple[str, ...]
    text: str
    order: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return self.question or self.title


_HEADER = re.compile(r"^#\s*([a-z]+)\s*:\s*(.*?)\s*$")


def parse_query(name: str, text: str) -> CannedQuery:
    """Parse a ``.rq`` file's header; raise :class:`QueryError` when a required key is missing."""
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if m:
            fields.setdefault(m.group(1), []).append(m.group(2))
    params = []
    for spec in fields.get("param", []):
        parts = spec.split(None, 2)
        if len(parts) < 2 or parts[1] not in ("policy", "iri", "literal"):
            raise QueryError(f"{name}.rq: bad param line {spec!r} (expected: NAME policy|iri|literal description)")
        params.append(Param(parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    columns = tuple((fields.get("columns") or [""])[0].split())
    return CannedQuery(name=name, title=(fields.get("title") or [""])[0], question=(fields.get("question") or [""])[0],
                       columns=columns, params=tuple(params), hidden=tuple((fields.get("hidden") or [""])[0].split()),
                       text=text, order=tuple((fields.get("order") or [""])[0].split()))


@lru_cache(maxsize=1)
def catalogue() -> dict[str, CannedQuery]:
    """All canned queries shipped with policykg, by name."""
    root = resources.files("policykg.queries")
    found = {}
    for entry in root.iterdir():
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            found[name] = parse_query(name, entry.read_text(encoding="utf-8"))
    return dict(sorted(found.items()))


def resolve(name_or_file: str) -> CannedQuery:
    """A canned query by name, or a ``.rq`` file given by path."""
    path = Path(name_or_file)
    if name_or_file.endswith(".rq") or path.is_file():
        try:
            return parse_query(path.stem, path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise QueryError(f"cannot read {path}: {exc.strerror or exc}") from exc
    queries = catalogue()
    if name_or_file in queries:
        return queries[name_or_file]
    close = closest_names(name_or_file, list(queries))
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise QueryError(f"No query {name_or_file!r}.{hint} See `policykg queries`.")


def closest_names(wanted: str, names: list[str], n: int = 2) -> list[str]:
    """The names closest to ``wanted``, also by their words and path parts ('mergr' ->
    'merger-transfer-...', 'privacy' -> 'acme/privacy'); a name that contains ``wanted`` is close."""
    import difflib

    def score(name: str) -> float:
        words = [name] + re.split(r"[-/]", name) + name.split("/")
        return max(difflib.SequenceMatcher(None, wanted, w).ratio() for w in words)

    ranked = sorted(names, key=lambda name: (-score(name), name))
    return [name for name in ranked[:n] if score(name) >= 0.7 or wanted in name]


def expand_value(kind: str, value: str) -> tuple[str, str]:
    """A parameter value as ('iri', IRI) or ('literal', text)."""
    if kind == "policy":
        if value.startswith(("http://", "https://", "urn:")):
            return "iri", value
        return "iri", POLICY_BASE + value
    if kind == "iri":
        if value.startswith(("http://", "https://", "urn:")):
            return "iri", value
        prefix, sep, local = value.partition(":")
        if sep and prefix in PREFIXES:
            return "iri", PREFIXES[prefix] + local
        raise QueryError(f"{value!r} is not an IRI or a known prefixed name ({', '.join(PREFIXES)})")
    return "literal", value
