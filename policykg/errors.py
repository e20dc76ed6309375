"""The exceptions policykg raises; the command line turns each into a message and an exit status."""
from __future__ import annotations

from pathlib import Path


class PolicyKGError(Exception):
    """Base class of policykg's own errors."""


class InputError(PolicyKGError):
    """A document that cannot be ingested: the message names the file and what is wrong."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self):  # picklable, so worker processes can report it
        return (InputError, (self.path, self.problem))


class QueryError(PolicyKGError):
    """An unknown canned query, a bad parameter or SPARQL that does not parse."""


class UnknownPolicyError(QueryError):
    """A policy named by a parameter or an option that the store does not hold."""

    def __init__(self, name: str, suggestions: list[str] | tuple[str, ...] = ()):
        self.name = name
        self.suggestions = tuple(suggestions)
        hint = f" Did you mean {' or '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no policy {name!r} in the store.{hint} `policykg policies` lists them.")

    def __reduce__(self):  # picklable, so worker processes can report it
        return (UnknownPolicyError, (self.name, self.suggestions))


class StoreError(PolicyKGError):
    """The store cannot be opened or written."""
