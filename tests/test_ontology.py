"""The ontology files: they parse, the DPV terms they use exist, and pk: is a closed namespace.

A misspelt IRI in a query or a rule does not fail anywhere else: it gives an empty answer. These
tests make every pk: term used anywhere (queries, Turtle, Python) a term the ontology declares, and
every DPV term used a term of DPV 2.3.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import REPO_ROOT

PK = "https://w3id.org/policykg/ns#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DPV_NAMESPACES = {"dpv": "https://w3id.org/dpv#", "pd": "https://w3id.org/dpv/pd#",
                  "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#"}
ONTOLOGY = REPO_ROOT / "ontology"
TTL_FILES = sorted(ONTOLOGY.rglob("*.ttl"))
RQ_FILES = sorted((REPO_ROOT / "queries").glob("*.rq"))
PY_FILES = sorted(p for d in ("policykg", "ingest", "queries", "ontology") for p in (REPO_ROOT / d).rglob("*.py"))
DPV_REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "dpv-2.3"


def rel(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


@lru_cache(maxsize=None)
def triples(path: Path) -> tuple[ox.Triple, ...]:
    return tuple(ox.parse(path.read_bytes(), ox.RdfFormat.TURTLE, base_iri=path.as_uri()))


def iris_of(ts) -> set[str]:
    return {t.value for triple in ts for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, ox.NamedNode)}


def test_there_are_ontology_files():
    names = {rel(p) for p in TTL_FILES}
    assert {"ontology/core.ttl", "ontology/gdpr-items.ttl", "ontology/cues.ttl"} <= names


@pytest.mark.parametrize("path", TTL_FILES, ids=rel)
def test_turtle_file_parses(path):
    assert triples(path)


# ------------------------------------------------------------------ DPV terms exist in DPV 2.3

@lru_cache(maxsize=1)
def dpv_terms() -> frozenset[str]:
    defined = set()
    for path in DPV_REFERENCE.glob("*.ttl"):
        for triple in ox.parse(path.read_bytes(), ox.RdfFormat.TURTLE):
            if isinstance(triple.subject, ox.NamedNode):
                defined.add(triple.subject.value)
    return frozenset(defined)


def dpv_iris_in_sparql(text: str) -> set[str]:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    found = set()
    for prefix, ns in DPV_NAMESPACES.items():
        found |= {ns + local for local in re.findall(rf"(?<![\w-]){re.escape(prefix)}:([A-Za-z][\w-]*)", body)}
    found |= set(re.findall(r"<(https://w3id\.org/dpv[^>\s]*#[^>\s]+)>", body))
    return found


def is_dpv_term(iri: str) -> bool:
    return any(iri.startswith(ns) and len(iri) > len(ns) for ns in DPV_NAMESPACES.values())


@pytest.mark.parametrize("path", sorted((ONTOLOGY / "vocabulary").glob("*.ttl")) + RQ_FILES, ids=rel)
def test_dpv_terms_used_exist_in_dpv_2_3(path):
    if not DPV_REFERENCE.is_dir():
        pytest.skip(f"the DPV 2.3 reference is not at {DPV_REFERENCE}")
    used = iris_of(triples(path)) if path.suffix == ".ttl" else dpv_iris_in_sparql(path.read_text(encoding="utf-8"))
    assert len(dpv_terms()) > 1000, f"{DPV_REFERENCE} holds too few terms to check against"
    unknown = sorted(i for i in used if is_dpv_term(i) and i not in dpv_terms())
    assert unknown == [], f"{rel(path)} uses terms that DPV 2.3 does not define"


# ------------------------------------------------------------------ pk: is a closed namespace

@lru_cache(maxsize=1)
def declared_pk_terms() -> frozenset[str]:
    """pk: terms the ontology declares: every pk: subject that has an rdf:type."""
    declared = set()
    for path in TTL_FILES:
        for t in triples(path):
            if t.predicate == RDF_TYPE and isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(PK):
                declared.add(t.subject.value[len(PK):])
    return frozenset(declared)


_PK_NAME = r"(?<![\w-])pk:([A-Za-z][\w-]*[\w])"


def pk_terms_in_python(text: str) -> set[str]:
    found = set(re.findall(_PK_NAME, text))
    found |= set(re.findall(r"\bPK\s*\+\s*[\"']([A-Za-z][\w-]*[\w])[\"']", text))
    found |= set(re.findall(r"\bpk\([\"']([A-Za-z][\w-]*)[\"']\)", text))
    found |= set(re.findall(r"\bFact\(\s*[\"']([A-Z]\w*)[\"']", text))          # fact kinds are pk: classes
    return found


def pk_terms_used(path: Path) -> set[str]:
    if path.suffix == ".ttl":
        return {i[len(PK):] for i in iris_of(triples(path)) if i.startswith(PK) and len(i) > len(PK)}
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".rq":
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        return set(re.findall(_PK_NAME, body)) | set(re.findall(rf"<{re.escape(PK)}([\w-]+)>", body))
    return pk_terms_in_python(text)


# Terms in use that no ontology file declares yet, each with who should declare it. Like the golden
# file's known misses: remove an entry once it is declared (a test below fails until you do).
KNOWN_UNDECLARED: dict[str, str] = {}


@pytest.mark.parametrize("path", TTL_FILES + RQ_FILES + PY_FILES, ids=rel)
def test_pk_terms_used_are_declared_in_the_ontology(path):
    undeclared = sorted(pk_terms_used(path) - declared_pk_terms() - set(KNOWN_UNDECLARED))
    assert undeclared == [], f"{rel(path)} uses pk: terms no ontology file declares (a typo gives empty answers)"


def test_known_undeclared_terms_are_still_undeclared_and_used():
    used = set().union(*(pk_terms_used(p) for p in TTL_FILES + RQ_FILES + PY_FILES))
    stale = sorted(t for t in KNOWN_UNDECLARED if t in declared_pk_terms() or t not in used)
    assert stale == [], "declared now (or no longer used): remove from KNOWN_UNDECLARED"


def test_closed_namespace_check_catches_a_typo():
    assert pk_terms_in_python('Fact("Disclosure", s, (("pk:hasSafegard", pk("ConsentSafeguard")),))') \
        - declared_pk_terms() == {"hasSafegard"}


def test_cues_used_by_the_rules_are_declared():
    text = (REPO_ROOT / "ingest" / "extract.py").read_text(encoding="utf-8")
    used = set(re.findall(r"\b(?:says|lead_says|heading_says|about|cue)\(\s*[\"']([a-z][\w-]*)[\"']", text))
    missing = sorted(c for c in used if f"cue-{c}" not in declared_pk_terms())
    assert missing == [], "ingest/extract.py asks for cues that ontology/cues.ttl does not declare"


def test_cues_that_inform_of_an_item_name_a_declared_item():
    from policykg.ingest.lexicon import load_lexicon

    lexicon = load_lexicon()
    items = set(re.findall(r"^pk:(\w+) a pk:InformationItem\b", (REPO_ROOT / "ontology" / "gdpr-items.ttl")
                           .read_text(encoding="utf-8"), re.M))
    assert lexicon.informs, "no cue in ontology/cues.ttl says pk:informs"
    wrong = sorted((cue, item) for cue, item in lexicon.informs if item not in items or cue not in lexicon.cues)
    assert wrong == [], "a pk:informs names no information item of gdpr-items.ttl, or its cue has no pattern"
