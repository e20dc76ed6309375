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


# Words of the topics a plain sample holds too few sentences of: with --rare, up to one sentence per
# group and policy is drawn among the sentences with a word of that group.
RARE_WORDS = {name: re.compile(pattern, re.I) for name, pattern in {
    "sale": r"\b(?:sell|sells|selling|sold|sale of|rent(?:s|ed|ing)?\b|trade)",
    "dnt": r"\b(?:do[- ]not[- ]track|dnt\b|global privacy control|browser signal)",
    "merger": r"\b(?:merger|acquisition|acquired|bankrupt|reorgani[sz]|divest|sale of (?:all|some|substantially))",
    "transfer": r"\b(?:transfer|countr|abroad|outside (?:the|of)|standard contractual|adequacy|privacy shield|"
                r"binding corporate)",
    "consent-by-use": r"\bby (?:using|accessing|visiting|continuing|submitting)|\byou (?:agree|consent|accept)",
    "legal-basis": r"\b(?:legal basis|lawful basis|legitimate interest|performance of (?:a|the|our) contract|"
                   r"legal obligation|grounds? for processing)",
    "retention": r"\b(?:retain|retention|as long as|period|delete)",
    "children": r"\b(?:child|minor|under (?:the age|13|16|18)|parent)",
    "change-notice": r"\b(?:chang(?:e|es|ed) (?:to )?(?:this|our|the) (?:privacy )?(?:policy|notice|statement)|"
                     r"revis|last (?:updated|modified))",
}.items()}


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
    ap.add_argument("--rare", action="store_true",
                    help="draw only sentences with a word of a rare topic, --per-policy of each group of RARE_WORDS")
    ap.add_argument("--exclude", type=Path, action="append", default=[],
                    help="a sample already drawn (JSON lines with ids): none of its sentences is drawn again")
    args = ap.parse_args(argv)

    exclude = {json.loads(line)["id"] for path in args.exclude for line in path.open(encoding="utf-8")}
    rows = []
    policies = 0
    for path in find_files([args.folder]):
        try:
            doc = read_document(path)
        except InputError:
            continue
        sents = [s for s in doc.sentences
                 if len(s.text.split()) >= args.min_words and len(s.text) <= args.max_chars
                 and sentence_id(doc.slug, s.start, s.text) not in exclude]
        if len(sents) < 5:
            continue
        rng = random.Random(f"{args.seed}:{doc.slug}")
        if args.rare:
            pick = []
            for pattern in RARE_WORDS.values():
                found = [s for s in sents if pattern.search(s.text) and s not in pick]
                pick += rng.sample(found, min(len(found), args.per_policy))
            policies += bool(pick)
            rows += [{"id": sentence_id(doc.slug, s.start, s.text), "policy": doc.slug, "section": s.section,
                      "lead": s.block.lead, "text": s.text} for s in sorted(pick, key=lambda s: s.start)]
            continue
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
