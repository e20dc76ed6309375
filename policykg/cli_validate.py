"""`policykg validate`, `policykg check` and `policykg reason`: verdicts for DPOs, auditors and CI.

Exit status: 0 clean, 1 findings at or above --fail-on (or an inconsistency found by `reason`),
2 usage or input errors.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from policykg.cli import max_bytes_option, reports_errors, store_option

FORMATS = ("text", "json", "junit", "sarif", "ttl", "jsonld")


def _validation_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--profile", type=click.Choice(["gdpr", "structure", "all"]), default="gdpr", show_default=True,
                     help="gdpr: GDPR Art. 13/14 completeness; structure: integrity of policykg's own graphs."),
        click.option("--shapes", "shapes", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                     help="An extra SHACL shapes file (Turtle) to run too, e.g. your company's rules (repeatable)."),
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="text for people, json for programs, junit and sarif for CI systems, ttl and jsonld "
                          "for the W3C SHACL validation report graph (sh:ValidationReport)."),
        click.option("--fail-on", type=click.Choice(["violation", "warning", "never"]), default="violation",
                     show_default=True, help="Exit 1 when a finding is at or above this severity."),
        click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Write the report to this file instead of standard output."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _emit(report: Any, fmt: str, fail_on: str, output: Path | None) -> None:
    from policykg.validate import render

    text = render(report, fmt, fail_on=fail_on)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
    if report.fails(fail_on):
        sys.exit(1)


@click.command()
@click.argument("policies", nargs=-1)
@store_option
@_validation_options
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=lambda: os.cpu_count() or 1,
              show_default="the number of CPUs", help="Worker processes for large stores.")
@click.option("--into-store", is_flag=True,
              help="Also keep each policy's report (a sh:ValidationReport) in the store, in the graph "
                   "https://w3id.org/policykg/validation/<policy>, replacing the one before; the question "
                   "missing-information asks them.")
@reports_errors
def validate(policies: tuple[str, ...], store_path: Path | None, profile: str, shapes: tuple[Path, ...],
             fmt: str, fail_on: str, output: Path | None, jobs: int, into_store: bool) -> None:
    """Check POLICY ... (slugs or IRIs; default: every policy in the store) against SHACL shapes.

    Reports, per policy, the GDPR Art. 13/14 information that is missing (article and message) and
    the evidence sentence of each item found. Exit status: 0 clean, 1 findings at or above
    --fail-on, 2 usage or input errors.

    \b
    Examples:
      policykg validate --store kg
      policykg validate lumen-analytics --store kg --fail-on warning
      policykg validate --store kg --format sarif -o policykg.sarif
      policykg validate --store kg --profile all --shapes company-rules.ttl
      policykg validate --store kg --format ttl -o report.ttl
      policykg validate --store kg --into-store --format json -o report.json
    """
    from policykg.extras import require
    from policykg.store import default_store_path, open_store

    require("validate")
    from policykg.validate import RDF_FORMATS, validate_store

    path = store_path or default_store_path()
    store = open_store(path, read_only=True)
    report = validate_store(store, policies, profile=profile, shapes=shapes, jobs=jobs, store_path=path,
                            rdf=into_store or fmt in RDF_FORMATS)
    del store
    if into_store:
        from policykg.shaclreport import VALIDATION_BASE, store_reports

        writable = open_store(path)     # the reader's lock becomes the writer's
        kept = store_reports(writable, report)
        writable.flush()
        del writable
        click.echo(f"Kept {kept} validation report{'s' if kept != 1 else ''} in {path} "
                   f"(graphs {VALIDATION_BASE}<policy>).", err=True)
    _emit(report, fmt, fail_on, output)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_validation_options
@max_bytes_option
@reports_errors
def check(files: tuple[Path, ...], profile: str, shapes: tuple[Path, ...], fmt: str, fail_on: str,
          output: Path | None, max_bytes: int) -> None:
    """Ingest FILE ... into a temporary store and validate them in one step (for pre-commit and CI).

    A file that cannot be read is an input error (exit status 2).

    \b
    Examples:
      policykg check privacy-policy.md
      policykg check docs/privacy.md --format junit -o policykg-junit.xml
    """
    from policykg.extras import require

    require("validate")
    from policykg.validate import check_files

    from policykg.validate import RDF_FORMATS

    report = check_files(list(files), profile=profile, shapes=shapes, max_bytes=max_bytes, rdf=fmt in RDF_FORMATS)
    _emit(report, fmt, fail_on, output)


@click.command()
@click.argument("policies", nargs=-1)
@store_option
@reports_errors
def reason(policies: tuple[str, ...], store_path: Path | None) -> None:
    """Run the OWL reasoner (HermiT, needs java) on the ontology and POLICY ... (default: all).

    Reports policies whose statements contradict each other, e.g. "we never share your data with
    third parties" and "we share it with advertisers". Exit status 1 if an inconsistency is found.

    \b
    Example: policykg reason helpdesk --store kg
    """
    from policykg.extras import require

    require("reason")
    from policykg.reason import reason_store
    from policykg.store import open_store

    store = open_store(store_path, read_only=True)
    report = reason_store(store, policies)
    click.echo(report.render())
    if not report.consistent:
        sys.exit(1)


COMMANDS = [validate, check, reason]
