"""Who is responsible: the controller's name and the e-mail addresses offered for privacy contact.

A policy names its controller in a handful of recurring ways: "Acme Ltd ("we", "us")", "Company
refers to Acme Ltd", "Acme built the X app", "This service is provided by Acme", "Acme is the
controller", "the privacy policy of Acme", a copyright line. Each way is a pattern with a weight;
candidates are scored over the whole document and the best is kept.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from policykg.ingest.extract import Fact, literal
from policykg.ingest.lexicon import Lexicon
from policykg.ingest.structure import Document, Sentence

_UPPER = "A-Z0-9\u00c0-\u00de\u0100-\u024f"
_WORD = rf"(?:[{_UPPER}][\w'’!+.-]*|&|of|and|de|du|la|le|der|und|for|the|by|[a-z]+[A-Z][\w]*)"
_SUFFIX = (r"(?i:,?\s+(?:Inc|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Co|Company|GmbH|AG|S\.?A|S\.?L|S\.?p\.?A|SAS|SARL|"
           r"B\.?V|N\.?V|Pty\.?\s+Ltd|Pty|PLC|plc|LLP|LP|AB|Oy|AS|ApS|K\.?K|Pte\.?\s+Ltd|Pvt\.?\s+Ltd|Private Limited|"
           r"FZE|FZ-LLC|srl|S\.r\.l|Ltda|Holdings|Group)\.?)")
# a name opens with a capital, a short lower-case prefix before a capital ("eBay", "iSolution"), or any
# lower-case word that a capitalised legal suffix follows ("ppy Pty Ltd")
_CASED_SUFFIX = r"(?:Inc|LLC|Ltd|Limited|Corp|Corporation|GmbH|AG|SA|S\.A|BV|B\.V|NV|PLC|plc|LLP|Pty|Pte|Pvt|AB|Oy|AS|ApS|SAS|SARL|srl|Srl)\b"
_FIRST = rf"(?:[{_UPPER}][\w'’!+.&-]*|[a-z]{{1,2}}[A-Z][\w'’!+.&-]*|[a-z][\w-]*(?=,?\s+{_CASED_SUFFIX}))"
NAME = rf"(?P<name>(?<![\w.$]){_FIRST}(?:\s+{_WORD}){{0,6}}?{_SUFFIX}?)"
# where nothing follows the name in a pattern, it must end where a name ends (so "Acme Ltd" beats "Acme")
NAME_END = NAME + r"(?=\s*[,.;:()\[\]\"“”]|\s*$|\s+(?:is|are|and|a|an|which|who|with|located|registered|having|has|in|at|on|to|for)\b)"

# a copyright line ends its name before "All rights reserved", a separator or the end of the line
NAME_END_OF_LINE = NAME + r"(?=\s*[,.;:()\[\]\"“”|–-]|\s*$|\s+(?i:all rights)\b|\s+\d{4}\b)"

# (regex, weight): the name group is the candidate
LAX = r"(?P<name>[^\s(\"“”,;][^()\"“”\n;]{0,70}?)"
_ALIAS = r"(?:we|us|our|We|Us|Our|the Company|Company|Developer|Service Provider|Provider|Owner|Operator)"

# (regex, weight, hint): the name group is the candidate; the regex is tried only on sentences the
# cheap hint finds (case-insensitive), which keeps the scan fast on long policies.
_PATTERNS: list[tuple[re.Pattern[str], float, tuple[str, ...]]] = [(re.compile(p), w, tuple(h.split("|"))) for p, w, h in (
    (rf"\bCompany\s*(?:\([^)]*\))?\s*:?\s*(?i:refers to|means)\s+{LAX}\s*(?:[,;(]|\.?\s*$|\.\s)", 8.0, r"refer|mean"),
    (rf"^{LAX}\s+built the\b", 7.0, r"built the"),
    (rf"^{LAX}\s+(?:has|have) adopted (?:this|the following) (?:online )?privacy (?:policy|notice|statement)", 7.0, r"adopted"),
    (rf"\bby\s+{LAX}\s*\((?:hereby |hereinafter )?(?:referred to as |called )?(?:the )?[\"“]?(?:Service Provider|Developer|Company|Provider|Owner)", 7.0, r"referred|hereby|hereinafter|called"),
    (rf"(?i:\b(?:company|we|us|our|controller|operator|owner|it)\b)[\"”’']?[^.]{{0,80}}?(?i:refers? to|means)\s+{NAME}(?=\s*[,.;(]|\s*$|\s+(?:located|with|a\s|an\s|registered|having|whose|at\s))", 6.0, r"refer|mean"),
    (rf"{NAME}\s*\(\s*(?:collectively,?\s*|hereinafter(?: referred to as)?,?\s*|also )?(?:the\s+)?[\"“'‘]?\s*(?:[A-Z][\w.]*(?:\s+[\w.]+){{0,3}},?[\"”'’]?,?\s*(?:and|or)?\s*[\"“'‘]?)?{_ALIAS}[\"”'’,]", 5.0, r"("),
    (rf"{NAME}\s*\(\s*(?:collectively,?\s*|hereinafter(?: referred to as)?,?\s*)?(?:the\s+)?[\"“'‘]\s*[A-Z]\w+[\"”'’,]", 1.5, r"("),
    (rf"\b(?:[Ww]e|[Uu]s),?\s+{NAME}\s*(?:\(|,)", 5.0, r"we|us"),
    (rf"{NAME}\s+built the\b", 6.0, r"built the"),
    (rf"\b(?:[Ss]ervice|SERVICE|[Aa]pp|[Aa]pplication|[Ww]ebsite|[Ss]ite|[Pp]latform|[Gg]ame|[Ss]oftware|[Pp]olicy|[Ss]ervices)\b[^.]{{0,40}}\b(?:created|developed|provided|operated|published|owned|run|offered|maintained|managed)\s+by\s+(?:an?\s+\w+\s+(?:entity|company|corporation|business)\s*)?\(?{NAME_END}", 4.0, r" by "),
    (rf"\b(?:run|operated|owned|provided|managed|published|developed)\s+by\s+an?\s+(?:[\w-]+\s+){{0,2}}(?:entity|company|corporation|business|firm|organi[sz]ation)\s*(?:\(|,\s*|called\s+|named\s+){NAME_END}", 4.0, r" by a"),
    (rf"{NAME}\s+(?:is|acts as|will be|shall be|remains|is the)\s+(?:the\s+)?(?:data\s+)?controller\b", 7.0, r"controller"),
    (rf"^{NAME},\s[^.]{{0,120}}?,?\s+(?:is|acts as)\s+(?:the\s+)?(?:data\s+)?controller\b", 7.0, r"controller"),
    # "Acme GmbH, 12 Main Street, Berlin, Germany ("we")": the name before the postal address
    (rf"^{NAME},\s+(?=[^()\n]{{0,150}}?\d)[^()\n]{{0,150}}?\(\s*[^)]{{0,80}}?\b(?:we|us|our|We|Us|Our)\b", 5.0, r"("),
    (rf"\b(?:data\s+)?controller\b[^.]{{0,60}}?\bis\s+{NAME_END}", 6.0, r"controller"),
    (rf"\b(?:data\s+)?controller\s+(?:is|of your (?:personal )?(?:data|information) is|will be|:)\s+{NAME_END}", 7.0, r"controller"),
    (rf"\b(?:privacy (?:notice|policy|statement)|policy) of\s+{NAME_END}", 4.0, r"policy of|notice of|statement of"),
    (rf"\b(?:how|that|which)\s+{NAME}\s+(?:\([^()]{{1,60}}\)\s*)?(?:collects|protects|uses|processes|treats|handles|manages|employs|gathers)\b", 4.0, r"collects|protects|uses|processes|treats|handles|manages|employs|gathers"),
    (rf"\b(?:At|Welcome to)\s+{NAME},?\s+(?:we|our)\b", 4.0, r"at |welcome"),
    # the sentence may open with a connective: "Hence, Acme respects your privacy"
    (rf"^(?:(?i:hence|therefore|thus|accordingly|consequently|however|additionally|moreover|furthermore|also|"
     rf"in general|generally|overall|so),\s+)?{NAME}\s+(?:is committed|respects|understands|values|has adopted|collects|takes|cares|recognizes|recognises|knows|operates|provides|is a\b|is an\b)", 4.0, r"committed|respects|understands|values|adopted|collects|takes|cares|recogni|knows|operates|provides|is a"),
    (rf"\b(?:important to|activities by|services of|websites? of|owned by)\s+{NAME_END}", 3.0, r"important to|activities by|services of|website|owned by"),
    (rf"©\s*(?:Copyright\s+)?(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*)?{NAME_END_OF_LINE}", 2.0, r"©"),
    # a copyright line has a © or a year; without them "Copyright Act" or "Copyright Agent" is no owner
    (rf"\bCopyright\s+(?:(?:©|\([Cc]\))\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*)?|\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s+){NAME_END_OF_LINE}", 2.0, r"copyright"),
)]
_TITLE = re.compile(rf"^(?:(?:the|The)\s+)?{NAME}\s*(?:['’]s\s+)?(?:[-–:|]\s*)?(?i:Online\s+|Website\s+|Global\s+|App\s+)?(?i:Privacy|Data Protection)\b")
_OWNER_HEADING = re.compile(r"^(?:(?:the\s+)?owner(?: and (?:data )?controller)?|(?:the\s+)?(?:data\s+)?controller|who we are|about us|imprint|impressum)\s*:?\s*$", re.I)
_TITLE_AFTER = re.compile(rf"^(?:Privacy (?:Policy|Notice|Statement))\s*(?:[-–:|]|for|of)\s*{NAME}\s*$")
_GENERIC = re.compile(
    r"^(?:we|us|our|the|this|these|that|company|the company|privacy|privacy policy|policy|service|services|app|application|"
    r"website|site|user|users|you|your|personal|data|information|it|its|in|if|for|all|any|as|at|by|on|to|when|where|"
    r"effective|last|updated|introduction|general|contact|terms|notice|developer|owner|controller|an?|one|google|apple|"
    r"facebook|european|eu|gdpr|california|united states|usa|children|cookies?|article|section|chapter|part|note|"
    r"mobile|android|ios|iphone|ipad|free|ad supported|open source|page|home|menu|login|sign in|welcome|hello|dear|"
    r"please|important|disclaimer|definitions?|interpretation|summary|overview|service provider|provider|operator|"
    r"the service|the application|the app|the website|[ivx]+|\d+|[a-z])$", re.I)
_TRIM = re.compile(r"^(?:the|The)\s+(?=[A-Z])|[\s,.;:'\"“”‘’]+$")
# A name never opens with a question word, a conjunction or a sentence adverb ("Where Acme is the
# controller", "What is a cookie?"): such a word is dropped. It never opens with a pronoun or a verb
# of address ("Our website", "Please read the") and never ends in a word that wants a complement
# ("Please Read the", "We Care About Your"); such a candidate is no name.
_LEAD_WORD = re.compile(r"^(?i:what|who|whom|whose|why|where|when|how|which|whether|if|while|since|because|although|"
                        r"unless|once|hence|thus|therefore|yes|no|below|above|here|there|of)(?:[.,]?\s+|$)")
_NOT_A_START = re.compile(r"^(?i:we|our|us|you|your|this|these|those|that|its|their|they|it|i|my|to|please)\b")
_DANGLING_END = re.compile(r"\s(?i:the|a|an|of|and|or|for|to|by|in|on|at|with|from|de|du|la|le|der|und|this|that|these|"
                           r"your|our|their|its|is|are)$")
# brackets mark a template placeholder ("[Developer name]"); a URL, an e-mail address or a question
# is no name; emphasis marks are not part of it
_NOT_NAME_CHARS = re.compile(r"[\[\]{}<>?@|]|://")
_EMPHASIS_MARKS = re.compile(r"^[_*]+|[_*]+$")
_ABBREVIATED_SUFFIX = re.compile(r"(?:\b(?:Inc|Ltd|Co|Corp|Pty|Pte|Pvt|Ltda)|\b[A-Z]\.[A-Z])$")


def _clean(name: str) -> str | None:
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
    while _LEAD_WORD.match(name):
        name = _LEAD_WORD.sub("", name, count=1)
    if not name or len(name) > 70 or len(name) < 2:
        return None
    if _NOT_A_START.match(name) or _DANGLING_END.search(name) or re.fullmatch(_SUFFIX + r"\.?", " " + name):
        return None
    if _GENERIC.match(name):
        return None
    words = name.split()
    if all(_GENERIC.match(w) for w in words):
        return None
    if re.search(r"\b(?:Privacy|Policy|Terms|Cookie|Notice|Statement|Agreement|Effective|Updated)\b", name):
        return None
    return name


# "X, a web analytics service provided by Google" and "X is an analytics service provided by Google"
# describe a service the policy's owner uses: neither X nor the provider named there is the owner; nor
# is X in "X is a registered trademark of Y".
_SERVICE_BY = (r"an?\s+(?:[\w-]+\s+){0,8}?(?:service|tool|product|platform|software|plugin|plug-in|widget)s?\s+"
               r"(?:\w+\s+)?(?:created|developed|provided|operated|published|owned|run|offered|maintained|managed)\s+by\b")
_BY_THIRD_PARTY = re.compile(rf"(?:,|\b(?:is|are))\s*{_SERVICE_BY}\s+(?:the\s+)?$", re.I)
_IS_THIRD_PARTY = re.compile(rf"\s*(?:\([^)]*\)\s*)?(?:,\s*|\s+(?:is|are)\s+){_SERVICE_BY}|"
                             r"\s+(?:is|are)\s+(?:an?\s+)?(?:registered\s+)?trademarks?\b", re.I)


# "..., 10115 Berlin, Germany ("we")": a candidate right after a postal address is its last part
_AFTER_ADDRESS = re.compile(r"\d+\s+[A-Za-z][^().;\d]{0,60},\s*$")


# Past the opening of a policy only sentences with one of these words are read for the name.
_NAMING_HINT = re.compile(r"controller|©|copyright|refers? to|means|built the|operated by|provided by|owned by|"
                          r"\((?:the )?[\"“‘']|privacy (?:policy|notice|statement) of", re.I)


def _candidates(doc: Document) -> Counter[str]:
    scores: Counter[str] = Counter()
    head = doc.sentences[:150]
    rest = [s for s in doc.sentences[150:] if _NAMING_HINT.search(s.text)]
    for s in head + rest:
        text = s.text
        lower = text.lower()
        for regex, weight, hints in _PATTERNS:
            if not any(h in lower for h in hints):
                continue
            for m in regex.finditer(text):
                if (_BY_THIRD_PARTY.search(text, 0, m.start("name")) or _IS_THIRD_PARTY.match(text, m.end("name"))
                        or _AFTER_ADDRESS.search(text, 0, m.start("name"))):
                    continue
                name = _clean(m.group("name"))
                if name:
                    scores[name] += weight
    for i, block in enumerate(doc.blocks[:-1]):
        if block.kind == "heading" and _OWNER_HEADING.search(doc.text[block.start:block.end]):
            following = doc.text[doc.blocks[i + 1].start:doc.blocks[i + 1].end]
            name = _clean(re.split(r"[,;\n]| - ", following)[0]) if len(following) < 200 else None
            if name and len(name.split()) <= 8:
                scores[name] += 6.0
    titles = [doc.source.title] if doc.source.title else []
    titles += [doc.text[b.start:b.end] for b in doc.blocks[:6] if b.kind in ("heading", "paragraph")]
    for title in titles:
        for regex in (_TITLE, _TITLE_AFTER):
            m = regex.match(title.strip()) if title else None
            if m:
                name = _clean(m.group("name"))
                if name:
                    scores[name] += 3.0
    return scores


def controller_name(doc: Document) -> tuple[str, Sentence | None] | None:
    """The best-supported controller name and the first sentence that names it."""
    scores = _candidates(doc)
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


EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})(?![\w-])")
_NOT_CONTACT = re.compile(r"^(?:your|you|user|name|email|example|someone|john|jane)@|@(?:example\.(?:com|org|net)|domain\.com|email\.com|yourdomain)", re.I)


def contact_emails(doc: Document) -> Iterator[tuple[str, Sentence]]:
    seen: set[str] = set()
    for s in doc.sentences:
        for m in EMAIL.finditer(s.text):
            email = m.group(1).lower().rstrip(".")
            if email in seen or _NOT_CONTACT.search(email):
                continue
            if re.search(r"\.(?:png|jpe?g|gif|svg|webp)$", email):
                continue
            seen.add(email)
            yield email, s


def parties(doc: Document, lex: Lexicon) -> Iterator[Fact]:
    """Facts for the controller (kind "Controller") and each contact e-mail (kind "ContactPoint")."""
    found = controller_name(doc)
    if found:
        name, sentence = found
        yield Fact("Controller", sentence, (("dpv:hasName", literal(name)),))
    for email, sentence in contact_emails(doc):
        yield Fact("ContactPoint", sentence, (("pk:email", literal(email)),))
