"""Who is responsible: the controller's name and the e-mail addresses offered for privacy contact.

A policy names its controller in a handful of recurring ways: "Acme Ltd ("we", "us")", "Company
refers to Acme Ltd", "Acme built the X app", "This service is provided by Acme", "Acme is the
controller", "the privacy policy of Acme", a copyright line. Each way is a pattern with a weight in
ontology/controller-cues.ttl, with the words that are never a name; candidates are scored over the
whole document and the best is kept. What a name looks like (capitals, connectives, legal suffixes)
is grammar and is written here: the patterns' name slots ({NAME}, ...) are filled with it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from policykg.ingest.extract import Fact, literal
from policykg.ingest.lexicon import ControllerCues, Lexicon, NamingCue
from policykg.ingest.structure import Document, Sentence

_UPPER = "A-Z0-9\u00c0-\u00de\u0100-\u024f"
_WORD = rf"(?:[{_UPPER}][\w'’!+./-]*|&|of|and|de|du|la|le|der|und|for|the|by|[a-z]+[A-Z][\w]*)"
_SUFFIX = (r"(?i:,?\s+(?:Inc|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Co|Company|GmbH|AG|S\.?A|S\.?L|S\.?p\.?A|SAS|SARL|"
           r"B\.?V|N\.?V|Pty\.?\s+Ltd|Pty|PLC|plc|LLP|LP|AB|Oy|AS|ApS|K\.?K|Pte\.?\s+Ltd|Pvt\.?\s+Ltd|Private Limited|"
           r"FZE|FZ-LLC|srl|S\.r\.l|Ltda|Holdings|Group)\.?)")
# a name opens with a capital, a short lower-case prefix before a capital ("eBay", "iSolution"), or any
# lower-case word that a capitalised legal suffix follows ("ppy Pty Ltd")
_CASED_SUFFIX = r"(?:Inc|LLC|Ltd|Limited|Corp|Corporation|GmbH|AG|SA|S\.A|BV|B\.V|NV|PLC|plc|LLP|Pty|Pte|Pvt|AB|Oy|AS|ApS|SAS|SARL|srl|Srl)\b"
_FIRST = rf"(?:[{_UPPER}][\w'’!+.&-]*|[a-z]{{1,2}}[A-Z][\w'’!+.&-]*|[a-z][\w-]*(?=,?\s+{_CASED_SUFFIX}))"
NAME = rf"(?P<name>(?<![\w.$]){_FIRST}(?:\s+{_WORD}){{0,7}}?{_SUFFIX}?)"
# where nothing follows the name in a pattern, it must end where a name ends (so "Acme Ltd" beats "Acme")
NAME_END = NAME + r"(?=\s*[,.;:()\[\]\"“”]|\s*$|\s+(?:is|are|and|a|an|which|who|with|located|registered|having|has|in|at|on|to|for)\b)"

# a copyright line ends its name before "All rights reserved", a separator or the end of the line
NAME_END_OF_LINE = NAME + r"(?=\s*[,.;:()\[\]\"“”|–-]|\s*$|\s+(?i:all rights)\b|\s+\d{4}\b)"

# any run of up to 70 characters without brackets, quotes or semicolons (for wordings that are sure of it)
LAX = r"(?P<name>[^\s(\"“”,;][^()\"“”\n;]{0,70}?)"

# The name slots a pattern of ontology/controller-cues.ttl may hold; a pk:ControllerPhrase fills a slot
# of its name in capitals ({ALIAS} is pk:controller-alias).
NAME_SLOTS = {"NAME": NAME, "NAME_END": NAME_END, "NAME_END_OF_LINE": NAME_END_OF_LINE, "LAX": LAX}
_SLOT = re.compile(r"\{([A-Z][A-Z_]*)\}")


@dataclass(frozen=True, slots=True)
class _Cue:
    name: str
    regex: re.Pattern[str]
    weight: float
    hints: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Rules:
    """controller-cues.ttl compiled: the weighted cues in the order they are tried, and the phrases."""

    sentences: tuple[_Cue, ...]
    titles: tuple[_Cue, ...]
    headings: tuple[_Cue, ...]
    phrases: dict[str, re.Pattern[str]]

    def phrase(self, name: str) -> re.Pattern[str]:
        try:
            return self.phrases[name]
        except KeyError:
            raise KeyError(f"no pk:ControllerPhrase controller-{name} in controller-cues.ttl") from None


def fill_slots(pattern: str, phrases: dict[str, str], _using: tuple[str, ...] = ()) -> str:
    """``pattern`` with its slots filled: name slots with the name grammar, others with the phrase so named."""
    def fill(m: re.Match[str]) -> str:
        slot = m.group(1)
        if slot in NAME_SLOTS:
            return NAME_SLOTS[slot]
        name = slot.lower().replace("_", "-")
        if name in phrases and name not in _using:
            return fill_slots(phrases[name], phrases, _using + (name,))
        raise ValueError(f"controller-cues.ttl: no slot {{{slot}}}: a pattern may use {', '.join(NAME_SLOTS)} "
                         f"or a pk:ControllerPhrase by its name in capitals (and none of its own)")
    return _SLOT.sub(fill, pattern)


@lru_cache(maxsize=4)
def compile_rules(cues: ControllerCues) -> _Rules:
    """Compile the controller cues once (cached on the lexicon's hashable :class:`ControllerCues`)."""
    phrases = dict(cues.phrases)

    def compiled(group: tuple[NamingCue, ...]) -> tuple[_Cue, ...]:
        return tuple(_Cue(c.name, re.compile(fill_slots(c.pattern, phrases)), c.weight, c.hints) for c in group)
    return _Rules(compiled(cues.sentences), compiled(cues.titles), compiled(cues.headings),
                  {name: re.compile(fill_slots(p, phrases, (name,))) for name, p in cues.phrases})


_TRIM = re.compile(r"^(?:the|The)\s+(?=[A-Z])|[\s,.;:'\"“”‘’]+$")
# brackets mark a template placeholder ("[Developer name]"); a URL, an e-mail address or a question
# is no name; emphasis marks are not part of it
_NOT_NAME_CHARS = re.compile(r"[\[\]{}<>?@|]|://")
_EMPHASIS_MARKS = re.compile(r"^[_*]+|[_*]+$")
_ABBREVIATED_SUFFIX = re.compile(r"(?:\b(?:Inc|Ltd|Co|Corp|Pty|Pte|Pvt|Ltda)|\b[A-Z]\.[A-Z])$")


def _clean(name: str, rules: _Rules) -> str | None:
    """The candidate as a name, or None. The words a name never opens with, ends in or is are the
    pk:ControllerPhrase lists lead-word (dropped), not-a-start, dangling-end, generic and not-in-name."""
    name = re.sub(r"\s+", " ", name).strip()
    dotted = bool(re.search(_ABBREVIATED_SUFFIX.pattern[:-1] + r"\.$", name))
    name = _TRIM.sub("", name).strip()
    if dotted and _ABBREVIATED_SUFFIX.search(name):
        name += "."   # keep the full stop of "Inc." or "S.L."
    name = re.sub(r"\s+(?:and its|and our|its|our|and)$", "", name)
    name = re.sub(r"^(?:[\d.]+\s+)+(?=[A-Za-z])", "", name)   # a date's year or a section number run into the name
    if _NOT_NAME_CHARS.search(name):
        return None
    address = re.match(rf"(.*?{_SUFFIX}\.?)\s+\d", name)   # "Acme Ltd. 92 Main Street": the name ends at its suffix
    if address:
        name = address.group(1)
    name = _EMPHASIS_MARKS.sub("", name).strip()
    lead_word = rules.phrase("lead-word")
    while lead_word.match(name):
        name = lead_word.sub("", name, count=1)
    if not name or len(name) > 70 or len(name) < 2:
        return None
    if (rules.phrase("not-a-start").match(name) or rules.phrase("dangling-end").search(name)
            or re.fullmatch(_SUFFIX + r"\.?", " " + name)):
        return None
    generic = rules.phrase("generic")
    if generic.match(name):
        return None
    words = name.split()
    if all(generic.match(w) for w in words):
        return None
    if rules.phrase("not-in-name").search(name):
        return None
    return name


# "..., 10115 Berlin, Germany ("we")": a candidate right after a postal address is its last part
_AFTER_ADDRESS = re.compile(r"\d+\s+[A-Za-z][^().;\d]{0,60},\s*$")


def _candidates(doc: Document, rules: _Rules) -> Counter[str]:
    scores: Counter[str] = Counter()
    # past the opening of a policy only sentences with a naming hint are read for the name
    naming_hint = rules.phrase("naming-hint")
    # a candidate that a third-party service's description precedes or follows is not the owner
    by_third_party, is_third_party = rules.phrase("by-third-party"), rules.phrase("is-third-party")
    head = doc.sentences[:150]
    rest = [s for s in doc.sentences[150:] if naming_hint.search(s.text)]
    for s in head + rest:
        text = s.text
        lower = text.lower()
        for cue in rules.sentences:
            if cue.hints and not any(h in lower for h in cue.hints):
                continue
            for m in cue.regex.finditer(text):
                if (by_third_party.search(text, 0, m.start("name")) or is_third_party.match(text, m.end("name"))
                        or _AFTER_ADDRESS.search(text, 0, m.start("name"))):
                    continue
                name = _clean(m.group("name"), rules)
                if name:
                    scores[name] += cue.weight
    for i, block in enumerate(doc.blocks[:-1]):
        if block.kind != "heading":
            continue
        for cue in rules.headings:
            if cue.regex.search(doc.text[block.start:block.end]):
                following = doc.text[doc.blocks[i + 1].start:doc.blocks[i + 1].end]
                name = _clean(re.split(r"[,;\n]| - ", following)[0], rules) if len(following) < 200 else None
                if name and len(name.split()) <= 8:
                    scores[name] += cue.weight
    titles = [doc.source.title] if doc.source.title else []
    titles += [doc.text[b.start:b.end] for b in doc.blocks[:6] if b.kind in ("heading", "paragraph")]
    for title in titles:
        for cue in rules.titles:
            m = cue.regex.match(title.strip()) if title else None
            if m:
                name = _clean(m.group("name"), rules)
                if name:
                    scores[name] += cue.weight
    return scores


def controller_name(doc: Document, lex: Lexicon) -> tuple[str, Sentence | None] | None:
    """The best-supported controller name and the first sentence that names it."""
    scores = _candidates(doc, compile_rules(lex.controller))
    if not scores:
        return None
    # "Acme" and "Acme Ltd" are one candidate: the legal name takes the short name's support
    for name in list(scores):
        for longer in list(scores):
            if longer != name and longer.startswith(name) and re.fullmatch(_SUFFIX + r"\.?", longer[len(name):]):
                scores[longer] += scores.pop(name)
                break
    # names that recur in the text are better supported; a legal suffix is a strong sign
    for name in list(scores):
        mentions = doc.text.count(name)
        scores[name] += min(mentions, 5) * 0.5
        if re.search(_SUFFIX + r"$", name):
            scores[name] += 1.5
    best, score = scores.most_common(1)[0]
    if score < 3.0:
        return None
    evidence = next((s for s in doc.sentences if best in s.text), None)
    return best, evidence


# an address inside percent-encoded markup ("mailto%3aprivacy@...") is page code, not text
EMAIL = re.compile(r"(?<![\w.+%-])([A-Za-z0-9][A-Za-z0-9._+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})(?![\w-])")
# a JSON unicode escape that lost its backslash ("u003eprivacy@...") is not part of the address
_ESCAPE_PREFIX = re.compile(r"^u00[0-9a-f]{2}(?=[a-z0-9])")
_NOT_CONTACT = re.compile(r"^(?:your|you|user|name|email|example|someone|john|jane|(?:your|user|first|last)[._-]?name|"
                          r"first[._-]?last|name[._-]?surname)@|@(?:example\.(?:com|org|net)|domain\.com|email\.com|"
                          r"yourdomain|businessname|yourcompany|company\.com)", re.I)


def contact_emails(doc: Document) -> Iterator[tuple[str, Sentence]]:
    seen: set[str] = set()
    for s in doc.sentences:
        for m in EMAIL.finditer(s.text):
            email = _ESCAPE_PREFIX.sub("", m.group(1).lower().rstrip("."))
            if email in seen or _NOT_CONTACT.search(email):
                continue
            if re.search(r"\.(?:png|jpe?g|gif|svg|webp)$", email):
                continue
            seen.add(email)
            yield email, s


def parties(doc: Document, lex: Lexicon) -> Iterator[Fact]:
    """Facts for the controller (kind "Controller") and each contact e-mail (kind "ContactPoint")."""
    found = controller_name(doc, lex)
    if found:
        name, sentence = found
        yield Fact("Controller", sentence, (("dpv:hasName", literal(name)),))
    for email, sentence in contact_emails(doc):
        yield Fact("ContactPoint", sentence, (("pk:email", literal(email)),))
