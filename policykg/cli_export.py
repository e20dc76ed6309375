"""`policykg export`: the store as RDF files, or a projection of it as a graph drawing."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from policykg.cli import reports_errors, store_option
from policykg.errors import QueryError

RDF_FORMATS = ("nq", "trig", "ttl", "jsonld")
VIEW_FORMATS = ("graphml", "gexf", "dot", "svg", "png", "html", "cyjs")
VIEWS = ("policy", "sharing", "collection", "question")


def _check_combination(view: str | None, fmt: str, question: str | None, level: str | None,
                       out: Path | None, ontology: bool = True) -> None:
    """Say what is wrong with a combination of options, and what would be right."""
    if view is None:
        if fmt in VIEW_FORMATS:
            raise QueryError(f"--format {fmt} draws a graph: add --view {'|'.join(VIEWS)} "
                             f"(without --view, export writes RDF: --format {'|'.join(RDF_FORMATS)})")
        if question:
            raise QueryError("--question goes with --view question")
        if level:
            raise QueryError("--level goes with --view sharing|collection|policy")
    else:
        if fmt in RDF_FORMATS:
            raise QueryError(f"--format {fmt} is an RDF format; with --view choose --format {'|'.join(VIEW_FORMATS)} "
                             f"(or drop --view to export RDF)")
        if not ontology:
            raise QueryError("--no-ontology goes with RDF exports (drop --view); a drawing never shows the ontology")
        if fmt == "png" and out is None:
            raise QueryError("--format png is binary: give --out FILE.png")


@click.command()
@store_option
@click.option("--view", type=click.Choice(VIEWS), default=None,
              help="Draw a projection instead of exporting RDF: one policy, who shares with whom, "
                   "who collects what, or a canned question's answer.")
@click.option("--format", "fmt", type=click.Choice(RDF_FORMATS + VIEW_FORMATS), default=None,
              help="RDF without --view (default nq); with --view a graph format (default html).")
@click.option("--policy", "policies", multiple=True, metavar="ID",
              help="Only this policy (slug or IRI); repeatable. The policy view needs exactly one.")
@click.option("--question", metavar="NAME", default=None, help="The canned question drawn by --view question.")
@click.option("--level", type=click.Choice(["1", "2", "leaf"]), default=None,
              help="Collapse concepts to this depth of their skos:broader tree (default leaf); "
                   "--level 2 shows pd:EmailAddress as pd:Contact.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Output file (default: standard output for text formats).")
@click.option("--ontology/--no-ontology", "ontology", default=True,
              help="With the RDF, the ontology graph <https://w3id.org/policykg/ns> (policykg's classes, "
                   "the vocabulary with its DPV labels, the cue patterns: about 7,000 quads) is written too "
                   "(default); --no-ontology writes the policy graphs only.")
@reports_errors
def export(store_path: Path | None, view: str | None, fmt: str | None, policies: tuple[str, ...],
           question: str | None, level: str | None, out: Path | None, ontology: bool) -> None:
    """Export the store as RDF, or draw a projection of it as a graph (--view).

    \b
    Examples:
    RDF (one named graph per policy, plus the ontology; JSON-LD compacted with policykg's context):
      policykg export --store kg --format trig --out kg.trig
      policykg export --store kg --policy quietnote --no-ontology --format jsonld --out quietnote.jsonld
    Graphs (Gephi/Cytoscape: graphml, gexf, cyjs; Graphviz: dot, svg, png; a browser: html):
      policykg export --store kg --view sharing --format html --out sharing.html
      policykg export --store kg --view collection --level 2 --format gexf --out collection.gexf
      policykg export --store kg --view policy --policy harbor-goods --format svg --out harbor.svg
      policykg export --store kg --view question --question merger-transfer-without-consent --format png --out merger.png
    """
    from policykg.store import open_store

    fmt = fmt or ("html" if view else "nq")
    _check_combination(view, fmt, question, level, out, ontology)
    if view is not None:
        from policykg.extras import require

        require("viz")
    store = open_store(store_path, read_only=True)
    if view is None:
        from policykg.rdfexport import export_rdf

        if out is not None:
            n = export_rdf(store, fmt, out, policies=list(policies) or None, include_ontology=ontology)
            click.echo(f"Wrote {out} ({n} quads).", err=True)
        else:
            export_rdf(store, fmt, sys.stdout.buffer, policies=list(policies) or None, include_ontology=ontology)
            sys.stdout.buffer.flush()
        return
    from policykg.projections import project
    from policykg.viewers import render

    graph = project(store, view, policies=policies, question=question, level=level or "leaf")
    data = render(graph, fmt)
    if out is not None:
        out.write_bytes(data)
        click.echo(f"Wrote {out} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges).", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


COMMANDS = [export]
