"""Write a projection (see :mod:`policykg.projections`) as a file people open in a tool.

- ``graphml`` and ``gexf`` (networkx's writers) open in Gephi and Cytoscape: attributes keep their
  types, ``label`` is the human-readable name and ``iri`` keeps the RDF node;
- ``dot`` is Graphviz text with its own node ids (``n0``, ``n1``, ...; IRIs are not valid DOT ids
  everywhere), the IRI kept as an ``iri`` attribute; ``svg`` and ``png`` run Graphviz on it;
- ``cyjs`` is Cytoscape.js JSON (elements with ``data``), which Cytoscape desktop imports too;
- ``html`` is one self-contained page that works offline: the vendored Cytoscape.js library and
  its fCoSE layout (``policykg/viewer/*.js``, MIT, licences beside them) and the graph are inlined
  into ``policykg/viewer/template.html``; no CDN and no network request at all.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from importlib import resources
from typing import TYPE_CHECKING

from policykg.errors import PolicyKGError

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("graphml", "gexf", "dot", "svg", "png", "html", "cyjs")
BINARY_FORMATS = ("png",)

# One colour per node kind, shared by the DOT drawing and the HTML legend (Tableau 10 palette).
KIND_COLOURS = {
    "controller": "#4e79a7",
    "practice": "#bab0ac",
    "data": "#59a14f",
    "purpose": "#f28e2b",
    "recipient": "#e15759",
    "legal-basis": "#b07aa1",
    "transfer-safeguard": "#9c755f",
    "right": "#76b7b2",
    "measure": "#edc948",
    "question": "#ff9da7",
    "answer": "#d4d4d4",
}
OTHER_COLOUR = "#d4d4d4"
_DOT_SHAPES = {"controller": "box", "practice": "ellipse", "question": "octagon"}
# Beyond this many nodes Graphviz's layered `dot` layout gets slow and tall; sfdp draws a map instead.
_DOT_LAYERED_MAX_NODES = 150
_TOOLTIP_MAX = 600


class RenderError(PolicyKGError):
    """A format cannot be produced here (e.g. Graphviz is not installed)."""


def render(graph: "nx.DiGraph", fmt: str) -> bytes:
    """The graph in format ``fmt`` (one of :data:`FORMATS`), as bytes ready to be written."""
    if fmt == "graphml":
        import networkx as nx

        buf = io.BytesIO()
        nx.write_graphml(_without_nested(graph), buf, encoding="utf-8", prettyprint=True)
        return buf.getvalue()
    if fmt == "gexf":
        import networkx as nx

        g = _without_nested(graph)
        for _, data in g.nodes(data=True):     # Gephi shows GEXF's viz colours as they are
            data["viz"] = {"color": _rgb(KIND_COLOURS.get(str(data.get("kind")), OTHER_COLOUR))}
        buf = io.BytesIO()
        nx.write_gexf(g, buf, encoding="utf-8", prettyprint=True)
        return buf.getvalue()
    if fmt == "dot":
        return to_dot(graph).encode("utf-8")
    if fmt in ("svg", "png"):
        return run_graphviz(to_dot(graph), fmt, engine=_engine(graph))
    if fmt == "cyjs":
        return json.dumps(to_cyjs(graph), ensure_ascii=False, indent=1).encode("utf-8")
    if fmt == "html":
        return to_html(graph).encode("utf-8")
    raise RenderError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def _rgb(colour: str) -> dict[str, int | float]:
    return {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16), "b": int(colour[5:7], 16), "a": 1.0}


def _without_nested(graph: "nx.DiGraph") -> "nx.DiGraph":
    """GraphML and GEXF take scalar graph attributes only; the projections' ones are strings already."""
    g = graph.copy()
    g.graph = {k: v for k, v in graph.graph.items() if isinstance(v, (str, int, float, bool))}
    return g


# ------------------------------------------------------------------ Graphviz

def _dot_string(text: object) -> str:
    s = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{s}"'


def _attrs(pairs: dict[str, object]) -> str:
    return ", ".join(f"{k}={_dot_string(v)}" for k, v in pairs.items() if v not in (None, ""))


def _clip(text: str, limit: int = _TOOLTIP_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _engine(graph: "nx.DiGraph") -> str:
    return "dot" if graph.number_of_nodes() <= _DOT_LAYERED_MAX_NODES else "sfdp"


def to_dot(graph: "nx.DiGraph") -> str:
    """Graphviz DOT text: nodes ``n0``.. with ``label``, ``kind``, ``iri``, colour by kind, the
    evidence as a tooltip (shown on hover in SVG); edge width grows with ``weight``; ruled-out
    practices are dashed."""
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    layered = _engine(graph) == "dot"
    title = graph.graph.get("title", "policykg")
    lines = [
        "digraph policykg {",
        f"  graph [{_attrs({'label': title, 'labelloc': 't', 'fontname': 'DejaVu Sans', 'fontsize': 16})}"
        + (", rankdir=LR, nodesep=0.25, ranksep=1.2" if layered else ", overlap=prism, splines=false, outputorder=edgesfirst")
        + "];",
        '  node [style="filled", fontname="DejaVu Sans", fontsize=10, penwidth=0.5];',
        '  edge [fontname="DejaVu Sans", fontsize=8, color="#00000066", arrowsize=0.6];',
    ]
    for node, data in graph.nodes(data=True):
        kind = str(data.get("kind", ""))
        attrs = {
            "label": data.get("label", node),
            "kind": kind,
            "iri": data.get("iri", ""),
            "policy": _clip(str(data.get("policy", "")), 200),
            "fillcolor": KIND_COLOURS.get(kind, OTHER_COLOUR),
            "shape": _DOT_SHAPES.get(kind, "ellipse"),
            "tooltip": _clip(str(data.get("evidence") or data.get("iri") or data.get("label", ""))),
        }
        lines.append(f"  {ids[node]} [{_attrs(attrs)}];")
    for source, target, data in graph.edges(data=True):
        weight = int(data.get("weight", 1) or 1)
        attrs = {
            "label": data.get("label", ""),
            "relation": data.get("relation", ""),
            "policy": _clip(str(data.get("policy", "")), 200),
            "tooltip": _clip(str(data.get("evidence", ""))),
            "penwidth": f"{min(0.8 + 0.6 * (weight - 1), 6):.1f}",
            "style": "dashed" if data.get("modality") == "ruled out" else "",
        }
        if data.get("condition") or data.get("safeguards"):
            # a conditioned transfer (a merger) stands out, and its label is coloured like its line
            attrs.update({"color": "#b2182b", "fontcolor": "#b2182b", "penwidth": "1.6"})
        lines.append(f"  {ids[source]} -> {ids[target]} [{_attrs(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def run_graphviz(dot_text: str, fmt: str, *, engine: str = "dot", timeout: float = 300) -> bytes:
    """Render DOT text to ``svg`` or ``png`` with the Graphviz program ``engine``."""
    program = shutil.which(engine)
    if program is None:
        raise RenderError(f"--format {fmt} needs Graphviz's `{engine}` program, which is not installed "
                          "(Debian: apt-get install graphviz); --format dot or html work without it")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Graphviz `{engine}` took more than {timeout:.0f} s; draw fewer policies "
                          "(--policy) or a coarser --level, or use --format html") from exc
    if done.returncode != 0:
        raise RenderError(f"Graphviz `{engine}` failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


# ------------------------------------------------------------------ Cytoscape.js

def to_cyjs(graph: "nx.DiGraph") -> dict[str, object]:
    """Cytoscape.js JSON: ``elements.nodes`` and ``elements.edges``, each with a ``data`` object.

    ``name`` repeats ``label`` (Cytoscape desktop shows ``name``) and ``interaction`` repeats the
    edge's ``relation``; the graph reads back with ``networkx.cytoscape_graph``.
    """
    nodes = [{"data": {"id": str(node), "name": str(data.get("label", node)), "value": str(node), **data}}
             for node, data in graph.nodes(data=True)]
    edges = [{"data": {"id": f"e{i}", "source": str(s), "target": str(t),
                       "interaction": str(data.get("relation", "")), **data}}
             for i, (s, t, data) in enumerate(graph.edges(data=True))]
    return {
        "format_version": "1.0",
        "generated_by": "policykg",
        "target_cytoscapejs_version": "~3.34",
        "data": {k: v for k, v in graph.graph.items() if isinstance(v, (str, int, float, bool))},
        "directed": True,
        "multigraph": False,
        "elements": {"nodes": nodes, "edges": edges},
    }


def _viewer_file(name: str) -> str:
    return resources.files("policykg").joinpath("viewer", name).read_text(encoding="utf-8")


def _json_in_script(value: object) -> str:
    """JSON that can sit inside a <script> element: ``</`` and ``<!--`` are escaped (still valid JSON)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _code_in_script(code: str) -> str:
    if re.search(r"</script|<!--", code, re.IGNORECASE):
        raise RenderError("the vendored JavaScript contains '</script' or '<!--' and cannot be inlined as it is")
    return code


# Up to this many nodes the page lays the graph out itself (fCoSE, about a second); beyond, the
# browser's force-directed layout takes several seconds, so the positions are computed here with
# networkx's ForceAtlas2 (Gephi's algorithm) and the page opens laid out.
BROWSER_LAYOUT_MAX_NODES = 300


def layout_positions(graph: "nx.DiGraph") -> dict[str, tuple[float, float]]:
    """Node positions in pixels from networkx's ForceAtlas2 (seeded, so a page is reproducible)."""
    import networkx as nx

    if graph.number_of_nodes() == 0:
        return {}
    undirected = graph.to_undirected(as_view=True)
    pos = nx.forceatlas2_layout(undirected, seed=1, max_iter=100, weight="weight")   # numpy only
    half_width = 40 * graph.number_of_nodes() ** 0.5
    pos = nx.rescale_layout_dict(pos, scale=half_width)
    return {str(node): (float(x), float(y)) for node, (x, y) in pos.items()}


# The vendored libraries, in load order, each with its licence (see policykg/viewer/README.md).
LIBRARIES = (
    ("cytoscape.min.js", "cytoscape.LICENSE"),
    ("layout-base.js", "layout-base.LICENSE"),
    ("cose-base.js", "cose-base.LICENSE"),
    ("cytoscape-fcose.js", "cytoscape-fcose.LICENSE"),
)


def to_html(graph: "nx.DiGraph") -> str:
    """One self-contained HTML page: pan, zoom, search, colour by kind with a legend, and a side
    panel with the evidence of the node or edge clicked. Works from a file with no network."""
    import html

    data = to_cyjs(graph)
    positions = layout_positions(graph) if graph.number_of_nodes() > BROWSER_LAYOUT_MAX_NODES else {}
    for node in data["elements"]["nodes"]:             # type: ignore[index]
        if node["data"]["id"] in positions:
            x, y = positions[node["data"]["id"]]
            node["position"] = {"x": round(x, 1), "y": round(y, 1)}
    payload = {"graph": data, "colours": KIND_COLOURS, "other": OTHER_COLOUR}
    page = _viewer_file("template.html")
    scripts = []
    for code, licence in LIBRARIES:
        notice = _viewer_file(licence).replace("*/", "* /")
        scripts.append(f"<script>/* {code}\n{notice}*/\n{_code_in_script(_viewer_file(code))}\n</script>")
    title = str(graph.graph.get("title", "policykg graph"))
    replacements = {
        "__TITLE__": html.escape(title),
        "<!--__LIBRARIES__-->": "\n".join(scripts),
        "__GRAPH_JSON__": _json_in_script(payload),
    }
    missing = [m for m in replacements if m not in page]
    if missing:
        raise RenderError(f"the viewer template lacks its {', '.join(missing)} marker")
    # one pass, so a marker-like string inside the libraries or the data is never replaced
    pattern = re.compile("|".join(re.escape(m) for m in replacements))
    return pattern.sub(lambda m: replacements[m.group(0)], page)
