"""Token patterns: the cue files' notation for word sequences, over spaCy's tokens and lookup lemmas.

A cue in ``cues.ttl`` says with ``pk:tokens`` which words tell what a sentence is about. A pattern is
a sequence of token tests separated by spaces:

==============  =====================================================================================
``collect``     the word in any of its forms: its lower-case form or its lookup lemma is ``collect``
                (collects, collected, collecting); a word with punctuation (``e-mail``, ``opt-in``)
                stands for the tokens spaCy splits it into (``e - mail``)
``"data"``      this lower-case form only
``secur*``      a word beginning so (security, secure, securely)
``=Track``      this form, in this case
``/\\d{1,5}/``   a word whose lower-case form the regular expression matches whole
``_``           any one word
``[a b c]``     any one of the tests inside
``~[. ;]``      any one word that passes none of the tests inside
``(a b | c)``   a group: either sequence
``x?`` ``x*``   optional, repeated (also ``x+``, ``x{1,3}``) after a test, a ``[...]`` or a group
``!x``          not followed by ``x`` (a test, a ``[...]`` or a group)
``<![a b]``     the word before is not one of these (lower-case forms)
``^`` ``$``     the start, the end of the text
==============  =====================================================================================

spaCy's :class:`~spacy.matcher.Matcher` runs patterns like these, but it tries every pattern at every
token and evaluates set predicates in Python: a Matcher of 300 patterns like the cues' took 55 s of
CPU over a quarter of the corpus's sentences (README, "How it works"). So each pattern is compiled into
one regular expression over the text's tokens written out as ``\\x1e LEMMA \\x1f ORTH \\x1f CLASSES \\x1f LOWER``
(CLASSES: the /regex/ tests the word passes),
which Python's regex engine matches in C; a match's token positions map back to the text's
characters. A pattern also yields the words it cannot match without (its *gate*): a text none of
whose forms or lemmas is among them is not searched.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

_T = "\x1e"      # starts a token
_F = "\x1f"      # separates its fields: lemma (first: most tests fail on its first letters), orth, word classes, lower
_C, _E = "\x02", "\x03"   # around the number of each /regex/ word test the word passes

# possessive: a test consumes whole fields and tokens, never part of one (Python 3.11); a token has at
# least its orth, so _ANY never takes the mark that ends the text
_ANY = f"{_T}[^{_T}]++"
_REST = f"[^{_T}]*+"
_SKIP = f"[^{_T}{_F}]*+{_F}"            # one field and its separator

# The /regex/ word tests of every compiled pattern, numbered: each word's piece lists the tests its
# lower-case form passes (a regular expression on the token string itself could run across tokens:
# \s and . match the separators). Computed once per distinct word, like the rest of the piece.
_CLASSES: list[re.Pattern[str]] = []
_CLASS_NUMBERS: dict[str, int] = {}


def _word_class(body: str) -> int:
    number = _CLASS_NUMBERS.get(body)
    if number is None:
        number = _CLASS_NUMBERS[body] = len(_CLASSES)
        _CLASSES.append(re.compile(body))
        _PIECES.clear()            # pieces made before this test do not list it
        token_text.cache_clear()
    return number


class PatternError(ValueError):
    """A token pattern that does not parse; the message names the pattern and what is wrong."""


@dataclass(frozen=True, slots=True)
class TokenText:
    """A text as the token string patterns run on, with each token's character span in the text."""

    text: str
    string: str
    token_at: tuple[int, ...]      # offset in ``string`` of each token's start mark
    spans: tuple[tuple[int, int], ...]
    words: frozenset[str]          # every token's lower-case form and lemma

    def char_start(self, pos: int) -> int:
        """The character offset in the text of the token starting at ``pos`` of the token string."""
        i = bisect_left(self.token_at, pos)
        return self.spans[i][0] if i < len(self.spans) else len(self.text)

    def char_end(self, pos: int) -> int:
        """The character offset in the text just after the token ending at ``pos`` of the token string."""
        i = bisect_left(self.token_at, pos) - 1
        return self.spans[i][1] if i >= 0 else 0

    def string_pos(self, char: int) -> int:
        """The token string offset of the first token that starts at or after ``char``."""
        i = bisect_left([a for a, _ in self.spans], char) if char > 0 else 0
        return self.token_at[i] if i < len(self.token_at) else len(self.string) - 1


_PIECES: dict[int, tuple[str, str, str]] = {}    # orth id: (token string piece, lower, lemma)


@lru_cache(maxsize=4096)
def token_text(text: str) -> TokenText:
    """``text`` as a token string (cached: every cue asks of the same sentences, headings and lead-ins;
    the Doc is the reading layer's, tokenised once for both; a word's piece is made once per process)."""
    from spacy.attrs import IDX, IS_SPACE, LEMMA, LENGTH, ORTH

    from policykg.ingest.reading import reading_layer

    layer = reading_layer()
    doc = layer.lemma_doc(text)
    rows = [r for r in doc.to_array([ORTH, LEMMA, IDX, LENGTH, IS_SPACE]).tolist() if not r[4]] if len(doc) else []
    pieces = [_PIECES.get(r[0]) or _piece(layer, r[0], r[1]) for r in rows]
    parts = [p[0] for p in pieces]
    token_at: list[int] = []
    at = 0
    for part in parts:
        token_at.append(at)
        at += len(part)
    spans = [(r[2], r[2] + r[3]) for r in rows]
    words = {p[1] for p in pieces} | {p[2] for p in pieces}
    return TokenText(text, "".join(parts) + _T, tuple(token_at), tuple(spans), frozenset(words))


def _clean(word: str) -> str:
    """A word without the marks the token string is built of."""
    return word.replace(_T, " ").replace(_F, " ").replace(_C, " ").replace(_E, " ")


def _piece(layer, orth_id: int, lemma_id: int) -> tuple[str, str, str]:
    strings = layer.nlp.vocab.strings
    orth = _clean(strings[orth_id])
    lower = orth.lower().replace("’", "'")
    lemma = _clean(strings[lemma_id]).replace("’", "'") or lower
    classes = "".join(f"{_C}{n}{_E}" for n, rx in enumerate(_CLASSES) if rx.fullmatch(lower))
    piece = _PIECES[orth_id] = (f"{_T}{lemma}{_F}{orth}{_F}{classes}{_F}{lower}", lower, lemma)
    return piece


# ------------------------------------------------------------------ parsing

_LEX = re.compile(r"""
    (?P<space>\s+)
  | (?P<quoted>"(?:[^"\\]|\\.)*")
  | (?P<regex>/(?:[^/\\]|\\.)+/)
  | (?P<lookbehind><!)
  | (?P<punct>[()\[\]|!~^$])
  | (?P<quant>\{\d*,\d*\}|\{\d+\}|[?*+])
  | (?P<word>[^\s()\[\]|"{}]+)
""", re.VERBOSE)


def _lex(source: str) -> list[tuple[str, str]]:
    """The pattern's items; a word's trailing ``?``, ``+`` or ``{m,n}`` is its quantifier, and its
    trailing ``*`` makes it a prefix (``secur*``) unless the word is ``_`` (``_*``: any words)."""
    items: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        m = _LEX.match(source, pos)
        if not m:
            raise PatternError(f"token pattern {source!r}: cannot read {source[pos:pos + 20]!r}")
        pos = m.end()
        kind, value = m.lastgroup or "", m.group(0)
        if kind == "space":
            continue
        if kind == "word":
            quant = re.search(r"(?:\{\d*,\d*\}|\{\d+\}|[?+]|(?<=^_)\*)$", value)
            if quant and quant.start() > 0:
                items += [("word", value[:quant.start()]), ("quant", quant.group(0))]
                continue
        items.append((kind, value))
    return items


@dataclass(frozen=True, slots=True)
class _Compiled:
    regex: str
    gate: frozenset[str] | None      # one of these words must be in the text (None: no such word)
    optional: bool = False           # may match no token


class _Parser:
    def __init__(self, source: str, split_word):
        self.source = source
        self.split_word = split_word
        self.items = _lex(source)
        self.i = 0

    def fail(self, what: str) -> PatternError:
        return PatternError(f"token pattern {self.source!r}: {what}")

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.items[self.i]
        self.i += 1
        return item

    def parse(self) -> _Compiled:
        result = self.alternation()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()[1]!r}")
        return result

    def alternation(self) -> _Compiled:
        branches = [self.sequence()]
        while self.peek() == ("punct", "|"):
            self.take()
            branches.append(self.sequence())
        if len(branches) == 1:
            return branches[0]
        gates = [b.gate for b in branches]
        gate = None if any(g is None for g in gates) else frozenset().union(*gates)
        return _Compiled("(?:" + "|".join(b.regex for b in branches) + ")", gate, any(b.optional for b in branches))

    def sequence(self) -> _Compiled:
        parts: list[_Compiled] = []
        while True:
            item = self.peek()
            if item is None or item == ("punct", "|") or item == ("punct", ")"):
                break
            parts.append(self.element())
        if not parts:
            raise self.fail("an empty sequence")
        required = [p.gate for p in parts if not p.optional and p.gate is not None]
        # the gate: the required test with the longest words (the rarest, most likely)
        gate = max(required, key=lambda g: min(len(w) for w in g)) if required else None
        return _Compiled("".join(p.regex for p in parts), gate, all(p.optional for p in parts))

    def element(self) -> _Compiled:
        kind, value = self.peek()
        if (kind, value) == ("punct", "!"):
            self.take()
            inner = self.quantified()
            return _Compiled(f"(?!{inner.regex})", None, True)
        if kind == "lookbehind":
            self.take()
            words = self.plain_words()
            return _Compiled("".join(f"(?<!{_F}{re.escape(w)})" for w in words), None, True)
        if (kind, value) == ("punct", "^"):
            self.take()
            return _Compiled(r"\A", None, True)
        if (kind, value) == ("punct", "$"):
            self.take()
            return _Compiled(rf"(?={_T}\Z)", None, True)
        return self.quantified()

    def plain_words(self) -> list[str]:
        """The words after ``<!``: one word or a [...] of words (exact lower-case forms)."""
        kind, value = self.take()
        if kind == "word":
            return [value.lower()]
        if kind == "quoted":
            return [_unquote(value)]
        if (kind, value) != ("punct", "["):
            raise self.fail("'<!' takes a word or a [...] of words")
        words = []
        while self.peek() != ("punct", "]"):
            if self.peek() is None:
                raise self.fail("a '[' without its ']'")
            kind, value = self.take()
            if kind not in ("word", "quoted"):
                raise self.fail("'<![...]' takes plain words only")
            words.append(value.lower() if kind == "word" else _unquote(value))
        self.take()
        return words

    def quantified(self) -> _Compiled:
        atom = self.atom()
        item = self.peek()
        if item is not None and item[0] == "quant":
            self.take()
            q = item[1]
            optional = q in ("?", "*") or q.startswith("{0") or q.startswith("{,")
            return _Compiled(f"(?:{atom.regex}){q}", None if optional else atom.gate, optional or atom.optional)
        return atom

    def atom(self) -> _Compiled:
        if self.peek() is None:
            raise self.fail("a test is missing at the end")
        kind, value = self.take()
        if (kind, value) == ("punct", "("):
            inner = self.alternation()
            if self.peek() != ("punct", ")"):
                raise self.fail("a '(' without its ')'")
            self.take()
            return _Compiled(f"(?:{inner.regex})", inner.gate, inner.optional)
        if (kind, value) == ("punct", "["):
            tests = []
            while self.peek() != ("punct", "]"):
                if self.peek() is None:
                    raise self.fail("a '[' without its ']'")
                tests.append(self.atom())
            self.take()
            if not tests:
                raise self.fail("an empty '[]'")
            gates = [t.gate for t in tests]
            gate = None if any(g is None for g in gates) else frozenset().union(*gates)
            return _Compiled("(?:" + "|".join(t.regex for t in tests) + ")", gate)
        if (kind, value) == ("punct", "~"):
            inner = self.atom()
            return _Compiled(f"(?!{inner.regex}){_ANY}", None)
        if kind == "word":
            return self.word(value)
        if kind == "quoted":
            return self.word(_unquote(value), exact=True)
        if kind == "regex":
            body = value[1:-1].replace("\\/", "/")
            try:
                re.compile(body)
            except re.error as exc:
                raise self.fail(f"bad regular expression {body!r}: {exc}") from None
            return _Compiled(f"{_T}[^{_T}]*?{_C}{_word_class(body)}{_E}{_REST}", None)
        raise self.fail(f"unexpected {value!r}")

    def word(self, value: str, exact: bool = False) -> _Compiled:
        if not exact and value == "_":
            return _Compiled(_ANY, None)
        if not exact and value.startswith("="):
            orth = value[1:]
            lemma = re.escape(_lemma_of(orth.lower()))
            return _Compiled(f"{_T}{lemma}{_F}{re.escape(orth)}{_F}{_REST}", frozenset({orth.lower()}))
        if not exact and value.endswith("*") and len(value) > 1:
            prefix = value[:-1].lower()
            return _Compiled(f"{_T}{_SKIP}{_SKIP}{_SKIP}{re.escape(prefix)}{_REST}", None)
        parts = self.split_word(value.lower())
        if not parts:
            raise self.fail(f"the word {value!r} has no tokens")
        regexes = []
        for part in parts:
            w = re.escape(part)
            # a token whose lower-case form is the word has the word's lemma: each test begins with a
            # lemma, so a token that fails it is left at its first letters
            lemma = re.escape(_lemma_of(part))
            if exact:
                regexes.append(f"{_T}{lemma}{_F}{_SKIP}{_SKIP}{w}(?={_T})")
            elif lemma == w:
                regexes.append(f"{_T}{w}{_F}{_REST}")
            else:
                regexes.append(f"{_T}(?:{w}{_F}{_REST}|{lemma}{_F}{_SKIP}{_SKIP}{w}(?={_T}))")
        gate = frozenset({max(parts, key=len)})
        return _Compiled("".join(regexes), gate)


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value[1:-1]).lower()


def _lemma_of(word: str) -> str:
    """The lookup lemma the reading layer gives a token of this lower-case form."""
    from policykg.ingest.reading import reading_layer

    return reading_layer().lemma_of(word).replace("’", "'")


def _split_word(word: str) -> list[str]:
    """The tokens spaCy's tokenizer makes of a word of a pattern ("e-mail": e, -, mail)."""
    from policykg.ingest.reading import reading_layer

    return [t.lower_ for t in reading_layer().nlp.tokenizer(word) if not t.is_space]


def compile_pattern(source: str) -> tuple[re.Pattern[str], frozenset[str] | None]:
    """A token pattern's regular expression over :func:`token_text` strings, and its gate."""
    parsed = _Parser(source, _split_word).parse()
    if parsed.optional:
        raise PatternError(f"token pattern {source!r}: it can match no word at all")
    return re.compile(parsed.regex), parsed.gate


# ------------------------------------------------------------------ matching


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """Where a token cue matched, in characters of the text (the same questions a ``re.Match`` answers)."""

    text: str
    begin: int
    finish: int

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish

    def span(self) -> tuple[int, int]:
        return self.begin, self.finish

    def group(self, index: int = 0) -> str:
        if index != 0:
            raise IndexError("a token match has no groups")
        return self.text[self.begin:self.finish]

    def __bool__(self) -> bool:
        return True


class TokenCue:
    """A cue's token patterns, compiled into one regular expression and one gate."""

    __slots__ = ("patterns", "_regex", "_gate")

    def __init__(self, patterns: list[str]):
        self.patterns = tuple(patterns)
        compiled = [compile_pattern(p) for p in patterns]
        # every match begins at a token's mark: said first, it lets the regex engine skip to the marks
        self._regex = re.compile(f"(?={_T})(?:" + "|".join(f"(?:{r.pattern})" for r, _ in compiled) + ")")
        gates = [g for _, g in compiled]
        self._gate = None if any(g is None for g in gates) else frozenset().union(*gates)

    @property
    def pattern(self) -> str:
        return " | ".join(f"({p})" for p in self.patterns)

    def _matches(self, text: str, pos: int = 0, anchored: bool = False) -> Iterator[TokenMatch]:
        tt = token_text(text)
        if self._gate is not None and self._gate.isdisjoint(tt.words):
            return
        start = tt.string_pos(pos) if pos else 0
        if anchored:
            m = self._regex.match(tt.string, start)
            found = [m] if m else []
        else:
            found = self._regex.finditer(tt.string, start)
        for m in found:
            if m.end() > m.start():
                yield TokenMatch(text, tt.char_start(m.start()), tt.char_end(m.end()))

    def search(self, text: str, pos: int = 0) -> TokenMatch | None:
        # the rules' most frequent question, asked without a generator (no pattern matches no word)
        tt = token_text(text)
        if self._gate is not None and self._gate.isdisjoint(tt.words):
            return None
        m = self._regex.search(tt.string, tt.string_pos(pos) if pos else 0)
        if m is None or m.end() == m.start():
            return None if m is None else next(self._matches(text, pos), None)
        return TokenMatch(text, tt.char_start(m.start()), tt.char_end(m.end()))

    def match(self, text: str, pos: int = 0) -> TokenMatch | None:
        return next(self._matches(text, pos, anchored=True), None)

    def finditer(self, text: str) -> Iterator[TokenMatch]:
        return self._matches(text)
