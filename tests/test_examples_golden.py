"""Golden answers: each canned question on examples/ gives what examples/README.md says a careful reader gives.

The expectations live in ``tests/data/examples-golden.json``:

- ``questions``: for each canned query, ``value`` (the columns that make one answer; an empty list means
  the answer is just "yes", a row exists) and ``expected`` (policy -> answers; a policy not listed
  should give none). Concept answers are written in the README's own vocabulary ("email",
  "access"); ``terms`` says which DPV / pk IRIs (as prefixed names) count as each. Literal answers are
  compared after trimming spaces and a final full stop; durations as xsd:duration values.
- ``known_misses``: expected answers the engine does not give yet, each with a one-line reason. They
  are not weakened expectations: the test fails when a known miss starts being found, so the list
  stays true (remove the entry then).
- ``acceptable_extras``: answers outside ``expected`` that a careful reader would accept (the README
  says "also ..."), each with its reason; they do not count against precision.
- ``precision_floor``: per question, the least share of answers (acceptable extras aside) that must
  be expected ones; ``default`` for the rest. Set from the engine's output when last updated.

Run ``python tests/test_examples_golden.py`` to print, per question, what is missed, what is wrong
and the precision now: the lines to update after an extraction change.
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import DATA, EXAMPLES, REPO_ROOT, keep_validation_reports, short  # noqa: E402

GOLDEN_FILE = DATA / "examples-golden.json"
GOLDEN = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
POLICIES = tuple(GOLDEN["policies"])
TERMS: dict[str, list[str]] = GOLDEN["terms"]
QUESTIONS: dict[str, dict] = GOLDEN["questions"]


# ------------------------------------------------------------------ comparing answers

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?$")


def canonical_duration(text: str) -> str:
    """xsd:duration as Oxigraph writes it: months carried into years (P13M -> P1Y1M), days kept."""
    m = _DURATION.match(text)
    if not m:
        return text
    years, months, days, hours = (int(g or 0) for g in m.groups())
    years, months = divmod(years * 12 + months, 12)
    out = "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "") + (f"{days}D" if days else "")
    out += f"T{hours}H" if hours else ""
    return out if out != "P" else "PT0S"


def normalise(value: str) -> str:
    words = [canonical_duration(w) if w.startswith("P") else w for w in value.split()]
    return " ".join(words).rstrip(".")


def matches(expected: str, answer: str) -> bool:
    """Whether an engine answer (prefixed name or literal) is the expected one (a README term or a literal)."""
    if expected in TERMS:
        return answer in TERMS[expected]
    return normalise(expected) == normalise(answer)


def answer_of(row: dict, columns: list[str]) -> str:
    if not columns:
        return "yes"
    return " ".join(short(row[c]) for c in columns if row.get(c) is not None)


def engine_answers(store, question: str) -> dict[str, set[str]]:
    """policy slug -> the answers the engine gives, for the example policies only."""
    from policykg.queries import catalogue
    from policykg.query import run_local

    results = run_local(store, catalogue()[question])
    found: dict[str, set[str]] = {p: set() for p in POLICIES}
    for row in results.rows:
        policy = short(row["policy"])
        if policy in found:
            found[policy].add(answer_of(row, QUESTIONS[question]["value"]))
    return found


def listed(entries: Iterable[dict], question: str) -> list[tuple[str, str]]:
    return [(e["policy"], e["value"]) for e in entries if e["question"] == question]


def score(question: str, found: dict[str, set[str]]) -> dict:
    """Misses, known misses now found, wrong answers and precision of one question's answers."""
    expected = QUESTIONS[question]["expected"]
    known = set(listed(GOLDEN["known_misses"], question))
    extras = listed(GOLDEN["acceptable_extras"], question)
    missed, newly_found, wrong, right, acceptable = [], [], [], 0, 0
    for policy in POLICIES:
        answers = found[policy]
        for value in expected.get(policy, []):
            hit = any(matches(value, a) for a in answers)
            if not hit and (policy, value) not in known:
                missed.append((policy, value))
            if hit and (policy, value) in known:
                newly_found.append((policy, value))
        for answer in sorted(answers):
            if any(matches(v, answer) for v in expected.get(policy, [])):
                right += 1
            elif any(p == policy and matches(v, answer) for p, v in extras):
                acceptable += 1
            else:
                wrong.append((policy, answer))
    judged = right + len(wrong)
    return {"missed": missed, "newly_found": newly_found, "wrong": wrong,
            "precision": right / judged if judged else 1.0}


def floor(question: str) -> float:
    floors = GOLDEN["precision_floor"]
    return floors.get(question, floors["default"])


# ------------------------------------------------------------------ the golden file itself

def test_golden_file_covers_every_canned_question():
    from policykg.queries import catalogue

    assert set(QUESTIONS) == set(catalogue()), "add golden answers for new questions (or drop removed ones)"


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_golden_answer_columns_are_columns_of_the_query(question):
    from policykg.queries import catalogue

    assert set(QUESTIONS[question]["value"]) <= set(catalogue()[question].columns)


def test_golden_file_names_only_example_policies_and_expected_values():
    from policykg.ingest.pipeline import policy_files

    assert sorted(POLICIES) == sorted(f.slug for f in policy_files([EXAMPLES])[0])
    for question, spec in QUESTIONS.items():
        assert set(spec["expected"]) <= set(POLICIES), question
    for entry in GOLDEN["known_misses"]:
        assert entry["value"] in QUESTIONS[entry["question"]]["expected"].get(entry["policy"], []), entry
        assert entry["reason"].strip(), entry
    for entry in GOLDEN["acceptable_extras"]:
        assert entry["reason"].strip(), entry


def test_golden_terms_name_dpv_concepts_that_exist():
    reference = REPO_ROOT.parent / "shared" / "reference" / "dpv-2.3"
    if not reference.is_dir():
        pytest.skip(f"no DPV reference at {reference}")
    text = "\n".join(p.read_text(encoding="utf-8") for p in reference.glob("*.ttl"))
    defined = set(re.findall(r"^((?:dpv|pd|eu-gdpr):[\w-]+)\s+a\s", text, re.M))
    used = {iri for iris in TERMS.values() for iri in iris if not iri.startswith("pk:")}
    used |= {e["value"] for e in GOLDEN["acceptable_extras"] if re.match(r"^(?:dpv|pd|eu-gdpr):", e["value"])}
    assert sorted(used - defined) == []


def test_golden_terms_are_concepts_of_the_vocabulary():
    """Each README term maps to at least one concept the vocabulary defines (else the table is out of date)."""
    from policykg.ingest.lexicon import load_lexicon

    lexicon = load_lexicon()
    if not lexicon.labels:
        pytest.skip("ontology/vocabulary/*.ttl defines no concepts yet")
    known = {short_iri(iri) for iri in lexicon.labels}
    unmapped = sorted(term for term, iris in TERMS.items() if not set(iris) & known)
    assert unmapped == [], "update `terms` in examples-golden.json to the IRIs the vocabulary uses"


def short_iri(iri: str) -> str:
    import pyoxigraph as ox

    return short(ox.NamedNode(iri))


# ------------------------------------------------------------------ the engine against the golden answers

@pytest.fixture(scope="module")
def scores(examples_validated_store_path) -> dict[str, dict]:
    # the store with the examples' validation reports kept (`validate --into-store`): the question
    # missing-information reads them, and every other question must answer as without them
    store = ox.Store.read_only(str(examples_validated_store_path))
    return {q: score(q, engine_answers(store, q)) for q in QUESTIONS}


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_expected_answers_are_found(scores, question):
    assert scores[question]["missed"] == [], "expected answers not found (and not listed in known_misses)"


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_known_misses_are_still_missed(scores, question):
    assert scores[question]["newly_found"] == [], "now found: remove these from known_misses in examples-golden.json"


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_precision_is_at_least_the_floor(scores, question):
    s = scores[question]
    assert s["precision"] >= floor(question), f"wrong answers: {s['wrong']}"


# ------------------------------------------------------------------ report for updating the golden file

def main() -> None:
    import tempfile

    from policykg.ingest.pipeline import ingest

    with tempfile.TemporaryDirectory() as tmp:
        store = ox.Store(tmp)
        ingest([EXAMPLES], store)
        del store
        keep_validation_reports(Path(tmp))
        store = ox.Store(tmp)
        for question in sorted(QUESTIONS):
            s = score(question, engine_answers(store, question))
            print(f"== {question}: precision {s['precision']:.2f} (floor {floor(question):.2f})")
            for policy, value in s["missed"]:
                print(f"  MISSED      {policy}: {value}")
            for policy, value in s["newly_found"]:
                print(f"  NOW FOUND   {policy}: {value}   (remove from known_misses)")
            for policy, value in s["wrong"]:
                print(f"  WRONG       {policy}: {value}")
        del store        # closed before the directory is removed
        import gc

        gc.collect()


if __name__ == "__main__":
    main()
