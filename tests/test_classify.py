"""The sentence classifiers: shipped in the package, deterministic, and what they decide in the rules."""
from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from policykg.ingest.classify import (STANCES, TOPICS, LinearModel, features, models, read_sentences,
                                      stance_probabilities, topic_probabilities)

ROOT = Path(__file__).resolve().parent.parent


def test_the_trained_models_load_from_the_installed_package():
    files = {p.name for p in importlib.resources.files("policykg.models").iterdir()}
    assert {"topic.coef.npz", "topic.meta.npz", "stance.coef.npz", "stance.meta.npz", "MODEL-CARD.md"} <= files
    topic, stance = models()
    assert topic.classes == TOPICS and stance.classes == STANCES
    assert topic.coef.shape[0] == len(TOPICS) and stance.coef.shape[0] == len(STANCES)


def test_classifying_twice_gives_the_same_numbers():
    items = [("We never sell your personal information.", "Sharing", None),
             ("You may ask us for a copy of your data.", None, None)]
    assert topic_probabilities(items) == topic_probabilities(items)
    assert stance_probabilities(items[0], "sale") == stance_probabilities(items[0], "sale")


def test_a_fresh_process_reads_the_same_probabilities():
    code = ("import json; from policykg.ingest.classify import topic_probabilities as t; "
            "print(json.dumps(t([('We keep your data for two years.', None, None)])[0], sort_keys=True))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 1
    assert json.loads(runs.pop())["retention"] > 0.5


def test_a_model_round_trips_through_its_files(tmp_path):
    import scipy.sparse

    model = LinearModel(("a", "b"), scipy.sparse.csr_matrix(np.array([[0.0, 1.5], [2.0, 0.0]])), np.array([0.1, -0.2]))
    model.save(tmp_path / "m")
    again = LinearModel.load(tmp_path / "m.coef.npz", tmp_path / "m.meta.npz")
    assert again.classes == model.classes
    assert (again.coef != model.coef).nnz == 0 and np.array_equal(again.intercept, model.intercept)


def test_words_after_a_negation_are_marked_up_to_the_end_of_the_clause():
    feats = features("We do not sell your data, but we share it with partners.")
    assert "not_sell" in feats and "not_data" in feats
    assert "share" in feats and "not_share" not in feats


def test_the_lead_in_and_heading_are_features_of_their_own():
    feats = features("your e-mail address", section="Information we collect", lead="We collect the following:")
    assert "lead:collect" in feats and "head:information" in feats and "collect" not in feats


@pytest.mark.parametrize("text, topic", [
    ("We will never sell or rent your personal information to anyone.", "sale"),
    ("We take no action in response to Do Not Track signals.", "dnt"),
    ("We do not knowingly collect personal information from children under 13.", "children"),
])
def test_denials_read_as_not_performed(text, topic):
    [reading] = read_sentences([(text, None, None)], stance_for=(topic,))
    assert reading.topics[topic] >= 0.5
    assert reading.stance(topic) == "not_performed"


def test_a_merger_is_a_condition():
    [reading] = read_sentences([("If we are acquired by another company, your information may be transferred "
                                 "to the new owner.", None, None)], stance_for=("merger",))
    assert reading.stance("merger") == "conditional"


# ---------------------------------------------------------------- what the classifiers decide in the rules

def dnt(read_facts, text: str) -> set[str]:
    return {v for f in read_facts(text, kind="DoNotTrackStatement") for v in f.get("pk:stance")}


def test_lexical_negation_of_dnt_is_not_honored(read_facts):
    assert dnt(read_facts, "Privacy\n\nWe take no action in response to Do Not Track signals.\n") == {"not-honored"}


def test_an_indirect_question_about_dnt_does_not_outweigh_the_statement_after_it(read_facts):
    text = ("Privacy\n\nCalifornia law requires us to disclose how we respond to Do Not Track signals. "
            "At this time we are not set up to respond to them.\n")
    assert dnt(read_facts, text) == {"not-honored"}


def test_honoring_dnt_is_honored(read_facts):
    assert dnt(read_facts, "Privacy\n\nWe honor Do Not Track signals and do not track users who send them.\n") \
        == {"honored"}


def test_training_twice_on_the_same_data_gives_the_same_coefficients(tmp_path):
    """The training script's models are a function of the data: liblinear and lbfgs are deterministic."""
    script = ROOT / "scripts" / "train_classifiers.py"
    sys.path.insert(0, str(script.parent))
    try:
        import train_classifiers as training
    finally:
        sys.path.remove(str(script.parent))
    rows, _ = training.load()
    rows = [r for r in rows if not training.held_out(r["policy"])][:300]
    first, second = training.train(rows, grid=(8.0,)), training.train(rows, grid=(8.0,))
    for a, b in zip(first[:2], second[:2]):
        assert (a.coef != b.coef).nnz == 0 and np.array_equal(a.intercept, b.intercept)


def test_what_dnt_is_says_nothing_of_the_company(read_facts):
    text = ("Privacy\n\nDo Not Track is a privacy preference that you can set in your web browser to indicate that "
            "you do not want certain information collected.\n")
    assert dnt(read_facts, text) == {"mentioned"}


def test_do_not_track_as_a_verb_is_not_the_browser_setting(read_facts):
    assert dnt(read_facts, "Privacy\n\nWe do not track which files you transfer with the client.\n") == set()


def test_a_stance_the_cues_read_outranks_one_only_the_model_reads(read_facts):
    text = ("Privacy\n\nOur website honours Do Not Track (DNT) signals. If your browser sends a DNT signal, "
            "we do not set analytics cookies.\n")
    assert dnt(read_facts, text) == {"honored"}
