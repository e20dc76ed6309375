"""The policykg command line: a thin layer over the library.

Each command parses its options, calls one library function and turns policykg's own exceptions
into a message on stderr and an exit status (0 ok, 1 some input failed or findings, 2 usage or
input errors). Heavy imports happen inside the commands, so `policykg query` starts quickly.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from policykg.errors import PolicyKGError


def store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--store", "store_path", type=click.Path(path_type=Path), default=None,
                        help="Store directory (default: $POLICYKG_STORE, else ./policykg-store).")(func)


def max_bytes_option(func: Callable[..., Any]) -> Callable[..., Any]:
    from policykg.ingest.readers import DEFAULT_MAX_BYTES, FILE_FACTOR

    return click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
                        metavar="N", help=f"Largest text of one document, in bytes of UTF-8; a document over it "
                        f"(or a file over {FILE_FACTOR} times it) fails on its own.")(func)


def time_budget_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--time-budget", type=float, default=120.0, show_default=True, metavar="SECONDS",
                        help="Stop and report a document whose reading takes longer (0: no limit).")(func)


def dask_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--dask", "dask", default=None, metavar="ADDRESS",
                        help="Read on a Dask cluster: its scheduler's address (tcp://HOST:8786), or 'local' for a "
                             "LocalCluster of one worker per core; needs the 'dask' extra.")(func)


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn policykg's own errors into a clean message and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PolicyKGError as exc:
            click.echo(f"policykg: {exc}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policykg")
def main() -> None:
    """policykg: privacy policies in, a W3C DPV knowledge graph out, canned questions answered.

    \b
    policykg ingest examples/ --store kg
    policykg query merger-transfer-without-consent --store kg
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@click.option("--name", default=None, metavar="NAME",
              help="Name the policy of a single file (default: its path under the folder given, or its file name).")
@click.option("--service", default=None, metavar="SERVICE",
              help="The files are versions of this service (default: from a name ending in -YYYY-MM-DD, "
                   "or front matter service:).")
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD",
              help="The date of the version (one file; default: from its name or front matter date:).")
@time_budget_option
@click.option("--quiet", "-q", is_flag=True, help="Print only failures.")
@max_bytes_option
@dask_option
@click.option("--force", is_flag=True, help="Read every file, also one the store holds unchanged.")
@reports_errors
def ingest(paths: tuple[Path, ...], store_path: Path | None, name: str | None, service: str | None,
           date: str | None, time_budget: float, quiet: bool, max_bytes: int, dask: str | None,
           force: bool) -> None:
    """Ingest policy files and folders (.txt .md .html .htm .pdf) into the store.

    One named graph per policy, named by the file's path under the folder given without its
    suffix (corpus/acme/privacy.md under corpus is acme/privacy; a file named on its own is its
    file name); ingesting a file again replaces its graph. Two files that would get one name are
    reported, never stored over each other. A file that cannot be read, or whose text is over
    --max-bytes, or whose reading takes longer than --time-budget, is reported and the rest of the
    batch still goes in; the exit status is 1 if any failed. A file named <service>-YYYY-MM-DD
    (or with --service/--date, or front matter service: and date:) is a dated version of the
    service; the versions of a service are linked in order (see `policykg history`). A file the
    store already holds unchanged (same bytes, same engine, same name: a SHA-256 kept in the store)
    is not read again and is counted as unchanged; --force reads it anyway. With --dask the files
    are read on the workers of a Dask cluster and written here.

    \b
    Example: policykg ingest examples/ --store kg
    """
    from policykg.api import open as open_kg
    from policykg.ingest.pipeline import find_files

    missing = [p for p in paths if not p.exists()]
    for p in missing:
        click.echo(f"policykg: {p}: no such file or directory", err=True)
    existing = [p for p in paths if p.exists()]
    files = list(find_files(existing))
    failures: list[str] = []
    budget = time_budget if time_budget > 0 else None

    def note(path: Path, error: Exception | None) -> None:
        if error is not None:
            failures.append(str(error))
            click.echo(f"policykg: skipped {error}", err=True)

    show_bar = sys.stderr.isatty() and len(files) > 20 and not quiet
    with open_kg(store_path) as kg:
        if show_bar:
            with click.progressbar(length=len(files), label="Ingesting", file=sys.stderr) as bar:
                def step(path: Path, error: Exception | None) -> None:
                    note(path, error)
                    bar.update(1)
                report = kg.ingest(existing, name=name, service=service, date=date, time_budget=budget,
                                   on_document=step, max_bytes=max_bytes, dask=dask, force=force)
        else:
            report = kg.ingest(existing, name=name, service=service, date=date, time_budget=budget,
                               on_document=note, max_bytes=max_bytes, dask=dask, force=force)
    if not quiet:
        triples = sum(n for _, _, n in report.stored)
        skipped = f"; {len(report.skipped)} unchanged, not read again" if report.skipped else ""
        click.echo(f"Ingested {len(report.stored)} of {len(files)} files ({triples} quads) into "
                   f"{store_path or 'the default store'}{skipped}; {len(report.failed)} failed.")
    if report.failed or missing:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the N-Quads shards (created; shards of an earlier extract there are replaced).")
@click.option("--per-shard", type=click.IntRange(min=1), default=100, show_default=True, metavar="N",
              help="Documents per shard.")
@time_budget_option
@click.option("--quiet", "-q", is_flag=True, help="Print only failures.")
@max_bytes_option
@dask_option
@reports_errors
def extract(paths: tuple[Path, ...], out: Path, per_shard: int, time_budget: float, quiet: bool, max_bytes: int,
            dask: str | None) -> None:
    """Read policy files and folders into N-Quads shards any store can bulk-load (no store is opened).

    OUT gets part-00000.nq, part-00001.nq, ... (the graphs of --per-shard documents each, in file
    order, each shard written whole or not at all) and ontology.nq. Load them with `policykg load
    OUT --store S`, or with another store's bulk loader (Virtuoso: ld_dir and rdf_loader_run). Files
    are named, read and reported as by `policykg ingest`; the exit status is 1 if any failed.

    \b
    Example: policykg extract corpus/ --out shards --dask tcp://10.0.0.5:8786
    """
    from policykg.ingest.pipeline import extract as extract_shards, find_files

    missing = [p for p in paths if not p.exists()]
    for p in missing:
        click.echo(f"policykg: {p}: no such file or directory", err=True)
    existing = [p for p in paths if p.exists()]
    files = list(find_files(existing))

    def note(path: Path, error: Exception | None) -> None:
        if error is not None:
            click.echo(f"policykg: skipped {error}", err=True)

    report = extract_shards(existing, out, per_shard=per_shard, time_budget=time_budget if time_budget > 0 else None,
                            on_document=note, max_bytes=max_bytes, dask=dask)
    if not quiet:
        shards = -(-len(report.stored) // per_shard)
        click.echo(f"Extracted {len(report.stored)} of {len(files)} files "
                   f"({sum(n for _, _, n in report.stored)} quads) into {shards} shard{'s' * (shards != 1)} in "
                   f"{out}; {len(report.failed)} failed.")
    if report.failed or missing:
        sys.exit(1)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@store_option
@click.option("--quiet", "-q", is_flag=True, help="Print only failures.")
@reports_errors
def load(folder: Path, store_path: Path | None, quiet: bool) -> None:
    """Load the N-Quads shards of `policykg extract` into the store, one transaction per shard.

    A policy the store already holds is replaced, as a re-ingest does; the ontology is reloaded and
    the versions of each service linked. A shard that does not parse is reported (exit status 1).

    \b
    Example: policykg load shards --store kg
    """
    from policykg.api import open as open_kg
    from policykg.ingest.pipeline import load_shards

    with open_kg(store_path) as kg:
        report = load_shards(folder, kg.store)
    for error in report.failed:
        click.echo(f"policykg: skipped {error}", err=True)
    if not quiet:
        shards = len({p for p, _, _ in report.stored})
        click.echo(f"Loaded {len(report.stored)} policies ({sum(n for _, _, n in report.stored)} quads) from "
                   f"{shards} shard{'s' * (shards != 1)} into {store_path or 'the default store'}; "
                   f"{len(report.failed)} failed.")
    if report.failed:
        sys.exit(1)


@main.command()
@click.argument("name")
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="json is W3C SPARQL 1.1 Query Results JSON.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Bind a declared parameter, e.g. --param policy=ntropic (repeatable).")
@click.option("--evidence", is_flag=True, help="Add the sentence and section each answer was read from.")
@click.option("--endpoint", metavar="URL", help="Ask this remote SPARQL endpoint instead of the store "
              "(e.g. http://127.0.0.1:8890/sparql after `policykg push`).")
@reports_errors
def query(name: str, store_path: Path | None, fmt: str, params: tuple[str, ...], evidence: bool,
          endpoint: str | None) -> None:
    """Answer a canned question by NAME, or run a SPARQL FILE.rq.

    \b
    Examples:
      policykg query merger-transfer-without-consent --store kg
      policykg query data-collected --param policy=lumen-analytics --evidence
      policykg query rights --format json
      policykg query rights --endpoint http://127.0.0.1:8890/sparql
    """
    from policykg.api import Answer, open as open_kg
    from policykg.errors import QueryError
    from policykg.queries import resolve

    canned = resolve(name)       # an unknown question is reported before the store is opened
    bound: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise QueryError(f"--param expects KEY=VALUE, got {item!r}")
        bound[key.strip()] = value.strip()
    if endpoint:
        from policykg.extras import require

        require("remote")
        from policykg.remote import run_remote

        answer = Answer(run_remote(endpoint, canned, bound, evidence=evidence))
    else:
        with open_kg(store_path, read_only=True) as kg:
            answer = kg.ask(name, evidence=evidence, params=bound)
    click.echo(answer.render(fmt))


@main.command("queries")
def list_queries() -> None:
    """List the canned questions with their descriptions.

    \b
    Example: policykg queries
    """
    from policykg.queries import catalogue

    entries = catalogue()
    width = max(len(n) for n in entries)
    for name, q in entries.items():
        click.echo(f"{name.ljust(width)}  {q.description}")


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@reports_errors
def policies(store_path: Path | None, fmt: str) -> None:
    """List the policies in the store: name, source file, title, date.

    \b
    Example: policykg policies --store kg
    """
    from policykg.api import open as open_kg

    with open_kg(store_path, read_only=True) as kg:
        click.echo(kg.policies().render(fmt))


@main.command()
@click.argument("policy")
@store_option
@reports_errors
def explain(policy: str, store_path: Path | None) -> None:
    """Print what was read from one POLICY (slug or IRI), grouped by topic, each fact with its sentence.

    \b
    Example: policykg explain brightpath-learning --store kg
    """
    from policykg.explain import explain_policy
    from policykg.store import open_store

    store = open_store(store_path, read_only=True)
    click.echo(explain_policy(store, policy))


@main.command()
@click.argument("old")
@click.argument("new")
@store_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="json follows the schema of docs/diff.md.")
@reports_errors
def diff(old: str, new: str, store_path: Path | None, fmt: str) -> None:
    """What changed between two versions of a policy: the answers of every canned question added,
    removed and changed, each with its sentence and section on each side.

    OLD and NEW are each a policy file (read into memory) or the name of a policy in --store.
    Sentences that moved or were reworded without changing an answer are no change.

    \b
    Example: policykg diff examples/versions/tallyho-2023-03-01.md examples/versions/tallyho-2024-09-15.md
    """
    from policykg.diff import diff_versions, load_version, render
    from policykg.store import open_store

    needs_store = not (Path(old).is_file() and Path(new).is_file())
    store = open_store(store_path, read_only=True) if needs_store else None
    click.echo(render(diff_versions(load_version(old, store), load_version(new, store)), fmt))


@main.command()
@click.argument("service")
@store_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@reports_errors
def history(service: str, store_path: Path | None, fmt: str) -> None:
    """The versions of SERVICE in the store, oldest first, with what changed at each step.

    \b
    Example: policykg history msn --store kg
    """
    from policykg.diff import history as service_history, render_history
    from policykg.ingest.graph import service_name
    from policykg.store import open_store

    steps = service_history(open_store(store_path, read_only=True), service)
    click.echo(render_history(service_name(service), steps, fmt))


# Commands that live in their own modules (validation, endpoints, export); each registers here.
def _register_commands() -> None:
    import importlib

    for module in ("policykg.cli_validate", "policykg.cli_remote", "policykg.cli_export"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        for command in getattr(mod, "COMMANDS", ()):
            main.add_command(command)


_register_commands()

if __name__ == "__main__":
    main()
