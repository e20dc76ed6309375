"""Fuzz reading and structure: generated and mutated inputs through read_document, crashes counted.

    python scripts/fuzz_ingest.py                      # 10,800 inputs, seed 1, 10 s per input, 2 jobs
    python scripts/fuzz_ingest.py --scale 0.1 --seed 7 # a tenth of them, another seed
    python scripts/fuzz_ingest.py --only pdf --save-failures /tmp/fuzz   # keep each failing input
    python scripts/fuzz_ingest.py --replay pdf:123     # run one input again, in this process

Every input is made from (seed, case class, number) alone, so a failure is reproduced by its number.
Classes: encodings, truncations, NUL bytes, deep nesting, huge lines, broken PDF objects, front
matter, tables, Markdown and HTML mutations of the files of examples/, random bytes.

Each class runs in a worker process of its own that calls policykg.ingest.pipeline.read_document
in-process on one input at a time; the parent kills a worker whose input runs past --timeout (a
timeout: regular expressions and C libraries cannot be interrupted from inside) and starts a new
one. An input's outcome is ``ok``, ``input-error`` (an InputError: the file's own fault, reported
by name) or ``crash`` (any other exception). Peak RSS per class is the largest ru_maxrss of its
workers. Exit status 1 when there was a crash or a timeout.
"""
from __future__ import annotations

import argparse
import io
import multiprocessing
import random
import re
import resource
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

# class -> inputs at --scale 1
CLASSES = {
    "encodings": 1200, "truncations": 1200, "nul-bytes": 1000, "nesting": 600, "huge-lines": 200,
    "pdf": 1500, "front-matter": 1200, "tables": 800, "markdown": 1300, "html": 1000, "random": 800,
}

WORDS = ("we collect use share your personal data information e-mail address name account service partners "
         "cookies retain delete rights access request controller processing consent legitimate interests "
         "third parties advertising security transfer United States Acme Ltd. Inc. Sec. 4.2 e.g. i.e.").split()
MARKUP = ["[", "]", "(", ")", "**", "__", "*", "_", "`", "<", ">", "|", "#", "\\", "!", "---", "===", "- ", "1. ",
          "&amp;", "&#0;", "&#x110000;", "<!--", "-->", "<br>", "\t", "  ", "\u00a0", "\u200b", "\ufeff",
          "\u202e", "\u0301", "\U0001f6e1", "\ufffd", "\x0c", "\x1b", "\r", "\r\n", "mailto:", "http://x.example/"]
CODECS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
          "cp1252", "latin-1", "cp874", "shift_jis", "gb18030", "koi8-r", "mac-roman", "cp437"]
SUFFIXES = [".txt", ".md", ".html", ".htm", ".pdf", ".markdown", ".xhtml", ".text"]


def _examples() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(EXAMPLES.rglob("*")) if p.is_file() and p.name != "README.md"}


def _words(rng: random.Random, n: int, period: float = 0.1) -> str:
    out = []
    for _ in range(n):
        w = rng.choice(WORDS)
        out.append(w.capitalize() if out and out[-1].endswith(".") else w)
        if rng.random() < period:
            out[-1] += rng.choice(".....!?;:,")
    return " ".join(out)


def _text_example(rng: random.Random, ex: dict[str, bytes]) -> tuple[str, str]:
    name = rng.choice([n for n in ex if not n.endswith(".pdf")])
    return ex[name].decode("utf-8"), Path(name).suffix


def _mutate_bytes(rng: random.Random, data: bytes, edits: int) -> bytes:
    buf = bytearray(data)
    for _ in range(edits):
        if not buf:
            break
        op, i = rng.random(), rng.randrange(len(buf))
        if op < 0.3:
            buf[i] = rng.randrange(256)
        elif op < 0.5:
            del buf[i:i + rng.randint(1, 64)]
        elif op < 0.7:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j:j + rng.randint(1, 256)]
        elif op < 0.85:
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            buf[i:i] = rng.choice(MARKUP).encode("utf-8") * rng.randint(1, 50)
    return bytes(buf)


# ------------------------------------------------------------------ the classes

def gen_encodings(rng, ex):
    text, suffix = _text_example(rng, ex)
    codec = rng.choice(CODECS)
    data = text.encode(codec, errors="replace")
    r = rng.random()
    if r < 0.2 and codec.startswith("utf-16"):
        data = data[2:] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data      # BOM dropped
    elif r < 0.4:                                     # two encodings in one file
        half = len(text) // 2
        data = text[:half].encode(codec, errors="replace") + text[half:].encode(rng.choice(CODECS), errors="replace")
    elif r < 0.5:                                     # mojibake: UTF-8 read as a code page, saved as UTF-8
        data = text.encode("utf-8").decode(rng.choice(["cp1252", "latin-1", "cp874"]), errors="replace").encode("utf-8")
    elif r < 0.6:                                     # an odd byte count of UTF-16
        data = data[:len(data) - 1]
    return data, rng.choice([suffix, suffix, ".txt", ".md", ".html"])


def gen_truncations(rng, ex):
    name = rng.choice(list(ex))
    data = ex[name]
    cut = rng.randrange(1, len(data))
    data = data[:cut] if rng.random() < 0.7 else data[cut:]
    if rng.random() < 0.3:
        data = data[:rng.randrange(0, max(1, len(data)))] + data[rng.randrange(0, max(1, len(data))):]
    return data, Path(name).suffix


def gen_nul_bytes(rng, ex):
    name = rng.choice(list(ex))
    data, r = bytearray(ex[name]), rng.random()
    if r < 0.3:
        for _ in range(rng.choice([1, 2, 5, 50, 1000])):
            data.insert(rng.randrange(len(data) + 1), 0)
    elif r < 0.5:
        data = bytearray(b"".join(bytes([b, 0]) for b in data))          # fake UTF-16-LE
    elif r < 0.6:
        data = bytearray(b"".join(bytes([0, 0, 0, b]) for b in data))    # fake UTF-32-BE
    elif r < 0.7:
        data = bytearray(b"\x00" * rng.randint(1, 100_000))
    elif r < 0.85:
        i = rng.randrange(len(data))
        data[i:i] = b"\x00" * rng.randint(1, 5000)
    else:
        for _ in range(rng.randint(1, 200)):
            data[rng.randrange(len(data))] = 0
    return bytes(data), rng.choice([Path(name).suffix, ".txt", ".md"])


def gen_nesting(rng, ex):
    depth = rng.choice([50, 300, 1000, 5000, 20_000])
    r = rng.random()
    body = f"<p>{_words(rng, 30)}</p>"
    if r < 0.3:
        tag = rng.choice(["div", "span", "ul", "li", "table", "blockquote", "section", "b", "a", "p"])
        close = "" if rng.random() < 0.3 else f"</{tag}>" * depth
        return f"<html><body>{f'<{tag}>' * depth}{body}{close}</body></html>".encode(), rng.choice([".html", ".txt"])
    if r < 0.45:
        return "".join(" " * (2 * (i % 200)) + f"- item {i} {_words(rng, 3)}\n" for i in range(depth)).encode(), ".md"
    if r < 0.55:
        return (">" * depth + " " + _words(rng, 20) + "\n").encode(), ".md"
    if r < 0.7:
        o, c = rng.choice([("[", "]"), ("(", ")"), ("**", "**"), ("_", "_"), ("<b>", "</b>"), ("`", "`")])
        return (_words(rng, 10) + ". " + o * depth + _words(rng, 10) + c * rng.choice([0, depth]) + "\n").encode(), \
            rng.choice([".md", ".txt"])
    if r < 0.85:
        return "".join(f"{'#' * (1 + i % 6)} Heading {i}\n\n{_words(rng, 8)}\n\n" for i in range(depth)).encode(), ".md"
    return ("<html><body>" + "<table><tr><td>" * min(depth, 2000) + body + "</td></tr></table>" * min(depth, 2000)
            + "</body></html>").encode(), ".html"


def gen_huge_lines(rng, ex):
    size = rng.choice([50_000, 200_000, 1_000_000])
    r = rng.random()
    if r < 0.3:
        line = _words(rng, size // 6, period=rng.choice([0.0, 0.05, 0.2]))
    elif r < 0.6:
        unit = rng.choice(MARKUP) + rng.choice(["a ", "", " ", "a"])
        line = unit * (size // max(1, len(unit)))
    elif r < 0.7:
        line = "a" * size
    elif r < 0.8:
        line = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(size // 10)) * 10
    else:
        line = " ".join(rng.choice(WORDS + MARKUP) for _ in range(size // 5))
    prefix = rng.choice(["", "# ", "- ", "| ", "> ", "1. ", "<p>", "---\ntitle: x\n---\n"])
    suffix = rng.choice([".txt", ".md", ".html"])
    return (prefix + line[:size] + rng.choice(["", " |", "\n"])).encode("utf-8"), suffix


def _pypdf(rng) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    for _ in range(rng.randint(1, 3)):
        page = writer.add_blank_page(612, 792)
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject(rng.choice(["/Helvetica", "/Nope", "/Symbol"]))})
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
        r = rng.random()
        text = _words(rng, 40).replace("(", "").replace(")", "")
        if r < 0.4:
            content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        elif r < 0.6:    # odd operators and operands
            content = " ".join(rng.choice(["BT", "ET", "Tj", "TJ", "/F1", "12", "Tf", "(x)", "[(a) -20 (b)]", "Td",
                                           "<414243>", "q", "Q", "cm", "1 0 0 1 0 0", "Do", "/Im1", "'", "\""])
                               for _ in range(rng.randint(1, 500))).encode()
        elif r < 0.75:
            content = b"BT /F1 12 Tf [" + b"(a) -1 " * rng.randint(1, 50_000) + b"] TJ ET"
        else:
            content = _mutate_bytes(rng, f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode(), rng.randint(1, 10))
        if rng.random() < 0.5:
            stream = StreamObject()
            packed = zlib.compress(content)
            stream._data = _mutate_bytes(rng, packed, rng.randint(0, 3)) if rng.random() < 0.3 else packed
            stream[NameObject("/Filter")] = NameObject(rng.choice(["/FlateDecode", "/FlateDecode", "/LZWDecode",
                                                                   "/ASCIIHexDecode", "/Bogus"]))
        else:
            stream = DecodedStreamObject()
            stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream)
    if rng.random() < 0.2:
        writer.encrypt(user_password=rng.choice(["", "", "pw"]), owner_password="o",
                       algorithm=rng.choice(["AES-128", "AES-256", "RC4-128", "RC4-40"]))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def gen_pdf(rng, ex):
    r = rng.random()
    if r < 0.45:
        data = _mutate_bytes(rng, ex["orbit-fitness.pdf"], rng.choice([1, 2, 5, 20, 100]))
    elif r < 0.55:   # object tokens broken
        data = ex["orbit-fitness.pdf"]
        for token in rng.sample([b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"/Root", b"/Pages",
                                 b"/Length", b"startxref", b"R"], rng.randint(1, 4)):
            data = data.replace(token, rng.choice([b"", b"X", token * 2, b"<<", b"]"]), rng.randint(1, 3))
    elif r < 0.95:
        data = _pypdf(rng)
        if rng.random() < 0.3:
            data = _mutate_bytes(rng, data, rng.randint(1, 20))
    else:            # a small decompression bomb (pypdf stops at 75 MB)
        data = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] " \
               b"/Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
        packed = zlib.compress(b"\0" * 80_000_000, 9)
        data += b"4 0 obj << /Length %d /Filter /FlateDecode >> stream\n" % len(packed) + packed + \
            b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return data, rng.choice([".pdf", ".pdf", ".pdf", ".txt"])


def gen_front_matter(rng, ex):
    r = rng.random()
    body = _text_example(rng, ex)[0] if rng.random() < 0.5 else _words(rng, 60) + "\n"
    if r < 0.15:     # alias bombs of various shapes
        levels, width = rng.randint(2, 12), rng.randint(2, 10)
        lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
        header = "\n".join(lines) + rng.choice([f"\ntitle: *a{levels - 1}", f"\ndate: *a{levels - 1}", ""])
    elif r < 0.3:
        header = "title: " + "[" * rng.choice([10, 500, 5000]) + "]" * rng.choice([0, 10, 500, 5000])
    elif r < 0.4:
        header = "".join(f"k{i}: {_words(rng, 5)}\n" for i in range(rng.choice([100, 5000, 20_000])))
    elif r < 0.55:
        header = rng.choice(["title: [unclosed", "title: 'x", "\ttitle: tab", "title: !!python/object:os.system x",
                             "title: !!binary aGVsbG8=", "date: 2024-13-45", "? [a, b]\n: c", "title: {a: 1",
                             "- a\n- b", "42", "~", "title: &x 1\ndate: *x", "title: *undefined", "%YAML 9.9\n---",
                             "title: 99999999999999999999999999999e99999", "<<: {title: merged}", "title:\n  - a\n  - b",
                             "title: {a: {b: {c: d}}}", "!!set {a, b}", "title: " + "x" * 70_000])
    elif r < 0.7:
        header = _mutate_bytes(rng, f"title: {_words(rng, 4)}\ndate: 2024-03-01\nupdated: x".encode(),
                               rng.randint(1, 10)).decode("utf-8", errors="replace")
    else:
        header = f"title: {_words(rng, 4)}\ndate: 2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    close = rng.choice(["---", "---", "...", "", "----", "--- "])
    opening = rng.choice(["---", "---", "---", "+++", "----", "--- "])
    return f"{opening}\n{header}\n{close}\n\n{body}".encode("utf-8", errors="replace"), rng.choice([".md", ".md", ".markdown", ".txt"])


def gen_tables(rng, ex):
    rows = 20_000 if rng.random() < 0.05 else rng.choice([2, 10, 100, 1000])
    cols = rng.choice([1, 3, 10, 300])
    if rows * cols > 300_000:
        cols = 10
    lines = [f"We keep the following data:\n"]
    for i in range(rows):
        n = cols if rng.random() < 0.8 else rng.randint(0, cols * 2)
        cells = [rng.choice([_words(rng, rng.randint(0, 6)), "", rng.choice(MARKUP), "|", "---", ":--:"]) for _ in range(n)]
        lines.append(("|" if rng.random() < 0.9 else "") + "|".join(cells) + ("|" if rng.random() < 0.9 else ""))
        if i == 0 and rng.random() < 0.7:
            lines.append("|" + "|".join(["---"] * cols) + "|")
    text = "\n".join(lines) + "\n"
    if rng.random() < 0.3:
        cells = "".join(f"<td>{_words(rng, 3)}</td>" for _ in range(cols))
        return ("<html><body><table>" + f"<tr>{cells}</tr>" * rows + "</table></body></html>").encode(), ".html"
    return text.encode(), rng.choice([".md", ".txt"])


def gen_markdown(rng, ex):
    text, suffix = _text_example(rng, ex)
    lines = text.split("\n")
    for _ in range(rng.randint(1, 40)):
        op = rng.random()
        i = rng.randrange(len(lines))
        if op < 0.2:
            lines.insert(i, rng.choice(["#" * rng.randint(1, 8) + " " + _words(rng, 3), "===", "---", "", "- ", "1.",
                                        "| a | b |", "|---|", "    " + _words(rng, 5), "o " + _words(rng, 4),
                                        "(i) " + _words(rng, 4), "***", "```", ">"]))
        elif op < 0.4:
            line = lines[i]
            j = rng.randint(0, len(line))
            lines[i] = line[:j] + rng.choice(MARKUP) * rng.randint(1, 5) + line[j:]
        elif op < 0.55:
            del lines[i]
        elif op < 0.7:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op < 0.8:
            rng.shuffle(lines)
        elif op < 0.9:
            lines[i] = " " * rng.randint(1, 200) + lines[i]
        else:
            lines[i] = lines[i] * rng.randint(2, 200)
    if not lines:
        lines = [""]
    return "\n".join(lines).encode("utf-8", errors="surrogatepass"), rng.choice([suffix, ".md", ".txt"])


def gen_html(rng, ex):
    html = ex["harbor-goods.html"].decode("utf-8")
    for _ in range(rng.randint(1, 30)):
        op, i = rng.random(), rng.randrange(len(html))
        if op < 0.25:
            html = html[:i] + rng.choice(["<div>", "</div>", "<p>", "</p>", "<script>", "</script>", "<!--", "-->",
                                          "<![CDATA[", "]]>", "<style>", "<table>", "<li>", "<h1>", "</h7>", "<",
                                          "&", "&#x110000;", "&#0;", "&nbsp;", "<meta charset=\"koi8-r\">",
                                          "<?xml version=\"1.0\"?>", "<br/>", "<a href=\"mailto:", "<svg>", "\x00"]) \
                + html[i:]
        elif op < 0.5:
            j = html.find(">", i)
            html = html[:i] + html[j + 1:] if j > 0 else html
        elif op < 0.65:
            html = html[:i] + html[i + rng.randint(1, 500):]
        elif op < 0.8:
            html = html[:i] + _words(rng, rng.randint(1, 50)) + html[i:]
        else:
            j = rng.randrange(len(html))
            html = html[:i] + html[j:j + rng.randint(1, 300)] + html[i:]
    return html.encode("utf-8", errors="replace"), rng.choice([".html", ".htm", ".xhtml", ".txt"])


def gen_random(rng, ex):
    r = rng.random()
    n = rng.choice([1, 2, 10, 100, 1000, 50_000])
    if r < 0.4:
        data = bytes(rng.randrange(256) for _ in range(n))
    elif r < 0.7:
        data = "".join(chr(rng.choice([rng.randrange(0x20, 0x7f), rng.randrange(0xa0, 0xd7ff), rng.randrange(0xe000, 0x10ffff), 10, 32]))
                       for _ in range(n)).encode("utf-8", errors="replace")
    elif r < 0.85:
        data = rng.choice([b"%PDF-", b"%PDF-1.7\n", b"<html>", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                           b"\xff\xfe\x00\x00", b"---\n", b"\n\n\n", b" \t\n", b"\r\r\r"]) + bytes(rng.randrange(256) for _ in range(n // 10))
    else:
        data = _mutate_bytes(rng, rng.choice(list(ex.values())), rng.randint(50, 500))
    return data, rng.choice(SUFFIXES)


GENERATORS = {"encodings": gen_encodings, "truncations": gen_truncations, "nul-bytes": gen_nul_bytes,
              "nesting": gen_nesting, "huge-lines": gen_huge_lines, "pdf": gen_pdf, "front-matter": gen_front_matter,
              "tables": gen_tables, "markdown": gen_markdown, "html": gen_html, "random": gen_random}


def make_input(seed: int, case: str, number: int, ex: dict[str, bytes]) -> tuple[bytes, str]:
    return GENERATORS[case](random.Random(f"{seed}:{case}:{number}"), ex)


# ------------------------------------------------------------------ running

def run_one(path: Path) -> tuple[str, str]:
    """(outcome, detail) of read_document on one file."""
    from policykg.errors import InputError
    from policykg.ingest.pipeline import read_document

    try:
        read_document(path)
        return "ok", ""
    except InputError as exc:
        return "input-error", exc.problem
    except Exception as exc:  # noqa: BLE001 - counting these is the point
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        return "crash", f"{type(exc).__name__} at {where}: {str(exc)[:200]}"


def _worker(conn, seed: int, case: str, tmp: str) -> None:
    import warnings

    warnings.simplefilter("ignore")       # pypdf and trafilatura warn on broken input; outcomes are counted
    import logging

    logging.disable(logging.CRITICAL)
    ex = _examples()
    while True:
        number = conn.recv()
        if number is None:
            return
        data, suffix = make_input(seed, case, number, ex)
        path = Path(tmp) / f"{case}-{number}{suffix}"
        path.write_bytes(data)
        start = time.perf_counter()
        outcome, detail = run_one(path)
        elapsed = time.perf_counter() - start
        path.unlink()
        conn.send((outcome, detail, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))


def run_class(case: str, count: int, seed: int, timeout: float, save: Path | None, queue) -> None:
    ctx = multiprocessing.get_context("fork")
    stats: Counter[str] = Counter()
    crashes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    examples: dict[str, int] = {}
    peak = slowest = 0.0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{case}-") as tmp:
        proc = conn = None
        for number in range(count):
            if proc is None:
                conn, child = ctx.Pipe()
                proc = ctx.Process(target=_worker, args=(child, seed, case, tmp), daemon=True)
                proc.start()
            conn.send(number)
            if conn.poll(timeout):
                try:
                    outcome, detail, elapsed, rss = conn.recv()
                except EOFError:            # the worker died (a segfault, the kernel's OOM killer)
                    outcome, detail, elapsed, rss = "crash", f"worker died (exit {proc.exitcode})", 0.0, 0
                    proc = None
            else:
                outcome, detail, elapsed, rss = "timeout", f"over {timeout:g} s", timeout, 0
                proc.kill()
                proc.join()
                proc = None
            stats[outcome] += 1
            if outcome == "input-error":
                reasons[re.sub(r"[\d.]+ (?:MB|KB|bytes)|\(.*", "", detail).strip()[:60]] += 1
            peak, slowest = max(peak, rss), max(slowest, elapsed)
            if outcome in ("crash", "timeout"):
                crashes[detail if outcome == "crash" else "timeout"] += 1
                examples.setdefault(detail if outcome == "crash" else "timeout", number)
                if save is not None:
                    data, suffix = make_input(seed, case, number, _examples())
                    save.mkdir(parents=True, exist_ok=True)
                    (save / f"{case}-{number}{suffix}").write_bytes(data)
        if proc is not None:
            conn.send(None)
            proc.join(5)
    queue.put((case, dict(stats), dict(crashes), examples, peak, slowest, dict(reasons), time.perf_counter() - started))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="inputs per class times this (1: 10,800 in all)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take")
    parser.add_argument("--jobs", type=int, default=2, help="classes run at once")
    parser.add_argument("--only", action="append", choices=sorted(CLASSES), help="run only this class (repeatable)")
    parser.add_argument("--save-failures", type=Path, default=None, metavar="DIR", help="write each failing input here")
    parser.add_argument("--verbose", "-v", action="store_true", help="also list the commonest input errors")
    parser.add_argument("--replay", metavar="CLASS:N", help="run one input in this process and print its outcome")
    args = parser.parse_args()

    if args.replay:
        case, _, number = args.replay.partition(":")
        data, suffix = make_input(args.seed, case, int(number), _examples())
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{case}-{number}{suffix}"
            path.write_bytes(data)
            print(f"{path.name}: {len(data)} bytes")
            from policykg.ingest.pipeline import read_document

            start = time.perf_counter()
            try:
                doc = read_document(path)
                print(f"ok: {len(doc.blocks)} blocks, {len(doc.sentences)} sentences")
            except Exception as exc:  # noqa: BLE001
                print(f"{type(exc).__name__}: {exc}")
                if type(exc).__name__ != "InputError":
                    traceback.print_exc()
            print(f"{time.perf_counter() - start:.2f} s")
        return 0

    classes = {c: max(1, round(n * args.scale)) for c, n in CLASSES.items() if not args.only or c in args.only}
    total = sum(classes.values())
    print(f"fuzz_ingest: seed {args.seed}, {total} inputs in {len(classes)} classes, "
          f"{args.timeout:g} s per input, {args.jobs} jobs", flush=True)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    started = time.perf_counter()
    pending = sorted(classes, key=lambda c: -classes[c] * (20 if c == "huge-lines" else 1))
    procs, results, active = [], [], 0
    while len(results) < len(classes):
        while pending and active < args.jobs:
            case = pending.pop(0)
            p = ctx.Process(target=run_class, args=(case, classes[case], args.seed, args.timeout, args.save_failures, queue))
            p.start()
            procs.append(p)
            active += 1
        result = queue.get()
        results.append(result)
        active -= 1
        print(f"  {result[0]:13} done in {result[-1]:6.1f} s", flush=True)
    for p in procs:
        p.join()
    wall = time.perf_counter() - started

    print(f"\n{'class':13} {'inputs':>6} {'ok':>6} {'input-error':>11} {'crash':>5} {'timeout':>7} {'slowest':>8} {'peak RSS':>9}")
    totals: Counter[str] = Counter()
    all_crashes: Counter[str] = Counter()
    for case, stats, crashes, examples, peak, slowest, _reasons, _ in sorted(results):
        n = sum(stats.values())
        totals.update(stats)
        totals["inputs"] += n
        print(f"{case:13} {n:6d} {stats.get('ok', 0):6d} {stats.get('input-error', 0):11d} {stats.get('crash', 0):5d} "
              f"{stats.get('timeout', 0):7d} {slowest:7.2f}s {peak:6.0f} MB")
        for detail, count in crashes.items():
            all_crashes[f"{case}:{examples[detail]}  {detail}"] = count
    print(f"{'all':13} {totals['inputs']:6d} {totals['ok']:6d} {totals['input-error']:11d} {totals['crash']:5d} "
          f"{totals['timeout']:7d}   wall {wall:.0f} s")
    for detail, count in all_crashes.most_common():
        print(f"  {count:5d} x  {detail}   (--replay {detail.split()[0]})")
    if args.verbose:
        print("\nthe commonest input errors per class:")
        for case, *_, reasons, _ in sorted(results):
            print(f"  {case}: " + "; ".join(f"{n} {r}" for r, n in Counter(reasons).most_common(4)))
    return 1 if totals["crash"] or totals["timeout"] else 0


if __name__ == "__main__":
    sys.exit(main())
