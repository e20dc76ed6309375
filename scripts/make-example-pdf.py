"""Regenerate examples/orbit-fitness.pdf from tests/data/orbit-fitness.txt (the PDF example's text).

    python scripts/make-example-pdf.py

Headings are the short lines without a full stop; everything else is set as wrapped paragraphs,
so the PDF reads like a policy exported from a word processor.
"""
from __future__ import annotations

import sys
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent


def make_pdf(text: str, out: Path) -> None:
    pdf = FPDF()
    pdf.set_title("Orbit Fitness Privacy Policy")
    pdf.add_page()
    for block in text.split("\n\n"):
        block = block.strip()
        if not block:
            continue
        heading = "\n" not in block and len(block) < 80 and not block.endswith(".")
        pdf.set_font("Helvetica", "B" if heading else "", 13 if heading else 10)
        pdf.multi_cell(0, 6 if heading else 5, block)
        pdf.ln(3)
    pdf.output(str(out))


if __name__ == "__main__":
    source = ROOT / "tests/data/orbit-fitness.txt"
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples/orbit-fitness.pdf"
    make_pdf(source.read_text(encoding="utf-8"), target)
    print(f"wrote {target}")
