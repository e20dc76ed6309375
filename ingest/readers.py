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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from policykg.errors import InputError

SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
            ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf"}

# The largest text a document may have, in bytes of UTF-8 (``max_bytes`` of the pipeline functions,
# ``policykg ingest --max-bytes``). A file itself may be FILE_FACTOR times larger (HTML markup, PDF
# images, UTF-32); a larger one is refused before it is read.
DEFAULT_MAX_BYTES = 10_000_000
FILE_FACTOR = 8


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
    # the line of the file on which ``text`` begins (Markdown front matter comes before it); None
    # when the lines of ``text`` are not lines of the file (text extracted from HTML or PDF)
    first_line: int | None = 1
    service: str | None = None       # Markdown front matter `service:`: the service this file is a version of


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read one file; raise :class:`InputError` naming the file and what is wrong with it.

    ``max_bytes`` bounds the text read (in bytes of UTF-8), and ``FILE_FACTOR`` times it the file.
    """
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(path, f"unsupported file type {path.suffix!r} (expected one of {', '.join(sorted(SUFFIXES))})")
    try:
        size = path.stat().st_size
        if size > FILE_FACTOR * max_bytes:
            raise InputError(path, f"is {_mb(size)}, larger than the {_mb(FILE_FACTOR * max_bytes)} a file may be "
                                   f"({FILE_FACTOR} times the text limit of {_mb(max_bytes)}, --max-bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise InputError(path, "is empty")
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "pdf" or data.startswith(b"%PDF-"):
        source = _read_pdf(path, data, digest, max_bytes)
        check_text_size(path, source.text, max_bytes)
        return source
    repairs: list[str] = []
    if b"\x00" in data:
        data, how = _without_nul_bytes(data)
        if how is None:
            raise InputError(path, "looks like a binary file, not text (it contains NUL bytes)")
        if how:
            repairs.append(how)
    def check(text: str) -> None:   # HTML is checked once its text is extracted
        if fmt == "markdown" or (fmt == "text" and not _looks_like_html(text)):
            check_text_size(path, text, max_bytes)

    text, decoded = decode_text(data, check)
    repairs += decoded
    if fmt == "html" or (fmt == "text" and _looks_like_html(text)):
        return _read_html(path, text, digest, repairs, max_bytes)
    title = date = service = None
    first_line = 1
    if fmt == "markdown":
        whole = text
        text, title, date, note, service = _split_front_matter(text)
        if note:
            repairs.append(note)
        if text is not whole and text:
            at = whole.find(text)
            first_line = whole.count("\n", 0, at) + 1 if at >= 0 else 1
    if not text.strip():
        raise InputError(path, "has no text")
    check_text_size(path, text, max_bytes)
    return Source(path, fmt, text, digest, title, date, tuple(repairs), first_line, service)


def _mb(size: int) -> str:
    """A size for people: 10 MB, 3.2 MB, 12.5 KB, 800 bytes."""
    for unit, name in ((1_000_000, "MB"), (1_000, "KB")):
        if size >= unit:
            return f"{size / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{size} bytes"


def check_text_size(path: Path, text: str, max_bytes: int) -> None:
    """Raise :class:`InputError` when ``text`` is over ``max_bytes`` bytes of UTF-8."""
    if len(text) * 4 <= max_bytes:   # a character is at most 4 bytes: no need to count
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InputError(path, f"has {_mb(size)} of text, more than the limit of {_mb(max_bytes)} (--max-bytes)")


# ------------------------------------------------------------------ encodings and mojibake

def decode_text(data: bytes, check: Callable[[str], None] | None = None) -> tuple[str, list[str]]:
    """Decode bytes of unknown encoding and repair mojibake; return the text and the repairs made.

    ``check`` sees the decoded text before the repair (which is the slow part), and may raise.
    """
    repairs: list[str] = []
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
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
    if check is not None:
        check(text)
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


_UNICODE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
# Where the zero bytes of mostly-ASCII text fall in each 4-byte group, per encoding without a BOM.
_NUL_PATTERNS = (("utf-32-le", (False, True, True, True)), ("utf-32-be", (True, True, True, False)),
                 ("utf-16-le", (False, True, False, True)), ("utf-16-be", (True, False, True, False)))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _without_nul_bytes(data: bytes) -> tuple[bytes, str | None]:
    """Bytes with NULs made into text, and how; ``(data, None)`` when the NULs say it is binary.

    UTF-16 and UTF-32 without a byte-order mark show by where their zero bytes fall (every other
    byte, or three in four, for Latin text): such text is re-encoded as UTF-8. NUL bytes strayed
    into text are dropped: when the first 8 KB have none, or when they are under 1 in 1,000 bytes
    and there are no other control characters.
    """
    if data.startswith(_UNICODE_BOMS):
        return data, ""     # decode_text reads the byte-order mark
    head = data[:65536]
    groups = len(head) // 4
    if groups >= 4:
        zeros = [head[k:groups * 4:4].count(0) / groups for k in range(4)]
        for codec, pattern in _NUL_PATTERNS:
            if all((z >= 0.6) if expected else (z <= 0.05) for z, expected in zip(zeros, pattern)):
                unit = 4 if codec.startswith("utf-32") else 2
                text = data[:len(data) - len(data) % unit].decode(codec, errors="replace")
                sample = text[:65536]
                if "\x00" in text or len(_CONTROL.findall(sample)) + sample.count("\ufffd") > len(sample) // 100:
                    continue
                return text.encode("utf-8"), f"decoded as {codec.upper()} (no byte-order mark)"
    nuls = data.count(0)
    if b"\x00" not in data[:8192] or \
            (nuls * 1000 <= len(data) and not _CONTROL.search(data.replace(b"\x00", b"").decode("latin-1"))):
        # text that starts clean (so it was read as text before policykg looked further), or nearly clean
        return data.replace(b"\x00", b""), f"{nuls} NUL byte{'s' if nuls > 1 else ''} removed"
    return data, None


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head


# ------------------------------------------------------------------ formats

# Front matter is a few lines of metadata: more than this is not front matter we read.
FRONT_MATTER_MAX_BYTES = 64_000
FRONT_MATTER_MAX_NODES = 10_000
_FM_BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)


def _split_front_matter(text: str) -> tuple[str, str | None, str | None, str | None, str | None]:
    """Markdown's YAML front matter: the body, the title and date it gives, a note if it was ignored, and
    the service it names (``service:``, for versions).

    The YAML is read by a safe loader that refuses aliases (so "billion laughs" anchors cannot expand)
    and stops after FRONT_MATTER_MAX_NODES nodes; front matter over FRONT_MATTER_MAX_BYTES is not
    parsed. Front matter so refused is dropped and the body read on its own (the note says why);
    malformed YAML is kept as text.
    """
    if not text.startswith("---"):
        return text, None, None, None, None
    parts = _FM_BOUNDARY.split(text, 2)
    if len(parts) != 3 or parts[0].strip():
        return text, None, None, None, None   # no closing line: not front matter, all of it is text
    _, header, body = parts
    body = body.strip()   # as python-frontmatter did, which this replaces
    if len(header) > FRONT_MATTER_MAX_BYTES:
        return body, None, None, f"front matter ignored (over {FRONT_MATTER_MAX_BYTES // 1000} KB)", None
    try:
        metadata = _load_yaml(header)
    except _RefusedYaml as exc:
        return body, None, None, f"front matter ignored ({exc})", None
    except RecursionError:
        return body, None, None, "front matter ignored (it nests too deeply)", None
    except Exception:  # malformed YAML: keep the text as it is, the header is then just text
        return text, None, None, None, None
    if not isinstance(metadata, dict):
        return body, None, None, None, None
    title = metadata.get("title")
    date = metadata.get("date") or metadata.get("updated") or metadata.get("last_updated")
    return body, _scalar(title), _scalar(date), None, _scalar(metadata.get("service"))


def _scalar(value: object) -> str | None:
    if not value or isinstance(value, (dict, list)):
        return None
    return str(value)


class _RefusedYaml(Exception):
    """YAML that is refused unread: it has aliases, or too many nodes."""


def _load_yaml(header: str) -> object:
    import yaml

    class BoundedSafeLoader(yaml.SafeLoader):
        """yaml.SafeLoader without aliases and with a bounded number of nodes."""

        nodes = 0

        def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
            if self.check_event(yaml.AliasEvent):
                raise _RefusedYaml("it uses YAML aliases")
            self.nodes += 1
            if self.nodes > FRONT_MATTER_MAX_NODES:
                raise _RefusedYaml(f"over {FRONT_MATTER_MAX_NODES} YAML nodes")
            return super().compose_node(parent, index)

    loader = BoundedSafeLoader(header)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# what trafilatura, htmldate and lxml raise on markup they cannot take (lxml's drop_tree asserts)
_HTML_LIBRARY_ERRORS = (ValueError, TypeError, AttributeError, RecursionError, LookupError, AssertionError)

# trafilatura takes about 0.1 to 0.2 ms an element (a 6 MB table: 25 s; 20,000 one-cell rows in
# 780 KB: 10 s): a page larger than this, or with more tags, is read by the standard library's
# parser, all of its text kept (2.4 s for the 6 MB table).
HTML_EXTRACT_MAX = 3_000_000
HTML_EXTRACT_MAX_TAGS = 40_000


def _read_html(path: Path, html: str, digest: str, repairs: list[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    import trafilatura

    if len(html) > HTML_EXTRACT_MAX or html.count("<") > HTML_EXTRACT_MAX_TAGS:
        text = html_to_text(html)
        if not text.strip():
            raise InputError(path, "is an HTML page with no readable text")
        check_text_size(path, text, max_bytes)
        big = f"over {_mb(HTML_EXTRACT_MAX)}" if len(html) > HTML_EXTRACT_MAX else f"with over {HTML_EXTRACT_MAX_TAGS:,} tags"
        note = f"page {big}: all of its text kept (no main-text extraction)"
        return Source(path, "html", text, digest, None, None, (*repairs, note), None)
    try:
        text = trafilatura.extract(html, output_format="markdown", include_tables=True, include_links=True,
                                   include_images=False, include_comments=False, include_formatting=True,
                                   favor_recall=True, deduplicate=False)
        if not text or len(text) < 200:
            # Pages trafilatura judges to have no main text (short notices, odd layouts): keep all text.
            text = trafilatura.html2txt(html) or text
    except _HTML_LIBRARY_ERRORS as exc:
        # trafilatura and lxml on markup they cannot take: read the page's text without them
        text = None
        repairs = [*repairs, f"text read without main-text extraction ({type(exc).__name__})"]
    try:
        meta = trafilatura.extract_metadata(html)
    except _HTML_LIBRARY_ERRORS:   # htmldate asserts on some broken trees: no title or date then
        meta = None
    if not text or not text.strip():
        # lxml stops at 256 levels of nesting, and trafilatura then finds nothing: all the page's text
        text = html_to_text(html)
        if text.strip():
            repairs = [*repairs, "no main text found: all of the page's text kept"]
    if not text or not text.strip():
        raise InputError(path, "is an HTML page with no readable text")
    check_text_size(path, text, max_bytes)
    title = meta.title if meta is not None else None
    date = meta.date if meta is not None else None
    return Source(path, "html", text, digest, title, date, tuple(repairs), None)


_BLOCK_TAGS = frozenset("address article aside blockquote body caption dd div dl dt fieldset figcaption figure footer "
                        "form header hr html li main nav ol p pre section table tbody td tfoot th thead tr ul".split())
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "head", "svg", "iframe", "object"))


def html_to_text(html: str) -> str:
    """All the text of a page in the light markup (headings as #, list items as -), by the standard
    library's streaming parser, which has no limit on nesting depth."""
    from html.parser import HTMLParser

    out: list[str] = []
    skip = 0

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
            nonlocal skip
            if tag in _SKIP_TAGS:
                skip += 1
            elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
                out.append("\n\n" + "#" * int(tag[1]) + " ")
            elif tag == "li":
                out.append("\n- ")
            elif tag == "br":
                out.append("\n")
            elif tag in _BLOCK_TAGS:
                out.append("\n\n")

        def handle_endtag(self, tag: str) -> None:
            nonlocal skip
            if tag in _SKIP_TAGS:
                skip = max(0, skip - 1)
            elif tag in _BLOCK_TAGS or (len(tag) == 2 and tag[0] == "h" and tag[1] in "123456"):
                out.append("\n\n")

        def handle_data(self, data: str) -> None:
            if not skip:
                out.append(" ".join(data.split()) if data.strip() else " ")

    parser = Collector(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(out).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"^(#+|-)\s*$", "", text, flags=re.MULTILINE).strip()


def _read_pdf(path: Path, data: bytes, digest: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError

    title = None
    pages: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # An encrypted PDF that opens without a password (only its owner's rights are protected)
            # is read; AES encryption needs the cryptography package, which policykg depends on.
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise InputError(path, f"is an encrypted PDF that cannot be decrypted here ({exc})") from exc
            if not opened:
                raise InputError(path, "is encrypted (password required)")
        size = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > max_bytes:   # stop reading pages: the text is too long already
                raise InputError(path, f"has more than {_mb(max_bytes)} of text, the limit (--max-bytes)")
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title)
    except InputError:
        raise
    except FileNotDecryptedError as exc:
        raise InputError(path, "is encrypted (password required)") from exc
    except LimitReachedError as exc:
        raise InputError(path, f"exceeds the decompression limit: a compressed stream expands to more than pypdf "
                               f"allows (a decompression bomb?) ({exc})") from exc
    except RecursionError as exc:
        raise InputError(path, "is not a readable PDF (its objects nest too deeply)") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, LookupError, ArithmeticError,
            AssertionError, EOFError, OSError, NotImplementedError) as exc:
        # pypdf on a broken file raises many kinds of errors; each is this file's problem
        raise InputError(path, f"is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(reflow_pdf_text(page) for page in pages)
    if not text.strip():
        raise InputError(path, "is a PDF with no text layer (scanned?); run OCR first")
    repairs = []
    fixed = repair_mojibake(text)
    if fixed != text:
        repairs.append("mojibake repaired")
    return Source(path, "pdf", fixed, digest, title, None, tuple(repairs), None)


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
