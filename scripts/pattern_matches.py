"""List the corpus sentences a pattern matches, to review a new or changed pattern before committing it.

    python scripts/pattern_matches.py cue:dnt-honored                      # a cue of ontology/cues.ttl
    python scripts/pattern_matches.py policykg.ingest.extract:_DNT_DEFINED # a compiled pattern in the code
    python scripts/pattern_matches.py 're:\\bwe (?:do not|never) sell'     # any regular expression
    python scripts/pattern_matches.py mod:mod-lexical-negation             # a modifier rule of modifiers.ttl
    python scripts/pattern_matches.py mod:all                              # every modifier rule, one line each
    python scripts/pattern_matches.py tokens:all                           # every cue's token patterns, one line each
    python scripts/pattern_matches.py tokens:share                         # one cue's token patterns, one line each
    [--folder ../shared/corpus/tosback/latest] [--show 40]

Sentences are those policykg reads (its reader and structure); cues are also asked of the headings
and list lead-ins they are asked of in extraction. Prints how many sentences of how many
policies match, then the first --show, one per line with its policy. A pattern is supported when
sentences of at least three different policies match and, read, say what the pattern claims.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ModifierRule:
    """A modifier rule of ontology/modifiers.ttl as a pattern: it "matches" a sentence where it triggers."""

    def __init__(self, name: str):
        from policykg.ingest.reading import ReadingLayer, ReadingRules, packaged_rules

        rules = packaged_rules()
        chosen = [r for r in rules.rules if r.name == name]
        if not chosen:
            raise SystemExit(f"pattern_matches: no modifier rule {name!r} in modifiers.ttl")
        # the rule alone, with the clause markers (a pseudo rule is read as a trigger of its own)
        rule = chosen[0]
        if rule.category == "Pseudo":
            from dataclasses import replace
            rule = replace(rule, category="PseudoMatch")
        self.layer = ReadingLayer(ReadingRules((rule,), rules.markers))

    def search(self, text: str) -> bool:
        return bool(self.layer.read(text).modifiers)


def compile_spec(spec: str):
    kind, _, rest = spec.partition(":")
    if kind == "mod":
        return ModifierRule(rest)
    if kind == "cue":
        from policykg.ingest.lexicon import load_lexicon

        return load_lexicon().cue(rest)
    if kind == "re":
        return re.compile(rest, re.I)
    module, _, name = spec.rpartition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pattern")
    ap.add_argument("--folder", type=Path, default=ROOT.parent / "shared" / "corpus" / "tosback" / "latest")
    ap.add_argument("--show", type=int, default=40)
    args = ap.parse_args(argv)
    from policykg.errors import InputError
    from policykg.ingest.pipeline import policy_files, read_document

    # (label, pattern): a line each
    if args.pattern == "mod:all":
        from policykg.ingest.reading import packaged_rules

        specs = [(f"mod:{r.name}", compile_spec(f"mod:{r.name}")) for r in packaged_rules().rules]
    elif args.pattern.startswith("tokens:"):
        from policykg.ingest.lexicon import load_lexicon
        from policykg.ingest.tokenpatterns import TokenCue

        wanted = args.pattern.removeprefix("tokens:")
        specs = [(f"cue-{name} {p}", TokenCue([p])) for name, cue in sorted(load_lexicon().cues.items())
                 if wanted in ("all", name) and isinstance(cue, TokenCue) for p in cue.patterns]
        if not specs:
            raise SystemExit(f"pattern_matches: no cue {wanted!r} with token patterns")
    else:
        specs = [(args.pattern, compile_spec(args.pattern))]
    # cues are asked of headings and lead-ins too
    with_blocks = args.pattern.startswith(("tokens:", "cue:"))
    hits: list[list[tuple[str, str]]] = [[] for _ in specs]
    files, _ = policy_files([args.folder])
    for file in files:
        try:
            doc = read_document(file.path, file.slug)
        except InputError:
            continue
        texts = [s.text for s in doc.sentences]
        if with_blocks:
            texts += list(dict.fromkeys(t for s in doc.sentences for t in (*s.block.headings[-2:], s.block.lead) if t))
        for found, (_, pattern) in zip(hits, specs):
            found += [(doc.slug, t) for t in texts if pattern.search(t)]
    for found, (label, _) in zip(hits, specs):
        print(f"{len(found)} texts of {len({p for p, _ in found})} policies match {label}")
        if len(specs) == 1:
            for policy, text in found[:args.show]:
                print(f"{policy:28} {text[:220]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
