"""Time and peak memory of reading and structuring large generated documents, one process per case.

    python scripts/bench_structure.py            # read_document (reading + structure) only
    python scripts/bench_structure.py --extract  # and extraction to quads (policy_quads), as ingest does

Cases: Markdown with 20,000 headings (each with a sentence under it), Markdown with 50,000 list items
under one lead-in, and a 5 MB single line of sentences (plain text). Each case runs in a fresh
interpreter, so its peak RSS (ru_maxrss) is its own; the figure includes the interpreter and the
imported libraries (about 40 MB).
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

SENTENCES = [
    "We collect your name, e-mail address and postal address when you create an account.",
    "We use your information to provide the service and to answer your questions.",
    "We never sell your personal data to third parties.",
    "You can ask us to delete your account at any time from the settings page.",
    "We keep server logs for thirty days and then delete them.",
    "Our service providers process data on our behalf under written contracts.",
]


def make_cases(folder: Path) -> dict[str, Path]:
    rng = random.Random(7)
    cases = {
        "20k-headings.md": "".join(f"{'#' * (1 + i % 6)} Section {i}\n\n{rng.choice(SENTENCES)}\n\n" for i in range(20_000)),
        "50k-items.md": "We collect the following information:\n\n"
                        + "".join(f"- item {i}: {rng.choice(SENTENCES)}\n" for i in range(50_000)),
        "5mb-line.txt": "",
    }
    line: list[str] = []
    size = 0
    while size < 5_000_000:
        s = rng.choice(SENTENCES)
        line.append(s)
        size += len(s) + 1
    cases["5mb-line.txt"] = " ".join(line)[:5_000_000]
    paths = {}
    for name, text in cases.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths[name] = folder / name
    return paths


CHILD = """
import json, resource, sys, time
from pathlib import Path
from policykg.ingest.pipeline import policy_quads, read_document
path, extract = Path(sys.argv[1]), sys.argv[2] == "1"
start = time.perf_counter()
if extract:
    doc, quads = policy_quads(path)
else:
    doc, quads = read_document(path), []
print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "blocks": len(doc.blocks),
                  "sentences": len(doc.sentences), "quads": len(quads),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract", action="store_true", help="also extract facts and build quads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in make_cases(Path(tmp)).items():
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), "1" if args.extract else "0"],
                                 capture_output=True, text=True, check=True)
            result = json.loads(out.stdout)
            print(f"{name:16} {result['seconds']:6.2f} s  peak RSS {result['peak_rss_mb']:5d} MB  "
                  f"{result['blocks']} blocks, {result['sentences']} sentences, {result['quads']} quads")


if __name__ == "__main__":
    main()
