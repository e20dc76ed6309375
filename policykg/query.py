"""Run canned questions on a store, bind their parameters, and attach the evidence behind each row."""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from policykg.errors import QueryError, UnknownPolicyError
from policykg.queries import CannedQuery, expand_value

Term = ox.NamedNode | ox.BlankNode | ox.Literal

EVIDENCE_COLUMNS = ("sentence", "section")


@dataclass
class Results:
    """Rows of a SELECT answer; a missing binding is None."""

    columns: list[str]
    rows: list[dict[str, Term | None]] = field(default_factory=list)


def bind_params(query: CannedQuery, params: dict[str, str]) -> dict[ox.Variable, Term]:
    """Parameter values as query substitutions; unknown names are an error that lists the known ones."""
    declared = {p.name: p for p in query.params}
    bound: dict[ox.Variable, Term] = {}
    for key, value in params.items():
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise QueryError(f"query {query.name!r} has no parameter {key!r} (its parameters: {known})")
        kind, text = expand_value(declared[key].kind, value)
        bound[ox.Variable(key)] = ox.NamedNode(text) if kind == "iri" else ox.Literal(text)
    return bound


def policy_params(query: CannedQuery, substitutions: dict[ox.Variable, Term]) -> list[ox.NamedNode]:
    """The policies that the bound parameters of kind ``policy`` name."""
    kinds = {p.name: p.kind for p in query.params}
    return [v for k, v in substitutions.items() if kinds.get(k.value) == "policy" and isinstance(v, ox.NamedNode)]


def closest_policies(wanted: str, known: list[str], n: int = 3) -> list[str]:
    """The policy names of ``known`` (IRIs or slugs) closest to ``wanted``, as slugs."""
    import difflib

    from policykg.queries import POLICY_BASE

    slugs = [k.removeprefix(POLICY_BASE) for k in known]
    wanted = wanted.removeprefix(POLICY_BASE)
    close = difflib.get_close_matches(wanted, slugs, n=n, cutoff=0.6)
    # a name typed without its folder ('privacy' for 'acme/privacy') or as part of a longer one
    close += [s for s in slugs if s not in close and (s.rsplit("/", 1)[-1] == wanted or wanted in s)]
    return close[:n]


def require_policies(policies: list[ox.NamedNode], exists, known) -> None:
    """Raise :class:`UnknownPolicyError` for the first policy that ``exists(iri)`` denies.

    ``known()`` lists the store's policy IRIs, asked only when a name is wrong (for the suggestions).
    """
    from policykg.queries import POLICY_BASE

    for policy in policies:
        if not exists(policy):
            name = policy.value.removeprefix(POLICY_BASE)
            raise UnknownPolicyError(name, closest_policies(name, known()))


def run_local(store: ox.Store, query: CannedQuery, params: dict[str, str] | None = None, *,
              evidence: bool = False) -> Results:
    """Run a canned query on the embedded store; parameters are bound as values, never pasted as text.

    A ``policy`` parameter that names no policy of the store is an :class:`UnknownPolicyError`
    (with the closest names), never an empty answer.
    """
    from policykg.store import policy_graphs

    substitutions = bind_params(query, params or {})
    require_policies(policy_params(query, substitutions), store.contains_named_graph, lambda: policy_graphs(store))
    try:
        solutions = store.query(query.text, substitutions=substitutions or None)
    except SyntaxError as exc:
        raise QueryError(f"{query.name}: the SPARQL does not parse: {exc}") from exc
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError(f"{query.name}: only SELECT queries are answered as tables")
    variables = [v.value for v in solutions.variables]
    rows = [{name: solution[name] for name in variables} for solution in solutions]
    results = Results(variables, rows)
    if evidence:
        attach_evidence(results, lambda facts: _evidence_local(store, facts))
    return shape(results, query, evidence=evidence)


def _evidence_local(store: ox.Store, facts: list[ox.NamedNode]) -> dict[str, tuple[str, str | None]]:
    from policykg.store import fact_evidence

    found: dict[str, tuple[str, str | None]] = {}
    for fact in facts:
        evidence = fact_evidence(store, fact)
        if evidence is not None:
            found[fact.value] = (evidence[0], evidence[2])
    return found


def attach_evidence(results: Results, lookup) -> None:
    """Add ``sentence`` and ``section`` to each row, from the row's hidden ``fact``."""
    facts = sorted({row["fact"].value for row in results.rows if isinstance(row.get("fact"), ox.NamedNode)})
    found = lookup([ox.NamedNode(f) for f in facts]) if facts else {}
    for row in results.rows:
        fact = row.get("fact")
        sentence, section = found.get(fact.value, (None, None)) if isinstance(fact, ox.NamedNode) else (None, None)
        row["sentence"] = ox.Literal(sentence) if sentence is not None else None
        row["section"] = ox.Literal(section) if section is not None else None
    # rows that tie on every answer column come in no fixed order: order them by their sentence
    answer_columns = [c for c in results.columns if c != "fact"]
    first: dict[tuple[object, ...], int] = {}
    for i, row in enumerate(results.rows):
        first.setdefault(tuple(_key(row.get(c)) for c in answer_columns), i)
    results.rows.sort(key=lambda row: (first[tuple(_key(row.get(c)) for c in answer_columns)],
                                       _key(row["sentence"]) or ("", ""), _key(row["section"]) or ("", "")))
    results.columns += [c for c in EVIDENCE_COLUMNS if c not in results.columns]


def shape(results: Results, query: CannedQuery, *, evidence: bool) -> Results:
    """Drop hidden columns and the duplicate rows they leave (kept with --evidence: one row per sentence)."""
    hidden = set(query.hidden)
    columns = [c for c in results.columns if c not in hidden]
    rows: list[dict[str, Term | None]] = []
    seen: set[tuple[object, ...]] = set()
    for row in results.rows:
        kept = {c: row.get(c) for c in columns}
        key = tuple(_key(kept[c]) for c in columns)
        if key in seen:
            continue
        seen.add(key)
        rows.append(kept)
    return Results(columns, rows)


def _key(term: Term | None) -> object:
    return None if term is None else (type(term).__name__, str(term))
