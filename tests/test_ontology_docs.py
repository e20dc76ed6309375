"""docs/ontology.html: pyLODE's page of ontology/core.ttl, made by scripts/make-ontology-docs.py."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "ontology" / "core.ttl"
SCRIPT = ROOT / "scripts" / "make-ontology-docs.py"
PAGE = ROOT / "docs" / "ontology.html"


def terms() -> dict[str, set[str]]:
    graph = rdflib.Graph().parse(CORE)
    return {"class": {str(c) for c in graph.subjects(RDF.type, OWL.Class)},
            "property": {str(p) for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                         for p in graph.subjects(RDF.type, kind)}}


def unnamed(html: str) -> list[str]:
    return sorted(iri for group in terms().values() for iri in group if f">{iri}<" not in html)


@pytest.mark.skipif(importlib.util.find_spec("pylode") is None, reason="pyLODE is not installed (dev extra)")
def test_script_writes_a_page_that_names_every_class_and_property(tmp_path: Path) -> None:
    out = tmp_path / "ontology.html"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    found = terms()
    assert f"({len(found['class'])} classes, {len(found['property'])} properties of core.ttl)" in proc.stdout
    html = out.read_text(encoding="utf-8")
    assert len(found["class"]) >= 20 and unnamed(html) == []
    assert "policykg core ontology" in html


def test_committed_page_names_every_class_and_property_of_core_ttl() -> None:
    missing = unnamed(PAGE.read_text(encoding="utf-8"))
    assert missing == [], f"docs/ontology.html is older than core.ttl: run python scripts/make-ontology-docs.py ({missing})"


def test_readme_links_the_page() -> None:
    assert "(docs/ontology.html)" in (ROOT / "README.md").read_text(encoding="utf-8")
