#!/usr/bin/env python3
"""Write the HTML documentation of policykg's OWL core (ontology/core.ttl) with pyLODE, offline.

    python scripts/make-ontology-docs.py                 # writes docs/ontology.html
    python scripts/make-ontology-docs.py --out FILE.html

pyLODE (dev extra; pinned to 3.3.4, the last release that runs on Python 3.11) reads the Turtle
file from disk and its own bundled background ontologies; it fetches nothing. Run it again after
changing core.ttl: tests/test_ontology_docs.py checks that the committed page names every class
and property of core.ttl.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ontology", type=Path, default=ROOT / "ontology" / "core.ttl")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "ontology.html")
    args = parser.parse_args(argv)
    try:
        from pylode import OntPub
    except ImportError:
        print("make-ontology-docs: pyLODE is not installed (pip install -e '.[dev]')", file=sys.stderr)
        return 2
    if not args.ontology.is_file():
        print(f"make-ontology-docs: {args.ontology}: no such file", file=sys.stderr)
        return 2
    logging.disable(logging.INFO)           # pyLODE logs each step at INFO on the root logger
    html = OntPub(str(args.ontology), sort_subjects=True).make_html()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(html if html.endswith("\n") else html + "\n", encoding="utf-8")

    import rdflib
    from rdflib.namespace import OWL, RDF

    graph = rdflib.Graph().parse(args.ontology)
    classes = set(graph.subjects(RDF.type, OWL.Class))
    properties = set(graph.subjects(RDF.type, OWL.ObjectProperty)) | set(graph.subjects(RDF.type, OWL.DatatypeProperty))
    try:
        shown = args.out.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = args.out
    print(f"Wrote {shown} ({len(classes)} classes, {len(properties)} properties of {args.ontology.name}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
