"""Parties: the controller's name and the contact e-mail addresses a policy gives."""
from __future__ import annotations


def controllers(facts) -> set[str]:
    return {name for f in facts if f.kind == "Controller" for name in f.get("dpv:hasName")}


def emails(facts) -> set[str]:
    return {e for f in facts if f.kind == "ContactPoint" for e in f.get("pk:email")}


def test_controller_named_before_we_us_alias(read_facts):
    facts = read_facts("Acme Widgets Ltd (\u201cwe\u201d, \u201cus\u201d) runs this website.")
    assert controllers(facts) == {"Acme Widgets Ltd"}


def test_controller_in_how_it_handles_data_with_a_short_name_alias(read_facts):
    facts = read_facts("The Acme Tracker is a health record. This policy explains how Acme Widgets, LLC (\"Acme\") "
                       "protects your data in the Acme Tracker.")
    assert controllers(facts) == {"Acme Widgets, LLC"}


def test_controller_named_before_its_postal_address(read_facts):
    facts = read_facts("Acme Widgets GmbH, 12 Linden Street, 10115 Berlin, Germany (\u201cwe\u201d, \u201cus\u201d) runs "
                       "this site. Germany has strict laws, and we store your data in Germany.")
    assert controllers(facts) == {"Acme Widgets GmbH"}
    facts = read_facts("Acme Widgets Ltd, 9 Linden Street, London N1 9AB is the data controller.")
    assert controllers(facts) == {"Acme Widgets Ltd"}
    facts = read_facts("Acme Widgets Ltd. 92 Linden Street (\u201cwe\u201d) runs this site.")
    assert controllers(facts) == {"Acme Widgets Ltd."}


def test_controller_from_company_refers_to_definition(read_facts):
    facts = read_facts("Company (referred to as either \"the Company\", \"We\", \"Us\" or \"Our\" in this Agreement) "
                       "refers to Foo Bar.")
    assert controllers(facts) == {"Foo Bar"}


def test_controller_name_may_open_in_lower_case(read_facts):
    assert controllers(read_facts("oLeaf Studio (\u201cwe\u201d) makes this app.")) == {"oLeaf Studio"}
    facts = read_facts("The game is run by a Danish company (brkn Pty Ltd), with servers in Canada.")
    assert controllers(facts) == {"brkn Pty Ltd"}


def test_controller_name_never_starts_inside_a_word(read_facts):
    facts = read_facts("We use cookies. el.addEventListener('Click', go); el.addEventListener('Keyup', go);")
    assert controllers(facts) == set()


def test_controller_as_subject_after_an_opening_connective(read_facts):
    facts = read_facts("Your trust matters. Hence, Brightloop respects your privacy and guards what you give us.")
    assert controllers(facts) == {"Brightloop"}


def test_a_trading_name_belongs_to_the_legal_name_in_the_title(read_facts):
    facts = read_facts("Dots & Stripes Ltd. T/A Ruby Lane Privacy Policy\n\nThis policy covers our shop.")
    assert controllers(facts) == {"Dots & Stripes Ltd. T/A Ruby Lane"}


def test_a_service_the_reader_may_read_about_is_no_controller(read_facts):
    facts = read_facts("We use Shopwise to run our store; you can read more about how Shopwise uses your data here.")
    assert controllers(facts) == set()


def test_a_thing_that_is_a_process_is_no_controller(read_facts):
    facts = read_facts("Hashing is a technology process that scrambles e-mail addresses.")
    assert controllers(facts) == set()


def test_a_company_that_is_a_studio_is_the_controller(read_facts):
    assert controllers(read_facts("Brightloop is a small games studio in Leeds.")) == {"Brightloop"}


def test_controller_that_processes_your_personal_data(read_facts):
    facts = read_facts("iSolution processes your personal data for this website to help you know iSolution.")
    assert controllers(facts) == {"iSolution"}


def test_controller_whose_official_website_this_is(read_facts):
    facts = read_facts("This is the official website for Netshop Web Services, a company selling hosting.")
    assert controllers(facts) == {"Netshop Web Services"}


def test_an_apps_name_in_the_title_is_no_controller(read_facts):
    assert controllers(read_facts("Sunny Notes App Privacy Policy\n\nWe do not collect data.")) == set()
    assert controllers(read_facts("Privacy Policy for Sunny Notes App\n\nWe do not collect data.")) == set()


def test_controller_with_a_lower_case_short_name(read_facts):
    facts = read_facts("zeno LLC (\u201czeno\u201d) has designed a home network system and its app.")
    assert controllers(facts) == {"zeno LLC"}


def test_script_code_with_a_quoted_argument_is_no_controller(read_facts):
    assert controllers(read_facts("jQuery.cookie('consent', 'yes'); jQuery.cookie('seen', 'no');")) == set()


def test_a_region_with_its_abbreviation_is_no_controller(read_facts):
    facts = read_facts("For people in the European Economic Area (\u201cEEA\u201d), Tinygen Inc. relies on consent. "
                       "Tinygen Inc. (\u201cwe\u201d) runs this site.")
    assert controllers(facts) == {"Tinygen Inc."}


def test_controller_after_a_section_label_that_complies_with_the_law(read_facts):
    facts = read_facts("Introduction: Grinding Wheel Games complies with the New Zealand Privacy Act 1993.")
    assert controllers(facts) == {"Grinding Wheel Games"}


def test_a_tool_that_takes_part_of_a_request_is_no_controller(read_facts):
    assert controllers(read_facts("How Cryptotool Works: Cryptotool takes the IP address portion of the request.")) == set()


def test_controller_from_person_who_built_the_app(read_facts):
    assert controllers(read_facts("Jane Doe built the Sunny Notes app as a free app.")) == {"Jane Doe"}


def test_controller_who_has_adopted_this_privacy_policy(read_facts):
    facts = read_facts("The games of Tom Vale has adopted this privacy policy to explain how it collects data.")
    assert controllers(facts) == {"The games of Tom Vale"}


def test_controller_lowercase_name_before_service_provider_alias(read_facts):
    facts = read_facts("This app was created by lowercase dev (hereby referred to as the \"Service Provider\").")
    assert controllers(facts) == {"lowercase dev"}


def test_no_controller_when_the_text_names_none(read_facts):
    facts = read_facts("We respect your privacy. We collect your email address to send you updates about the app.")
    assert controllers(facts) == set()


def test_provider_of_a_service_the_site_uses_is_no_controller(read_facts):
    facts = read_facts("Our site uses Tally Counter, a web statistics service provided by Tally Metrics Inc. "
                       "(\u201cTally\u201d), to count visits.")
    assert controllers(facts) == set()
    facts = read_facts("We count visits. Tally Counter is an analytics service provided by Tally Metrics LLC.")
    assert controllers(facts) == set()


def test_trademark_notice_names_no_controller(read_facts):
    facts = read_facts("We keep your notes private. Quillpad is a registered trademark of Tally Metrics LLC. "
                       "Quillpad is a registered trademark in the EU.")
    assert controllers(facts) == set()


def test_template_placeholder_is_no_controller_name(read_facts):
    assert controllers(read_facts("[Developer name] built the Lumo Timer app as a free app.")) == set()


def test_question_word_before_the_name_is_not_part_of_it(read_facts):
    facts = read_facts("Where Acme Widgets Ltd is the data controller, it answers your requests within a month.")
    assert controllers(facts) == {"Acme Widgets Ltd"}


def test_heading_that_addresses_the_reader_is_no_controller_name(read_facts):
    facts = read_facts("# Please Read the Privacy Policy\n\nWe keep your notes on your phone and nowhere else.\n")
    assert controllers(facts) == set()


def test_copyright_line_names_the_owner_only_with_a_sign_or_a_year(read_facts):
    facts = read_facts("We answer notices under the Copyright Act. Send them to our Copyright Agent, who applies "
                       "the Copyright Act.")
    assert controllers(facts) == set()
    facts = read_facts("We answer notices promptly.\n\nCopyright 2021 Acme Widgets Ltd. All rights reserved.\n\n"
                       "Acme Widgets Ltd answers notices.")
    assert controllers(facts) == {"Acme Widgets Ltd."}


def test_every_contact_address_is_found(read_facts):
    facts = read_facts("Write to privacy@acme-widgets.example about your data. Our data protection officer is "
                       "dpo@acme-widgets.example, and support questions go to Support@Acme-Widgets.example.")
    assert emails(facts) == {"privacy@acme-widgets.example", "dpo@acme-widgets.example",
                             "support@acme-widgets.example"}


def test_placeholder_addresses_are_not_contact_points(read_facts):
    facts = read_facts("Enter an address such as john@example.com or name@domain.com in the form. "
                       "Questions go to privacy@acme-widgets.example.")
    assert emails(facts) == {"privacy@acme-widgets.example"}


def test_no_contact_point_when_the_text_gives_no_address(read_facts):
    assert emails(read_facts("Use the form at https://quietnote.example/contact to reach us.")) == set()


def test_only_the_company_definition_names_the_controller(read_facts):
    facts = read_facts("- Website: Refers to Tiny Widget, accessible at https://tiny.example.\n"
                       "- Company: Refers to Tiny Labs FZE, located at Example Tower, Dubai.\n")
    assert controllers(facts) == {"Tiny Labs FZE"}


def test_controller_alias_list_may_repeat_the_name(read_facts):
    facts = read_facts("This notice applies to data processed by Quill Lite (\u201cQuill Lite,\u201d \u201cwe,\u201d "
                       "\u201cus\u201d) through our app.")
    assert controllers(facts) == {"Quill Lite"}


# ------------------------------------------------------------------ ontology/controller-cues.ttl

def controller_cue_examples() -> dict[str, str]:
    import pyoxigraph as ox

    from conftest import REPO_ROOT
    path = REPO_ROOT / "ontology" / "controller-cues.ttl"
    example = "http://www.w3.org/2004/02/skos/core#example"
    prefix = "https://w3id.org/policykg/ns#controller-"
    return {t.subject.value.removeprefix(prefix): t.object.value
            for t in ox.parse(path.read_bytes(), ox.RdfFormat.TURTLE) if t.predicate.value == example}


def test_every_controller_cue_reads_acme_from_its_example():
    from policykg.ingest.lexicon import load_lexicon
    from policykg.ingest.parties import _clean, compile_rules
    rules = compile_rules(load_lexicon().controller)
    examples = controller_cue_examples()
    for cue in rules.sentences + rules.titles:
        assert cue.name in examples, f"controller-{cue.name} has no skos:example"
        names = [_clean(m.group("name"), rules) for m in cue.regex.finditer(examples[cue.name])]
        assert any(n and n.startswith("Acme") for n in names), f"controller-{cue.name}: {names}"
    for cue in rules.headings:
        assert cue.regex.search(examples[cue.name]), f"controller-{cue.name}"


def test_controller_cues_keep_their_order_and_weights():
    from policykg.ingest.lexicon import load_lexicon
    cues = load_lexicon().controller
    assert [c.name for c in cues.sentences[:2]] == ["company-refers-to", "opens-built-the"]
    assert cues.sentences[0].weight == 8.0 and cues.sentences[0].hints
    assert [c.name for c in cues.titles] == ["title-name-privacy", "title-privacy-of-name"]


def test_an_unknown_slot_in_a_controller_cue_is_an_error():
    import pytest

    from policykg.ingest.parties import fill_slots
    assert fill_slots(r"(?:x){0,3}{ALIAS}", {"alias": "we"}) == r"(?:x){0,3}we"
    with pytest.raises(ValueError, match="NAMES"):
        fill_slots(r"by {NAMES}", {})
    with pytest.raises(ValueError, match="LOOP"):
        fill_slots(r"{LOOP}", {"loop": "a{LOOP}"})


def test_an_address_in_page_code_is_cleaned_or_dropped(read_facts):
    assert emails(read_facts('Contact "u003eprivacy_office@tinyshop.example" for help.')) == {"privacy_office@tinyshop.example"}
    assert emails(read_facts("x = 'href%3d%22mailto%3aprivacy@tinyshop.example';")) == set()


def test_a_placeholder_address_given_as_an_example_is_no_contact(read_facts):
    facts = read_facts("If you sign in with a work address (e.g., yourname@businessname.com), your employer may see it.")
    assert emails(facts) == set()
