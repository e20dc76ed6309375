"""Read a policy file into text: detect the format and encoding, repair mojibake, drop web noise.

Each reader turns the bytes of one file into a :class:`Source`: the text in a light markup
(Markdown-like for Markdown, HTML and plain text alike) that :mod:`policykg.ingest.structure`
splits into headings, list items and paragraphs. Reading never guesses silently: what was
repaired is recorded in ``Source.repairs`` and ends up in the graph.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from policykg.errors import InputError

SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
            ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf"}


@dataclass(frozen=True)
class Source:
    """The readable text of one policy file."""

    path: Path
    format: str                      # text | markdown | html | pdf
    text: str                        # decoded and repaired, in light Markdown-like markup
    sha256: str
    title: str | None = None
    date: str | None = None
    repairs: tuple[str, ...] = field(default_factory=tuple)
    service: str | None = None       # Markdown front matter `service:`: the service this file is a version of


def read_source(path: Path) -> Source:
    """Read one file; raise :class:`InputError` naming the file and what is wrong with it."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(path, f"unsupported file type {path.suffix!r} (expected one of {', '.join(sorted(SUFFIXES))})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise InputError(path, "is empty")
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "pdf" or data.startswith(b"%PDF-"):
        return _read_pdf(path, data, digest)
    if _looks_binary(data):
        raise InputError(path, "looks like a binary file, not text (it contains NUL bytes)")
    text, repairs = decode_text(data)
    if fmt == "html" or (fmt == "text" and _looks_like_html(text)):
        return _read_html(path, text, digest, repairs)
    title = date = service = None
    if fmt == "markdown":
        text, title, date, service = _split_front_matter(text)
    if not text.strip():
        raise InputError(path, "has no text")
    return Source(path, fmt, text, digest, title, date, tuple(repairs), service)


# ------------------------------------------------------------------ encodings and mojibake

def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes of unknown encoding and repair mojibake; return the text and the repairs made."""
    repairs: list[str] = []
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            if best is None:
                text = data.decode("utf-8", errors="replace")
                repairs.append("decoded as UTF-8 with replacement characters")
            else:
                text = str(best)
                repairs.append(f"decoded as {best.encoding}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fixed = repair_mojibake(text)
    if fixed != text:
        repairs.append("mojibake repaired")
    return fixed, repairs


# A run of characters that UTF-8 bytes turn into when read as Thai (cp874) or Western (cp1252)
# single-byte text: non-ASCII letters and symbols, possibly with the odd ASCII-range byte.
_SUSPECT_RUN = re.compile(r"[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                          r"\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
                          r"\u0e00-\u0e7f\ufffd]{2,}")
_THAI = re.compile(r"[\u0e00-\u0e7f]")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded with a legacy single-byte code page.

    ftfy repairs the common cases (UTF-8 read as cp1252 or Latin-1). It leaves one case alone that
    real policies show: UTF-8 emoji read as Thai cp874, where bytes that cp874 lacks were taken from
    cp1252 (so U+1F6E1 shows as "๐Ÿ›ก"). For each run of such characters we re-encode character by
    character (cp874 first, cp1252 for the rest) and keep the result only where the bytes form valid
    UTF-8 that is not itself Thai, so genuine Thai text is left untouched.
    """
    if text.isascii():
        return text   # nothing to repair
    import unicodedata

    import ftfy
    from ftfy.badness import is_bad

    if is_bad(text):   # ftfy's own quick test for mojibake; the full repair is slow on long clean text
        text = ftfy.fix_text(text, ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False,
                                                        unescape_html=False, normalization="NFC"))
    else:
        text = unicodedata.normalize("NFC", text)
    if not _THAI.search(text):
        return text
    return _SUSPECT_RUN.sub(_undo_cp874_run, text)


def _undo_cp874_run(match: re.Match[str]) -> str:
    run = match.group(0)
    raw = bytearray()
    for ch in run:
        for codec in ("cp874", "cp1252", "latin-1"):
            try:
                raw += ch.encode(codec)
                break
            except UnicodeEncodeError:
                continue
        else:
            return run
    decoded = _decode_utf8_with_lost_bytes(bytes(raw))
    if decoded is None or _THAI.search(decoded):
        return run
    return decoded


# Bytes that neither cp874 nor cp1252 defines: a decoder that met them dropped them, so a UTF-8
# sequence may have lost its last byte. Try them in this order (0x8F first: U+FE0F, the emoji
# variation selector, is by far the most common victim).
_LOST_BYTES = (0x8F, 0x90, 0x81, 0x8D, 0x9D)


def _decode_utf8_with_lost_bytes(raw: bytes) -> str | None:
    for _ in range(64):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.reason not in ("invalid continuation byte", "unexpected end of data") or exc.start == exc.end:
                return None
            for byte in _LOST_BYTES:
                candidate = raw[:exc.end] + bytes([byte]) + raw[exc.end:]
                try:
                    candidate[exc.start:exc.end + 4].decode("utf-8")
                except UnicodeDecodeError as inner:
                    if inner.start == 0:
                        continue
                raw = candidate
                break
            else:
                return None
    return None


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head


# ------------------------------------------------------------------ formats

def _split_front_matter(text: str) -> tuple[str, str | None, str | None, str | None]:
    if not text.startswith("---"):
        return text, None, None, None
    import frontmatter

    try:
        post = frontmatter.loads(text)
    except Exception:  # malformed YAML: keep the text as it is, the header is then just text
        return text, None, None, None
    title = post.metadata.get("title")
    date = post.metadata.get("date") or post.metadata.get("updated") or post.metadata.get("last_updated")
    service = post.metadata.get("service")
    return (post.content, (str(title) if title else None), (str(date) if date else None),
            (str(service) if service else None))


def _read_html(path: Path, html: str, digest: str, repairs: list[str]) -> Source:
    import trafilatura

    text = trafilatura.extract(html, output_format="markdown", include_tables=True, include_links=True,
                               include_images=False, include_comments=False, include_formatting=True,
                               favor_recall=True, deduplicate=False)
    if not text or len(text) < 200:
        # Pages trafilatura judges to have no main text (short notices, odd layouts): keep all text.
        text = trafilatura.html2txt(html) or text
    if not text or not text.strip():
        raise InputError(path, "is an HTML page with no readable text")
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta is not None else None
    date = meta.date if meta is not None else None
    return Source(path, "html", text, digest, title, date, tuple(repairs))


def _read_pdf(path: Path, data: bytes, digest: str) -> Source:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(path, "is an encrypted PDF; decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"is not a readable PDF ({exc})") from exc
    text = "\n\n".join(reflow_pdf_text(page) for page in pages)
    if not text.strip():
        raise InputError(path, "is a PDF with no text layer (scanned?); run OCR first")
    repairs = []
    fixed = repair_mojibake(text)
    if fixed != text:
        repairs.append("mojibake repaired")
    title = None
    if reader.metadata is not None and reader.metadata.title:
        title = str(reader.metadata.title)
    return Source(path, "pdf", fixed, digest, title, None, tuple(repairs))


_BLOCK_START = re.compile(r"^\s*(?:[-*\u2022\u00b7\u25aa\u25cf\u2013o]\s|\(?\d{1,2}(?:\.\d{1,2})*[.)]?\s|\(?[a-z][.)]\s)")


def reflow_pdf_text(page: str) -> str:
    """Rejoin the lines of a PDF page into paragraphs, list items and heading lines.

    PDF text comes as visual lines: a sentence runs over several, and nothing marks where a
    paragraph ends. A line starts a new block when it is a bullet or numbered line, a short line
    with no closing punctuation (a heading), or follows a line that ended a sentence.
    """
    out: list[str] = []
    prev = ""
    for raw in page.split("\n"):
        line = raw.strip()
        if not line:
            if out and out[-1] != "":
                out.append("")
            prev = ""
            continue
        short = len(line.split()) <= 9 and not re.search(r"[.,;:!?]$", line)
        heading_like = short and (line[0].isupper() or line[0].isdigit())
        prev_done = not prev or bool(re.search(r"[.:;!?]$", prev))
        starts_block = bool(_BLOCK_START.match(line)) or (prev_done and (line[0].isupper() or line[0].isdigit())) \
            or (heading_like and prev_done)
        if not out or starts_block or (prev and len(prev.split()) <= 9 and not re.search(r"[.,;:!?-]$", prev)
                                       and (prev[0].isupper() or prev[0].isdigit()) and line[0].isupper()):
            if out and out[-1] != "":
                out.append("")
            out.append(line)
        else:
            out[-1] = out[-1] + (line if out[-1].endswith("-") and line[:1].islower() else " " + line)
        prev = out[-1]
    return "\n".join(out)
