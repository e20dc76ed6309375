"""policykg: privacy policies in, a W3C DPV knowledge graph out, canned questions answered.

The public Python API (documented in ``docs/api.md``)::

    import policykg

    policy = policykg.read("examples/quietnote.md")          # one policy, no store
    policy.answers("rights", evidence=True).to_pandas()

    with policykg.open("kg") as kg:                         # a store on disk
        kg.ingest(["examples"])
        kg.ask("merger-transfer-without-consent").rows

The command line's ``ingest``, ``query`` and ``policies`` commands call these same functions.
"""
from __future__ import annotations

from policykg.api import (
    Answer,
    Concept,
    Evidence,
    Fact,
    KnowledgeGraph,
    Parameter,
    Policy,
    Question,
    open,
    python_value,
    questions,
    read,
)
from policykg.errors import InputError, PolicyKGError, QueryError, StoreError, UnknownPolicyError

__all__ = [
    "Answer", "Concept", "Evidence", "Fact", "InputError", "KnowledgeGraph", "Parameter", "Policy",
    "PolicyKGError", "QueryError", "Question", "StoreError", "UnknownPolicyError", "open", "python_value",
    "questions", "read",
]
