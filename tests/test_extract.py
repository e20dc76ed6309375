"""Extraction rules, one phenomenon per test, on one- or two-sentence policies written here.

Each test reads a tiny text through the real pipeline (``read_document`` + ``facts_of``) and asserts on
the kinds and properties of the facts (see ``FactView`` in conftest). Concept IRIs that come from the
vocabulary are looked up in the vocabulary (never written here), so the tests follow the Turtle files.
"""
from __future__ import annotations

from importlib import resources

import pytest

from conftest import short


def modalities(facts, kind: str) -> set[str]:
    return {m for f in facts if f.kind == kind for m in f.get("pk:modality")}


def values(facts, kind: str, prop: str) -> set[str]:
    return {v for f in facts if f.kind == kind for v in f.get(prop)}


def vocabulary_file(name: str):
    path = resources.files("policykg.ontology") / "vocabulary" / name
    if not path.is_file():
        pytest.skip(f"ontology/vocabulary/{name} does not exist yet")
    return path


def concept_for(scheme: str, phrase: str) -> str:
    """The concept the vocabulary maps a phrase to (as a prefixed name), or skip if it maps none."""
    from policykg.ingest.lexicon import load_lexicon

    found = load_lexicon().scheme(scheme).concepts(phrase)
    assert len(found) <= 1, f"{phrase!r} matches several {scheme} concepts: {found}"
    if not found:
        pytest.fail(f"the {scheme} vocabulary has no label for {phrase!r}")
    import pyoxigraph as ox

    return short(ox.NamedNode(found[0]))


# ------------------------------------------------------------------ sale and negation

def test_negated_sell_or_rent_is_a_prohibited_sale(read_facts):
    facts = read_facts("We do not sell or rent your personal information.")
    assert modalities(facts, "Sale") == {"pk:Prohibited"}


def test_may_sell_to_marketing_partners_is_a_permitted_sale(read_facts):
    facts = read_facts("We may sell your personal information to marketing partners.")
    assert modalities(facts, "Sale") == {"pk:Permitted"}


def test_ccpa_definition_of_sell_is_not_a_sale(read_facts):
    facts = read_facts("For the purposes of the CCPA, the terms \u201csell\u201d and \u201cpersonal information\u201d "
                       "have the meaning given in the CCPA.")
    assert not [f for f in facts if f.kind == "Sale"]


def test_business_being_sold_is_not_a_sale_of_data(read_facts):
    facts = read_facts("If all or part of our business is sold, your personal information may be transferred "
                       "to the buyer.")
    assert not [f for f in facts if f.kind == "Sale"]


@pytest.mark.parametrize("text", [
    "You may ask us for the categories of third parties to whom we sold your personal information.",
    "Our business or commercial purpose for collecting or selling that personal information.",
    "Does Tinyshop sell e-mail addresses to advertisers?",
    "Ask that a business that sells a consumer's personal data not sell it.",
    "We prohibit the service provider from selling the personal information that we provide.",
    "We do not collect data about your political opinions or trade union membership.",
    "When you sell items, we keep the listing data for three months.",
    "Tinyshop is subject to the oversight of the US Federal Trade Commission.",
    "Sale of Personal Information.",
    "These partners are restricted from using, selling, or altering this data.",
    "Ad networks get your device ID, and they may license or sell it to others.",
    "You may ask whether and how we have collected, used, disclosed, and sold personal information about you.",
    "You may not sell or trade virtual coins outside the game.",
])
def test_a_sentence_that_names_sales_without_stating_one_is_no_sale(read_facts, text):
    assert not [f for f in read_facts(text) if f.kind == "Sale"]


def test_a_sale_denied_after_the_fact_is_a_prohibited_sale(read_facts):
    facts = read_facts("Many apps profit by selling their users' information, but we'll never do that.")
    assert modalities(facts, "Sale") == {"pk:Prohibited"}


def test_users_data_never_sold_is_a_prohibited_sale(read_facts):
    facts = read_facts("The information of our users is never sold to anyone.")
    assert modalities(facts, "Sale") == {"pk:Prohibited"}


@pytest.mark.parametrize("text", [
    "Your information, whether public or private, will not be sold to any other company.",
    "Tinyshop does not sell your personal information and will not do so without giving you an opportunity "
    "to opt-out of such sale.",
])
def test_a_denial_that_mentions_whether_or_an_opt_out_stays_a_denial(read_facts, text):
    assert modalities(read_facts(text), "Sale") == {"pk:Prohibited"}


def test_a_statement_of_past_sales_is_a_permitted_sale(read_facts):
    facts = read_facts("In the preceding twelve months, we have sold the following categories of personal information "
                       "to third parties: identifiers.")
    assert modalities(facts, "Sale") == {"pk:Permitted"}


# ------------------------------------------------------------------ mergers

MERGER_NOTICE = ("In the event of a merger, acquisition or bankruptcy, your information may be transferred to the "
                 "acquirer. We will notify you by email before your information is transferred.")


def merger_facts(facts):
    return [f for f in facts if f.kind == "Disclosure" and "pk:CorporateTransaction" in f.get("pk:hasCondition")]


def test_merger_with_notice_in_the_same_sentence_has_notice_and_no_consent_safeguard(read_facts):
    found = merger_facts(read_facts("In the event of a merger or acquisition, your information may be transferred to "
                                    "the acquirer, and we will notify you by email before it is transferred."))
    assert found, "no Disclosure with pk:CorporateTransaction"
    safeguards = {s for f in found for s in f.get("pk:hasSafeguard")}
    assert "pk:NoticeSafeguard" in safeguards
    assert "pk:ConsentSafeguard" not in safeguards


def test_merger_with_notice_in_the_next_sentence_has_notice_and_no_consent_safeguard(read_facts):
    found = merger_facts(read_facts(MERGER_NOTICE))
    assert found, "no Disclosure with pk:CorporateTransaction"
    safeguards = {s for f in found for s in f.get("pk:hasSafeguard")}
    assert "pk:NoticeSafeguard" in safeguards
    assert "pk:ConsentSafeguard" not in safeguards


def test_merger_with_prior_consent_has_a_consent_safeguard(read_facts):
    found = merger_facts(read_facts("In the event of a merger or acquisition, we will only transfer your personal "
                                    "data to the acquirer with your prior consent."))
    assert found
    assert "pk:ConsentSafeguard" in {s for f in found for s in f.get("pk:hasSafeguard")}


def test_a_label_before_a_merger_statement_is_not_its_evidence(read_facts):
    facts = read_facts("We share information as set forth below:\n\n- Business Transfers. We may transfer personal "
                       "information as part of any merger or acquisition.\n", name="policy.md")
    evidence = [f.sentence for f in facts if f.kind == "Disclosure" and "pk:CorporateTransaction" in f.get("pk:hasCondition")]
    assert evidence and all(not e.startswith("Business Transfers") for e in evidence)


# ------------------------------------------------------------------ collection

def test_a_personal_data_label_lists_the_data_collected(read_facts):
    email = concept_for("data", "email address")
    facts = read_facts("## Newsletter\n\nPersonal Data: email address; first name\n", name="policy.md")
    assert email in values(facts, "Collection", "dpv:hasPersonalData")


def test_the_countries_where_data_is_processed_are_no_data_collected(read_facts):
    facts = read_facts("Information we collect may be stored in and transferred between the countries in which we "
                       "operate.", kind="Collection")
    assert concept_for("data", "country") not in values(facts, "Collection", "dpv:hasPersonalData")


def test_your_country_is_data_collected(read_facts):
    facts = read_facts("We collect your name and your country.", kind="Collection")
    assert concept_for("data", "country") in values(facts, "Collection", "dpv:hasPersonalData")


# ------------------------------------------------------------------ recipients: negation with an exception

@pytest.mark.parametrize("text", [
    "We may employ third-party companies to facilitate our app. These third parties have access to your data.",
    "Our vendors process your information on our behalf.",
    "We engage trusted service providers to host the service.",
])
def test_processors_engaged_or_with_access_to_data_are_recipients(read_facts, text):
    facts = read_facts(text, kind="Disclosure")
    assert facts and all(f.get("pk:modality") == {"pk:Permitted"} for f in facts)


def test_never_share_except_service_providers_prohibits_third_parties_and_permits_providers(read_facts):
    vocabulary_file("recipients.ttl")
    third_party = concept_for("recipient", "third parties")
    provider = concept_for("recipient", "service providers")
    facts = [f for f in read_facts("We never share your data with third parties except service providers "
                                   "that host the app.") if f.kind == "Disclosure"]
    by_recipient = {}
    for f in facts:
        for r in f.get("dpv:hasRecipient"):
            by_recipient.setdefault(r, set()).update(f.get("pk:modality"))
    assert by_recipient.get(third_party) == {"pk:Prohibited"}
    assert by_recipient.get(provider) == {"pk:Permitted"}


@pytest.mark.parametrize("text", [
    "Except as provided above, we will not provide your information to third parties.",
    "We do not allow our third-party service providers to use your personal data for their own purposes.",
])
def test_a_qualified_denial_or_a_limit_on_recipients_rules_no_recipient_out(read_facts, text):
    facts = read_facts(text, kind="Disclosure")
    assert "pk:Prohibited" not in values(facts, "Disclosure", "pk:modality")


def test_data_the_person_gives_to_third_parties_is_no_disclosure_by_us(read_facts):
    facts = read_facts("If you provide your address to such third parties, their own terms apply.", kind="Disclosure")
    assert not facts


def test_data_you_provide_that_we_then_share_is_a_disclosure(read_facts):
    third_party = concept_for("recipient", "third parties")
    facts = read_facts("Details you provide may be shared with third parties.", kind="Disclosure")
    assert third_party in values(facts, "Disclosure", "dpv:hasRecipient")


@pytest.mark.parametrize("text", [
    "The app may contain links to third-party websites or services.",
    "We may provide links to third party sites that we do not control.",
])
def test_links_to_third_party_sites_are_no_disclosure(read_facts, text):
    assert not read_facts(text, kind="Disclosure")


def test_sentences_under_a_third_party_links_heading_are_no_disclosure(read_facts):
    facts = read_facts("## Third-Party Links\n\nThird parties who run those sites have their own policies.\n", name="p.md",
                       kind="Disclosure")
    assert not facts


def test_anyone_who_uses_the_service_is_no_recipient(read_facts):
    facts = read_facts("This page tells visitors about the collection, use, and disclosure of Personal Information "
                       "if anyone decided to use the Service.", kind="Disclosure")
    assert not facts


def test_posts_visible_to_anyone_go_to_the_public(read_facts):
    public = concept_for("recipient", "the public")
    facts = read_facts("Reviews you post are shared with anyone who visits the site.", kind="Disclosure")
    assert public in values(facts, "Disclosure", "dpv:hasRecipient")


# ------------------------------------------------------------------ purposes

def purposes(facts) -> set[str]:
    return values(facts, "Use", "dpv:hasPurpose")


def test_a_heading_over_a_services_personal_data_line_is_a_purpose(read_facts):
    facts = read_facts("## Analytics\n\n## Trackly Stats\n\nPersonal Data: Usage Data; Trackers\n\n"
                       "## Contact information\n\nOwner contact email: hello@shop.example\n", name="policy.md")
    assert purposes(facts) == {"dpv:ServiceUsageAnalytics"}


def test_a_heading_with_no_personal_data_line_under_it_is_no_purpose(read_facts):
    facts = read_facts("## Analytics\n\nWe keep our numbers to ourselves.\n", name="policy.md")
    assert purposes(facts) == set()


def test_entering_into_and_or_performing_a_contract_are_two_purposes(read_facts):
    facts = read_facts("We process enquiries with a view to entering into and/or performing a contract with you.")
    assert {"dpv:EstablishContractualAgreement", "dpv:FulfilmentOfContractualObligation"} <= purposes(facts)


def test_legal_accounting_or_reporting_requirements_are_legal_compliance_not_record_keeping(read_facts):
    facts = read_facts("We use your data to satisfy any legal, accounting, or reporting requirements.")
    assert "dpv:LegalCompliance" in purposes(facts)
    assert "dpv:RecordManagement" not in purposes(facts)


# ------------------------------------------------------------------ retention

def test_retention_for_13_months_is_a_period_of_p13m(read_facts):
    facts = read_facts("We keep analytics data for 13 months.")
    assert values(facts, "Retention", "pk:retentionKind") == {"period"}
    assert values(facts, "Retention", "pk:duration") == {"P13M"}


def test_retention_as_long_as_necessary_is_criteria(read_facts):
    facts = read_facts("We keep your data as long as necessary to provide the service.")
    assert values(facts, "Retention", "pk:retentionKind") == {"criteria"}


def test_a_retention_period_that_depends_on_the_plan_is_criteria(read_facts):
    facts = read_facts("Retention duration of activity data depends on the site's plan and the activity type.")
    assert values(facts, "Retention", "pk:retentionKind") == {"criteria"}


def test_storing_data_abroad_depending_on_factors_is_no_retention_criteria(read_facts):
    facts = read_facts("We may store information on servers in other countries depending on a variety of factors.")
    assert not values(facts, "Retention", "pk:retentionKind")


def test_retained_indefinitely_is_indefinite(read_facts):
    facts = read_facts("Public posts may be retained indefinitely.")
    assert "indefinite" in values(facts, "Retention", "pk:retentionKind")


def test_permanently_deleted_is_not_indefinite_retention(read_facts):
    facts = read_facts("When you delete your account, your notes are permanently deleted.")
    assert "indefinite" not in values(facts, "Retention", "pk:retentionKind")


# ------------------------------------------------------------------ children

def test_children_under_13_gives_threshold_13(read_facts):
    facts = read_facts("Our service is not directed to children under 13.")
    assert values(facts, "ChildrenStatement", "pk:minimumAge") == {"13"}


def test_children_under_16_in_eea_and_13_elsewhere_gives_both_thresholds(read_facts):
    facts = read_facts("We do not knowingly collect data from children under 16 in the EEA and 13 elsewhere.")
    assert values(facts, "ChildrenStatement", "pk:minimumAge") == {"13", "16"}


def test_children_12_or_younger_gives_threshold_13(read_facts):
    facts = read_facts("Our services are not meant for children 12 or younger.")
    assert values(facts, "ChildrenStatement", "pk:minimumAge") == {"13"}


def test_children_aged_12_or_younger_gives_threshold_13(read_facts):
    facts = read_facts("Our services are not for children aged 12 or younger.")
    assert values(facts, "ChildrenStatement", "pk:minimumAge") == {"13"}


# ------------------------------------------------------------------ rights

def rights_in(facts) -> set[str]:
    return values(facts, "RightStatement", "pk:right")


def test_data_that_can_be_edited_or_deleted_through_your_account_is_rectification_and_erasure(read_facts):
    facts = read_facts("Your details can be viewed, edited or deleted through your account page.")
    assert {concept_for("right", "rectify"), concept_for("right", "erase")} <= rights_in(facts)


def test_contacting_us_to_request_a_copy_is_the_right_of_access(read_facts):
    facts = read_facts("Users may contact us at privacy@example.com to request a copy of their data.")
    assert concept_for("right", "right of access") in rights_in(facts)


def test_if_you_would_like_us_to_erase_your_data_is_the_right_to_erasure(read_facts):
    facts = read_facts("If you would like us to erase your data, write to privacy@example.com.")
    assert concept_for("right", "erase") in rights_in(facts)


def test_contact_us_and_we_will_delete_a_childs_data_is_no_user_right(read_facts):
    assert not rights_in(read_facts("If a child has given us data, please contact us and we will delete it."))


def test_a_request_for_information_about_the_data_held_is_the_right_of_access(read_facts):
    facts = read_facts("You may request information about how we use your data.")
    assert concept_for("right", "right of access") in rights_in(facts)


def test_a_request_for_a_change_to_your_details_is_the_right_to_rectification(read_facts):
    facts = read_facts("To request a change to your details, please contact the support desk.")
    assert concept_for("right", "rectify") in rights_in(facts)


def test_porting_your_data_is_the_right_to_portability(read_facts):
    facts = read_facts("You have the right to port your data to another provider.")
    assert concept_for("right", "data portability") in rights_in(facts)


def test_an_exported_file_of_your_data_is_the_right_to_portability(read_facts):
    facts = read_facts("You can request to receive an exported file of the data we hold about you.")
    assert concept_for("right", "data portability") in rights_in(facts)


def test_data_that_can_be_accessed_through_your_portal_is_the_right_of_access(read_facts):
    facts = read_facts("Any information you provide may be accessed via our Customer Portal at any time.",
                       kind="RightStatement")
    assert "eu-gdpr:A15" in values(facts, "RightStatement", "pk:right")


def test_data_that_can_be_viewed_modified_or_deleted_in_your_account_gives_three_rights(read_facts):
    facts = read_facts("Your details can be viewed, modified or deleted using your account settings.",
                       kind="RightStatement")
    assert {"eu-gdpr:A15", "eu-gdpr:A16", "eu-gdpr:A17"} <= values(facts, "RightStatement", "pk:right")


def test_a_file_of_the_data_we_hold_about_you_is_the_right_of_access_and_erasing_it_is_not(read_facts):
    facts = read_facts("You can request to receive an exported file of the personal data we hold about you.",
                       kind="RightStatement")
    assert "eu-gdpr:A15" in values(facts, "RightStatement", "pk:right")
    facts = read_facts("You can also request that we erase any personal data we hold about you.", kind="RightStatement")
    assert values(facts, "RightStatement", "pk:right") == {"eu-gdpr:A17"}


def test_you_can_have_inaccuracies_corrected_is_the_right_to_rectification(read_facts):
    facts = read_facts("You can have factual inaccuracies in this information corrected by contacting us.",
                       kind="RightStatement")
    assert "eu-gdpr:A16" in values(facts, "RightStatement", "pk:right")


def test_items_under_a_data_requests_heading_are_rights(read_facts):
    facts = read_facts("# Data requests\n\nWrite to our support team to:\n\n- Request correction or deletion\n",
                       name="policy.md")
    assert {concept_for("right", "rectify"), concept_for("right", "erase")} <= rights_in(facts)


def test_a_right_the_company_reserves_to_change_the_policy_is_no_user_right(read_facts):
    assert not rights_in(read_facts("The company reserves the right to modify or update this policy."))


def test_a_notice_that_may_be_amended_at_any_time_is_no_rectification_right(read_facts):
    assert not rights_in(read_facts("This notice may be amended at any time."))


def test_deleting_cookies_in_the_browser_is_no_erasure_right(read_facts):
    assert not rights_in(read_facts("You can delete cookies in your browser at any time."))


def test_local_shared_objects_are_no_right_to_object(read_facts):
    assert not rights_in(read_facts("Your rights: our site stores local shared objects on your device."))


def test_access_to_the_service_is_no_right_of_access(read_facts):
    assert not rights_in(read_facts("You can access our service from any device at any time."))


def test_the_right_to_be_informed_about_automated_decisions_is_not_the_right_on_them(read_facts):
    facts = read_facts("You have the right to be informed about any automated decision-making we use.")
    assert concept_for("right", "automated decision-making") not in rights_in(facts)


def test_the_company_deleting_inactive_accounts_is_no_user_right(read_facts):
    assert not rights_in(read_facts("We may delete inactive accounts at any time."))


def test_a_user_right_beside_a_right_the_company_reserves_is_kept(read_facts):
    facts = read_facts("You can delete your account at any time; we reserve the right to keep backups.")
    assert rights_in(facts) == {concept_for("right", "erase")}


def test_complaints_referred_to_a_data_protection_authority_are_the_right_to_lodge_one(read_facts):
    facts = read_facts("Unresolved complaints may be referred to the data protection authority.")
    assert concept_for("right", "lodge a complaint") in rights_in(facts)


def test_a_negation_inside_a_relative_clause_does_not_negate_the_right_that_follows(read_facts):
    facts = read_facts("Complaints that we cannot resolve may be referred to the data protection authority.")
    assert concept_for("right", "lodge a complaint") in rights_in(facts)


def test_a_negated_main_clause_after_a_relative_clause_stays_negated(read_facts):
    facts = read_facts("Data which we do not need will not be shared with advertisers.", kind="Disclosure")
    assert values(facts, "Disclosure", "pk:modality") == {"pk:Prohibited"}


def test_opting_out_of_the_sharing_of_your_personal_information_is_the_right_to_object(read_facts):
    facts = read_facts("You may opt out of our sharing of your personal information with partners.")
    assert concept_for("right", "right to object") in rights_in(facts)


def test_opting_out_of_types_of_data_usage_is_the_right_to_object(read_facts):
    facts = read_facts("You will also be able to opt out of certain other types of data usage in your settings.")
    assert concept_for("right", "right to object") in rights_in(facts)


def test_opting_out_of_marketing_emails_alone_is_no_right_to_object(read_facts):
    facts = read_facts("You may opt out of receiving our marketing e-mails.")
    assert concept_for("right", "right to object") not in rights_in(facts)


def test_the_ccpa_opt_out_of_sale_is_no_right_to_object(read_facts):
    facts = read_facts("You have the right to opt out of the sale of your personal information.")
    assert concept_for("right", "right to object") not in rights_in(facts)


def test_a_complaint_made_to_the_company_is_no_complaint_to_an_authority(read_facts):
    facts = read_facts("If you wish to make a complaint, please contact us at privacy@example.com.")
    assert concept_for("right", "lodge a complaint") not in rights_in(facts)


def test_a_complaint_made_to_a_data_protection_authority_is_the_right_to_lodge_one(read_facts):
    facts = read_facts("You have the right to make a complaint to your data protection authority.")
    assert concept_for("right", "lodge a complaint") in rights_in(facts)


# ------------------------------------------------------------------ Do Not Track

def test_do_not_respond_to_dnt_is_not_honored(read_facts):
    assert values(read_facts("We do not respond to Do Not Track signals."),
                  "DoNotTrackStatement", "pk:stance") == {"not-honored"}


def test_honor_do_not_track_is_honored(read_facts):
    # the "not" inside the name "Do Not Track" must not read as a negation
    assert values(read_facts("We honor Do Not Track signals."), "DoNotTrackStatement", "pk:stance") == {"honored"}


def test_dnt_name_alone_is_mentioned(read_facts):
    assert values(read_facts("Some browsers offer a Do Not Track feature."),
                  "DoNotTrackStatement", "pk:stance") == {"mentioned"}


# ------------------------------------------------------------------ change notice

CHANGES = "Changes to this Privacy Policy\n\n"


def test_post_changes_on_this_page_is_posting(read_facts):
    facts = read_facts(CHANGES + "We will post changes to this policy on this page.")
    assert values(facts, "ChangeNoticeStatement", "pk:mechanism") == {"posting"}


def test_notify_you_by_email_is_direct_notice(read_facts):
    facts = read_facts(CHANGES + "If we make material changes to this policy, we will notify you by email.")
    assert values(facts, "ChangeNoticeStatement", "pk:mechanism") == {"direct"}


def test_30_days_before_they_take_effect_is_prior_notice(read_facts):
    facts = read_facts(CHANGES + "We will post any changes to this policy on this page at least 30 days before "
                                 "they take effect.")
    assert "prior" in values(facts, "ChangeNoticeStatement", "pk:mechanism")


def test_without_prior_notice_is_not_prior_notice(read_facts):
    facts = read_facts(CHANGES + "We may change this policy from time to time without prior notice.")
    assert "prior" not in values(facts, "ChangeNoticeStatement", "pk:mechanism")


# ------------------------------------------------------------------ consent by use

def test_by_using_you_agree_is_consent_by_use(read_facts):
    assert read_facts("By using our services, you agree to this policy.", kind="ConsentByUse")


def test_by_using_you_represent_your_age_is_not_consent_by_use(read_facts):
    assert not read_facts("By using the Site you represent that you are at least 16 years old.", kind="ConsentByUse")


# ------------------------------------------------------------------ GDPR Art. 13/14 information items

def items(facts) -> set[str]:
    return values(facts, "InformationStatement", "pk:about")


def test_data_collected_through_third_party_tools_discloses_a_source(read_facts):
    facts = read_facts("When the game crashes we gather diagnostic records through third-party tools on your tablet.")
    assert "pk:DataSource" in items(facts)


def test_a_partner_who_passes_your_details_to_us_discloses_a_source(read_facts):
    facts = read_facts("A third party you have authorised may pass your contact details on to us.")
    assert "pk:DataSource" in items(facts)


def test_third_parties_who_provide_services_to_us_disclose_no_source(read_facts):
    facts = read_facts("Third parties provide hosting services to us under contract.")
    assert "pk:DataSource" not in items(facts)


def test_optional_provision_of_data_discloses_whether_it_is_mandatory(read_facts):
    facts = read_facts("Giving us your birthday is optional.")
    assert "pk:MandatoryDisclosure" in items(facts)


def test_choosing_not_to_provide_data_with_its_consequence_discloses_whether_it_is_mandatory(read_facts):
    facts = read_facts("You can choose not to enter your phone number, but then reminders will not reach you.")
    assert "pk:MandatoryDisclosure" in items(facts)


def test_a_refusal_to_provide_data_discloses_whether_it_is_mandatory(read_facts):
    facts = read_facts("Any refusal to provide the booking details means the tour cannot be reserved.")
    assert "pk:MandatoryDisclosure" in items(facts)


def test_data_required_to_sign_up_discloses_whether_it_is_mandatory(read_facts):
    facts = read_facts("A valid phone number is required to sign up for a locker.")
    assert "pk:MandatoryDisclosure" in items(facts)


def test_what_you_must_provide_to_register_discloses_whether_it_is_mandatory(read_facts):
    facts = read_facts("To register for the league, you must provide your date of birth.")
    assert "pk:MandatoryDisclosure" in items(facts)


def test_processing_necessary_to_perform_the_contract_says_nothing_on_mandatory_provision(read_facts):
    facts = read_facts("This processing is necessary to perform the contract between you and us.")
    assert "pk:MandatoryDisclosure" not in items(facts)


def test_preferring_not_to_share_with_partners_is_an_opt_out_not_mandatory_provision(read_facts):
    facts = read_facts("If you prefer not to share your details with our sponsors, switch it off in Settings.")
    assert "pk:MandatoryDisclosure" not in items(facts)


def test_a_mandatory_law_says_nothing_about_mandatory_provision(read_facts):
    facts = read_facts("We keep invoices where mandatory legislation requires it.")
    assert "pk:MandatoryDisclosure" not in items(facts)


def test_consent_to_the_processing_discloses_the_legal_basis_but_names_no_art_6_basis(read_facts):
    facts = read_facts("By installing the widget you consent to the processing of your personal data as set out here.")
    assert "pk:LegalBasis" in items(facts)
    assert not [f for f in facts if f.kind == "LegalBasisStatement"]


def test_a_privacy_officers_mailbox_is_a_dpo_contact(read_facts):
    facts = read_facts("To remove your data, write to privacyofficer@tinyapps.example.")
    assert "pk:DPOContact" in items(facts)


def test_sharing_with_your_consent_gives_consent_as_the_ground(read_facts):
    facts = read_facts("We pass your address to the courier only with your consent.")
    assert "pk:LegalBasis" in items(facts)


def test_asking_for_consent_to_use_data_gives_consent_as_the_ground(read_facts):
    facts = read_facts("In some cases we may ask for your consent to use your location.")
    assert "pk:LegalBasis" in items(facts)


def test_asking_for_consent_before_profiling_gives_consent_as_the_ground(read_facts):
    facts = read_facts("We now ask your consent before we profile your listening history.")
    assert "pk:LegalBasis" in items(facts)


def test_asking_for_consent_to_a_change_of_the_policy_names_no_ground(read_facts):
    facts = read_facts("Depending on the change, we may seek your consent to the change by email.")
    assert "pk:LegalBasis" not in items(facts)


def test_sharing_never_done_without_consent_names_no_ground(read_facts):
    facts = read_facts("We never pass your address to anyone without your consent.")
    assert "pk:LegalBasis" not in items(facts)


def test_an_unsubscribe_link_partly_tells_of_objecting_to_marketing_and_withdrawing_consent(read_facts):
    facts = read_facts("Every newsletter has an unsubscribe link at the bottom.")
    assert {"pk:RightToObject", "pk:RightToWithdrawConsent"} <= items(facts)
    assert not [f for f in facts if f.kind == "RightStatement"]   # not the general right of Art. 21


def test_choosing_not_to_receive_promotional_emails_partly_tells_of_the_right_to_object(read_facts):
    facts = read_facts("You may choose not to receive promotional e-mails from the club.")
    assert "pk:RightToObject" in items(facts)


def test_data_kept_only_on_the_users_device_is_a_statement_on_retention(read_facts):
    facts = read_facts("The notes you write are data that stays only on your device and never reaches us.")
    assert "pk:RetentionPeriod" in items(facts)


def test_cookies_stored_on_your_device_say_nothing_on_retention(read_facts):
    facts = read_facts("A cookie is a small piece of data that is stored on your computer or mobile device.")
    assert "pk:RetentionPeriod" not in items(facts)


def test_a_contact_page_address_is_a_way_to_contact_the_company(read_facts):
    facts = read_facts("You can reach the studio by visiting this page on our website: https://studio.example/help")
    assert "pk:ControllerContact" in items(facts)


# ------------------------------------------------------------------ cross-border transfers

TRANSFER = "Your personal data may be transferred to the United States."


def test_transfer_to_the_united_states_is_a_cross_border_transfer_without_safeguard(read_facts):
    facts = read_facts(TRANSFER, kind="CrossBorderTransfer")
    assert facts
    assert not values(facts, "CrossBorderTransfer", "pk:hasTransferSafeguard")


def test_servers_operating_from_another_country_are_a_cross_border_transfer(read_facts):
    facts = read_facts("The game is run by a Danish firm, with most of its servers operating from Canada.",
                       kind="CrossBorderTransfer")
    assert facts


def test_a_transfer_to_places_with_different_data_protection_laws_is_a_cross_border_transfer(read_facts):
    assert read_facts("Your records may be transferred to places with different data protection laws.",
                      kind="CrossBorderTransfer")


def test_a_transfer_outside_europe_is_a_cross_border_transfer(read_facts):
    assert read_facts("Order details will be transferred outside of Europe.", kind="CrossBorderTransfer")


def test_data_stored_within_the_european_union_is_no_cross_border_transfer(read_facts):
    assert not read_facts("The Data shall be stored on servers located within the European Union.",
                          kind="CrossBorderTransfer")


def test_a_transfer_to_jurisdictions_is_a_cross_border_transfer(read_facts):
    assert read_facts("We may transfer your personal information to, or access it in, jurisdictions where our "
                      "suppliers work.", kind="CrossBorderTransfer")


def test_places_that_may_not_provide_equivalent_protection_are_a_cross_border_transfer(read_facts):
    assert read_facts("Your data may be processed in places that may not provide equivalent levels of data protection.",
                      kind="CrossBorderTransfer")


def test_a_provider_located_in_another_country_is_a_cross_border_transfer(read_facts):
    assert read_facts("We use a cloud provider located in the USA to send you emails.", kind="CrossBorderTransfer")


def test_users_located_in_a_country_are_no_cross_border_transfer(read_facts):
    assert not read_facts("These events are designed for users located in the USA.", kind="CrossBorderTransfer")


def test_a_company_based_in_a_country_is_no_cross_border_transfer(read_facts):
    assert not read_facts("We are a small studio based in the United States.", kind="CrossBorderTransfer")


def test_transfer_under_standard_contractual_clauses_carries_the_safeguard(read_facts):
    vocabulary_file("transfer-safeguards.ttl")
    scc = concept_for("transfer-safeguard", "Standard Contractual Clauses")
    facts = read_facts("Your personal data may be transferred to the United States under the Standard Contractual "
                       "Clauses approved by the European Commission.", kind="CrossBorderTransfer")
    assert scc in values(facts, "CrossBorderTransfer", "pk:hasTransferSafeguard")


def test_a_mechanism_named_in_another_sentence_still_safeguards_the_transfer(read_facts):
    scc = concept_for("transfer-safeguard", "Standard Contractual Clauses")
    facts = read_facts("Your personal data may be transferred to the United States. This will take the form of "
                       "standard contract clauses approved by the European Commission.", kind="CrossBorderTransfer")
    assert scc in values(facts, "CrossBorderTransfer", "pk:hasTransferSafeguard")


def test_a_country_without_an_adequacy_decision_is_no_safeguard(read_facts):
    facts = read_facts("Your personal data may be transferred to countries without an adequacy decision.",
                       kind="CrossBorderTransfer")
    assert facts
    assert not values(facts, "CrossBorderTransfer", "pk:hasTransferSafeguard")


def test_information_about_your_use_of_the_service_is_usage_data(read_facts):
    facts = read_facts("We collect information about your use of the app and your company details.")
    assert {"pd:ServiceConsumptionBehaviour", "pd:CurrentEmployment"} <= values(facts, "Collection", "dpv:hasPersonalData")


def test_for_the_performance_of_a_contract_is_the_contract_basis(read_facts):
    facts = read_facts("We use your address for the performance of a contract with the courier you chose.")
    assert "eu-gdpr:A6-1-b" in values(facts, "LegalBasisStatement", "dpv:hasLegalBasis")


def test_legal_obligation_inside_a_legitimate_interest_description_is_no_basis(read_facts):
    facts = read_facts("We rely on our legitimate interest in complying with our legal obligations abroad.")
    assert "eu-gdpr:A6-1-c" not in values(facts, "LegalBasisStatement", "dpv:hasLegalBasis")


def test_legal_obligation_coordinated_after_a_legitimate_interest_is_a_basis(read_facts):
    facts = read_facts("We process this data for the legitimate interests of making sure users do not abuse the "
                       "service, and to comply with our legal obligations.")
    assert "eu-gdpr:A6-1-c" in values(facts, "LegalBasisStatement", "dpv:hasLegalBasis")


def test_items_under_a_lead_that_names_a_basis_are_what_the_basis_covers(read_facts):
    facts = read_facts("Tinyshop uses the information we collect for our legitimate interests, which include the "
                       "following:\n\n- Comply with Law. To comply with legal obligations and for administration.\n",
                       name="policy.md")
    assert values(facts, "LegalBasisStatement", "dpv:hasLegalBasis") == {"eu-gdpr:A6-1-f"}


def test_items_under_a_lead_that_names_no_basis_are_bases(read_facts):
    facts = read_facts("We rely on the following grounds:\n\n- to comply with our legal obligations;\n"
                       "- for the performance of a contract with you.\n", name="policy.md")
    assert {"eu-gdpr:A6-1-c", "eu-gdpr:A6-1-b"} <= values(facts, "LegalBasisStatement", "dpv:hasLegalBasis")


def test_the_gdpr_wording_of_legitimate_interests_describes_no_interest(read_facts):
    assert "pk:LegitimateInterests" not in items(read_facts(
        "We process data for our legitimate interests, provided they are not overridden by your rights."))
    assert "pk:LegitimateInterests" in items(read_facts("We process data for our legitimate interests in preventing fraud."))


def test_security_alerts_sent_to_users_are_not_a_security_measure(read_facts):
    facts = read_facts("We use your information to send you service announcements and security alerts.")
    assert not values(facts, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")


def test_industry_standard_as_an_adjective_is_not_a_standard_but_industry_standards_are(read_facts):
    vague = read_facts("We protect your data with industry-standard safeguards.")
    assert "dpv:Standard" not in values(vague, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")
    named = read_facts("We follow industry standards to protect your data.")
    assert "dpv:Standard" in values(named, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")


def test_a_data_protection_rights_heading_is_not_a_security_section(read_facts):
    facts = read_facts("# Your data protection rights\n\n- Erasure: ask us to delete your personal data.\n", name="p.md")
    assert not values(facts, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")
    facts = read_facts("# How we protect your data\n\n- Erasure of old backups.\n", name="p.md")
    assert values(facts, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")


def test_deletion_at_the_end_of_the_retention_period_is_retention_not_a_measure(read_facts):
    facts = read_facts("# Retention\n\nWhen the retention period ends, we securely delete or anonymise your data.\n", name="p.md")
    assert not values(facts, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")
    assert any(f.kind == "Retention" for f in facts)
    facts = read_facts("# Security\n\nWe securely delete old backups and anonymise analytics data.\n", name="p.md")
    assert values(facts, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")


def test_the_name_of_a_security_policy_document_is_not_a_measure(read_facts):
    facts = read_facts("The Privacy & Security Policy exists to explain how we protect your data.")
    assert not values(facts, "MeasureStatement", "dpv:hasTechnicalOrganisationalMeasure")



# ------------------------------------------------------------------ what the reading layer lends the rules

@pytest.mark.parametrize("text", [
    "Some browsers send Do Not Track signals; we take no action in response to them.",
    "We have no way to respond to Do Not Track signals at this time.",
])
def test_dnt_lexical_negation_of_a_response_is_not_honored(read_facts, text):
    assert values(read_facts(text), "DoNotTrackStatement", "pk:stance") == {"not-honored"}


def test_dnt_stance_inside_an_indirect_question_states_nothing(read_facts):
    assert values(read_facts("California law requires us to disclose how we respond to Do Not Track signals."),
                  "DoNotTrackStatement", "pk:stance") == {"mentioned"}


def test_a_third_party_that_sells_is_no_sale_by_the_company(read_facts):
    assert modalities(read_facts("We work with resellers and other partners who sell our products to you."), "Sale") == set()
    assert modalities(read_facts("Third parties do not sell personal information we give them."), "Sale") == set()


def test_a_sale_of_aggregated_data_is_no_sale_of_personal_data(read_facts):
    assert modalities(read_facts("We may sell aggregated statistics about the use of our service."), "Sale") == set()


def test_sharing_aggregated_data_discloses_no_personal_data(read_facts):
    assert not read_facts("We may share aggregated information with advertisers.", kind="Disclosure")
    assert read_facts("We may share your email address with advertisers.", kind="Disclosure")


def test_another_party_s_sharing_is_not_the_company_s_disclosure(read_facts):
    assert not read_facts("Advertisers may share information with their own partners.", kind="Disclosure")
    assert read_facts("We share information with third parties who provide services on our behalf.", kind="Disclosure")


def test_a_safeguard_the_policy_does_not_rely_on_is_none(read_facts):
    facts = read_facts("We transfer personal data to the United States. We do not rely on the EU-U.S. Privacy Shield.",
                       kind="CrossBorderTransfer")
    assert facts and not any(f.get("pk:hasTransferSafeguard") for f in facts)



@pytest.mark.parametrize("text", [
    "Click the Do Not Sell My Personal Information link in the footer of our site.",
    "You may submit a request through our Do Not Sell My Info page.",
])
def test_the_name_of_an_opt_out_link_is_no_sale_and_no_denial(read_facts, text):
    assert modalities(read_facts(text), "Sale") == set()


def test_a_merger_on_which_no_data_moves_is_no_transfer(read_facts):
    facts = read_facts("As no personal data is stored, if Acme is acquired, no personal data will be transferred.",
                       kind="Disclosure")
    assert not [f for f in facts if "pk:Permitted" in f.get("pk:modality") and f.get("pk:hasCondition")]


def test_an_exception_that_collects_lifts_the_denial_of_collection(read_facts):
    facts = read_facts("We do not collect your phone number, except our crash reporter collects the model of your device.",
                       kind="Collection")
    assert facts
    assert not read_facts("We do not collect your phone number.", kind="Collection")


@pytest.mark.parametrize("text", [
    "We will not sell your personal information (except as may relate to a corporate event such as a merger).",
    "If we are acquired by another company, your personal data may be among the assets transferred.",
])
def test_a_merger_that_moves_data(read_facts, text):
    facts = read_facts(text, kind="Disclosure")
    assert [f for f in facts if f.get("pk:hasCondition")]


def test_data_that_will_not_be_merged_is_no_merger(read_facts):
    facts = read_facts("The IP address sent by the analytics tool will not be merged with other data.", kind="Disclosure")
    assert not [f for f in facts if f.get("pk:hasCondition")]


def test_a_sale_object_is_looked_for_in_the_sale_words_clause(read_facts):
    assert not read_facts("We sell gift cards; personal information you give us stays with us.", kind="Sale")
    facts = read_facts("We may sell, if the law allows it, your personal information to partners.", kind="Sale")
    assert not facts     # the "if" clause ends the sale word's clause before its object


def test_a_sale_denied_after_the_fact(read_facts):
    facts = read_facts("Some companies sell your personal information, but we will never do that.", kind="Sale")
    assert modalities(facts, "Sale") == {"pk:Prohibited"}


def test_a_sale_named_by_a_right_is_no_sale(read_facts):
    assert not read_facts("You have the right to opt out of the sale of your personal information.", kind="Sale")
