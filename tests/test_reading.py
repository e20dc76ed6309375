"""The reading layer (policykg.ingest.reading): clauses and ConText-style modifiers, one sentence each."""
from __future__ import annotations

import pytest

from policykg.ingest.reading import (CONDITIONAL, NEGATED, NOT_PERSONAL_DATA, QUESTION, THIRD_PARTY_SUBJECT,
                                     ReadingLayer, packaged_rules, parse_rules, reading_layer)


def said(text: str, word: str, nth: int = 0) -> set[str]:
    """What the reading layer says of the ``nth`` occurrence of ``word`` in ``text``."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(word, at + 1)
    return reading_layer().read(text).categories_at(at)


# ------------------------------------------------------------------ negation

def test_syntactic_negation_reaches_every_coordinated_verb():
    text = "We do not sell or rent your personal information."
    assert NEGATED in said(text, "sell")
    assert NEGATED in said(text, "rent")


def test_negation_does_not_reach_back():
    assert NEGATED not in said("We share your data and nothing else.", "share")


def test_a_denial_after_the_fact_reaches_back_over_the_sentence():
    text = "Other apps sell their users' information, but we will never do that."
    assert NEGATED in said(text, "sell")
    assert NEGATED not in said("Other apps sell their users' information, and we do that too.", "sell")


def test_clauses_are_split_on_request_where_no_modifier_is_found():
    text = "We sell gift cards; your information stays with us."
    assert reading_layer().read(text).clause_at(text.index("sell")) == (0, len(text))    # one clause
    assert reading_layer().read(text, clauses=True).clause_at(text.index("sell")) == (0, text.index(";"))


@pytest.mark.parametrize("text, word", [
    ("We are unable to respond to such signals.", "respond"),
    ("We take no action in response to these signals.", "action"),
    ("We have no way to honour browser signals.", "honour"),
    ("Under no circumstances will we sell your data.", "sell"),
    ("We refrain from selling personal information.", "selling"),
    ("At no time will we sell your data.", "sell"),
])
def test_lexical_negation(text, word):
    assert NEGATED in said(text, word)


@pytest.mark.parametrize("text, word", [
    ("We not only collect your name but also your email.", "collect"),
    ("We delete your data when it is no longer needed for these purposes.", "purposes"),
    ("If you do not want us to share your data, tell us.", "share"),
    ("Whether or not you register, we collect your IP address.", "collect"),
    ("Our browser settings include Do Not Track.", "Track"),
])
def test_pseudo_negation_denies_nothing(text, word):
    assert NEGATED not in said(text, word)


def test_without_under_a_negation_asks_for_what_it_names():
    layer = reading_layer()
    text = "We will not share your data without your consent."
    assert layer.read(text).negated_at(text.index("share"))
    assert not layer.read(text).negated_at(text.index("consent"))
    text = "We may share your data without your consent."
    assert layer.read(text).negated_at(text.index("consent"))


@pytest.mark.parametrize("text, word", [
    ("Your data may go to countries that lack an adequacy decision.", "adequacy"),
    ("In the absence of an adequacy decision, we rely on your consent.", "adequacy"),
    ("We may change this policy without notice.", "notice"),
])
def test_absent(text, word):
    text_reading = reading_layer().read(text)
    assert text_reading.negated_at(text.index(word))


# ------------------------------------------------------------------ clauses

def test_exception_ends_the_negated_clause():
    text = "We do not share your data except with our service providers."
    assert NEGATED in said(text, "share")
    assert NEGATED not in said(text, "service providers")


def test_contrast_ends_the_negated_clause():
    text = "We do not sell your data, but we share it with partners."
    assert NEGATED not in said(text, "partners")


def test_coordinated_clause_with_its_own_subject():
    text = "We do not sell your data, and we may share it with advertisers."
    assert NEGATED in said(text, "sell")
    assert NEGATED not in said(text, "advertisers")


def test_coordinated_subordinate_clause():
    text = "We process it where the processing is not overridden by your rights, or where we have your consent."
    assert NEGATED in said(text, "overridden")
    assert NEGATED not in said(text, "consent")


def test_a_leading_adverbial_clause_ends_at_its_comma():
    text = "If you think that we have not complied with the law, you have the right to lodge a complaint."
    assert NEGATED in said(text, "complied")
    assert NEGATED not in said(text, "lodge")


@pytest.mark.parametrize("text, word", [
    ("We do not (and will never) sell your personal data.", "sell"),
    ("We do not share information that identifies you (such as your name or email address).", "email"),
])
def test_a_parenthesis_stays_in_its_clause(text, word):
    assert NEGATED in said(text, word)


def test_coordinated_objects_stay_in_one_clause():
    assert NEGATED in said("We do not sell your name, and your email address.", "email")


def test_negation_inside_a_relative_clause_stays_there():
    text = "Complaints that we cannot resolve may be referred to the supervisory authority."
    assert NEGATED in said(text, "resolve")
    assert NEGATED not in said(text, "referred")


def test_a_relative_clause_ends_at_its_comma():
    text = "For complaints that the company cannot resolve directly, we cooperate with the data protection authority."
    assert NEGATED not in said(text, "cooperate")


def test_a_subordinate_clause_has_its_own_polarity():
    text = "Please do not use the app if you agree to the transfer of your data."
    assert NEGATED in said(text, "use")
    assert NEGATED not in said(text, "transfer")


def test_a_main_clause_after_a_fronted_phrase():
    text = "For transfers to countries not considered adequate, we rely on standard contractual clauses."
    assert NEGATED in said(text, "adequate")
    assert NEGATED not in said(text, "standard contractual clauses")


def test_a_non_restrictive_relative_clause_has_its_own_polarity():
    text = "We do not sell your contact details, which may be shared with our partners."
    assert NEGATED in said(text, "sell")
    assert NEGATED not in said(text, "partners")


def test_a_whose_clause_is_a_relative_clause():
    text = "We may disclose it to third parties whose practices are not covered by this policy, such as analytics providers."
    assert NEGATED in said(text, "covered")
    assert NEGATED not in said(text, "analytics")


def test_an_adverbial_clause_after_a_list_marker():
    text = "You can: (i) access your data; (ii) if you believe we have not complied with the law, lodge a complaint."
    assert NEGATED not in said(text, "lodge")


def test_a_disclaimer_denies_a_guarantee_not_the_measure():
    assert NEGATED not in said("We encrypt data but cannot guarantee its security in transit.", "transit")


def test_semicolon_ends_a_clause():
    text = "We never sell personal data; we share it with processors."
    assert NEGATED in said(text, "sell")
    assert NEGATED not in said(text, "processors")


def test_clause_span():
    text = "We do not sell your data, but we share it with partners."
    reading = reading_layer().read(text)
    a, b = reading.clause_at(text.index("partners"))
    assert text[a:b] == "but we share it with partners."


# ------------------------------------------------------------------ questions

@pytest.mark.parametrize("text, word", [
    ("The law requires us to disclose how we respond to such signals.", "respond"),
    ("We will tell you whether we honour them.", "honour"),
    ("You can choose whether we share your data with partners.", "share"),
])
def test_indirect_question(text, word):
    assert QUESTION in said(text, word)


def test_whether_a_or_b_asks_nothing():
    text = "Your information, whether public or private, will not be sold to any other company."
    assert QUESTION not in said(text, "sold")
    assert NEGATED in said(text, "sold")


def test_statement_after_an_indirect_question_is_not_a_question():
    text = "The law requires us to disclose how we respond to such signals; we take no action in response."
    assert QUESTION not in said(text, "action")
    assert NEGATED in said(text, "action")


# ------------------------------------------------------------------ who acts, what data, conditions

@pytest.mark.parametrize("text, word", [
    ("We share data with third parties who may sell it.", "sell"),
    ("Third parties may collect information about your visits.", "collect"),
    ("Some advertisers may use cookies on our pages.", "use"),
])
def test_third_party_subject(text, word):
    assert THIRD_PARTY_SUBJECT in said(text, word)


def test_third_party_as_object_is_not_the_subject():
    text = "We may sell your data to third parties and use it for advertising."
    assert THIRD_PARTY_SUBJECT not in said(text, "sell")
    assert THIRD_PARTY_SUBJECT not in said(text, "use")


@pytest.mark.parametrize("text, word", [
    ("We may share aggregated information with advertisers.", "share"),
    ("We sell de-identified data to researchers.", "sell"),
    ("Anonymous statistics may be published.", "published"),
])
def test_not_personal_data(text, word):
    assert NOT_PERSONAL_DATA in said(text, word)


def test_an_exception_runs_to_the_end_of_the_sentence():
    text = "We will not transfer your data except in the following cases: if we are involved in a merger."
    assert "Exception" in said(text, "merger")
    assert "Exception" not in said(text, "transfer")


def test_a_negation_in_a_parenthesis_stays_there():
    text = "Should we go out of business (no way), the transfer of assets may include user information."
    assert NEGATED in said(text, "way")
    assert NEGATED not in said(text, "include")


def test_a_name_states_nothing_and_denies_nothing():
    text = "Click the Do Not Sell My Personal Information link in the footer."
    assert said(text, "Sell") == {"Name"}
    assert "Name" in said("We honour Do Not Track signals.", "Track")


def test_personal_data_is_personal_data():
    assert NOT_PERSONAL_DATA not in said("We may share your email address with advertisers.", "share")


@pytest.mark.parametrize("text, word", [
    ("If we sell our business, your data may be transferred to the buyer.", "sell"),
    ("In the event that we are acquired, user data is among the assets transferred.", "acquired"),
])
def test_condition_on_the_company(text, word):
    assert CONDITIONAL in said(text, word)


def test_a_time_is_no_condition():
    assert CONDITIONAL not in said("When we sell your data to partners, we require them to protect it.", "sell")


def test_condition_on_the_person_is_not_the_company_s():
    assert CONDITIONAL not in said("If you opt in, we may sell your data to partners.", "sell")


# ------------------------------------------------------------------ the rules file

def test_packaged_rules_compile_and_every_category_is_used():
    rules = packaged_rules()
    categories = {r.category for r in rules.rules}
    assert {NEGATED, QUESTION, THIRD_PARTY_SUBJECT, NOT_PERSONAL_DATA, CONDITIONAL, "Absent", "Name", "Exception", "Pseudo"} <= categories
    assert rules.markers["Boundary"]


def test_a_rule_without_direction_is_refused_by_name():
    ttl = b"""@prefix pk: <https://w3id.org/policykg/ns#> .
    pk:mod-broken a pk:ModifierRule ; pk:category pk:Negated ; pk:phrase "not" ."""
    with pytest.raises(ValueError, match="mod-broken.*pk:direction"):
        parse_rules(ttl)


def test_a_token_pattern_that_is_not_json_is_refused_by_name():
    ttl = b"""@prefix pk: <https://w3id.org/policykg/ns#> .
    pk:mod-bad a pk:ModifierRule ; pk:category pk:Negated ; pk:direction pk:Forward ; pk:tokens "[{LOWER: not}]" ."""
    with pytest.raises(ValueError, match="mod-bad.*JSON"):
        parse_rules(ttl)


def test_rules_from_another_file_change_the_reading():
    ttl = b"""@prefix pk: <https://w3id.org/policykg/ns#> .
    pk:mod-hardly a pk:ModifierRule ; pk:category pk:Negated ; pk:direction pk:Forward ; pk:phrase "hardly" ."""
    layer = ReadingLayer(parse_rules(ttl))
    text = "We hardly ever sell data."
    assert layer.read(text).negated_at(text.index("sell"))
    assert not reading_layer().read(text).negated_at(text.index("sell"))


def test_lemmas_are_spacy_lookup_lemmas_of_the_lower_cased_word():
    doc = reading_layer()._doc("Sold Shared")
    assert [t.lemma_ for t in doc] == ["sell", "share"]
