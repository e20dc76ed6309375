"""Sample sentences of the corpus for labelling (the training data of the sentence classifiers).

Reads every policy of a folder with policykg's own reader and structure (so a sentence is what the
engine sees: its text, its section heading and its list lead-in), then draws, per policy, a fixed
number of sentences: half of them among sentences that contain a topic word (sharing, selling,
keeping, rights, ...; the list below), half among all others, so that rare topics are not drowned in
boilerplate. Seeded: the same folder gives the same sample.

    python scripts/sample_sentences.py ../shared/corpus/tosback/latest --per-policy 14 \
        --out data/sentences/sample.jsonl

Each line: {"id", "policy", "section", "lead", "text"}. The corpus is tosdr/tosback-versions
(ODC-BY 1.0, attribution: Office of the French Ambassador for Digital Affairs).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

from policykg.errors import InputError
from policykg.ingest.pipeline import find_files, read_document

TOPIC_WORDS = re.compile(
    r"\b(?:collect|gather|obtain|receive|use|share|disclos|provid|transfer|sell|sold|sale|rent|trade|"
    r"retain|retention|keep|store|delete|erase|right|access|correct|object|opt|withdraw|consent|agree|"
    r"lawful|legal basis|legitimate interest|contract|secur|encrypt|protect|child|minor|age|"
    r"change|update|notify|do not track|dnt|merger|acquisition|bankrupt|affiliat|partner|advertis|"
    r"countr|abroad|outside|contact|complain|supervisory)", re.I)


def sentence_id(policy: str, start: int, text: str) -> str:
    return hashlib.sha1(f"{policy}\0{start}\0{text}".encode()).hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--per-policy", type=int, default=14)
    ap.add_argument("--min-words", type=int, default=4)
    ap.add_argument("--max-chars", type=int, default=600)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    rows = []
    policies = 0
    for path in find_files([args.folder]):
        try:
            doc = read_document(path)
        except InputError:
            continue
        sents = [s for s in doc.sentences
                 if len(s.text.split()) >= args.min_words and len(s.text) <= args.max_chars]
        if len(sents) < 5:
            continue
        rng = random.Random(f"{args.seed}:{doc.slug}")
        topical = [s for s in sents if TOPIC_WORDS.search(s.text)]
        other = [s for s in sents if not TOPIC_WORDS.search(s.text)]
        half = args.per_policy // 2
        pick = rng.sample(topical, min(len(topical), args.per_policy - min(len(other), half)))
        pick += rng.sample(other, min(len(other), args.per_policy - len(pick)))
        policies += 1
        for s in sorted(pick, key=lambda s: s.start):
            rows.append({"id": sentence_id(doc.slug, s.start, s.text), "policy": doc.slug,
                         "section": s.section, "lead": s.block.lead, "text": s.text})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} sentences from {policies} policies -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
