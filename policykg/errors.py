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


class StoreError(PolicyKGError):
    """The store cannot be opened or written."""
