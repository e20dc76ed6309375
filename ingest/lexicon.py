"""The words extraction matches, loaded from the ontology's Turtle files.

``vocabulary/*.ttl`` holds SKOS concepts with their DPV IRIs and our synonyms (``skos:altLabel``,
and ``pk:tokenPattern`` token patterns where a phrase cannot say it); ``cues.ttl`` holds the cues' token patterns
(:mod:`policykg.ingest.tokenpatterns`) that tell what a sentence is about (collection, sharing,
rights, ...); ``controller-cues.ttl`` the
wordings that name the controller, handed on as :class:`ControllerCues` (their name slots are filled by
``parties.py``, which owns the name grammar). Nothing here knows a word: this module only compiles
what the files say into matchers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pyoxigraph as ox

from policykg.ingest.tokenpatterns import PatternError, TokenCue

PK = "https://w3id.org/policykg/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

SCHEMES = {
    "data": "DataCategoryScheme",
    "purpose": "PurposeScheme",
    "legal-basis": "LegalBasisScheme",
    "recipient": "RecipientScheme",
    "right": "RightScheme",
    "measure": "SecurityMeasureScheme",
    "transfer-safeguard": "TransferSafeguardScheme",
}


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    concept: str     # full IRI


_TOKEN = re.compile(r"\w+(?:['’]\w+)*")


Words = tuple[list[tuple[int, int, str]], list[bool]]


def tokenise(text: str) -> Words:
    """Lower-cased word tokens with offsets, and for each pair of neighbours whether they are joined
    only by spaces or hyphens (the words of a label must be: "e-mail", "IP address")."""
    if text.isascii():   # most sentences: lower-casing keeps every offset and no "’" is there to replace
        tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text.lower())]
    else:
        tokens = [(m.start(), m.end(), m.group(0).lower().replace("’", "'")) for m in _TOKEN.finditer(text)]
    joined = [a[1] < b[0] and not text[a[1]:b[0]].strip(" -\t\n\u00a0\u2010\u2011") for a, b in zip(tokens, tokens[1:])]
    return tokens, joined


class ConceptMatcher:
    """Finds the concepts of one scheme in a text: longest label first, whole words, plurals allowed.

    Labels are looked up as word n-grams in a dictionary (a space or hyphen in a label matches any
    run of spaces and hyphens), which stays fast with thousands of labels; ``pk:tokenPattern`` token
    patterns are run as they are.
    """

    def __init__(self, labels: dict[str, str], patterns: list[tuple[TokenCue, str]]):
        self._by_words: dict[tuple[str, ...], str] = {}
        for label, concept in labels.items():
            words = tuple(w.lower() for w in _TOKEN.findall(label.replace("’", "'")))
            if words:
                self._by_words.setdefault(words, concept)
        # plural forms of each label's last word are entries of their own, so a lookup is one dict get
        for words, concept in list(self._by_words.items()):
            last = words[-1]
            plurals = [last + "s", last + "es"] + ([last[:-1] + "ies"] if last.endswith("y") else [])
            for plural in plurals:
                self._by_words.setdefault(words[:-1] + (plural,), concept)
        self._prefixes = {words[:j] for words in self._by_words for j in range(1, len(words) + 1)}
        self._first = {words[0] for words in self._prefixes}   # the words a label can begin with
        self._patterns = patterns

    def find(self, text: str, words: Words | None = None) -> list[Match]:
        """Concept mentions in ``text``; ``words`` is its :func:`tokenise` result when the caller has it."""
        found: list[Match] = []
        tokens, joined = words or tokenise(text)
        first = self._first
        i = 0
        n = len(tokens)
        while i < n:
            if tokens[i][2] not in first:   # no label begins with this word
                i += 1
                continue
            best: tuple[int, str] | None = None
            words: tuple[str, ...] = ()
            j = i
            while j < len(tokens):
                words += (tokens[j][2],)
                if words not in self._prefixes:
                    break
                concept = self._by_words.get(words)
                if concept:
                    best = (j, concept)
                if j >= len(joined) or not joined[j]:
                    break
                j += 1
            if best:
                found.append(Match(tokens[i][0], tokens[best[0]][1], best[1]))
                i = best[0] + 1
            else:
                i += 1
        for pattern, concept in self._patterns:
            for m in pattern.finditer(text):
                found.append(Match(m.start(), m.end(), concept))
        found.sort(key=lambda x: (x.start, -(x.end - x.start)))
        result: list[Match] = []
        last_end = -1
        for m in found:
            if m.start >= last_end:
                result.append(m)
                last_end = m.end
        return result

    def concepts(self, text: str) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.find(text):
            seen.setdefault(m.concept)
        return list(seen)


def normalise_label(text: str) -> str:
    return re.sub(r"[\s\-]+", " ", text.lower()).strip()


@dataclass(frozen=True, slots=True)
class NamingCue:
    """A controller cue of ``controller-cues.ttl``: its pattern still holds its name slot ({NAME}, ...)."""

    name: str                  # local name without "controller-"
    pattern: str
    weight: float
    hints: tuple[str, ...]     # lower-case; empty: the cue is tried on every sentence


@dataclass(frozen=True, slots=True)
class ControllerCues:
    """``controller-cues.ttl`` as written (hashable, so the compiled form can be cached on it)."""

    sentences: tuple[NamingCue, ...]      # pk:ControllerCue, in pk:order
    titles: tuple[NamingCue, ...]         # pk:ControllerTitleCue, in pk:order
    headings: tuple[NamingCue, ...]       # pk:ControllerHeadingCue
    phrases: tuple[tuple[str, str], ...]  # pk:ControllerPhrase: (name, pattern)


_CONTROLLER_KINDS = {PK + "ControllerCue": "sentences", PK + "ControllerTitleCue": "titles",
                     PK + "ControllerHeadingCue": "headings", PK + "ControllerPhrase": "phrases"}


def _controller_cues(kinds: dict[str, str], patterns: dict[str, list[str]], hints: dict[str, list[str]],
                     weights: dict[str, str], orders: dict[str, str]) -> ControllerCues:
    by_kind: dict[str, list[tuple[int, str, NamingCue]]] = {k: [] for k in _CONTROLLER_KINDS.values()}
    for iri, kind in kinds.items():
        name = iri.removeprefix(PK).removeprefix("controller-")
        found = patterns.get(iri, [])
        if len(found) != 1:
            raise ValueError(f"controller-cues.ttl: controller cue {name!r} needs exactly one pk:pattern, has {len(found)}")
        if kind in ("sentences", "titles") and iri not in orders:
            raise ValueError(f"controller-cues.ttl: controller cue {name!r} needs a pk:order")
        if kind != "phrases" and iri not in weights:
            raise ValueError(f"controller-cues.ttl: controller cue {name!r} needs a pk:weight")
        cue = NamingCue(name, found[0], float(weights.get(iri, 0.0)), tuple(hints.get(iri, ())))
        by_kind[kind].append((int(orders.get(iri, 0)), name, cue))
    for kind in ("sentences", "titles"):
        orders_used = [order for order, _, _ in by_kind[kind]]
        if len(set(orders_used)) != len(orders_used):
            raise ValueError(f"controller-cues.ttl: two controller cues of one class share a pk:order ({kind})")
    ordered = {kind: tuple(cue for _, _, cue in sorted(cues)) for kind, cues in by_kind.items()}
    return ControllerCues(ordered["sentences"], ordered["titles"], ordered["headings"],
                          tuple((cue.name, cue.pattern) for cue in ordered["phrases"]))


@dataclass(frozen=True)
class Lexicon:
    """All matchers: one per concept scheme, one token cue per cue, and the concepts' labels and parents."""

    schemes: dict[str, ConceptMatcher]
    cues: dict[str, TokenCue]
    labels: dict[str, str]
    broader: dict[str, tuple[str, ...]]
    controller: ControllerCues
    informs: tuple[tuple[str, str], ...]   # (cue, item local name): cues that give a GDPR information item

    def cue(self, name: str) -> TokenCue:
        try:
            return self.cues[name]
        except KeyError:
            raise KeyError(f"no cue {name!r} in cues.ttl") from None

    def scheme(self, name: str) -> ConceptMatcher:
        return self.schemes[name]


def ontology_files() -> list[tuple[str, bytes]]:
    """(name, bytes) of every Turtle file of the ontology package, vocabulary included."""
    root = resources.files("policykg.ontology")
    files = [(p.name, p.read_bytes()) for p in root.iterdir() if p.name.endswith(".ttl")]
    vocab = root / "vocabulary"
    if vocab.is_dir():
        files += [(f"vocabulary/{p.name}", p.read_bytes()) for p in vocab.iterdir() if p.name.endswith(".ttl")]
    return sorted(files)


def ontology_quads() -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for name, data in ontology_files():
        try:
            quads.extend(ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(data, ox.RdfFormat.TURTLE))
        except SyntaxError as exc:
            raise SyntaxError(f"ontology/{name}: {exc}") from exc
    return quads


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Compile the lexicon from the packaged Turtle files (cached: done once per process)."""
    in_scheme: dict[str, str] = {}
    alt: dict[str, list[str]] = {}
    pref: dict[str, str] = {}
    patterns: dict[str, list[str]] = {}
    broader: dict[str, list[str]] = {}
    cue_patterns: dict[str, list[str]] = {}
    tokens: dict[str, list[str]] = {}
    cue_iris: set[str] = set()
    hints: dict[str, list[str]] = {}
    controller_kinds: dict[str, str] = {}
    weights: dict[str, str] = {}
    orders: dict[str, str] = {}
    informs: dict[str, list[str]] = {}
    for quad in ontology_quads():
        s, p, o = quad.subject.value, quad.predicate.value, quad.object
        if p == SKOS + "inScheme":
            in_scheme[s] = o.value
        elif p == SKOS + "altLabel":
            alt.setdefault(s, []).append(o.value)
        elif p == SKOS + "prefLabel":
            pref[s] = o.value
        elif p == SKOS + "broader":
            broader.setdefault(s, []).append(o.value)
        elif p == PK + "pattern":
            patterns.setdefault(s, []).append(o.value)
        elif p == PK + "tokenPattern":
            tokens.setdefault(s, []).append(o.value)
        elif p == RDF_TYPE and o.value == PK + "Cue":
            cue_iris.add(s)
        elif p == RDF_TYPE and o.value in _CONTROLLER_KINDS:
            controller_kinds[s] = _CONTROLLER_KINDS[o.value]
        elif p == PK + "weight":
            weights[s] = o.value
        elif p == PK + "order":
            orders[s] = o.value
        elif p == PK + "hint":
            hints.setdefault(s, []).append(o.value.lower())
        elif p == PK + "informs":
            informs.setdefault(s, []).append(o.value.removeprefix(PK))
    for iri in cue_iris:
        cue_patterns[iri.removeprefix(PK + "cue-")] = patterns.pop(iri, [])
    controller = _controller_cues(controller_kinds, {i: patterns.pop(i, []) for i in controller_kinds}, hints,
                                  weights, orders)
    schemes: dict[str, ConceptMatcher] = {}
    for name, local in SCHEMES.items():
        scheme_iri = PK + local
        labels: dict[str, str] = {}
        found: list[tuple[TokenCue, str]] = []
        for concept, scheme in in_scheme.items():
            if scheme != scheme_iri:
                continue
            for label in alt.get(concept, []):
                labels.setdefault(normalise_label(label), concept)
            if concept in patterns:
                raise ValueError(f"vocabulary: {concept.rsplit('#', 1)[-1]} has pk:pattern: a concept's words are "
                                 "skos:altLabel phrases or pk:tokenPattern token patterns")
            for pattern in tokens.get(concept, []):
                try:
                    found.append((TokenCue([pattern]), concept))
                except PatternError as exc:
                    raise ValueError(f"vocabulary: {concept.rsplit('#', 1)[-1]}: {exc}") from None
        schemes[name] = ConceptMatcher(labels, found)
    cues: dict[str, TokenCue] = {}
    for name, pats in cue_patterns.items():
        iri = PK + "cue-" + name
        if pats or iri in hints:
            raise ValueError(f"cues.ttl: cue-{name} has pk:pattern or pk:hint: a cue says its words with pk:tokenPattern "
                             "(ingest/tokenpatterns.py), which gates itself by the words it needs")
        if not tokens.get(iri):
            raise ValueError(f"cues.ttl: cue-{name} has no pk:tokenPattern")
        try:
            cues[name] = TokenCue(tokens[iri])
        except PatternError as exc:
            raise ValueError(f"cues.ttl: cue-{name}: {exc}") from None
    cue_items = tuple(sorted((iri.removeprefix(PK + "cue-"), item) for iri, items in informs.items()
                             if iri in cue_iris for item in items))
    return Lexicon(schemes, cues, pref, {k: tuple(v) for k, v in broader.items()}, controller, cue_items)
