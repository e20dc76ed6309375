"""Sentence classifiers: which practices a sentence speaks of (topic) and what it says of each (stance).

Two linear models trained on sentences of real policies labelled by hand (``data/sentences/``,
``docs/labelling-guideline.md``; retrained by ``scripts/train_classifiers.py``, described in
``policykg/models/MODEL-CARD.md``):

- *topic*: one logistic regression per topic (collection, use, sharing, sale, merger, retention,
  transfer, rights, legal-basis, security, children, change-notice, dnt, consent-by-use, contact);
- *stance*: one multinomial logistic regression over (sentence, topic) pairs: ``performed``,
  ``not_performed``, ``conditional``, ``mentioned``.

Features are hashed (scikit-learn's ``HashingVectorizer``, MurmurHash3: the same on every machine and
version), so a model is its coefficients alone: a sparse matrix and an intercept per class, stored as
``.npz`` in the package and read without unpickling anything. Words after a negation in the same clause
carry a ``not_`` mark, the list lead-in's and the section heading's words carry ``lead:`` and ``head:``,
and the stance model also sees every feature joined to the topic asked about. Prediction is a sparse
dot product: deterministic, and about a millisecond per hundred sentences.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

TOPICS = ("collection", "use", "sharing", "sale", "merger", "retention", "transfer", "rights", "legal-basis",
          "security", "children", "change-notice", "dnt", "consent-by-use", "contact")
STANCES = ("performed", "not_performed", "conditional", "mentioned")
N_FEATURES = 2 ** 20

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NEGATION = re.compile(r"^(?:not|no|never|none|nor|cannot|without|neither|n't|don't|doesn't|didn't|won't|"
                       r"wouldn't|can't|isn't|aren't|wasn't|weren't|haven't|hasn't|shouldn't|nothing|nobody)$")
# the same words as a set: a word of _WORD holds no newline, so a set lookup is the regex's full match
_NEGATIONS = frozenset(_NEGATION.pattern[4:-2].split("|"))
_CLAUSE_END = re.compile(r"[.;:,!?()]|\b(?:but|however|except|unless|although|and we|which|that)\b")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _marked(text: str) -> list[str]:
    """The sentence's words, those after a negation (to the end of its clause) marked ``not_``."""
    out: list[str] = []
    negations = _NEGATIONS
    for clause in _CLAUSE_END.split(text.lower().replace("’", "'")):
        if clause is None:
            continue
        found = _WORD.findall(clause)
        if negations.isdisjoint(found):   # most clauses: no negation, the words as they are
            out += found
            continue
        negated = False
        for w in found:
            if w in negations:
                negated = True
                out.append(w)
                continue
            out.append("not_" + w if negated else w)
    return out


def features(text: str, section: str | None = None, lead: str | None = None) -> list[str]:
    """The features of one sentence: marked words and their pairs, lead-in and heading words."""
    ws = _marked(text)
    feats = ws + [f"{a} {b}" for a, b in zip(ws, ws[1:])]
    if not ws:
        feats.append("_empty_")
    if len(ws) <= 6:
        feats.append("_short_")
    feats += ["lead:" + w for w in words(lead or "")]
    feats += ["head:" + w for w in words(section or "")]
    return feats


def topic_features(feats: list[str], topic: str) -> list[str]:
    """Features of a (sentence, topic) pair for the stance model: each feature also joined to the topic."""
    return feats + [f"{topic}|{f}" for f in feats] + [f"topic={topic}"]


@lru_cache(maxsize=1)
def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer=lambda feats: feats, n_features=N_FEATURES, alternate_sign=False,
                             norm="l2")


def vectorize(rows: list[list[str]]):
    return _vectorizer().transform(rows)


@dataclass(frozen=True)
class LinearModel:
    """Coefficients (classes x features, sparse) and intercepts of a linear classifier, with class names."""

    classes: tuple[str, ...]
    coef: object            # scipy.sparse.csr_matrix
    intercept: np.ndarray

    def __post_init__(self) -> None:
        # features x classes, transposed once: every document's sentences are scored against it
        object.__setattr__(self, "_by_feature", self.coef.T.tocsr())

    def scores(self, X) -> np.ndarray:
        return (X @ self._by_feature).toarray() + self.intercept

    def save(self, path) -> None:
        import scipy.sparse

        scipy.sparse.save_npz(str(path) + ".coef.npz", self.coef.tocsr(), compressed=True)
        np.savez(str(path) + ".meta.npz", intercept=self.intercept, classes=np.array(self.classes))

    @classmethod
    def load(cls, coef_file, meta_file) -> "LinearModel":
        import scipy.sparse

        meta = np.load(meta_file, allow_pickle=False)
        return cls(tuple(str(c) for c in meta["classes"]), scipy.sparse.load_npz(coef_file).tocsr(),
                   meta["intercept"])


def _load(name: str) -> LinearModel:
    root = resources.files("policykg.models")
    with (root / f"{name}.coef.npz").open("rb") as coef, (root / f"{name}.meta.npz").open("rb") as meta:
        return LinearModel.load(coef, meta)


@lru_cache(maxsize=1)
def models() -> tuple[LinearModel, LinearModel]:
    """The shipped (topic, stance) models."""
    return _load("topic"), _load("stance")


def preload() -> None:
    """Load the models and the feature hasher now (before worker processes fork, so they share them)."""
    models()
    _vectorizer()


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True, slots=True)
class Reading:
    """What the classifiers read in one sentence: topic -> probability, and the stance of each topic asked."""

    topics: dict[str, float]
    stances: dict[str, dict[str, float]]

    def stance(self, topic: str) -> str:
        probs = self.stances[topic]
        return max(probs, key=probs.__getitem__)


def topic_probabilities(items: list[tuple[str, str | None, str | None]]) -> list[dict[str, float]]:
    """topic -> probability for each sentence given as (text, section, lead)."""
    if not items:
        return []
    topic_model, _ = models()
    p = sigmoid(topic_model.scores(vectorize([features(*item) for item in items])))
    classes = topic_model.classes
    return [dict(zip(classes, row)) for row in p.tolist()]   # tolist: the same Python floats, in one pass


def stance_probabilities(item: tuple[str, str | None, str | None], topic: str) -> dict[str, float]:
    """stance -> probability of what the sentence says of ``topic`` (asked whether or not it speaks of it)."""
    _, stance_model = models()
    s = stance_model.scores(vectorize([topic_features(features(*item), topic)]))[0]
    e = np.exp(s - s.max())
    return {c: float(v) for c, v in zip(stance_model.classes, e / e.sum())}


def read_sentences(items: list[tuple[str, str | None, str | None]], *,
                   stance_for: tuple[str, ...] = TOPICS, threshold: float = 0.5,
                   trained: tuple[LinearModel, LinearModel] | None = None) -> list[Reading]:
    """Classify sentences given as (text, section, lead).

    The stance is given for each topic of ``stance_for`` whose probability is at least ``threshold``
    (and for none other), so a caller asks the stance only where the sentence speaks of the topic.
    ``trained`` gives other (topic, stance) models than the shipped ones (the training script's).
    """
    if not items:
        return []
    topic_model, stance_model = trained or models()
    feats = [features(*item) for item in items]
    p_topic = sigmoid(topic_model.scores(vectorize(feats)))
    pairs = [(i, t) for i in range(len(items)) for j, t in enumerate(topic_model.classes)
             if t in stance_for and p_topic[i, j] >= threshold]
    stances: list[dict[str, dict[str, float]]] = [{} for _ in items]
    if pairs:
        s = stance_model.scores(vectorize([topic_features(feats[i], t) for i, t in pairs]))
        s = np.exp(s - s.max(axis=1, keepdims=True))
        s /= s.sum(axis=1, keepdims=True)
        for (i, t), row in zip(pairs, s):
            stances[i][t] = {c: float(p) for c, p in zip(stance_model.classes, row)}
    return [Reading({t: float(p) for t, p in zip(topic_model.classes, p_topic[i])}, stances[i])
            for i in range(len(items))]


# ------------------------------------------------------------------ the rules' facts as labels

_KIND_TOPIC = {"Collection": "collection", "Use": "use", "Disclosure": "sharing", "Sale": "sale",
               "Retention": "retention", "CrossBorderTransfer": "transfer", "RightStatement": "rights",
               "LegalBasisStatement": "legal-basis", "MeasureStatement": "security", "ChildrenStatement": "children",
               "ChangeNoticeStatement": "change-notice", "DoNotTrackStatement": "dnt", "ConsentByUse": "consent-by-use",
               "ContactPoint": "contact"}
_PK = "https://w3id.org/policykg/ns#"


def fact_topic_stance(fact) -> tuple[str, str] | None:
    """The (topic, stance) a fact of the rules states of its sentence, in the labels' terms; None if none.

    A disclosure on a corporate transaction is the ``merger`` topic (conditional by nature); a
    prohibited practice is ``not_performed``; Do Not Track's stance maps honored / not-honored /
    mentioned to performed / not_performed / mentioned.
    """
    topic = _KIND_TOPIC.get(fact.kind)
    if topic is None:
        return None
    props = {(p, getattr(v, "value", str(v))) for p, v in fact.props}
    if ("pk:hasCondition", _PK + "CorporateTransaction") in props:
        return "merger", "conditional"
    if topic == "dnt":
        stance = next((v for p, v in props if p == "pk:stance"), "mentioned")
        return topic, {"honored": "performed", "not-honored": "not_performed"}.get(stance, "mentioned")
    if ("pk:modality", _PK + "Prohibited") in props:
        return topic, "not_performed"
    if any(p == "pk:hasCondition" for p, _ in props):
        return topic, "conditional"
    return topic, "performed"
