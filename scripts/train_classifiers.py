"""Train the sentence classifiers (topic, stance) from the labelled sentences, evaluate them, ship them.

    python scripts/train_classifiers.py [--corpus ../shared/corpus/tosback/latest] [--no-rules]

Reads ``data/sentences/sample*.jsonl`` (the sentences) and ``data/sentences/labels-*.jsonl`` (their
labels; ``labels-shared-second.jsonl``, the second labeller's, only for agreement). Splits by policy:
a policy whose name hashes (SHA-1, first byte) to 0 modulo 5 is *held out* (about a fifth), all
others train. Fits the models of :mod:`policykg.ingest.classify` with fixed settings (liblinear and
lbfgs are deterministic; the regularisation strength is chosen by 3-fold cross-validation over
training policies), reports per-label precision, recall and F1 on the held-out part, the agreement
of two labellers (Cohen's kappa) on the shared sample and, with the corpus present, what the rules
of ``policykg.ingest.extract`` read in the same held-out sentences; writes the models to
``policykg/models/`` and the figures to ``policykg/models/MODEL-CARD.md``. The same data give the
same files on every run.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "sentences"
MODELS = ROOT / "policykg" / "models"
sys.path.insert(0, str(ROOT))

from policykg.ingest.classify import (STANCES, TOPICS, LinearModel, features, topic_features,  # noqa: E402
                                      vectorize)

POSITIVE = ("performed", "conditional")


def held_out(policy: str) -> bool:
    return hashlib.sha1(policy.encode()).digest()[0] % 5 == 0


def load() -> tuple[list[dict], dict[str, list[dict]]]:
    sentences: dict[str, dict] = {}
    for path in sorted(DATA.glob("sample*.jsonl")):
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            sentences[row["id"]] = row
    rows = []
    for path in sorted(DATA.glob("labels-*.jsonl")):
        if path.name == "labels-shared-second.jsonl":
            continue
        for line in path.open(encoding="utf-8"):
            label = json.loads(line)
            rows.append({**sentences[label["id"]], "labels": label["labels"]})
    second = {}
    shared = DATA / "labels-shared-second.jsonl"
    if shared.exists():
        for line in shared.open(encoding="utf-8"):
            label = json.loads(line)
            second[label["id"]] = label["labels"]
    return rows, second


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def kappa(pairs: list[tuple[object, object]]) -> float:
    n = len(pairs)
    if not n:
        return float("nan")
    po = sum(a == b for a, b in pairs) / n
    ca, cb = collections.Counter(a for a, _ in pairs), collections.Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def fit_binary(X, y, groups, grid=(4.0, 16.0, 64.0)):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    best, best_c = -1.0, grid[0]
    if y.min() == y.max():   # one class only: a constant model
        model = LogisticRegression()
        model.coef_, model.intercept_ = np.zeros((1, X.shape[1])), np.array([10.0 if y.max() else -10.0])
        return model, 0.0
    if y.sum() >= 6 and len(grid) > 1:
        for c in grid:
            scores = []
            for tr, te in GroupKFold(n_splits=3).split(X, y, groups):
                if y[tr].sum() == 0:
                    continue
                m = LogisticRegression(C=c, solver="liblinear", class_weight="balanced").fit(X[tr], y[tr])
                scores.append(f1_score(y[te], m.predict(X[te]), zero_division=0))
            if scores and np.mean(scores) > best:
                best, best_c = float(np.mean(scores)), c
    return LogisticRegression(C=best_c, solver="liblinear", class_weight="balanced").fit(X, y), best_c


def train(rows: list[dict], grid: tuple[float, ...] = (4.0, 16.0, 64.0)) -> tuple[LinearModel, LinearModel, dict]:
    import scipy.sparse
    from sklearn.linear_model import LogisticRegression

    feats = [features(r["text"], r["section"], r["lead"]) for r in rows]
    X = vectorize(feats)
    groups = np.array([r["policy"] for r in rows])
    coefs, intercepts, chosen = [], [], {}
    for topic in TOPICS:
        y = np.array([any(l["topic"] == topic for l in r["labels"]) for r in rows], dtype=int)
        model, c = fit_binary(X, y, groups, grid)
        coefs.append(scipy.sparse.csr_matrix(model.coef_))
        intercepts.append(model.intercept_[0])
        chosen[topic] = c
    topic_model = LinearModel(TOPICS, scipy.sparse.vstack(coefs).tocsr(), np.array(intercepts))
    pairs = [(i, l["topic"], l["stance"]) for i, r in enumerate(rows) for l in r["labels"]]
    Xs = vectorize([topic_features(feats[i], t) for i, t, _ in pairs])
    ys = np.array([STANCES.index(s) for _, _, s in pairs])
    stance = LogisticRegression(C=4.0, max_iter=2000).fit(Xs, ys)
    order = [list(stance.classes_).index(k) if k in stance.classes_ else None for k in range(len(STANCES))]
    coef = scipy.sparse.csr_matrix(np.vstack([stance.coef_[j] if j is not None else np.zeros(stance.coef_.shape[1])
                                              for j in order]))
    inter = np.array([stance.intercept_[j] if j is not None else -1e3 for j in order])
    stance_model = LinearModel(STANCES, coef, inter)
    return topic_model, stance_model, chosen


def predict(topic_model: LinearModel, stance_model: LinearModel, rows: list[dict]) -> list[dict[str, str]]:
    """For each row: topic -> stance, for the topics the model finds (probability >= 0.5)."""
    from policykg.ingest.classify import read_sentences

    readings = read_sentences([(r["text"], r["section"], r["lead"]) for r in rows],
                              trained=(topic_model, stance_model))
    return [{t: reading.stance(t) for t in reading.stances} for reading in readings]


def gold_of(row: dict) -> dict[str, str]:
    return {l["topic"]: l["stance"] for l in row["labels"]}


def evaluate(pred: list[dict[str, str]], rows: list[dict]) -> dict[str, dict[str, tuple[float, float, float, int]]]:
    """Per topic: topic found; practice stated (performed or conditional); practice denied (not_performed)."""
    out: dict[str, dict[str, tuple[float, float, float, int]]] = {}
    for topic in TOPICS:
        figures = {}
        for name, test in (("topic", lambda s: s is not None), ("stated", lambda s: s in POSITIVE),
                           ("denied", lambda s: s == "not_performed")):
            tp = fp = fn = 0
            for p, r in zip(pred, rows):
                g, q = test(gold_of(r).get(topic)), test(p.get(topic))
                tp += g and q
                fp += q and not g
                fn += g and not q
            figures[name] = (*prf(tp, fp, fn), tp + fn)
        out[topic] = figures
    return out


# what the rules' facts say, as (topic, stance) of the sentence they were read from
def rule_labels(corpus: Path, rows: list[dict]) -> list[dict[str, str]]:
    from policykg.ingest.classify import fact_topic_stance
    from policykg.ingest.pipeline import facts_of, read_document

    by_policy: dict[str, list[int]] = collections.defaultdict(list)
    for i, r in enumerate(rows):
        by_policy[r["policy"]].append(i)
    out: list[dict[str, str]] = [{} for _ in rows]
    rank = {"mentioned": 0, "conditional": 1, "performed": 2, "not_performed": 3}
    for policy, indices in by_policy.items():
        path = next((p for p in corpus.glob(policy + ".*")), None)
        if path is None:
            continue
        doc = read_document(path)
        facts: dict[tuple[int, str], dict[str, str]] = collections.defaultdict(dict)
        for fact in facts_of(doc, classifiers=False):
            if fact.sentence is None:
                continue
            read = fact_topic_stance(fact)
            if read is None:
                continue
            topic, stance = read
            got = facts[(fact.sentence.start, fact.sentence.text)]
            if rank[stance] > rank.get(got.get(topic, ""), -1):
                got[topic] = stance
        by_text = {text: v for (start, text), v in facts.items()}
        for i in indices:
            out[i] = by_text.get(rows[i]["text"], {})
    return out


def table(title: str, figures: dict, kinds=("topic", "stated", "denied")) -> list[str]:
    lines = [f"**{title}**", "", "| topic | " + " | ".join(f"{k} P / R / F1 (n)" for k in kinds) + " |",
             "|---|" + "---|" * len(kinds)]
    for topic, fig in figures.items():
        cells = [f"{fig[k][0]:.2f} / {fig[k][1]:.2f} / {fig[k][2]:.2f} ({fig[k][3]})" for k in kinds]
        lines.append(f"| {topic} | " + " | ".join(cells) + " |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "tosback" / "latest")
    ap.add_argument("--no-rules", action="store_true", help="do not compare with the rules")
    ap.add_argument("--no-write", action="store_true", help="evaluate only; leave the shipped models as they are")
    args = ap.parse_args(argv)

    rows, second = load()
    train_rows = [r for r in rows if not held_out(r["policy"])]
    test_rows = [r for r in rows if held_out(r["policy"])]
    topic_model, stance_model, chosen = train(train_rows)
    pred = predict(topic_model, stance_model, test_rows)
    model_fig = evaluate(pred, test_rows)
    stance_pairs = [(l["stance"], p.get(l["topic"])) for r, p in zip(test_rows, pred) for l in r["labels"]
                    if l["topic"] in p]
    stance_acc = sum(a == b for a, b in stance_pairs) / max(1, len(stance_pairs))

    by_id = {r["id"]: r for r in rows}
    shared = [i for i in second if i in by_id]
    topic_pairs = [(any(l["topic"] == t for l in by_id[i]["labels"]), any(l["topic"] == t for l in second[i]))
                   for i in shared for t in TOPICS]
    both = [(gold_of(by_id[i])[t], s) for i in shared for t, s in
            ((l["topic"], l["stance"]) for l in second[i]) if t in gold_of(by_id[i])]

    lines = ["# Sentence classifiers: model card", "",
             "Made by `python scripts/train_classifiers.py`; do not edit by hand.", "",
             "## Data",
             f"- {len(rows)} sentences of {len({r['policy'] for r in rows})} policies of the tosback corpus "
             "(tosdr/tosback-versions, ODC-BY 1.0; attribution: Office of the French Ambassador for Digital Affairs), "
             "labelled by careful reading after `docs/labelling-guideline.md` (`data/sentences/`). "
             "`sample.jsonl` is drawn per policy, half among sentences with a topic word, half among the rest; "
             "`sample-rare.jsonl` adds up to one sentence per policy for each rarer topic's words.",
             f"- Split by policy: {len(train_rows)} sentences train, {len(test_rows)} held out "
             f"({len({r['policy'] for r in test_rows})} policies none of whose sentences is trained on).",
             "- Labels per topic (all data): " + ", ".join(
                 f"{t} {sum(any(l['topic'] == t for l in r['labels']) for r in rows)}" for t in TOPICS) + ".",
             "", "## Agreement of two labellers",
             f"- {len(shared)} sentences labelled twice, independently: Cohen's kappa of topic presence "
             f"{kappa(topic_pairs):.2f} (pooled over topics); of the stance where both give the topic "
             f"{kappa(both):.2f} ({len(both)} pairs).", "",
             "## Models",
             "- topic: one logistic regression per topic (liblinear), hashed features (see "
             "`policykg/ingest/classify.py`); C per topic by 3-fold cross-validation over training policies: "
             + ", ".join(f"{t} {c:g}" for t, c in chosen.items()) + ".",
             "- stance: one multinomial logistic regression (lbfgs, C 4) over (sentence, topic) pairs.", "",
             "## Held-out figures",
             "`topic`: the sentence speaks of the topic; `stated`: it states the practice (performed or "
             "conditional); `denied`: it denies it (not_performed). n is the number of held-out sentences "
             "with the label.", ""]
    lines += table("Classifiers", model_fig)
    lines.append(f"Stance accuracy where the topic is found and labelled: {stance_acc:.2f} "
                 f"({len(stance_pairs)} pairs).")
    lines.append("")
    if not args.no_write:
        MODELS.mkdir(exist_ok=True)
        topic_model.save(MODELS / "topic")
        stance_model.save(MODELS / "stance")
    if not args.no_rules and args.corpus.is_dir():
        rules_fig = evaluate(rule_labels(args.corpus, test_rows), test_rows)
        lines += table("Rules alone (the cues of policykg.ingest.extract without the classifiers, the same "
                       "held-out sentences)", rules_fig,
                       kinds=("stated", "denied"))
    card = "\n".join(lines)
    print(card)
    if not args.no_write:
        (MODELS / "MODEL-CARD.md").write_text(card + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
