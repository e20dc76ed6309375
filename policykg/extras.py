"""The optional extras and the one message that says how to install a missing one.

The commands that need an extra check for it before they start (``require``), so a missing package
gives one line and exit status 2, never a traceback from deep inside a library.
"""
from __future__ import annotations

import importlib

from policykg.errors import PolicyKGError

# extra -> (the module it brings, what needs it)
EXTRAS = {
    "validate": ("pyshacl", "validation"),
    "viz": ("networkx", "graph views (export --view)"),
    "remote": ("SPARQLWrapper", "querying a remote endpoint (query --endpoint)"),
    "reason": ("owlready2", "OWL reasoning"),
    "dask": ("distributed", "reading on a Dask cluster (ingest/extract --dask)"),
}


class MissingExtraError(PolicyKGError):
    """An optional package that a command needs is not installed."""


def install_hint(extra: str) -> str:
    return (f"pip install -e '.[{extra}]' in a checkout, or pip install 'policykg[{extra}]' --find-links DIR "
            f"with a built wheel in DIR")


def missing_extra(extra: str, cause: BaseException | None = None) -> MissingExtraError:
    module, purpose = EXTRAS[extra]
    why = "" if cause is None or isinstance(cause, ModuleNotFoundError) and cause.name == module else f" ({cause})"
    return MissingExtraError(f"{purpose} needs the '{extra}' extra ({module}{why}): {install_hint(extra)}")


def require(extra: str) -> None:
    """Raise :class:`MissingExtraError` unless the module of ``extra`` imports."""
    module, _ = EXTRAS[extra]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise missing_extra(extra, exc) from exc
