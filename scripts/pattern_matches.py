"""List the corpus sentences a pattern matches, to review a new or changed pattern before committing it.

    python scripts/pattern_matches.py cue:dnt-honored                      # a cue of ontology/cues.ttl
    python scripts/pattern_matches.py policykg.ingest.extract:_DNT_DEFINED # a compiled pattern in the code
    python scripts/pattern_matches.py 're:\\bwe (?:do not|never) sell'     # any regular expression
    [--folder ../shared/corpus/tosback/latest] [--show 40]

Sentences are those policykg reads (its reader and structure). Prints how many sentences of how many
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


def compile_spec(spec: str):
    kind, _, rest = spec.partition(":")
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

    pattern = compile_spec(args.pattern)
    hits: list[tuple[str, str]] = []
    files, _ = policy_files([args.folder])
    for file in files:
        try:
            doc = read_document(file.path, file.slug)
        except InputError:
            continue
        hits += [(doc.slug, s.text) for s in doc.sentences if pattern.search(s.text)]
    print(f"{len(hits)} sentences of {len({p for p, _ in hits})} policies match {args.pattern}")
    for policy, text in hits[:args.show]:
        print(f"{policy:28} {text[:220]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
