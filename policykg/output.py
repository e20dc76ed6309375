"""Print query results as a table, W3C SPARQL 1.1 Query Results JSON, or CSV."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pyoxigraph as ox

from policykg.query import Results, Term

FORMATS = ("table", "json", "csv")
SHORT = {
    "https://w3id.org/dpv#": "dpv:",
    "https://w3id.org/dpv/pd#": "pd:",
    "https://w3id.org/dpv/legal/eu/gdpr#": "eu-gdpr:",
    "https://w3id.org/policykg/ns#": "pk:",
    "https://w3id.org/policykg/policy/": "",
    "https://w3id.org/GDPRtEXT/gdpr#": "gdprtext:",
}


def term_json(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def to_json(results: Results) -> str:
    bindings = [{c: term_json(t) for c, t in row.items() if t is not None} for row in results.rows]
    return json.dumps({"head": {"vars": results.columns}, "results": {"bindings": bindings}}, indent=1,
                      ensure_ascii=False)


def display(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for long, short in SHORT.items():
            if term.value.startswith(long):
                return short + term.value[len(long):]
    return term.value


def to_csv(results: Results) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(results.columns)
    for row in results.rows:
        writer.writerow(["" if row.get(c) is None else row[c].value for c in results.columns])
    return buf.getvalue()


def to_table(results: Results, *, width: int | None = None) -> str:
    width = width or shutil.get_terminal_size((120, 20)).columns
    cells = [[display(row.get(c)) for c in results.columns] for row in results.rows]
    natural = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(results.columns)]
    long_text = [c in ("evidence", "sentence") for c in results.columns]
    widths = [0 if is_long else min(60, n) for n, is_long in zip(natural, long_text)]
    if any(long_text):   # the sentences share what the other columns leave of the terminal
        room = max(30, (width - sum(widths) - 2 * (len(widths) - 1)) // sum(long_text))
        widths = [min(room, n) if is_long else w for n, w, is_long in zip(natural, widths, long_text)]

    def fit(text: str, w: int) -> str:
        text = " ".join(text.split())
        return text if len(text) <= w else text[: w - 1] + "…"

    lines = ["  ".join(c.ljust(w) for c, w in zip(results.columns, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(fit(v, w).ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def render(results: Results, fmt: str) -> str:
    if fmt == "json":
        return to_json(results)
    if fmt == "csv":
        return to_csv(results)
    return to_table(results)
