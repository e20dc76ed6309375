"""Read facts from a document's sentences: practices, statements, conditions and safeguards.

Each rule is a function ``rule(doc, lexicon) -> Iterable[Fact]`` that reads sentences (with their
section headings and list lead-ins) and emits facts. The rules know how a practice is said (a sentence
is about sharing, a merger is a condition, a promise to notify is not consent); what a clause lends the
words in it (negation, an exception, a question, another party as subject, data that is not personal,
a name) they ask the reading layer (:mod:`policykg.ingest.reading`); which words name which concept
comes from the vocabulary (see :mod:`policykg.ingest.lexicon`). ``RULES`` lists them in order.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from policykg.ingest.lexicon import PK, Lexicon, Match, Words, tokenise
from policykg.ingest.reading import (ABSENT, CONDITIONAL, EXCEPTION, NAME, NOT_PERSONAL_DATA, QUESTION,
                                     THIRD_PARTY_SUBJECT, Reading, reading_layer)
from policykg.ingest.structure import Block, Document, Sentence
from policykg.ingest.tokenpatterns import TokenMatch

DPV = "https://w3id.org/dpv#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing the policy states, read from one sentence (or from the document as a whole)."""

    kind: str                                        # local name of a pk: class (Collection, RightStatement, ...)
    sentence: Sentence | None
    props: tuple[tuple[str, ox.NamedNode | ox.Literal], ...]


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def pk(local: str) -> ox.NamedNode:
    return ox.NamedNode(PK + local)


PERMITTED = pk("Permitted")
PROHIBITED = pk("Prohibited")


# ------------------------------------------------------------------ sentence context

_DEFINITION = re.compile(r"^\W*(?!(?:This|That|It|Which|What|Who|These|Those|Such|Doing so|Doing this|Otherwise)\b)[\"“‘']?[A-Z](?>[\w'’-]*)(?:\s+(?>[\w'’-]+)){0,4}?[\"”’']?\s*(?:\([^)]*\)\s*)?"
                         r"(?:means|refers? to|shall mean|is defined as|has the meaning)\b")


# How sure the topic model must be before a rule reads a sentence its cues did not select.
STATES_CONFIDENCE = 0.8


_UNASKED = object()


class Reader:
    """Cue tests on one sentence, its section headings and the lead-in of its list.

    Every rule asks the same few questions of the same sentences, headings and lead-ins, so
    answers are memoised per (cue, text) for the reader's lifetime (one document).
    """

    def __init__(self, lexicon: Lexicon, doc: Document | None = None, *, classifiers: bool = True):
        self.lex = lexicon
        self.doc = doc
        self.classifiers = classifiers   # False: the cues alone (to measure what the classifiers add)
        self._topics: dict[int, dict[str, float]] | None = None
        self._stances: dict[tuple[int, str], dict[str, float]] = {}
        self._memo: dict[tuple[str, str], TokenMatch | None] = {}
        self._found: dict[tuple[str, str], list[Match]] = {}
        self._words: dict[str, Words] = {}
        self._layer = reading_layer()
        self._readings: dict[str, Reading] = {}
        self._clause_readings: dict[str, Reading] = {}

    def says(self, cue: str, text: str) -> TokenMatch | None:
        """The cue's first match in ``text`` (a token cue skips a text without the words it needs)."""
        key = (cue, text)
        found = self._memo.get(key, _UNASKED)   # half the calls are a first question: no KeyError raised
        if found is _UNASKED:
            found = self._memo[key] = self.lex.cue(cue).search(text)
        return found

    # -- the sentence classifiers (policykg.ingest.classify), asked lazily, once per sentence

    def topic_probability(self, s: Sentence, topic: str) -> float:
        """How likely the trained topic model finds that ``s`` speaks of ``topic`` (0 to 1); the first
        call classifies every sentence of the document in one batch."""
        from policykg.ingest.classify import topic_probabilities

        if self._topics is None:
            sentences = self.doc.sentences if self.doc is not None else []
            found = topic_probabilities([(x.text, x.section, x.block.lead) for x in sentences])
            self._topics = {x.start: p for x, p in zip(sentences, found)}
        if s.start not in self._topics:      # a sentence of no document given to the reader
            self._topics[s.start] = topic_probabilities([(s.text, s.section, s.block.lead)])[0]
        return self._topics[s.start][topic]

    def stance(self, s: Sentence, topic: str) -> tuple[str, float]:
        """The stance the trained stance model reads in ``s`` about ``topic``, with its probability."""
        key = (s.start, topic)
        probs = self._stances.get(key)
        if probs is None:
            from policykg.ingest.classify import stance_probabilities

            probs = self._stances[key] = stance_probabilities((s.text, s.section, s.block.lead), topic)
        best = max(probs, key=probs.__getitem__)
        return best, probs[best]

    def states(self, s: Sentence, topic: str) -> bool:
        """Whether the trained models find that ``s`` states something of the practice ``topic`` (that it
        is done, denied or done on a condition; not a mere mention), at least STATES_CONFIDENCE sure of
        the topic. Rules use it where their cues gate a sentence: the cues say how a practice is worded,
        this says that the sentence is about it, in words the cues do not know."""
        if not self.classifiers or s.block.kind == "heading":
            return False
        if self.topic_probability(s, topic) < STATES_CONFIDENCE:
            return False
        return self.stance(s, topic)[0] != "mentioned"

    def spans(self, cue: str, text: str) -> list[tuple[int, int]]:
        """Where in ``text`` the cue matches, every match."""
        if not self.says(cue, text):
            return []
        return [m.span() for m in self.lex.cue(cue).finditer(text)]

    def find(self, scheme: str, text: str) -> list[Match]:
        key = (scheme, text)
        found = self._found.get(key)
        if found is None:
            words = self._words.get(text)
            if words is None:
                words = self._words[text] = tokenise(text)
            found = self._found[key] = self.lex.scheme(scheme).find(text, words)
        return found

    def defines(self, s: Sentence) -> bool:
        """A definition ("Affiliate means an entity that ...") states no practice."""
        return bool(_DEFINITION.match(s.text)) or (
            self.heading_says("definitions-heading", s) and bool(self.says("defines", s.text)))

    def heading_says(self, cue: str, s: Sentence) -> bool:
        return any(self.says(cue, h) for h in s.block.headings[-2:])

    def lead_says(self, cue: str, s: Sentence) -> bool:
        return bool(s.block.lead) and bool(self.says(cue, s.block.lead or ""))

    def about(self, topic: str, s: Sentence) -> bool:
        """The sentence itself says it, or it is a list item whose lead-in or heading says it."""
        if self.says(topic, s.text):
            return True
        if s.block.kind in ("item", "row") and (self.lead_says(topic, s) or self.heading_says(f"{topic}-heading", s)):
            return True
        return False

    def reading(self, text: str) -> Reading:
        """The reading layer's view of ``text``: clauses and the modifiers they lend (memoised)."""
        found = self._readings.get(text)
        if found is None:
            found = self._readings[text] = self._layer.read(text)
        return found

    def clauses(self, text: str) -> Reading:
        """:meth:`reading`, with the clauses of ``text`` split even where no modifier is found."""
        found = self._clause_readings.get(text)
        if found is None:
            found = self._clause_readings[text] = self._layer.read(text, clauses=True)
        return found

    def negated_at(self, text: str, pos: int) -> bool:
        """Whether the clause of the word at ``pos`` is negated ("we do not sell or rent ...")."""
        return self.reading(text).negated_at(pos)


def literal(value: str | int, datatype: str | None = None) -> ox.Literal:
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


def _concepts_in(reader: Reader, scheme: str, s: Sentence, *, start: int = 0,
                 outside: list[tuple[int, int]] | None = None,
                 unless: frozenset[str] = frozenset()) -> Iterator[tuple[str, bool]]:
    """Concepts of a scheme in the sentence (from ``start``, not within the ``outside`` spans, not where
    the reading layer says one of ``unless``), each with whether its clause is negated."""
    reading: Reading | None = None
    for m in reader.find(scheme, s.text):
        if m.start < start or any(a <= m.start < b for a, b in outside or ()):
            continue
        reading = reading or reader.reading(s.text)
        if unless and reading.categories_at(m.start) & unless:
            continue
        yield m.concept, reading.negated_at(m.start)


# ------------------------------------------------------------------ rules: practices

def collection(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if s.block.kind == "heading" or r.defines(s):
            continue
        in_list = s.block.kind in ("item", "row") and (
            r.lead_says("collect", s) or r.heading_says("collect-heading", s))
        verb = r.says("collect", s.text)
        under_heading = r.heading_says("collect-heading", s)
        if not (verb or in_list or under_heading):
            continue
        # denied where every collecting verb is ("we do not collect device data, except Google's console
        # collects the model and the operating system": the second clause collects)
        if verb and not in_list and not under_heading and \
                all(r.negated_at(s.text, v.start()) for v in r.lex.cue("collect").finditer(s.text)):
            continue
        # "transferred between the countries in which we operate": a place, not the user's country
        for concept, negated in _concepts_in(r, "data", s, outside=r.spans("place-of-processing", s.text)):
            if negated:
                continue
            yield Fact("Collection", s, (("dpv:hasPersonalData", iri(concept)), ("pk:modality", PERMITTED)))




def _headings_over_data_labels(doc: Document, r: Reader) -> set[Block]:
    """The one or two headings right above a "Personal Data: ..." line (a purpose, then the service used for
    it): the layout of policy generators that list each purpose as a heading, not a sentence."""
    found: set[Block] = set()
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            continue
        # the label opens the block: its first words are enough (a long block is not tokenised for it)
        if not r.says("data-label", doc.text[block.start:min(block.end, block.start + 80)]):
            continue
        j = i - 1
        while j >= 0 and i - j <= 2 and blocks[j].kind == "heading":
            found.add(blocks[j])
            j -= 1
    return found


def use(doc: Document, r: Reader) -> Iterator[Fact]:
    purpose_headings = _headings_over_data_labels(doc, r)
    for s in doc.sentences:
        if s.block.kind == "heading":
            if s.block in purpose_headings:
                for concept, negated in _concepts_in(r, "purpose", s):
                    if not negated:
                        yield Fact("Use", s, (("dpv:hasPurpose", iri(concept)), ("pk:modality", PERMITTED)))
            continue
        if r.defines(s):
            continue
        in_list = s.block.kind in ("item", "row") and (r.lead_says("use", s) or r.heading_says("use-heading", s))
        verb = r.says("use", s.text)
        if not (verb or in_list or r.heading_says("use-heading", s)):
            continue
        start = 0
        if verb and not in_list:
            after = r.lex.cue("purpose-marker").search(s.text, verb.start())
            start = after.start() if after else verb.start()
        for concept, negated in _concepts_in(r, "purpose", s, start=start):
            if negated:
                continue
            yield Fact("Use", s, (("dpv:hasPurpose", iri(concept)), ("pk:modality", PERMITTED)))




_NOT_PERSONAL = frozenset({NOT_PERSONAL_DATA})




def _disclosing_verb(r: Reader, text: str) -> re.Match[str] | None:
    """The first sharing cue of the sentence whose subject is not the person ("you provide" and its "to ...")."""
    if not r.says("share", text):
        return None
    given = -1
    for m in r.lex.cue("share").finditer(text):
        word = m.group(0).lower()
        # "the data you provide", "if you provide information to such third parties": the person gives
        if word.startswith(("provid", "give")) and r.says("person-before", text[max(0, m.start() - 40):m.start()]):
            given = m.end()
            continue
        if given >= 0 and word.startswith(("to ", "with ")) and m.start() - given < 60:
            continue
        return m
    return None


def disclosure(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if s.block.kind == "heading" or r.defines(s):
            continue
        in_list = s.block.kind in ("item", "row") and (r.lead_says("share", s) or r.heading_says("share-heading", s))
        verb = _disclosing_verb(r, s.text)
        if not (verb or in_list or r.heading_says("share-heading", s)):
            continue
        merger = r.says("merger", s.text)
        qualified = r.says("not-a-ruled-out-disclosure", s.text)
        if verb and r.reading(s.text).is_(THIRD_PARTY_SUBJECT, verb.start()):
            continue   # "advertisers may share it with their partners": another party's disclosure
        # "we share aggregated statistics with advertisers": no personal data is disclosed
        for concept, negated in _concepts_in(r, "recipient", s, unless=_NOT_PERSONAL):
            if not (verb or in_list or r.heading_says("share-heading", s)):
                continue
            if negated and qualified:
                continue
            props: list[tuple[str, ox.NamedNode | ox.Literal]] = [
                ("dpv:hasRecipient", iri(concept)), ("pk:modality", PROHIBITED if negated else PERMITTED)]
            yield Fact("Disclosure", s, tuple(props))
        if merger and (verb or in_list) and r.says("merger-transfer", s.text) and not r.negated_at(s.text, merger.start()):
            yield Fact("Disclosure", s, (("dpv:hasRecipient", pk("Acquirer")), ("pk:modality", PERMITTED)))
        if verb and not r.negated_at(s.text, verb.start()):
            if r.says("law-enforcement", s.text):
                yield Fact("Disclosure", s, (("dpv:hasRecipient", iri(DPV + "LawEnforcementOrganisation")), ("pk:modality", PERMITTED)))
            elif r.says("required-by-law", s.text):
                # "we may disclose your information if required by law": to the authorities that require it
                yield Fact("Disclosure", s, (("dpv:hasRecipient", iri(DPV + "Authority")), ("pk:modality", PERMITTED)))


def corporate_transaction(doc: Document, r: Reader) -> Iterator[Fact]:
    """A transfer of personal data on a merger, acquisition, asset sale or bankruptcy, with its safeguards."""
    sentences = doc.sentences
    for i, s in enumerate(sentences):
        if s.block.kind == "heading":
            continue
        m = r.says("merger", s.text)
        if not m:
            continue
        if len(s.text.split()) <= 4 and i + 1 < len(sentences) and sentences[i + 1].block is s.block:
            continue  # "Business Transfers. We may disclose ...": a label; the statement follows it
        moves = r.says("merger-transfer", s.text) or r.lead_says("share", s) or r.heading_says("share-heading", s)
        if not moves:
            continue
        # denied where every word that moves the data is ("if Packvel is acquired, no personal data will be
        merger_words = [x.span() for x in r.lex.cue("merger").finditer(s.text)]
        movers = [x.start() for x in r.lex.cue("merger-transfer").finditer(s.text)
                  if not any(a <= x.start() < b for a, b in merger_words)]
        # transferred"), unless the transaction is an exception to the denial ("we will not sell your data
        # (except as may relate to a merger)"); or where the transaction itself is ("will not be merged")
        reading = r.reading(s.text)
        denied = reading.negated_at(m.start()) or (
            bool(movers) and all(reading.negated_at(x) for x in movers) and not reading.is_(EXCEPTION, m.start()))
        if denied:
            # "we will not transfer your data in a merger without..." is a condition on consent, not a denial
            if not r.says("consent-absent", s.text):
                continue
        # the safeguard may follow in the next sentence of the same block ("In that case we will notify you.")
        scope = s.text
        if i + 1 < len(sentences) and sentences[i + 1].block is s.block:
            nxt = sentences[i + 1].text
            if r.says("refers-back", nxt) and (r.says("notice-given", nxt) or r.says("consent-required", nxt) or r.says("consent-absent", nxt)):
                scope += " " + nxt
        consent = r.says("consent-required", scope)
        without = r.says("consent-absent", scope)
        props: list[tuple[str, ox.NamedNode | ox.Literal]] = [
            ("pk:hasCondition", pk("CorporateTransaction")), ("dpv:hasRecipient", pk("Acquirer")),
            ("pk:modality", PERMITTED)]
        if consent and not (without and "consent" in without.group(0).lower()):
            props.append(("pk:hasSafeguard", pk("ConsentSafeguard")))
        if r.says("notice-given", scope):
            props.append(("pk:hasSafeguard", pk("NoticeSafeguard")))
        yield Fact("Disclosure", s, tuple(props))


# What the reading layer may say of a sale word that makes it no sale of personal data by the company:
# another party sells ("partners who sell our products"), the data is not personal ("we may sell
# aggregated statistics"), it is asked ("whether we sell"), it is a condition ("if we sell our business"),
# or a name ("click the Do Not Sell My Personal Information link").
_NOT_THE_COMPANYS_SALE = {THIRD_PARTY_SUBJECT, NOT_PERSONAL_DATA, QUESTION, CONDITIONAL, NAME}


# How sure the stance model must be to read a denial of sale where the cues' grammar finds none.
SALE_DENIAL_CONFIDENCE = 0.7


def sale(doc: Document, r: Reader) -> Iterator[Fact]:
    """Selling or renting personal data, said or denied ("we do not sell or rent your information").

    Which decides: the cues find a sale word and, where their grammar accepts it (an object that is
    personal data, no definition, right or question around it), whether its clause is negated. Where
    the grammar rejects a sale word, the trained models may still read a denial ("we do not sell,
    trade, or otherwise transfer to outside parties your personally identifiable information"), at
    least SALE_DENIAL_CONFIDENCE sure. They never add or remove a stated sale: on held-out sentences
    they read stated sales no better than the cues (too few in the labelled data), and letting them
    overrule the cues removed true sales on the corpus ("We may sell your personal information").
    """
    lex = r.lex
    for s in doc.sentences:
        if s.block.kind == "heading" or r.says("sale-described", s.text):
            continue
        cues_found = read_as_other = False
        for m in lex.cue("sale").finditer(s.text):
            if s.text[max(0, m.start() - 1):m.start()] in ("\"", "\u201c", "'", "\u2018"):
                continue  # a quoted term in a definition: "sell" has the meaning given by the CCPA
            around = s.text[max(0, m.start() - 40):m.end() + 60]
            if lex.cue("sale-not-data").search(around):
                continue
            if r.says("merger", s.text) and not r.negated_at(s.text, m.start()):
                continue
            head = s.text[:m.start()]
            if r.says("practice-named", head):
                continue  # names the practice (a right, a definition), does not state it
            if r.reading(s.text).categories_at(m.start()) & _NOT_THE_COMPANYS_SALE:
                read_as_other = True
                continue
            # the object: after the verb in its clause, or before it when the verb is passive ("... be sold")
            clause = s.text[m.end():r.clauses(s.text).clause_at(m.start())[1]][:80]
            passive = r.says("passive-before", head)
            obj = lex.cue("sale-object").search(clause) or (
                passive and lex.cue("sale-object").search(head[-160:]))
            if not obj:
                continue
            negated = r.negated_at(s.text, m.start())
            cues_found = True
            yield Fact("Sale", s, (("pk:modality", PROHIBITED if negated else PERMITTED),))
        # the models do not overrule the reading layer: a sale it reads as a third party's, of data that is
        # not personal, asked or a condition, is none the company denies either
        if not cues_found and not read_as_other and lex.cue("sale").search(s.text) and not r.says("merger", s.text) \
                and r.states(s, "sale"):
            stance, p = r.stance(s, "sale")
            if stance == "not_performed" and p >= SALE_DENIAL_CONFIDENCE:
                # a denial in words the cues do not know ("personal information is not something we trade in")
                yield Fact("Sale", s, (("pk:modality", PROHIBITED),))


_DURATION_UNITS = {"day": "D", "week": "W", "month": "M", "year": "Y", "hour": "H"}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "eighteen": 18,
                 "twenty": 20, "twenty-four": 24, "thirty": 30, "thirty-six": 36, "forty-five": 45, "sixty": 60,
                 "ninety": 90, "a": 1, "an": 1, "a single": 1}
_PERIOD = re.compile(
    r"\b(?:for|up to|within|after|of|maximum of|max(?:imum)?|no (?:longer|more) than|at least|at most|period of|"
    r"not exceeding|exceed|approximately|about|around|least|last|past|than|minimum of|retained|kept|stored)\s+"
    r"(?:a (?:period|maximum|minimum) of\s+|the (?:first|last|past)\s+)?"
    r"(?:\d{1,4}\s*(?:-|\u2013|to)\s*)?"
    r"(\d{1,4}|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r")"
    r"(?:\s*\(\d{1,4}\))?[\s-]*(?:calendar\s+|business\s+|full\s+)?(hour|day|week|month|year)s?\b", re.I)


def retention(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if s.block.kind == "heading":
            continue
        keep = r.says("retention-keep", s.text)
        delete = r.says("retention-delete", s.text)
        if not (keep or delete or r.says("retention", s.text)):
            continue
        if r.says("not-retention", s.text):
            continue
        if r.says("children", s.text) and r.says("age-limit", s.text):
            continue
        found = False
        for m in _PERIOD.finditer(s.text):
            number = m.group(1).lower()
            n = int(number) if number.isdigit() else _NUMBER_WORDS.get(number, 0)
            unit = m.group(2).lower()
            if not n or (unit == "year" and n > 100):
                continue
            if r.says("of-age", s.text[m.end():m.end() + 12]):
                continue
            code = _DURATION_UNITS[unit]
            duration = f"PT{n}H" if code == "H" else (f"P{n * 7}D" if code == "W" else f"P{n}{code}")
            yield Fact("Retention", s, (("pk:retentionKind", literal("period")),
                                        ("pk:duration", literal(duration, XSD + "duration")), ("pk:modality", PERMITTED)))
            found = True
        indefinite = r.lex.cue("retention-indefinite").search(s.text)
        if indefinite and not r.negated_at(s.text, indefinite.start() + 1) and not r.negated_at(s.text, indefinite.end()):
            yield Fact("Retention", s, (("pk:retentionKind", literal("indefinite")), ("pk:modality", PERMITTED)))
            found = True
        criteria = r.says("retention-criteria", s.text)
        near = criteria and any(abs(k.start() - criteria.start()) < 120 for k in r.lex.cue("retention-keep").finditer(s.text))
        if not found and keep and near and not r.negated_at(s.text, keep.start()):
            yield Fact("Retention", s, (("pk:retentionKind", literal("criteria")), ("pk:modality", PERMITTED)))


_DEROGATION = "https://w3id.org/dpv/legal/eu/gdpr#A49"


# "stored on servers located within the European Union": data kept in Europe crosses no border that
# the GDPR's Chapter V is about (the cues know no such place as a transfer; the models may read one)
_KEPT_WITHIN_EUROPE = re.compile(
    r"\b(?:stored|hosted|kept|processed|held|housed|maintained|remains?|stays?)\b(?:(?!\bnot\b)[^.;]){0,60}?"
    r"\b(?:within|inside|in)\s+(?:the\s+)?(?:EU|EEA|European (?:Union|Economic Area)|Europe)\b"
    r"(?![^.]{0,40}\b(?:and|or)\b[^.]{0,20}\b(?:outside|United States|USA|US)\b)", re.I)


def cross_border_transfer(doc: Document, r: Reader) -> Iterator[Fact]:
    transfers: list[Sentence] = []
    safeguards: dict[str, Sentence] = {}
    for s in doc.sentences:
        if s.block.kind == "heading":
            continue
        m = r.says("transfer", s.text)
        transfer_section = r.heading_says("transfer-heading", s)
        if not m and r.states(s, "transfer") and not _KEPT_WITHIN_EUROPE.search(s.text):
            m = re.search(r"\S", s.text)   # the models find a transfer the cues miss; negation read from the start
        if m and re.search(r"\b(?:transfer|stor|process|host|locat|maintain|hous|kept|keep|move|access|send|sent|transmit|server|data ?cent)\w*", s.text, re.I):
            if not r.negated_at(s.text, m.start()) or re.search(r"\bnot (?:be )?(?:the same|as protective|equivalent)", s.text, re.I):
                transfers.append(s)
        in_context = bool(m or transfer_section or re.search(r"\btransfer", s.text, re.I))
        for match in r.find("transfer-safeguard", s.text):
            # a named mechanism (SCCs, Privacy Shield, BCRs) counts wherever the policy names it;
            # a derogation ("you agree to the transfer") only where the sentence is about transfers
            if match.concept.startswith(_DEROGATION) and not in_context:
                continue
            if r.negated_at(s.text, match.start):
                continue  # "countries without an adequacy decision", "we do not rely on the Privacy Shield"
            safeguards.setdefault(match.concept, s)
    if not transfers:
        return
    props: list[tuple[str, ox.NamedNode | ox.Literal]] = [("pk:modality", PERMITTED)]
    props += [("pk:hasTransferSafeguard", iri(c)) for c in safeguards]
    yield Fact("CrossBorderTransfer", transfers[0], tuple(props))
    for s in transfers[1:4]:
        yield Fact("CrossBorderTransfer", s, tuple(props))


# ------------------------------------------------------------------ rules: statements

def rights(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if s.block.kind == "heading" or r.defines(s):
            continue
        in_list = s.block.kind in ("item", "row") and (r.lead_says("rights", s) or r.heading_says("rights-heading", s))
        if not (r.says("rights", s.text) or in_list):
            continue
        if r.says("company-acts-on-data", s.text) and not r.says("the-person", s.text):
            continue  # "we may delete inactive accounts" with no "you": what the company does, not a right
        # "Developer reserves the right to update this policy": a right's word inside such a span is not the user's
        elsewhere = r.spans("rights-not-users", s.text)
        for m in r.find("right", s.text):
            if any(a <= m.start < b for a, b in elsewhere) or r.negated_at(s.text, m.start):
                continue
            yield Fact("RightStatement", s, (("pk:right", iri(m.concept)),))




def legal_bases(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if s.block.kind == "heading" or r.defines(s):
            continue
        heading = r.heading_says("legal-basis-heading", s)
        if not (r.says("legal-basis", s.text) or heading or r.lead_says("legal-basis", s)):
            continue
        if r.says("retention-keep", s.text) and r.says("retention-criteria", s.text) and not r.says("legal-basis-named", s.text):
            continue  # "kept as long as necessary to fulfil contractual obligations" is retention, not a basis
        if s.block.kind in ("item", "row") and s.block.lead and r.find("legal-basis", s.block.lead):
            continue  # "for our legitimate interests, which include: - Comply with law ...": the items are interests
        # "a legitimate interest in complying with legal obligations": what follows describes the interest
        described = [(m.start() + len("legitimate interest"), m.end())
                     for m in r.lex.cue("interest-description").finditer(s.text)]
        for m in r.find("legal-basis", s.text):
            if any(a <= m.start < b for a, b in described):
                continue
            # a negation inside an interest description ("... does not harass our staff") is the description's
            after = max((b for _, b in described if b <= m.start), default=0)
            if not r.negated_at(s.text[after:], m.start - after):
                yield Fact("LegalBasisStatement", s, (("dpv:hasLegalBasis", iri(m.concept)),))


def measures(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if s.block.kind == "heading" or r.defines(s):
            continue
        security_section = r.heading_says("security-heading", s)
        if not (r.says("security", s.text) or security_section or r.lead_says("security", s)):
            continue
        if not security_section and r.says("retention-delete", s.text) and r.says("retention-criteria", s.text):
            continue  # "when the retention period ends we securely delete or anonymise it" states retention
        for concept, negated in _concepts_in(r, "measure", s):
            if not negated:
                yield Fact("MeasureStatement", s, (("dpv:hasTechnicalOrganisationalMeasure", iri(concept)),))


_AGE = re.compile(
    r"\b(?P<kind>under|below|younger than|less than|beneath|over|older than|at least|aged|age of|minimum age(?: of)?|"
    r"age (?:requirement|limit|threshold) (?:is|of)|(?:the )?age of majority,? (?:which is )?)\s+(?:the\s+)?(?:age\s+(?:of\s+)?)?"
    r"(?P<n1>\d{1,2})\b|\b(?P<n2>\d{1,2})\s*(?P<tail>\+|years? (?:of age|old)(?: or (?:older|over|above|younger|under))?|"
    r"or (?:older|over|above|younger|under))", re.I)


_AGE_ELSEWHERE = re.compile(r"\b(?:and|or|but)\s+(\d{1,2})\s+(?:(?:years? (?:old|of age)\s+)?(?:elsewhere|in other|otherwise|outside|everywhere else|in the rest|in all other|for (?:all )?other))", re.I)


def _threshold(m: re.Match[str]) -> int:
    """The age a phrase sets as the threshold: "under 13" and "12 or younger" both mean 13."""
    if m.group("n1"):
        age = int(m.group("n1"))
        after = m.string[m.end():m.end() + 25]
        if m.group("kind").lower() == "older than" or re.match(r"\s*(?:years?(?: old| of age)?\s+)?or (?:younger|under)\b(?!\s+(?:the\s+)?age)", after, re.I):
            return age + 1
        return age
    age = int(m.group("n2"))
    return age + 1 if re.search(r"younger|under", m.group("tail"), re.I) else age


def children(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if not r.says("children", s.text) and not (r.heading_says("children", s) and _AGE.search(s.text)):
            continue
        ages = [(_threshold(m), m.end()) for m in _AGE.finditer(s.text)]
        # "under 16 in the EEA and 13 elsewhere": the second threshold borrows the first one's wording
        ages += [(int(m.group(1)), m.end()) for m in _AGE_ELSEWHERE.finditer(s.text) if ages]
        for age, end in ages:
            if not 6 <= age <= 21:
                continue
            if re.search(r"\b(?:days?|months?|weeks?|hours?|percent|%)\b", s.text[end:end + 10], re.I):
                continue
            yield Fact("ChildrenStatement", s, (("pk:minimumAge", literal(age)),))


def change_notice(doc: Document, r: Reader) -> Iterator[Fact]:
    lex = r.lex
    previous: Sentence | None = None
    for s in doc.sentences:
        if s.block.kind == "heading":
            continue
        follows_change = previous is not None and previous.block is s.block and r.says("change", previous.text)
        previous = s
        if not (r.says("change", s.text) or ((r.heading_says("change-heading", s) or follows_change) and
                                             r.says("change-word", s.text))):
            continue
        for mechanism in ("posting", "direct", "prior"):
            said = [m for m in lex.cue(f"change-{mechanism}").finditer(s.text)
                    if not r.reading(s.text).is_(ABSENT, m.start())]   # "we may change it without notice"
            if mechanism == "direct":
                # "we will post the changes to notify you": the notice is the posting itself
                said = [m for m in said if not (m.group(0).lower().startswith("notify")
                                                and r.says("posted-before", s.text[:m.start()]))]
            if said:
                yield Fact("ChangeNoticeStatement", s, (("pk:mechanism", literal(mechanism)),))


def _dnt_stance_by_rules(r: Reader, text: str) -> str:
    """The stance the cues read: a stance cue inside an indirect question ("the law requires us to
    disclose how we respond to DNT signals") states nothing (the reading layer's Question)."""
    text = re.sub(r"\bdo[- ]not[- ]track\b", "DNT", text, flags=re.I)   # the name must not read as a stance
    reading = r.reading(text)
    if any(not reading.is_(QUESTION, m.start()) for m in r.lex.cue("dnt-not-honored").finditer(text)):
        return "not-honored"
    # "we take no action in response", "we have no way to respond", "we are not able to recognise them":
    # a word of responding to the signals, denied by its clause
    if any(reading.negated_at(m.start()) and not reading.is_(QUESTION, m.start())
           for m in r.lex.cue("dnt-response").finditer(text)):
        return "not-honored"
    for honored in r.lex.cue("dnt-honored").finditer(text):
        if reading.is_(QUESTION, honored.start()):
            continue
        # "we are not set up to respond to them": an honouring verb in a negated clause denies it
        return "not-honored" if reading.negated_at(honored.start()) else "honored"
    return "mentioned"


# The stance model decides where it is this sure that a sentence denies honouring the signals.
DNT_DENIAL_CONFIDENCE = 0.6




def _dnt_stance(r: Reader, s: Sentence) -> tuple[str, bool]:
    """What ``s`` says of Do Not Track signals (honored, not-honored or mentioned), and whether the
    cues read it (True) or the trained stance model (False).

    Which decides: the stance cues of cues.ttl where they read a stance (on held-out labelled sentences
    their denials are right 5 times in 6); where they read none, the trained stance model may find a
    denial they miss ("we take no action in response", "we are not set up to honour them") when it is
    at least DNT_DENIAL_CONFIDENCE sure. The model never decides "honored": its training data holds too
    few such sentences (policykg/models/MODEL-CARD.md).
    """
    if r.says("dnt-defined", s.text):      # what DNT is, not what the company does
        return "mentioned", True
    found = _dnt_stance_by_rules(r, s.text)
    if found == "mentioned" and r.classifiers:
        stance, p = r.stance(s, "dnt")
        if stance == "not_performed" and p >= DNT_DENIAL_CONFIDENCE:
            return "not-honored", False
    return found, True


def do_not_track(doc: Document, r: Reader) -> Iterator[Fact]:
    """The policy's stance on Do Not Track: the cues find the sentences that name it (a name is not
    ambiguous), the stance is read in them and, when they only mention it, in the next sentences of
    the same block ("Some browsers have DNT features. ... We take no action in response.").

    Over the policy, a stance the cues read outranks one only the model reads (a policy that says
    "our website honours DNT" and then "if your browser sends DNT, we do not set cookies" honours
    it); among equals a denial outranks honouring, and both outrank a mention.
    """
    best: tuple[int, int] | None = None
    evidence: Sentence | None = None
    stance = "mentioned"
    sentences = doc.sentences
    rank = {"mentioned": 0, "honored": 1, "not-honored": 2}
    for i, s in enumerate(sentences):
        if not r.says("dnt", s.text):
            continue
        found, by_cues = _dnt_stance(r, s)
        for nxt in sentences[i + 1:i + 3]:
            if found != "mentioned" or nxt.block is not s.block:
                break
            found, by_cues = _dnt_stance(r, nxt)
        key = (int(by_cues) if found != "mentioned" else 0, rank[found])
        if best is None or key > best:
            best, stance, evidence = key, found, s
    if best is not None:
        yield Fact("DoNotTrackStatement", evidence, (("pk:stance", literal(stance)),))


def consent_by_use(doc: Document, r: Reader) -> Iterator[Fact]:
    for s in doc.sentences:
        if r.says("consent-by-use", s.text):
            yield Fact("ConsentByUse", s, ())


def information_items(doc: Document, r: Reader) -> Iterator[Fact]:
    """GDPR Art. 13/14 items said by the cues that pk:informs of them (ontology/cues.ttl).

    These are the items no practice carries (DPO, legitimate interests, source, mandatory provision,
    automated decisions, contact details) and partial statements of the others. One of them is the legal
    basis where a policy gives consent as the ground of processing without naming an Art. 6 basis ("by
    using the app you consent to the processing of your data"): the item is disclosed, but no
    LegalBasisStatement is made, so the legal-bases question is not answered with it.
    """
    for s in doc.sentences:
        for cue, item in r.lex.informs:
            if r.says(cue, s.text):
                yield Fact("InformationStatement", s, (("pk:about", pk(item)),))


Rule = Callable[[Document, "Reader"], Iterable[Fact]]

RULES: tuple[Rule, ...] = (
    collection, use, disclosure, corporate_transaction, sale, retention, cross_border_transfer,
    rights, legal_bases, measures, children, change_notice, do_not_track, consent_by_use, information_items,
)


def extract_facts(doc: Document, lexicon: Lexicon, *, classifiers: bool = True) -> list[Fact]:
    reader = Reader(lexicon, doc, classifiers=classifiers)
    facts: list[Fact] = []
    for rule in RULES:
        facts.extend(rule(doc, reader))
    return facts
