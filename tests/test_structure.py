"""Structure: headings, list items with their lead-in, table rows, inline markup, sentence offsets."""
from __future__ import annotations

from pathlib import Path
import pytest

from conftest import EXAMPLES
from policykg.ingest.pipeline import find_files, read_document
from policykg.ingest.structure import strip_inline

MARKDOWN = """Tiny App Privacy
================

Intro paragraph here. It has two sentences.

## Information we collect

### From you

We collect:

- your e-mail address;
- your [device model](https://tiny.example/devices) and OS.

Data kept
---------

| Data | Period |
|---|---|
| Orders | 7 years |

Questions? [contact us](mailto:privacy@tiny.example) or see [our FAQ](https://tiny.example/faq).
"""

PLAIN = """TINY APP PRIVACY NOTICE

Who we are

Tiny App Ltd runs this app. We are based in Leeds.

2. Information we collect

We collect your e-mail address.
We also collect crash reports.
"""


@pytest.fixture()
def md_doc(write_policy):
    return read_document(write_policy(MARKDOWN, name="tiny.md"))


@pytest.fixture()
def txt_doc(write_policy):
    return read_document(write_policy(PLAIN, name="tiny.txt"))


def text_of(doc, block) -> str:
    return doc.text[block.start:block.end]


def block_with(doc, kind: str, text: str):
    found = [b for b in doc.blocks if b.kind == kind and text_of(doc, b) == text]
    assert found, f"no {kind} block {text!r}; blocks: {[(b.kind, text_of(doc, b)) for b in doc.blocks]}"
    return found[0]


def test_atx_heading_is_a_heading_with_its_level(md_doc):
    assert block_with(md_doc, "heading", "Information we collect").level == 2


def test_setext_headings_are_headings(md_doc):
    assert block_with(md_doc, "heading", "Tiny App Privacy").level == 1
    assert block_with(md_doc, "heading", "Data kept").level == 2


def test_heading_path_lists_the_enclosing_headings_outermost_first(md_doc):
    item = block_with(md_doc, "item", "your e-mail address;")
    assert item.headings == ("Tiny App Privacy", "Information we collect", "From you")


def test_a_setext_heading_closes_the_deeper_sections(md_doc):
    row = block_with(md_doc, "row", "Orders; 7 years")
    assert row.headings == ("Tiny App Privacy", "Data kept")


def test_bullets_are_items_carrying_their_lead_in_sentence(md_doc):
    items = [b for b in md_doc.blocks if b.kind == "item"]
    assert len(items) == 2
    assert {b.lead for b in items} == {"We collect:"}


def test_table_rows_are_rows_with_cells_joined(md_doc):
    assert block_with(md_doc, "row", "Orders; 7 years")
    assert not [b for b in md_doc.blocks if "---" in text_of(md_doc, b)]   # the rule line is no block


def test_links_are_reduced_to_their_text(md_doc):
    assert block_with(md_doc, "item", "your device model and OS.")
    assert "https://tiny.example/devices" not in md_doc.text


def test_mailto_link_keeps_the_address(md_doc):
    assert "contact us (privacy@tiny.example)" in md_doc.text


def test_a_link_to_a_contact_page_keeps_its_address():
    text, _ = strip_inline("Please write to [Customer Care](https://shop.example/help/contact-us) with questions.")
    assert text == "Please write to Customer Care (https://shop.example/help/contact-us) with questions."


def test_a_percent_encoded_mailto_address_is_decoded():
    text, _ = strip_inline("Write to [our team](mailto:support%2Bprivacy@tiny.example).")
    assert text == "Write to our team (support+privacy@tiny.example)."


def test_a_company_whose_domain_says_contact_is_no_contact_page():
    text, _ = strip_inline("Read [our blog](https://www.fullcontact.example/blog/).")
    assert text == "Read our blog."


def test_plain_text_short_line_before_a_blank_line_is_a_heading(txt_doc):
    assert block_with(txt_doc, "heading", "Who we are")
    paragraph = block_with(txt_doc, "paragraph", "Tiny App Ltd runs this app. We are based in Leeds.")
    assert paragraph.headings[-1] == "Who we are"


def test_plain_text_numbered_heading_loses_its_number(txt_doc):
    block_with(txt_doc, "heading", "Information we collect")
    assert "2. Information" not in txt_doc.text


def test_plain_text_lines_of_one_paragraph_are_joined(txt_doc):
    assert block_with(txt_doc, "paragraph", "We collect your e-mail address. We also collect crash reports.")


DENSE = """Tiny App Privacy Policy
Last updated: 1 May 2024
1. Who we are
Tiny App Ltd runs this app. We are based in Leeds.
We answer questions at privacy@tiny.example.
2. Information we collect
We collect the following:
Account data
- Your e-mail address
- Your password
Device data
- Crash reports
3. How we use it
1. To run the app
2. To fix crashes
"""


@pytest.fixture()
def dense_doc(write_policy):
    return read_document(write_policy(DENSE, name="dense.txt"))


def test_dense_plain_text_finds_numbered_headings_without_blank_lines(dense_doc):
    assert block_with(dense_doc, "heading", "Who we are")
    assert block_with(dense_doc, "heading", "Information we collect")
    # each line of text without blank lines is its own paragraph
    assert block_with(dense_doc, "paragraph", "We answer questions at privacy@tiny.example.")


def test_a_last_updated_line_is_not_a_heading(dense_doc):
    assert block_with(dense_doc, "paragraph", "Last updated: 1 May 2024")


def test_dense_plain_text_subheading_nests_under_the_numbered_section(dense_doc):
    item = block_with(dense_doc, "item", "Crash reports")
    assert item.headings[-2:] == ("Information we collect", "Device data")


def test_dense_plain_text_numbered_list_stays_a_list(dense_doc):
    assert block_with(dense_doc, "item", "To run the app").headings[-1] == "How we use it"
    assert block_with(dense_doc, "item", "To fix crashes")


def test_paragraph_is_split_into_sentences(md_doc):
    texts = [s.text for s in md_doc.sentences]
    assert "Intro paragraph here." in texts and "It has two sentences." in texts


def test_blocks_record_their_source_line(md_doc):
    assert block_with(md_doc, "heading", "Information we collect").line == 6


@pytest.mark.parametrize("path", list(find_files([EXAMPLES])), ids=lambda p: p.name)
def test_sentence_offsets_point_at_the_sentence_text_in_every_example(path):
    doc = read_document(path)
    assert doc.sentences
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
        assert s.block.start <= s.start <= s.end <= s.block.end


def test_a_menu_of_mailto_links_is_navigation_not_text():
    from policykg.ingest.readers import Source
    from policykg.ingest.structure import build_document

    markup = ("* [Support](mailto:support@tiny.example)\n* [Contact Us](mailto:hello@tiny.example)\n\n"
              "Questions about this policy? Write to [our privacy team](mailto:privacy@tiny.example).\n")
    doc = build_document("tiny", Source(Path("tiny.md"), "markdown", markup, "0" * 64))
    assert "support@tiny.example" not in doc.text
    assert "privacy@tiny.example" in doc.text


# ------------------------------------------------------------------ large inputs

LONG_SENTENCES = ["We collect your e-mail address when you sign up.", "See Sec. 4.2 of the terms for details.",
                  "Dr. Smith at Acme Inc. is our data protection officer.", "We keep logs for 30 days, then delete them!",
                  "Do you have questions?", "This sentence is long and has no end " * 40 + "until here."]


def test_a_long_block_splits_into_the_same_sentences_window_by_window(monkeypatch):
    import random

    from policykg.ingest import structure

    rng = random.Random(5)
    text = " ".join(rng.choice(LONG_SENTENCES) for _ in range(400))
    whole = structure.split_sentences(text)
    assert len(whole) > 300
    for window in (400, 1000, 1600, 4000):       # shorter than the long sentence, and longer
        monkeypatch.setattr(structure, "SPLIT_WINDOW", window)
        assert structure.split_sentences(text) == whole, window


def test_a_huge_line_goes_to_blingfire_in_bounded_windows(monkeypatch):
    import blingfire

    from policykg.ingest import structure

    sizes: list[int] = []
    real = blingfire.text_to_sentences
    monkeypatch.setattr(blingfire, "text_to_sentences", lambda text: sizes.append(len(text)) or real(text))
    text = " ".join(LONG_SENTENCES * 2000)            # about 700 KB on one line
    spans = structure.split_sentences(text)
    assert max(sizes) <= structure.SPLIT_WINDOW
    monkeypatch.setattr(structure, "SPLIT_WINDOW", len(text))
    assert spans == structure.split_sentences(text)


def test_blocks_under_one_heading_share_its_headings_tuple(write_policy):
    doc = read_document(write_policy("# A\n\n## B\n\nWe collect data.\n\n- one\n- two\n\nMore text.\n", name="share.md"))
    under_b = [b for b in doc.blocks if b.kind != "heading"]
    assert {b.headings for b in under_b} == {("A", "B")}
    assert all(b.headings is under_b[0].headings for b in under_b)


@pytest.mark.parametrize("line", ["[a " * 100_000, "**a " * 100_000, "__a " * 100_000, "![a](b(c " * 50_000,
                                  "[a](x(yy " * 50_000, "# a" + " " * 300_000 + "b", "| a" + " " * 300_000 + "x |"],
                         ids=["brackets", "strong", "underscores", "images", "urls", "atx-spaces", "row-spaces"])
def test_pathological_long_lines_take_linear_time(write_policy, line):
    # each took minutes to hours before (a pattern rescanned the rest of the line from each "[" or "**")
    import time

    start = time.perf_counter()
    doc = read_document(write_policy("We collect data.\n\n" + line + "\n", name="long-line.md"))
    assert doc.sentences and time.perf_counter() - start < 20


def test_strong_emphasis_on_long_and_short_lines_reads_the_same():
    short = "We keep **your e-mail address** and __your name__ for *two* years."
    assert strip_inline(short)[0] == "We keep your e-mail address and your name for two years."
    assert strip_inline(" ".join([short] * 30))[0] == " ".join([strip_inline(short)[0]] * 30)
