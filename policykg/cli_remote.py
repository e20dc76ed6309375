"""`policykg push` (copy the graphs to a triple store server) and `policykg serve` (a local endpoint)."""
from __future__ import annotations

import os
from pathlib import Path

import click

from policykg.cli import reports_errors, store_option

ENV_PASSWORD = "POLICYKG_PASSWORD"


def credentials_for(user: str | None):
    """The user's credentials, the password from $POLICYKG_PASSWORD or a prompt (never a command-line argument)."""
    from policykg.remote import Credentials

    if not user:
        return None
    password = os.environ.get(ENV_PASSWORD)
    if password is None:
        password = click.prompt(f"Password for {user}", hide_input=True, err=True)
    return Credentials(user, password)


@click.command()
@click.option("--endpoint", metavar="URL", help="SPARQL endpoint that accepts UPDATE (used when there is no "
              "Graph Store endpoint), e.g. http://127.0.0.1:8890/sparql-auth")
@click.option("--graph-store", metavar="URL", help="SPARQL 1.1 Graph Store endpoint; each graph is PUT, so pushing "
              "twice replaces, e.g. http://127.0.0.1:8890/sparql-graph-crud-auth")
@click.option("--user", metavar="NAME", help=f"User for basic or digest authentication; the password comes from "
              f"${ENV_PASSWORD} or a prompt.")
@click.option("--policy", "policies", multiple=True, metavar="SLUG", help="Push only this policy (repeatable).")
@click.option("--ontology/--no-ontology", "ontology", default=True,
              help="Push the ontology graph <https://w3id.org/policykg/ns> too (the default; the vocabulary "
                   "with its DPV labels and the cue patterns, about 7,000 triples); --no-ontology pushes the "
                   "policy graphs only, e.g. to a store that already holds the ontology.")
@store_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@reports_errors
def push(endpoint: str | None, graph_store: str | None, user: str | None, policies: tuple[str, ...],
         ontology: bool, store_path: Path | None, quiet: bool) -> None:
    """Copy the policies' named graphs and (unless --no-ontology) the ontology graph to a remote triple store.

    \b
    Example (Virtuoso, digest authentication):
      POLICYKG_PASSWORD=secret policykg push --store kg --user dba \\
        --graph-store http://127.0.0.1:8890/sparql-graph-crud-auth \\
        --endpoint http://127.0.0.1:8890/sparql-auth
    """
    from policykg.remote import push as run_push
    from policykg.store import open_store

    credentials = credentials_for(user)
    store = open_store(store_path, read_only=True)

    def note(graph: str, triples: int, method: str) -> None:
        if not quiet:
            click.echo(f"{graph}  {triples} triples ({method})")

    report = run_push(store, endpoint=endpoint, graph_store=graph_store, credentials=credentials,
                      policies=policies, on_graph=note, include_ontology=ontology)
    if not quiet:
        click.echo(f"Pushed {len(report.graphs)} graphs ({report.triples} triples).")


@click.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; anything but "
              "127.0.0.1 lets other machines query the store.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds a query may run.")
@click.option("--max-rows", default=10000, show_default=True, type=int, help="Largest answer, in rows.")
@click.option("--max-body", default=1_000_000, show_default=True, type=int, help="Largest POST body, in bytes.")
@click.option("--workers", default=2, show_default=True, type=int, help="Queries that can run at once.")
@reports_errors
def serve(store_path: Path | None, host: str, port: int, timeout: float, max_rows: int, max_body: int,
          workers: int) -> None:
    """Serve the store as a read-only SPARQL 1.1 endpoint with a small HTML page.

    \b
    Example:
      policykg serve --store kg
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3' \\
        http://127.0.0.1:8000/sparql
    """
    from policykg.endpoint import Limits, serve as run_serve
    from policykg.store import default_store_path

    limits = Limits(timeout=timeout, max_rows=max_rows, max_body=max_body, workers=workers)

    def ready(server) -> None:
        isolation = ("workers have no network" if server.endpoint.pool.isolated
                     else "workers share the host network; SERVICE is refused by the query check")
        click.echo(f"policykg: serving {store_path or default_store_path()} read-only at "
                   f"http://{host}:{server.server_address[1]}/ (SPARQL at /sparql; {isolation}). "
                   f"Ctrl-C stops.", err=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"policykg: warning: listening on {host}: other machines can query this store", err=True)

    run_serve(store_path or default_store_path(), host=host, port=port, limits=limits, on_ready=ready)


COMMANDS = [push, serve]
