"""The reading layer: each sentence as spaCy tokens, split into clauses, with ConText-style modifiers.

A topic rule finds the words of a practice ("sell", "third parties", "email address"); this layer
says, for any position of a sentence, what its clause lends to the words there:

- ``Negated``: the clause denies it ("we do not sell", "we are unable to respond", "no personal data is
  shared"); "not only", "no longer", "if you do not want us to" deny nothing (pseudo triggers);
- ``Absent``: "without" says its noun phrase is absent; under a negation the two cancel
  ("we will not share it without your consent": consent is asked);
- ``Question``: it sits in an indirect question ("the law requires us to disclose how we respond");
- ``ThirdPartySubject``: another party does it ("third parties who may sell the data");
- ``NotPersonalData``: the data is aggregated, de-identified or anonymous;
- ``Conditional``: it describes a condition on the company's own act ("if we sell our business");
- ``Exception``: it is in an exception to what the sentence says ("we do not sell it, except ...");
- ``Name``: it is part of a name ("the Do Not Sell My Personal Information link"), which states nothing.

The algorithm is ConText's (Chapman et al. 2007, as in medspaCy): trigger phrases with a category and a
direction; a trigger's scope runs from it to the end (or from the start) of its clause, at most
``pk:maxScope`` words (an Exception's runs to the end of the sentence); pseudo triggers and names cancel
the triggers they overlap; a trigger inside a parenthesis modifies the parenthesis only. Clauses come
from a small splitter with no parse (:func:`_clauses`: boundary words such as "but" and "except",
adverbial and relative clauses, coordinated clauses with a subject of their own). medspaCy itself was evaluated and not
adopted: on Python 3.11 it pins spaCy below 3.8 (so numpy below 2) and installs a UMLS matcher and its
database with it; its scope is the sentence, where ours is the clause.

Every word lives in ``ontology/modifiers.ttl``; the tokens, the matchers and the lemmas are spaCy's (a
blank English pipeline, lookup lemmas from ``spacy-lookups-data``; no model is downloaded).
"""
from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy
import pyoxigraph as ox

PK = "https://w3id.org/policykg/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

NEGATED = "Negated"
QUESTION = "Question"
THIRD_PARTY_SUBJECT = "ThirdPartySubject"
NOT_PERSONAL_DATA = "NotPersonalData"
CONDITIONAL = "Conditional"
ABSENT = "Absent"
PSEUDO = "Pseudo"
NAME = "Name"
EXCEPTION = "Exception"

_DIRECTIONS = ("Forward", "Backward", "Bidirectional", "Within")
_ROLES = ("Boundary", "Subordinator", "RelativePronoun", "Modal", "CoordinatedSubject", "SubjectPronoun",
          "Coordinator")


@dataclass(frozen=True, slots=True)
class ModifierRule:
    name: str
    category: str
    direction: str
    phrases: tuple[str, ...]
    patterns: tuple[tuple[dict[str, Any], ...], ...]
    max_scope: int | None
    sentence_scope: bool = False      # pk:scopeUnit pk:Sentence: not held to its clause


@dataclass(frozen=True, slots=True)
class Modifier:
    """A trigger found in a sentence, with the words it modifies (token offsets, end exclusive)."""

    rule: str
    category: str
    start: int
    end: int
    scope: tuple[int, int]


@dataclass(frozen=True)
class ReadingRules:
    """``modifiers.ttl`` as written: the modifier rules and the clause markers by role."""

    rules: tuple[ModifierRule, ...]
    markers: dict[str, tuple[str, ...]]


def _local(value: str) -> str:
    return value.removeprefix(PK)


def parse_rules(data: bytes, source: str = "modifiers.ttl") -> ReadingRules:
    """Read modifier rules and clause markers from Turtle; a rule that is incomplete is an error naming it."""
    props: dict[str, dict[str, list[ox.Literal | ox.NamedNode | ox.BlankNode]]] = {}
    kinds: dict[str, str] = {}
    for t in ox.parse(data, ox.RdfFormat.TURTLE):
        s = t.subject.value
        if t.predicate.value == RDF_TYPE and t.object.value in (PK + "ModifierRule", PK + "ClauseMarker"):
            kinds[s] = _local(t.object.value)
        props.setdefault(s, {}).setdefault(_local(t.predicate.value), []).append(t.object)  # type: ignore[arg-type]
    rules: list[ModifierRule] = []
    markers: dict[str, list[str]] = {role: [] for role in _ROLES}
    for iri, kind in sorted(kinds.items()):
        p = props[iri]
        name = _local(iri)
        phrases = tuple(o.value for o in p.get("phrase", []))
        if kind == "ClauseMarker":
            role = _local(p["role"][0].value) if p.get("role") else ""
            if role not in _ROLES:
                raise ValueError(f"{source}: clause marker {name} needs a pk:role, one of {', '.join(_ROLES)}")
            markers[role].extend(phrases)
            continue
        category = _local(p["category"][0].value) if p.get("category") else ""
        direction = _local(p["direction"][0].value) if p.get("direction") else ""
        if not category or direction not in _DIRECTIONS:
            raise ValueError(f"{source}: modifier rule {name} needs a pk:category and a pk:direction "
                             f"({', '.join(_DIRECTIONS)})")
        patterns = []
        for o in p.get("tokens", []):
            try:
                pattern = json.loads(o.value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{source}: modifier rule {name}: pk:tokens is not JSON ({exc})") from None
            if not isinstance(pattern, list) or not all(isinstance(x, dict) for x in pattern):
                raise ValueError(f"{source}: modifier rule {name}: pk:tokens must be a list of token objects")
            patterns.append(tuple(pattern))
        if not phrases and not patterns:
            raise ValueError(f"{source}: modifier rule {name} has no pk:phrase and no pk:tokens")
        scope = p.get("maxScope")
        unit = _local(p["scopeUnit"][0].value) if p.get("scopeUnit") else "Clause"
        if unit not in ("Clause", "Sentence"):
            raise ValueError(f"{source}: modifier rule {name}: pk:scopeUnit must be pk:Sentence (or absent)")
        rules.append(ModifierRule(name, category, direction, phrases, tuple(patterns),
                                  int(scope[0].value) if scope else None, unit == "Sentence"))
    return ReadingRules(tuple(rules), {role: tuple(words) for role, words in markers.items()})


@lru_cache(maxsize=1)
def packaged_rules() -> ReadingRules:
    data = (resources.files("policykg.ontology") / "modifiers.ttl").read_bytes()
    return parse_rules(data)


class Reading:
    """One text read: its tokens, the clause of each token and the modifiers found in it."""

    __slots__ = ("text", "tokens", "starts", "clause", "modifiers")

    def __init__(self, text: str, tokens: list[str], starts: list[int], clause: list[int],
                 modifiers: list[Modifier]):
        self.text = text
        self.tokens = tokens          # lower-case token texts
        self.starts = starts          # character offset of each token
        self.clause = clause          # clause number of each token
        self.modifiers = modifiers

    def token_at(self, char: int) -> int:
        """The token at character ``char``, or the first one after it."""
        i = bisect.bisect_right(self.starts, char) - 1
        if i >= 0 and char < self.starts[i] + len(self.tokens[i]):
            return i
        return i + 1

    def categories_at(self, char: int) -> set[str]:
        """What the modifiers whose scope covers the word at ``char`` say of it."""
        i = self.token_at(char)
        return {m.category for m in self.modifiers if m.scope[0] <= i < m.scope[1]}

    def is_(self, category: str, char: int) -> bool:
        i = self.token_at(char)
        return any(m.category == category and m.scope[0] <= i < m.scope[1] for m in self.modifiers)

    def negated_at(self, char: int) -> bool:
        """Whether the word at ``char`` is denied: in a negated clause, or said to be absent ("without your
        consent"), not both ("we will not share it without your consent" asks for consent)."""
        return self.is_(NEGATED, char) != self.is_(ABSENT, char)

    def clause_at(self, char: int) -> tuple[int, int]:
        """Character span of the clause the word at ``char`` belongs to."""
        i = min(self.token_at(char), len(self.tokens) - 1)
        if i < 0:
            return 0, len(self.text)
        c = self.clause[i]
        first = self.clause.index(c)
        last = len(self.clause) - 1 - self.clause[::-1].index(c)
        return self.starts[first], self.starts[last] + len(self.tokens[last])


class ReadingLayer:
    """spaCy's tokenizer, lookup lemmas and matchers, compiled once from the reading rules.

    Phrases run in one PhraseMatcher; each token pattern in a Matcher of its own, run only on a text
    that holds one of the words the pattern requires (spaCy's Matcher evaluates every token's
    predicates in Python; most sentences hold no such word). A text with no word any trigger needs is
    read as having no modifiers.
    """

    def __init__(self, rules: ReadingRules | None = None):
        import spacy
        from spacy.lookups import load_lookups
        from spacy.matcher import Matcher, PhraseMatcher

        self.rules = rules or packaged_rules()
        self.nlp = spacy.blank("en")
        # lookup lemmas of the lower-cased word ("Sold" -> "sell"); the table is spaCy's own
        self._lemmas = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self._lemma_hashes: dict[int, int] = {}
        self._docs: dict[str, Any] = {}      # lemma_doc's cache, oldest first
        self._phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        # (required words, pseudo, matcher): triggers first, pseudo rules only where a trigger is
        self._matchers: list[tuple[frozenset[str] | None, bool, Any]] = []
        self._by_key: dict[str, ModifierRule] = {}
        self._trigger_words: set[str] = set()     # a text without any of them has no modifier
        self._any_text = False                    # a trigger pattern that requires no word: read every text
        for rule in self.rules.rules:
            key = "mod:" + rule.name
            self._by_key[key] = rule
            if rule.phrases:
                docs = [self.nlp.make_doc(p) for p in rule.phrases]
                self._phrases.add(key, docs)
                if rule.category != PSEUDO:
                    self._trigger_words.update(d[0].lower_ for d in docs if len(d))
            for pattern in rule.patterns:
                matcher = Matcher(self.nlp.vocab)
                matcher.add(key, [list(pattern)])
                required = _required_words(pattern)
                self._matchers.append((required, rule.category == PSEUDO, matcher))
                if rule.category != PSEUDO:
                    if required is None:
                        self._any_text = True
                    else:
                        self._trigger_words.update(required)
        self._matchers.sort(key=lambda m: m[1])
        for role, words in self.rules.markers.items():
            if words:
                self._phrases.add("role:" + role, [self.nlp.make_doc(w) for w in words])

    def _set_lemmas(self, doc: Any) -> None:
        """The lookup lemma of each lower-cased word, set in one array."""
        from spacy.attrs import LEMMA, LOWER

        if len(doc):
            lowers = doc.to_array([LOWER])
            cache = self._lemma_hashes
            lemmas = [cache.get(h) or self._lemma_hash(h) for h in lowers.tolist()]
            doc.from_array([LEMMA], numpy.array(lemmas, dtype=lowers.dtype).reshape(-1, 1))

    def _doc(self, text: str) -> Any:
        doc = self.nlp.make_doc(text)
        self._set_lemmas(doc)
        return doc

    def lemma_of(self, lower: str) -> str:
        """The lookup lemma of a lower-case word (the word itself where the table has none)."""
        return self._lemmas.get(lower, lower)

    def lemma_doc(self, text: str) -> Any:
        """``text`` as a spaCy Doc with the lookup lemma of each word, tokenised once: the cues' token
        patterns and :meth:`read` ask of the same sentences, headings and lead-ins, so the last
        few thousand texts' Docs are kept (spaCy's tokenizer is the dearest step of reading)."""
        cache = self._docs
        doc = cache.get(text)
        if doc is None:
            if len(cache) >= _DOC_CACHE:
                del cache[next(iter(cache))]
            doc = cache[text] = self._doc(text)
        return doc

    def _lemma_hash(self, lower: int) -> int:
        strings = self.nlp.vocab.strings
        word = strings[lower]
        found = self._lemma_hashes[lower] = strings.add(self._lemmas.get(word, word))
        return found

    def read(self, text: str, *, clauses: bool = False) -> Reading:
        """``text`` read: its tokens, clauses and modifiers. A text with no modifier is one clause unless
        ``clauses`` asks for its clauses anyway (a rule that reads a verb's object up to its clause's end)."""
        from spacy.attrs import IDX, LENGTH

        doc = self.lemma_doc(text)
        offsets = doc.to_array([IDX, LENGTH]).tolist() if len(doc) else []
        lowered = text.lower() if len(text.lower()) == len(text) else None
        tokens = [(lowered[a:a + n] if lowered is not None else text[a:a + n].lower()) for a, n in offsets]
        starts = [a for a, _ in offsets]
        words = set(tokens)
        if not clauses and not self._any_text and self._trigger_words.isdisjoint(words):
            return Reading(text, tokens, starts, [0] * len(tokens), [])
        strings = self.nlp.vocab.strings
        found = [(strings[k], a, b) for k, a, b in self._phrases(doc)]
        triggered = any(not k.startswith("role:") and self._by_key[k].category != PSEUDO for k, _, _ in found)
        for required, pseudo_rule, matcher in self._matchers:
            if pseudo_rule and not triggered:
                break
            if required is not None and required.isdisjoint(words):
                continue
            matched = [(strings[k], a, b) for k, a, b in matcher(doc)]
            triggered = triggered or (bool(matched) and not pseudo_rule)
            found += matched
        if not triggered and not clauses:
            return Reading(text, tokens, starts, [0] * len(tokens), [])
        roles: dict[str, list[tuple[int, int]]] = {role: [] for role in _ROLES}
        triggers: list[tuple[ModifierRule, int, int]] = []
        for key, a, b in found:
            if key.startswith("role:"):
                roles[key[5:]].append((a, b))
            else:
                triggers.append((self._by_key[key], a, b))
        clause = _clauses(tokens, roles, triggers)
        # pseudo words and names cancel the triggers they overlap; a name is itself a modifier of its words
        cancelling = [(a, b) for rule, a, b in triggers if rule.category in (PSEUDO, NAME)]
        modifiers: list[Modifier] = []
        for rule, a, b in triggers:
            if rule.category == NAME:
                modifiers.append(Modifier(rule.name, NAME, a, b, (a, b)))
                continue
            if rule.category == PSEUDO or any(pa <= a < pb or a <= pa < b for pa, pb in cancelling):
                continue
            lo, hi = _scope(rule, a, b, clause)
            # "go out of business (no way), the transfer ... may include user information": a trigger in a
            # parenthesis modifies the parenthesis only
            opened = max((i for i in range(a) if tokens[i] == "("), default=-1)
            if opened >= 0:
                closed = next((i for i in range(opened + 1, len(tokens)) if tokens[i] == ")"), None)
                if closed is not None and a < closed:
                    lo, hi = max(lo, opened + 1), min(hi, closed)
            modifiers.append(Modifier(rule.name, rule.category, a, b, (lo, hi)))
        return Reading(text, tokens, starts, clause, _pruned(modifiers))


_DOC_CACHE = 4096


def _required_words(pattern: tuple[dict[str, Any], ...]) -> frozenset[str] | None:
    """The words a token pattern cannot match without: those of its most telling required token with
    lower-case words (None: it has no such token and may match any text)."""
    options = []
    for token in pattern:
        lower = token.get("LOWER")
        if token.get("OP") in ("?", "*") or lower is None:
            continue
        words = [lower] if isinstance(lower, str) else list(lower.get("IN", [])) if isinstance(lower, dict) else []
        if words:
            options.append(words)
    if not options:
        return None
    return frozenset(max(options, key=lambda o: min(len(w) for w in o)))


def _clauses(tokens: list[str], roles: dict[str, list[tuple[int, int]]],
             triggers: list[tuple[ModifierRule, int, int]]) -> list[int]:
    """The clause number of each token: a boundary word begins a new clause, as do the main clause after
    a leading adverbial clause or phrase (", we ..."), a coordinated clause with its own subject and the
    main clause's modal after a negated relative clause. A parenthesis is no boundary: "(and will never)" is an aside in its
    clause, "(such as your name or email address)" an elaboration of it."""
    n = len(tokens)
    starts: set[int] = set()
    for a, _ in roles["Boundary"]:
        starts.add(a)
    for i, word in enumerate(tokens):
        # a full stop inside the sentence (an abbreviation is one token with its stop: "e.g.")
        if word in (".", "!", "?") and 0 < i < n - 1:
            starts.add(i + 1)
    # "If you think that we have not complied with the law, you may lodge a complaint": an adverbial
    # clause at the start of the sentence or of a clause ends at its first comma
    # ("please do not use the app if you do not agree to the transfer": the "if" clause has its own polarity)
    subordinators = sorted(a for a, _ in roles["Subordinator"])
    opened = [a for a in subordinators if a == 0 or a in starts or not tokens[a - 1].isalnum()]
    starts.update(subordinators)
    for a in opened:
        comma = next((i for i in range(a + 1, n) if tokens[i] == ","), None)
        if comma is not None and not any(a < s <= comma for s in starts):
            starts.add(comma + 1)
    subjects = {a for a, _ in roles["CoordinatedSubject"]}
    pronouns = {a for a, _ in roles["SubjectPronoun"]}
    for a, b in roles["Coordinator"]:
        if b in subjects and (b in pronouns or (a > 0 and tokens[a - 1] == ",")):
            starts.add(a)
    # "for transfers to countries not considered adequate, we rely on ...": a main clause after a comma
    for a in pronouns:
        if a > 0 and tokens[a - 1] == ",":
            starts.add(a)
    # "we do not sell your data, which may be shared with partners": a non-restrictive relative clause
    # (after a comma) has its own polarity
    for r, _ in roles["RelativePronoun"]:
        if r > 0 and tokens[r - 1] == "," and tokens[r] != "that":
            starts.add(r)
    negations = sorted(a for rule, a, _ in triggers if rule.category == NEGATED)
    modals = sorted(a for a, _ in roles["Modal"])
    for r, _ in roles["RelativePronoun"]:
        neg = next((x for x in negations if r < x <= r + 5), None)
        if neg is None:
            continue
        # "complaints that we cannot resolve may be referred": the modal after the relative clause's verb;
        # "complaints that Microsoft cannot resolve directly, we ...": the comma that closes it
        modal = next((m for m in modals if neg + 1 < m <= neg + 5), None)
        comma = next((i for i in range(neg + 2, n) if tokens[i] == ","), None)
        end = min(x for x in (modal, comma + 1 if comma is not None else None, n) if x is not None)
        if end < n and not any(s in range(r + 1, end) for s in starts):
            starts.add(end)
    clause: list[int] = []
    c = 0
    for i in range(n):
        if i in starts and i > 0:
            c += 1
        clause.append(c)
    return clause


def _scope(rule: ModifierRule, a: int, b: int, clause: list[int]) -> tuple[int, int]:
    if not clause:
        return a, b
    c = clause[min(a, len(clause) - 1)]
    # the trigger is not in its own scope ("not provide equivalent protection": the words after "not"),
    # but for a bidirectional one, whose scope runs through it
    lo, hi = (a, b) if rule.direction == "Bidirectional" else ((b, b) if rule.direction == "Forward" else (a, a))
    if rule.direction in ("Forward", "Bidirectional"):
        hi = b
        while hi < len(clause) and (clause[hi] == c or rule.sentence_scope):
            hi += 1
        if rule.max_scope is not None:
            hi = min(hi, b + rule.max_scope)
    if rule.direction in ("Backward", "Bidirectional"):
        lo = a
        while lo > 0 and (clause[lo - 1] == c or rule.sentence_scope):
            lo -= 1
        if rule.max_scope is not None:
            lo = max(lo, a - rule.max_scope)
    return lo, hi


def _pruned(modifiers: list[Modifier]) -> list[Modifier]:
    """Of triggers of one category that overlap ("no" inside "under no circumstances"), the longest."""
    kept: list[Modifier] = []
    for m in sorted(modifiers, key=lambda m: (m.start, -(m.end - m.start))):
        if any(k.category == m.category and k.start <= m.start < k.end for k in kept):
            continue
        kept.append(m)
    return kept


@lru_cache(maxsize=1)
def reading_layer() -> ReadingLayer:
    """The packaged reading layer (built once per process)."""
    return ReadingLayer()
