#!/usr/bin/env python3
"""Compare a cue as it reads now with the same cue in an earlier commit, on the corpus's texts.

When a cue's regular expressions become token patterns (or a cue is changed), this shows what the
change does to the cue itself, before any rule sees it: on every sentence, heading and list lead-in
of the corpus's policies, which texts the earlier cue matches and the current one does not, and the
reverse, with the words each matched and how many policies each side's texts come from.

    python scripts/cue_compare.py --baseline f07aacc collect share
    python scripts/cue_compare.py --baseline f07aacc --all --show 0        # counts of every cue
    python scripts/cue_compare.py --baseline f07aacc concept:ServiceProvision   # a concept's patterns

The earlier cue is read from ``ontology/cues.ttl`` of the baseline commit (its pk:pattern regexes,
gated by its pk:hint substrings as the rules gate them); the current one from the installed lexicon.
``concept:NAME`` compares a vocabulary concept's patterns (pk:pattern then, pk:tokenPattern or
pk:pattern now; its labels are left out).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PK = "https://w3id.org/policykg/ns#"


def corpus_texts(folder: Path) -> dict[str, set[str]]:
    """Every sentence, heading and lead-in of the folder's policies, with the policies it is in."""
    from policykg.errors import InputError
    from policykg.ingest.pipeline import policy_files, read_document

    texts: dict[str, set[str]] = defaultdict(set)
    files, _ = policy_files([folder])
    for file in files:
        try:
            doc = read_document(file.path, file.slug)
        except (InputError, OSError, ValueError):
            continue
        for s in doc.sentences:
            texts[s.text].add(file.slug)
            for h in s.block.headings[-2:]:
                texts[h].add(file.slug)
            if s.block.lead:
                texts[s.block.lead].add(file.slug)
    return texts


def baseline_cues(rev: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The pk:pattern regexes and pk:hint substrings of each cue in ``rev``'s cues.ttl."""
    import pyoxigraph as ox

    data = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:ontology/cues.ttl"], check=True,
                          capture_output=True).stdout
    patterns: dict[str, list[str]] = defaultdict(list)
    hints: dict[str, list[str]] = defaultdict(list)
    for t in ox.parse(data, ox.RdfFormat.TURTLE):
        name = t.subject.value.removeprefix(PK + "cue-")
        if t.predicate.value == PK + "pattern":
            patterns[name].append(t.object.value)
        elif t.predicate.value == PK + "hint":
            hints[name].append(t.object.value.lower())
    return patterns, hints


def baseline_concept_patterns(rev: str) -> dict[str, list[str]]:
    """The pk:pattern regexes of each vocabulary concept (by local name) in ``rev``."""
    import pyoxigraph as ox

    names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", rev, "ontology/vocabulary"],
                           check=True, capture_output=True, text=True).stdout.split()
    patterns: dict[str, list[str]] = defaultdict(list)
    for name in names:
        data = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{name}"], check=True, capture_output=True).stdout
        for t in ox.parse(data, ox.RdfFormat.TURTLE):
            if t.predicate.value == PK + "pattern":
                patterns[t.subject.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]].append(t.object.value)
    return patterns


class _AnyOf:
    """The first match of any of a concept's patterns."""

    def __init__(self, patterns):
        self.patterns = patterns

    def search(self, text: str):
        found = [m for m in (p.search(text) for p in self.patterns) if m]
        return min(found, key=lambda m: m.start()) if found else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cues", nargs="*", help="cue names without 'cue-'")
    ap.add_argument("--baseline", required=True, help="the commit whose cues.ttl holds the earlier cues")
    ap.add_argument("--all", action="store_true", help="every cue the baseline has")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus/tosback/latest"))
    ap.add_argument("--show", type=int, default=12, help="texts shown per side (default 12)")
    args = ap.parse_args()

    from policykg.ingest.lexicon import load_lexicon

    old_patterns, old_hints = baseline_cues(args.baseline)
    names = sorted(old_patterns) if args.all else args.cues
    concept_patterns = baseline_concept_patterns(args.baseline) if any(n.startswith("concept:") for n in names) else {}
    if not names:
        ap.error("name a cue, or give --all")
    lexicon = load_lexicon()
    texts = corpus_texts(Path(args.corpus))
    print(f"{len(texts)} distinct texts of the corpus\n")
    for name in names:
        if name.startswith("concept:"):
            local = name.removeprefix("concept:")
            if local not in concept_patterns:
                print(f"{name}: no pk:pattern in {args.baseline}'s vocabulary")
                continue
            now = [p for m in lexicon.schemes.values() for p, c in m._patterns
                   if c.rsplit("#", 1)[-1].rsplit("/", 1)[-1] == local]
            old_patterns[name] = concept_patterns[local]
            lexicon.cues[name] = _AnyOf(now)
        elif name not in old_patterns:
            print(f"cue-{name}: not in {args.baseline}'s cues.ttl")
            continue
        old = re.compile("|".join(f"(?:{p})" for p in old_patterns[name]), re.IGNORECASE)
        hints = old_hints.get(name)
        new = lexicon.cues.get(name)
        if new is None:
            print(f"cue-{name}: no longer a cue")
            continue
        both = 0
        only_old: list[tuple[str, str]] = []
        only_new: list[tuple[str, str]] = []
        moved = 0
        for text in texts:
            lower = text.lower()
            a = old.search(text) if not hints or any(h in lower for h in hints) else None
            b = new.search(text)
            if a and b:
                both += 1
                moved += a.start() != b.start()
            elif a:
                only_old.append((text, a.group(0)))
            elif b:
                only_new.append((text, b.group(0)))
        pol_old = {p for t, _ in only_old for p in texts[t]}
        pol_new = {p for t, _ in only_new for p in texts[t]}
        label = name if name.startswith("concept:") else f"cue-{name}"
        print(f"{label}: both {both} (first match elsewhere in {moved}); only before {len(only_old)} "
              f"({len(pol_old)} policies); only now {len(only_new)} ({len(pol_new)} policies)")
        for label, rows in (("only before", only_old), ("only now", only_new)):
            for text, words in rows[:args.show]:
                print(f"  {label}: [{words}]  {text[:220]}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
