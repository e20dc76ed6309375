"""Split a policy's text into its structure: headings, list items, table rows, paragraphs, sentences.

The input is the light markup every reader produces (Markdown, or plain text laid out with blank
lines, short heading lines and bullets). The output is a :class:`Document`: one normalised text
(inline markup and web noise removed, one block per line pair) and typed spans with character
offsets into that text. Evidence offsets in the graph refer to this normalised text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from policykg.ingest.readers import Source

# ------------------------------------------------------------------ the document model


@dataclass(frozen=True, slots=True)
class Block:
    """A heading, list item, table row or paragraph: ``text[start:end]`` of the document."""

    kind: str            # heading | item | row | paragraph
    start: int
    end: int
    level: int           # heading level (1-6), list depth (0-based), else 0
    headings: tuple[str, ...]   # the headings it stands under, outermost first
    lead: str | None     # for items and rows: the sentence that introduced the list ("We collect:")
    line: int | None     # 1-based line of the file where the block starts (None: text extracted from HTML or PDF)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of one block."""

    start: int
    end: int
    text: str
    block: Block

    @property
    def section(self) -> str | None:
        return self.block.headings[-1] if self.block.headings else None


@dataclass
class Document:
    """One policy: its id, its normalised text and the spans read from it."""

    slug: str
    source: Source
    text: str
    blocks: list[Block] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)


# ------------------------------------------------------------------ inline markup

# Bracketed text holds at most one "[" and parenthesised URLs at most one "(": then a scan from one
# "[" stops at the second "[" after it, and a line of many "[" without "]" takes linear time, not
# quadratic (60,000 "[a " took 50 s).
_BRACKETED = r"\[([^\[\]]*(?:\[[^\[\]]*)?)\]"
_IMAGE = re.compile(r"!\[[^\[\]]*(?:\[[^\[\]]*)?\]\([^()]*(?:\([^()]*)?\)")
_LINK = re.compile(_BRACKETED + r"\(((?:[^()\s]|\([^()]*\))*)(?:\s+\"[^\"]*\")?\)")
# a link to a contact page or form is a way to reach the company: its address stays in the text
_CONTACT_URL = re.compile(r"^(?:https?://|www\.)[^/\s]+/\S*contact", re.I)   # in the path, not the host
_MAILTO = re.compile(_BRACKETED + r"\(mailto:([^)\s?]+)(?:\?[^()]*)?\)")
_REF_LINK = re.compile(r"\[([^\[\]]+(?:\[[^\[\]]*)?)\]\[[^\[\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\w)")
# On a long line the pattern above rescans the rest of the line from every "**" that has no closing
# one (60,000 characters of "**a " took 60 s). There strong emphasis may hold no delimiter of its own
# kind, so a scan stops at the next one: linear time, the same result but for "** **" oddities.
_LONG_LINE = 1000
_EMPHASIS_LONG = re.compile(r"(\*\*)(?=\S)((?:(?!\*\*).)+?)(?<=\S)\*\*|(__)(?=\S)((?:(?!__).)+?)(?<=\S)__"
                            r"|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\w)")
_CODE = re.compile(r"`([^`]*)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_MARKUP_CHAR = re.compile(r"[\[<`*_\\&]")     # a character each pattern above needs


def strip_inline(line: str) -> tuple[str, int]:
    """Remove inline Markdown/HTML from one line; return the text and how many characters were link text."""
    if not _MARKUP_CHAR.search(line):     # no pattern below can match: most table cells, much plain text
        return _SPACES.sub(" ", line).strip(), 0
    line = _IMAGE.sub("", line)
    link_chars = 0

    def _link(m: re.Match[str]) -> str:
        nonlocal link_chars
        text = m.group(1)
        if m.lastindex and m.lastindex >= 2 and _CONTACT_URL.match(m.group(2)) and m.group(2) not in text:
            text = f"{text} ({m.group(2)})"
        link_chars += len(text)
        return text

    def _mailto(m: re.Match[str]) -> str:
        nonlocal link_chars
        address = unquote(m.group(2)).strip()   # a mailto URL is percent-encoded ("support%2Bprivacy@...")
        text = m.group(1) if address.lower() in m.group(1).lower() else f"{m.group(1)} ({address})"
        link_chars += len(text)   # a menu of mailto links is still navigation
        return text

    line = _MAILTO.sub(_mailto, line)
    line = _LINK.sub(_link, line)
    line = _REF_LINK.sub(_link, line)
    line = _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), line)
    line = _TAG.sub("", line)
    line = _CODE.sub(r"\1", line)
    if len(line) <= _LONG_LINE:
        for _ in range(2):
            line = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", line)
    else:
        for _ in range(2):
            line = _EMPHASIS_LONG.sub(lambda m: m.group(2) or m.group(4) or m.group(5) or "", line)
    line = _ESCAPE.sub(r"\1", line)
    line = line.replace("&nbsp;", " ").replace("&amp;", "&")
    return _SPACES.sub(" ", line).strip(), link_chars


# ------------------------------------------------------------------ block grammar

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_BULLET = re.compile(r"^(\s*)(?:[*+\-\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2013\u2043\u25a0\u25a1\u2219\u27a2\u2713\u2714o]"
                     r"|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)]|\([ivxIVX]+\)|[ivx]+\))\s+(\S.*)$")
_NUMBERED_HEADING = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.|[IVX]+\.)\s+(\S.*)$")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|\-]+\|?\s*$")
_HR = re.compile(r"^\s*([-*_=])(\s*\1){2,}\s*$")
_SENTENCE_END = re.compile(r"[.!?;,:)\"'\u201d]$")
_DATE_LINE = re.compile(r"^(?:last\s+)?(?:updated|modified|revised|effective)\b.*\d", re.I)   # "Last updated: 1 May 2024"


def _is_plain_heading(line: str, prev_blank: bool, next_line: str | None) -> bool:
    """A short standalone line with no closing punctuation reads as a heading in plain text."""
    text = line.strip()
    if not text or len(text) > 90 or not prev_blank:
        return False
    if _SENTENCE_END.search(text) and not text.endswith("?"):
        return False
    words = text.split()
    if len(words) > 12 or _DATE_LINE.match(text):
        return False
    if next_line is not None and next_line.strip() and _BULLET.match(next_line):
        return not text.endswith(":")
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return text[0].isupper() or not text[0].isalpha() or text.isupper()


@dataclass
class _RawBlock:
    kind: str
    text: str
    level: int
    line: int
    link_chars: int = 0


def _is_dense(lines: list[str]) -> bool:
    """Plain text that never leaves a blank line (one paragraph, heading or item per line)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 10:
        return False
    blank = filled[-1] - filled[0] + 1 - len(filled)   # blank lines between the first and last text line
    return blank <= max(1, len(filled) // 20)


def _number(line: str | None) -> int | None:
    m = re.match(r"^\s*\(?(\d{1,2})[.)]\s", line or "")
    return int(m.group(1)) if m else None


def _in_numbered_list(prev: str | None, line: str, nxt: str | None) -> bool:
    """Whether a numbered line continues the numbering of a neighbour ("1." after "2." does not)."""
    n = _number(line)
    return n is not None and (_number(prev) == n - 1 or _number(nxt) == n + 1)


# Runs of whitespace longer than this are cut to it before the line grammar runs: its patterns
# (ATX headings' closing #, table rules, rules) rescan a run from each of its characters.
_LONG_SPACE = re.compile(r"[^\S\n]{65,}")


def _raw_blocks(markup: str, plain: bool) -> list[_RawBlock]:
    lines = _LONG_SPACE.sub(lambda m: m.group(0)[:64], markup).split("\n")
    # In dense plain text every line break ends a block, and a heading needs no blank line around it;
    # a numbered line is a heading there unless a neighbour continues its numbering (a numbered list).
    dense = plain and _is_dense(lines)
    numbered_headings = False
    blocks: list[_RawBlock] = []
    para: list[str] = []
    para_links = 0
    para_line = 0

    def flush() -> None:
        nonlocal para, para_links
        if para:
            blocks.append(_RawBlock("paragraph", " ".join(para), 0, para_line, para_links))
        para, para_links = [], 0

    i = 0
    prev_blank = True
    while i < len(lines):
        raw = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if not raw.strip():
            flush()
            prev_blank = True
            i += 1
            continue
        if _HR.match(raw) and not (para and _SETEXT.match(raw)):
            flush()
            prev_blank = True
            i += 1
            continue
        m = _ATX.match(raw)
        if m and m.group(2):
            flush()
            text, links = strip_inline(m.group(2))
            blocks.append(_RawBlock("heading", text, len(m.group(1)), i + 1, links))
            prev_blank, i = True, i + 1
            continue
        if nxt is not None and _SETEXT.match(nxt) and not para and raw.strip() and not _BULLET.match(raw):
            text, links = strip_inline(raw)
            blocks.append(_RawBlock("heading", text, 1 if nxt.strip().startswith("=") else 2, i + 1, links))
            prev_blank, i = True, i + 2
            continue
        t = _TABLE_ROW.match(raw)
        if t:
            flush()
            if not _TABLE_RULE.match(raw):
                cells = [strip_inline(c)[0] for c in t.group(1).split("|")]
                cells = [c for c in cells if c]
                if cells:
                    blocks.append(_RawBlock("row", "; ".join(cells), 0, i + 1))
            prev_blank, i = False, i + 1
            continue
        if dense:
            prev_blank = True
        if plain and not para and _NUMBERED_HEADING.match(raw) and _is_plain_heading(raw, prev_blank, nxt) \
                and (nxt is None or not nxt.strip() or dense) and not _in_numbered_list(lines[i - 1] if i else None, raw, nxt):
            text, links = strip_inline(_NUMBERED_HEADING.match(raw).group(1))
            blocks.append(_RawBlock("heading", text, 2, i + 1, links))
            numbered_headings = True
            prev_blank, i = True, i + 1
            continue
        b = _BULLET.match(raw)
        if b and not (para and not prev_blank and b.group(1) == "" and raw.lstrip()[0] == "o"):
            flush()
            depth = len(b.group(1).expandtabs(4)) // 2
            item_lines = [b.group(2)]
            j = i + 1
            # continuation lines of the item (indented, not a new bullet)
            while j < len(lines) and lines[j].strip() and lines[j].startswith((" ", "\t")) \
                    and not _BULLET.match(lines[j]) and not _ATX.match(lines[j]):
                item_lines.append(lines[j].strip())
                j += 1
            text, links = strip_inline(" ".join(item_lines))
            if text:
                blocks.append(_RawBlock("item", text, depth, i + 1, links))
            prev_blank, i = False, j
            continue
        if plain and not para and _is_plain_heading(raw, prev_blank, nxt):
            next_blank = nxt is None or not nxt.strip() or bool(_BULLET.match(nxt))
            if next_blank or len(raw.split()) <= 8:
                text, links = strip_inline(raw)
                numbered = _NUMBERED_HEADING.match(text)
                # under numbered section headings, an unnumbered heading line is a subsection
                level = 3 if numbered_headings and not numbered else 2
                blocks.append(_RawBlock("heading", numbered.group(1) if numbered else text, level, i + 1, links))
                prev_blank, i = True, i + 1
                continue
        text, links = strip_inline(raw)
        if text:
            if not para:
                para_line = i + 1
            para.append(text)
            para_links += links
        if dense:
            flush()
        prev_blank = False
        i += 1
    flush()
    return blocks


def _is_noise(block: _RawBlock) -> bool:
    """Navigation, link lists and buttons that pages carry around the policy."""
    text = block.text
    if not text or not any(c.isalnum() for c in text):
        return True
    if block.link_chars and block.link_chars >= 0.8 * len(text) and len(text) < 120 and block.kind != "heading":
        return True
    return False


# ------------------------------------------------------------------ sentences

# blingfire needs about 25 bytes of memory per character of its input: a block longer than this goes
# through it in windows of this size (see split_sentences).
SPLIT_WINDOW = 100_000
_MAY_BREAK = re.compile(r"[.!?]\s+\S")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence offsets within ``text`` (blingfire's finite-state splitter, which keeps "Sec. 4.2" together).

    Blocks longer than SPLIT_WINDOW go through blingfire a window at a time, so its memory stays
    bounded. A break is kept only where blingfire saw at least a quarter window of text on either
    side of it (windows overlap, each starting with some of the text already split, for context),
    so the sentences are the ones it finds in the whole block.
    """
    if len(text) < 30 or not _MAY_BREAK.search(text):
        return [(0, len(text))]
    if len(text) <= SPLIT_WINDOW:
        return _blingfire_spans(text)
    window, quarter = SPLIT_WINDOW, SPLIT_WINDOW // 4
    spans: list[tuple[int, int]] = []
    cursor = ctx = 0   # the start of the next sentence; where the window starts (at most a quarter before)
    while True:
        end = min(ctx + window, len(text))
        found = [(ctx + s, ctx + e) for s, e in _blingfire_spans(text[ctx:end])]
        ahead = [(s, e) for s, e in found if e > cursor]
        ahead[0] = (cursor, ahead[0][1])    # blingfire may have joined it to the context before it
        if end == len(text):
            return spans + ahead
        done = 0
        while done + 1 < len(ahead) and end - ahead[done][1] >= quarter:
            done += 1
        if done:
            spans += ahead[:done]
            cursor = ahead[done][0]
            ctx = max(ahead[done - 1][0], cursor - quarter)
            continue
        # the sentence at the cursor is longer than half a window: it ends at the first break that
        # a later window (each half a window on) finds in its middle half, or at the end of the text
        pos = ctx + window // 2
        while True:
            stop = min(pos + window, len(text))
            later = [(pos + s, pos + e) for s, e in _blingfire_spans(text[pos:stop])]
            breaks = [i for i in range(1, len(later))
                      if later[i][0] - pos >= quarter and (stop - later[i][0] >= quarter or stop == len(text))]
            if breaks:
                spans.append((cursor, later[breaks[0] - 1][1]))
                cursor = later[breaks[0]][0]
                ctx = cursor - quarter
                break
            if stop == len(text):
                return spans + [(cursor, later[-1][1])]
            pos += window // 2


def _blingfire_spans(text: str) -> list[tuple[int, int]]:
    from blingfire import text_to_sentences

    # blingfire's own offsets helper walks the text in Python; finding each sentence is cheaper
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in text_to_sentences(text).split("\n"):
        sentence = sentence.strip()
        if not sentence:
            continue
        start = text.find(sentence, cursor)
        if start < 0:   # the splitter changed the text (it should not): fall back to its offsets
            from blingfire import text_to_sentences_and_offsets

            return [(s, e) for s, e in text_to_sentences_and_offsets(text)[1] if e > s] or [(0, len(text))]
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans or [(0, len(text))]


# ------------------------------------------------------------------ the stage

def build_document(slug: str, source: Source) -> Document:
    """Turn a :class:`Source` into a :class:`Document` with blocks and sentences."""
    plain = source.format in ("text", "pdf")
    raw = [b for b in _raw_blocks(source.text, plain) if not _is_noise(b)]
    parts: list[str] = []
    doc = Document(slug=slug, source=source, text="")
    offset = 0
    heading_stack: list[tuple[int, str]] = []
    under: tuple[str, ...] = ()    # the headings of the blocks that follow, one tuple shared by all of them
    lead: str | None = None
    last_sentence: str | None = None
    for rb in raw:
        if rb.kind == "heading":
            while heading_stack and heading_stack[-1][0] >= rb.level:
                heading_stack.pop()
            headings = tuple(h for _, h in heading_stack)
        else:
            headings = under
        if rb.kind in ("item", "row"):
            block_lead = lead
        else:
            block_lead = None
        line = rb.line + source.first_line - 1 if source.first_line is not None else None
        block = Block(rb.kind, offset, offset + len(rb.text), rb.level, headings, block_lead, line)
        doc.blocks.append(block)
        spans = [(0, len(rb.text))] if rb.kind == "heading" else split_sentences(rb.text)
        for s, e in spans:
            doc.sentences.append(Sentence(offset + s, offset + e, rb.text[s:e], block))
            last_sentence = rb.text[s:e]
        if rb.kind == "heading":
            heading_stack.append((rb.level, rb.text))
            under = tuple(h for _, h in heading_stack)
            lead = None
        elif rb.kind == "paragraph":
            lead = last_sentence
        parts.append(rb.text)
        offset += len(rb.text) + 2
    doc.text = "\n\n".join(parts)
    return doc
