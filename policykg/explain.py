"""`policykg explain`: every answer the canned questions give for one policy, each with its sentence."""
from __future__ import annotations

import pyoxigraph as ox

from policykg.errors import QueryError
from policykg.output import display
from policykg.queries import catalogue, expand_value
from policykg.query import run_local


def explain_policy(store: ox.Store, policy: str) -> str:
    """A readable report of the facts read from one policy, grouped by canned question."""
    _, iri = expand_value("policy", policy)
    if not store.contains_named_graph(ox.NamedNode(iri)):
        raise QueryError(f"No policy {policy!r} in the store. `policykg query controllers` lists the policies.")
    lines = [f"Policy {iri}"]
    for name, query in catalogue().items():
        if not any(p.name == "policy" for p in query.params):
            continue
        results = run_local(store, query, {"policy": iri}, evidence=True)
        answers = [c for c in results.columns if c not in ("policy", "sentence", "section", "evidence")]
        lines.append(f"\n## {query.title} ({name})")
        if not results.rows:
            lines.append("  (nothing stated)")
            continue
        for row in results.rows:
            value = ", ".join(display(row.get(c)) for c in answers if row.get(c) is not None) or "yes"
            lines.append(f"  - {value}")
            sentence = row.get("sentence")
            if sentence is not None:
                section = row.get("section")
                where = f" [{section.value}]" if section is not None else ""
                lines.append(f"      \u201c{' '.join(sentence.value.split())}\u201d{where}")
    return "\n".join(lines)
