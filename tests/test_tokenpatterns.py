"""The token pattern notation of the cue files (policykg.ingest.tokenpatterns): one phenomenon per test."""
from __future__ import annotations

import pytest

from policykg.ingest.tokenpatterns import PatternError, TokenCue, compile_pattern


def found(pattern: str, text: str) -> list[str]:
    return [m.group(0) for m in TokenCue([pattern]).finditer(text)]


def test_a_word_matches_its_forms_by_lookup_lemma():
    assert found("collect", "We collected it and keep collecting.") == ["collected", "collecting"]
    assert found("sell", "Your data is never sold.") == ["sold"]


def test_a_word_also_matches_its_own_form_where_the_lemma_differs():
    # spaCy's lookup lemma of "data" is "datum", of "third" is "3"
    assert found("data", "your data") == ["data"]
    assert found("third party", "a third party") == ["third party"]


def test_a_quoted_word_matches_that_form_only():
    assert found('"request"', "requests for support; you may request a copy") == ["request"]


def test_a_prefix_matches_words_beginning_so():
    assert found("secur*", "Security and secure servers, not insecure ones") == ["Security", "secure"]


def test_an_equals_word_keeps_its_case():
    assert found("=Do =Not =Track", "We do not track you. Do Not Track signals") == ["Do Not Track"]


def test_a_regex_word_matches_the_whole_lower_case_form():
    assert found(r"/\d{1,5}/ main street", "at 221 Main Street or 123456 Main Street") == ["221 Main Street"]


def test_a_hyphenated_word_stands_for_the_tokens_spacy_makes_of_it():
    assert found("third-party", "third-party cookies and third party cookies") == ["third-party"]
    assert found("third -? party", "third-party cookies and third party cookies") == ["third-party", "third party"]


def test_a_regex_word_stays_within_its_word():
    assert found(r"/.*box/", "P.O. Box 12") == ["Box"]          # not "P.O. Box" as one word
    assert found(r"/\S+/ /\d+/", "call 555 now") == ["call 555"]


def test_any_word_is_a_word_not_the_end_of_the_text():
    assert found("data _", "your data") == []
    assert found("data ~[.]", "your data") == []
    assert found("data _", "your data here") == ["data here"]


def test_any_word_and_windows():
    assert found("we _{0,2} share", "We will not share it; we share it") == ["We will not share", "we share"]
    assert found("we _{0,2} share", "we may in some cases share") == []


def test_a_negated_set_is_any_word_but_those():
    assert found("share ~[. ;]{0,3} partners", "we share it with partners") == ["share it with partners"]
    assert found("share ~[. ;]{0,3} partners", "we share it; partners") == []


def test_a_set_is_any_one_of_its_tests():
    assert found("[sell rent trade*]", "we rent, sell or trade") == ["rent", "sell", "trade"]


def test_a_group_is_either_sequence_and_quantifiers_apply_to_it():
    assert found("ask (for | to provide)", "we ask for it and ask to provide it") == ["ask for", "ask to provide"]
    assert found("(very)+ good", "very very good") == ["very very good"]


def test_an_optional_word():
    assert found("you may? provide", "you provide; you may provide") == ["you provide", "you may provide"]


def test_not_followed_by():
    assert found("share !(_? link)", "we share links") == []
    assert found("share !(_? link)", "we share your data") == ["share"]


def test_not_preceded_by():
    assert found("<![link links] to third", "links to third parties") == []
    assert found("<![link links] to third", "data to third parties") == ["to third"]


def test_start_and_end_of_the_text():
    assert found("^ personal data :", "Personal data: e-mail") == ["Personal data:"]
    assert found("^ personal data :", "Your personal data: e-mail") == []
    assert found("policy $", "this policy") == ["policy"]
    assert found("policy $", "this policy.") == []


def test_a_match_gives_character_offsets_of_the_text():
    text = "We   may\n\ncollect   your e-mail."
    (m,) = TokenCue(["may collect"]).finditer(text)
    assert m.span() == (5, 17)
    assert text[m.start():m.end()] == "may\n\ncollect"


def test_search_from_a_position_and_match_at_it():
    cue = TokenCue(["share"])
    text = "We share. They share."
    assert cue.search(text, 9).start() == 15
    assert cue.match(text, 3) is not None and cue.match(text, 0) is None


def test_the_gate_is_a_word_the_pattern_cannot_match_without():
    _, gate = compile_pattern("we may? [sell rent] your data")
    assert gate == frozenset({"sell", "rent"})
    _, gate = compile_pattern("secur* data?")
    assert gate is None                   # a prefix and an optional word: nothing to gate on


@pytest.mark.parametrize("bad, says", [
    ("[sell rent", "'[' without its ']'"),
    ("(sell | rent", "'(' without its ')'"),
    ("data?", "no word at all"),
    ("sell )", "unexpected ')'"),
    ("/[a-/", "bad regular expression"),
])
def test_a_bad_pattern_is_named_with_what_is_wrong(bad, says):
    with pytest.raises(PatternError) as err:
        compile_pattern(bad)
    assert bad in str(err.value) and says in str(err.value)


def test_every_packaged_token_pattern_compiles_and_fits_on_a_screen():
    from policykg.ingest.lexicon import load_lexicon

    lexicon = load_lexicon()
    cues = list(lexicon.cues.values()) + [p for m in lexicon.schemes.values() for p, _ in m._patterns]
    assert cues and all(isinstance(c, TokenCue) for c in cues)
    for cue in cues:
        for pattern in cue.patterns:
            assert len(pattern) <= 300, pattern     # four lines of a screen at most


def test_a_text_holding_the_token_strings_marks_is_read_safely():
    text = "we share\x1e\x1f it\x02 with partners"
    assert found("share ~[.]{0,3} partners", text) == ["share\x1e\x1f it\x02 with partners"]
