"""What changed between two versions of a policy, at the level of practices, with evidence on both sides.

A policy's *answers* are the rows every canned question (:func:`policykg.queries.catalogue`) gives
for it, run with ``--param policy=...`` and its evidence. An answer's *key* is the question and the
answer columns that name the practice (the recipient, the right, the retention kind); questions
whose only column is the sentence (``sells-personal-data``, ``merger-transfer-without-consent``, ...)
have one key per policy, "yes". The diff compares the keys:

- ``added`` / ``removed``: a key only the new / only the old version gives;
- ``changed``: a key both give with other values (``retention``: the period), or a key one version
  gives whose practice the other version states with another modality, condition or safeguard
  (the merger transfer that now asks for consent, the transfer abroad that now names a safeguard,
  the recipient that is now ruled out): :data:`COUNTERPARTS` find that practice.

A sentence that moved or was reworded while every answer stayed the same is no change: sentences
are evidence, never keys. The JSON schema is in docs/diff.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import InputError, UnknownPolicyError

SCHEMA = "https://w3id.org/policykg/diff/1"

# Columns that are evidence or context, never part of an answer's key.
_NOT_KEYS = {"policy", "evidence", "sentence", "section", "fact"}
# Columns that are context in one question (the merger's controller) but the answer of another (controllers).
_CONTEXT = {"merger-transfer-without-consent": ("controller",)}
# Columns that are the value of an answer rather than its key.
_VALUES = {"retention": ("duration",)}
# Questions across versions: not asked of one policy.
CROSS_VERSION = {"version-timeline", "practice-added"}

_PREFIXES = """PREFIX pk: <https://w3id.org/policykg/ns#>
PREFIX dpv: <https://w3id.org/dpv#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""
# For a key one version gives and the other does not: the other version's statements of the same
# practice with another modality, condition or safeguard. Each query binds ?f ?sentence ?section ?state
# in the graph ?policy (and reads the key's columns, e.g. ?recipient, when it names them).
COUNTERPARTS: dict[str, str] = {
    "merger-transfer-without-consent": _PREFIXES + """
SELECT ?policy ?f ?sentence ?section ?state WHERE {
  GRAPH ?policy {
    ?f pk:hasCondition pk:CorporateTransaction ; a pk:Disclosure ; pk:evidence ?ev . ?ev oa:exact ?sentence .
    OPTIONAL { ?ev pk:section ?section }
    OPTIONAL { ?f pk:modality ?modality } OPTIONAL { ?f pk:hasSafeguard ?safeguard }
  }
  BIND(IF(?modality = pk:Prohibited, "ruled out",
       IF(?safeguard = pk:ConsentSafeguard, "with consent",
       IF(BOUND(?safeguard), "with notice", "without consent"))) AS ?state)
}""",
    "transfers-without-safeguards": _PREFIXES + """
SELECT ?policy ?f ?sentence ?section ?state WHERE {
  GRAPH ?policy {
    ?f pk:hasTransferSafeguard ?safeguard ; pk:evidence ?ev . ?ev oa:exact ?sentence .
    OPTIONAL { ?ev pk:section ?section }
  }
  BIND(CONCAT("with a named safeguard: ", REPLACE(STR(?safeguard), "^.*[#/]", "")) AS ?state)
}""",
    "recipients": _PREFIXES + """
SELECT ?policy ?recipient ?f ?sentence ?section ?state WHERE {
  GRAPH ?policy {
    ?f dpv:hasRecipient ?recipient ; a pk:Disclosure ; pk:modality pk:Prohibited ; pk:evidence ?ev .
    ?ev oa:exact ?sentence . OPTIONAL { ?ev pk:section ?section }
  }
  BIND("ruled out" AS ?state)
}""",
}
# How the question's own answer reads, for the side of a changed answer that the question gives.
_ANSWER_STATE = {"merger-transfer-without-consent": "without consent", "transfers-without-safeguards":
                 "with no named safeguard", "recipients": "shared"}


@dataclass
class Side:
    """One version's side of a change: the answer's values and the sentence that states it."""

    sentence: str | None
    section: str | None
    values: dict[str, str] = field(default_factory=dict)
    state: str | None = None

    def to_json(self) -> dict:
        return {"values": self.values, "state": self.state, "sentence": self.sentence, "section": self.section}


@dataclass
class Change:
    question: str
    change: str                        # added | removed | changed
    answer: dict[str, str]             # the key columns (empty: the question's "yes")
    old: Side | None
    new: Side | None

    def to_json(self) -> dict:
        return {"question": self.question, "change": self.change, "answer": self.answer,
                "old": self.old.to_json() if self.old else None, "new": self.new.to_json() if self.new else None}

    @property
    def label(self) -> str:
        return " ".join([self.question] + [v for v in self.answer.values() if v])


@dataclass
class Version:
    """A policy as the diff sees it: its name, where it came from and its answers."""

    policy: str                        # the policy name (slug)
    source: str | None
    date: str | None
    answers: dict[tuple[str, tuple[tuple[str, str], ...]], list[dict[str, str | None]]]
    store: ox.Store
    iri: ox.NamedNode

    def to_json(self) -> dict:
        return {"policy": self.policy, "source": self.source, "date": self.date}


@dataclass
class Diff:
    old: Version
    new: Version
    changes: list[Change]

    def counts(self) -> dict[str, int]:
        return {k: sum(c.change == k for c in self.changes) for k in ("added", "removed", "changed")}

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "old": self.old.to_json(), "new": self.new.to_json(), "summary": self.counts(),
                "changes": [c.to_json() for c in self.changes]}


def term_text(term: ox.Term | None) -> str | None:
    """An answer term as text: a prefixed name for a known namespace, a literal's value."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        from policykg.queries import PREFIXES

        for prefix, base in PREFIXES.items():
            if term.value.startswith(base):
                return f"{prefix}:{term.value[len(base):]}"
        return term.value
    return term.value


def policy_answers(store: ox.Store, iri: ox.NamedNode) -> dict:
    """(question, key) -> the rows (value columns, sentence, section) every per-policy canned question gives."""
    from policykg.queries import catalogue
    from policykg.query import run_local

    answers: dict = {}
    for name, query in catalogue().items():
        if name in CROSS_VERSION or "policy" not in {p.name for p in query.params}:
            continue
        results = run_local(store, query, {"policy": iri.value}, evidence=True)
        values = _VALUES.get(name, ())
        keys = [c for c in results.columns if c not in _NOT_KEYS and c not in values
                and c not in _CONTEXT.get(name, ())]
        for row in results.rows:
            shown = tuple((c, term_text(row.get(c)) or "") for c in keys)
            key = (name, tuple((c, _same_name(v)) for c, v in shown) if name in _NAMES else shown)
            answers.setdefault(key, []).append({**{c: term_text(row.get(c)) for c in values},
                                                "sentence": term_text(row.get("sentence")),
                                                "section": term_text(row.get("section")),
                                                "shown": dict(shown)})
    return answers


# Questions whose answer is a name: compared without case, punctuation and spacing ("Quora Inc." is
# "Quora, Inc."), shown as the version writes it.
_NAMES = {"controllers"}
_EVIDENCE_FIELDS = ("sentence", "section", "shown")


def _same_name(name: str) -> str:
    import re

    return re.sub(r"[\W_]+", " ", name).strip().casefold()


def _side(rows: list[dict[str, str | None]], question: str) -> Side:
    first = rows[0]
    values = {c: v for c, v in first.items() if c not in _EVIDENCE_FIELDS and v is not None}
    return Side(first["sentence"], first["section"], values)


def _counterpart(version: Version, question: str, answer: dict[str, str]) -> Side | None:
    text = COUNTERPARTS.get(question)
    if text is None:
        return None
    from policykg.queries import expand_value

    subs: dict[ox.Variable, ox.Term] = {ox.Variable("policy"): version.iri}
    for column, value in answer.items():
        kind, expanded = expand_value("iri", value) if ":" in value else ("literal", value)
        subs[ox.Variable(column)] = ox.NamedNode(expanded) if kind == "iri" else ox.Literal(expanded)
    rows = sorted(((r["sentence"].value, r["section"].value if r["section"] is not None else None, r["state"].value,
                    r["f"].value) for r in version.store.query(text, substitutions=subs) if r["sentence"] is not None),
                  key=lambda r: (r[3], r[0]))
    if not rows:
        return None
    sentence, section, state, _ = rows[0]
    return Side(sentence, section, {}, state)


def diff_versions(old: Version, new: Version) -> Diff:
    """The practice-level changes from ``old`` to ``new``, in question then answer order."""
    changes: list[Change] = []
    for key in sorted(set(old.answers) | set(new.answers)):
        question, _ = key
        before, after = old.answers.get(key), new.answers.get(key)
        answer = dict((after or before)[0]["shown"])    # as the newer version writes it
        if before and after:
            # the set of values: more or fewer sentences stating the same answer are no change
            old_values = {tuple(sorted((c, v) for c, v in r.items() if c not in _EVIDENCE_FIELDS))
                          for r in before}
            new_values = {tuple(sorted((c, v) for c, v in r.items() if c not in _EVIDENCE_FIELDS))
                          for r in after}
            if old_values != new_values:
                changes.append(Change(question, "changed", answer, _side(before, question), _side(after, question)))
            continue
        # present on one side only: "changed" when the other side states the practice otherwise
        # (with consent, a named safeguard, ruled out), else added or removed
        present, other_version = (before, new) if before else (after, old)
        side = _side(present, question)
        other = _counterpart(other_version, question, answer)
        if other is not None:
            side.state = _ANSWER_STATE.get(question)
            changes.append(Change(question, "changed", answer, *((side, other) if before else (other, side))))
        else:
            changes.append(Change(question, "removed", answer, side, None) if before
                           else Change(question, "added", answer, None, side))
    return Diff(old, new, changes)


# ------------------------------------------------------------------ loading versions

_META = """PREFIX pk: <https://w3id.org/policykg/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?policy ?source ?date ?issued WHERE { GRAPH ?policy { ?policy a pk:PolicyDocument
  OPTIONAL { ?policy pk:sourceFile ?source } OPTIONAL { ?policy dct:date ?date } OPTIONAL { ?policy dct:issued ?issued } } }"""


def stored_version(store: ox.Store, policy: str) -> Version:
    """A policy of the store by name or IRI (an :class:`UnknownPolicyError` with the closest names if absent)."""
    from policykg.ingest.graph import POLICY_BASE
    from policykg.query import closest_policies
    from policykg.store import policy_graphs

    iri = ox.NamedNode(policy if policy.startswith(("http://", "https://")) else POLICY_BASE + policy)
    if not store.contains_named_graph(iri):
        name = iri.value.removeprefix(POLICY_BASE)
        raise UnknownPolicyError(name, closest_policies(name, policy_graphs(store)))
    source = date = None
    for row in store.query(_META, substitutions={ox.Variable("policy"): iri}):
        source = term_text(row["source"])
        date = term_text(row["issued"]) or term_text(row["date"])
    return Version(iri.value.removeprefix(POLICY_BASE), source, date, policy_answers(store, iri), store, iri)


def file_version(path: Path) -> Version:
    """A policy file read into an in-memory store of its own."""
    from policykg.ingest.pipeline import ingest

    store = ox.Store()
    report = ingest([path], store, workers=0)
    if report.failed:
        raise report.failed[0]
    if not report.stored:
        raise InputError(path, "holds no policy to compare")
    return stored_version(store, report.stored[0][1])


def load_version(spec: str, store: ox.Store | None) -> Version:
    """A file when ``spec`` names one, else a policy of ``store``."""
    path = Path(spec)
    if path.is_file():
        return file_version(path)
    if store is None:
        raise InputError(path, "is no file, and no store was given to find a policy of that name in (--store)")
    return stored_version(store, spec)


def history(store: ox.Store, service: str) -> list[tuple[Version, Diff | None]]:
    """Each version of ``service``, oldest first, with the diff from the one before (None for the first)."""
    from policykg.ingest.graph import service_name
    from policykg.ingest.pipeline import service_versions

    versions = service_versions(store, service_name(service))
    if not versions:
        raise InputError(Path(service), "is no service with versions in the store (see `policykg query version-timeline`)")
    steps: list[tuple[Version, Diff | None]] = []
    previous: Version | None = None
    for iri, _date in versions:
        version = stored_version(store, iri)
        steps.append((version, diff_versions(previous, version) if previous is not None else None))
        previous = version
    return steps


# ------------------------------------------------------------------ output

def _quote(side: Side | None) -> str:
    if side is None or side.sentence is None:
        return "—"
    sentence = " ".join(side.sentence.split())
    return f'"{sentence}"' + (f" ({side.section})" if side.section else "")


def _what(change: Change) -> str:
    parts = []
    if change.change == "changed":
        old, new = change.old, change.new
        if old and new and (old.values or new.values) and old.values != new.values:
            parts.append(", ".join(f"{k} {old.values.get(k, '—')} -> {new.values.get(k, '—')}"
                                   for k in sorted(set(old.values) | set(new.values))))
        if old and new and (old.state or new.state):
            parts.append(f"{old.state or '?'} -> {new.state or '?'}")
    else:
        side = change.new or change.old
        if side and side.values:
            parts.append(", ".join(f"{k} {v}" for k, v in side.values.items()))
    return "; ".join(parts)


def _title(d: Diff) -> str:
    def name(v: Version) -> str:
        return v.policy + (f" ({v.date})" if v.date else "")

    c = d.counts()
    return f"{name(d.old)} -> {name(d.new)}: {c['added']} added, {c['removed']} removed, {c['changed']} changed"


def render_text(d: Diff) -> str:
    lines = [_title(d)]
    for change in d.changes:
        mark = {"added": "+", "removed": "-", "changed": "~"}[change.change]
        what = _what(change)
        lines.append(f"{mark} {change.label}" + (f": {what}" if what else ""))
        if change.old is not None:
            lines.append(f"    old: {_quote(change.old)}")
        if change.new is not None:
            lines.append(f"    new: {_quote(change.new)}")
    return "\n".join(lines)


def render_markdown(d: Diff, level: int = 2) -> str:
    lines = [f"{'#' * level} {_title(d)}", ""]
    if not d.changes:
        lines.append("No practice changed.")
    for change in d.changes:
        what = _what(change)
        lines.append(f"- **{change.change}** `{change.label}`" + (f": {what}" if what else ""))
        if change.old is not None:
            lines.append(f"  - old: {_quote(change.old)}")
        if change.new is not None:
            lines.append(f"  - new: {_quote(change.new)}")
    return "\n".join(lines)


def render(d: Diff, fmt: str) -> str:
    import json

    if fmt == "json":
        return json.dumps(d.to_json(), indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return render_markdown(d)
    return render_text(d)


def render_history(service: str, steps: list[tuple[Version, Diff | None]], fmt: str) -> str:
    import json

    if fmt == "json":
        return json.dumps({"schema": SCHEMA, "service": service,
                           "versions": [{**v.to_json(), "diff": d.to_json() if d else None} for v, d in steps]},
                          indent=2, ensure_ascii=False)
    out = [f"# {service}: {len(steps)} versions" if fmt == "markdown" else f"{service}: {len(steps)} versions"]
    for version, d in steps:
        if d is None:
            first = f"{version.policy} ({version.date or 'undated'}): first version, {len(version.answers)} answers"
            out.append(("## " if fmt == "markdown" else "") + first)
        elif fmt == "markdown":
            out.append(render_markdown(d))
        else:
            out.append(render_text(d))
    return "\n\n".join(out)
