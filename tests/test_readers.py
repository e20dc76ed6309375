"""Readers: bytes of one file in, repaired text out, or an InputError that names the file."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA, EXAMPLES
from policykg.errors import InputError
from policykg.ingest.readers import decode_text, read_source, repair_mojibake


def words(text: str) -> str:
    return " ".join(text.split())


def mojibake_cp874(text: str) -> str:
    """What a reader that took UTF-8 for Thai cp874 shows: each byte decoded on its own as cp874, bytes
    cp874 lacks taken from cp1252, bytes neither defines dropped (see ingest/readers.py)."""
    out = []
    for byte in text.encode("utf-8"):
        for codec in ("cp874", "cp1252"):
            try:
                out.append(bytes([byte]).decode(codec))
                break
            except UnicodeDecodeError:
                continue
    return "".join(out)


# ------------------------------------------------------------------ encodings

def test_utf8_file_is_read_unchanged(write_policy):
    text = "Privacy\n\nWe keep your café loyalty card number — and nothing else.\n"
    source = read_source(write_policy(text))
    assert source.text == text
    assert source.repairs == ()


def test_cp1252_file_is_decoded_via_charset_detection(write_policy):
    text = ("Politique de confidentialité\n\nNous collectons votre adresse e-mail et votre numéro de téléphone "
            "afin de gérer votre compte. Vos données sont conservées pendant deux années après la clôture du compte. "
            "Vous pouvez exercer vos droits d\u2019accès, de rectification et d\u2019effacement à tout moment. "
            "Les paiements de plus de 50 € sont vérifiés par notre prestataire.\n")
    source = read_source(write_policy(text.encode("cp1252")))
    assert source.text == text
    assert any(r.startswith("decoded as") for r in source.repairs)


def test_ftfy_repairs_the_cafe_verde_mojibake_to_the_clean_text():
    source = read_source(EXAMPLES / "mojibake" / "cafe-verde.txt")
    expected = (DATA / "cafe-verde.expected.txt").read_text(encoding="utf-8")
    assert words(source.text) == words(expected)
    assert "mojibake repaired" in source.repairs


def test_utf8_emoji_read_as_cp874_is_restored():
    clean = "\U0001f6e1\ufe0f Security: we protect your data with encryption."
    broken = mojibake_cp874(clean)
    assert broken != clean and "\u0e50" in broken          # really broken: starts with Thai digit zero
    assert repair_mojibake(broken) == clean


def test_cp874_mojibake_inside_latin_text_is_restored():
    clean = "Caf\u00e9 \U0001f512 Your data is safe \u2014 always."
    assert repair_mojibake(mojibake_cp874(clean)) == clean


def test_genuine_thai_text_is_left_untouched():
    thai = "\u0e19\u0e42\u0e22\u0e1a\u0e32\u0e22\u0e04\u0e27\u0e32\u0e21\u0e40\u0e1b\u0e47\u0e19\u0e2a\u0e48\u0e27\u0e19\u0e15\u0e31\u0e27 (privacy policy)"
    assert repair_mojibake(thai) == thai
    assert decode_text(thai.encode("utf-8")) == (thai, [])


# ------------------------------------------------------------------ bad files

def test_empty_file_is_an_input_error_naming_the_file(write_policy):
    path = write_policy("  \n", name="blank.txt")
    with pytest.raises(InputError, match="blank.txt.*empty"):
        read_source(path)


def test_binary_file_is_an_input_error_naming_the_file(write_policy):
    path = write_policy(b"We collect\x00\x01\x02 data" * 10, name="blob.txt")
    with pytest.raises(InputError, match="blob.txt.*binary") as info:
        read_source(path)
    assert info.value.path == path


def test_unsupported_suffix_is_an_input_error_listing_the_supported_ones(write_policy):
    path = write_policy("We collect your e-mail address.", name="policy.docx")
    with pytest.raises(InputError, match=r"policy.docx.*\.docx.*\.md"):
        read_source(path)


# ------------------------------------------------------------------ HTML

PAGE = """<!DOCTYPE html>
<html><head><title>Privacy Policy - Tiny Shop</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/shop">Shop all products</a></li><li><a href="/cart">Cart</a></li></ul></nav>
<main><article>
<h1>Privacy Policy</h1>
<h2>Information we collect</h2>
<p>We collect your name, shipping address and e-mail address when you place an order with Tiny Shop.
We use this information to deliver your order and to answer your questions about it.</p>
<h2>Retention</h2>
<p>We keep order records for seven years because tax law requires it, and then we delete them.</p>
</article></main>
<footer><ul><li><a href="/careers">Careers at Tiny Shop</a></li><li><a href="/press">Press kit</a></li></ul>
<p>Subscribe to our newsletter for weekly deals</p></footer>
</body></html>
"""


def test_html_keeps_the_main_text_and_drops_navigation_and_footer(write_policy):
    source = read_source(write_policy(PAGE, name="tiny-shop.html"))
    assert "We collect your name, shipping address and e-mail address" in words(source.text)
    assert "seven years" in source.text
    for noise in ("Shop all products", "Careers at Tiny Shop", "Press kit", "weekly deals"):
        assert noise not in source.text, noise


def test_html_headings_become_markdown_headings(write_policy):
    source = read_source(write_policy(PAGE, name="tiny-shop.html"))
    assert any(line.lstrip("#").strip() == "Information we collect" and line.startswith("#")
               for line in source.text.splitlines())


def test_html_mailto_link_keeps_the_address_its_words_hide(write_policy):
    page = PAGE.replace("<h2>Retention</h2>", "<p>Questions? <a href=\"mailto:privacy@tiny.example\">Write to our "
                        "privacy team</a> any time.</p>\n<h2>Retention</h2>")
    source = read_source(write_policy(page, name="tiny-shop.html"))
    assert "privacy@tiny.example" in source.text


# ------------------------------------------------------------------ PDF

def make_pdf(path: Path, blocks: list[tuple[str, str]]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for kind, text in blocks:
        pdf.set_font("Helvetica", "B" if kind == "heading" else "", 13 if kind == "heading" else 10)
        pdf.multi_cell(0, 5, text)
        pdf.ln(3)
    pdf.output(str(path))
    return path


LONG_SENTENCE = ("We keep the raw GPS points of your outdoor workouts for twelve months and then delete them, "
                 "unless you ask us to delete them earlier from the privacy settings of the app on your phone.")


def test_pdf_sentences_wrapped_over_lines_are_rejoined(tmp_path):
    pytest.importorskip("fpdf", reason="fpdf2 (the dev extra) makes the test PDF")
    path = make_pdf(tmp_path / "tiny.pdf", [("heading", "How long we keep data"), ("para", LONG_SENTENCE)])
    source = read_source(path)
    assert source.format == "pdf"
    assert LONG_SENTENCE in source.text                        # one line again, not broken mid-sentence
    assert "How long we keep data" in source.text.split("\n")  # the heading stays a line of its own


def test_example_pdf_text_matches_its_source_text():
    source = read_source(EXAMPLES / "orbit-fitness.pdf")
    original = (DATA / "orbit-fitness.txt").read_text(encoding="utf-8")
    sentence = ("You must provide your name, e-mail address and date of birth to register. Without this information "
                "we cannot create your account or provide the app to you.")
    assert sentence in original
    assert sentence in source.text
    assert "2. Information we collect" in source.text.split("\n")


# ------------------------------------------------------------------ Markdown front matter

def test_markdown_front_matter_gives_title_and_date_and_is_not_text(write_policy):
    path = write_policy("---\ntitle: Tiny App Privacy Policy\ndate: 2024-03-01\n---\n\n# Privacy\n\n"
                        "We collect your e-mail address.\n", name="tiny.md")
    source = read_source(path)
    assert source.title == "Tiny App Privacy Policy"
    assert source.date == "2024-03-01"
    assert "title:" not in source.text and source.text.lstrip().startswith("# Privacy")


def test_yaml_alias_bomb_in_front_matter_is_not_expanded_and_the_body_is_read(write_policy):
    # "billion laughs": nine levels of nine aliases each would make 9**9 strings of the title
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = write_policy("---\n" + "\n".join(lines) + "\ntitle: *i\n---\n\n# Privacy\n\nWe collect your e-mail address.\n",
                        name="laughs.md")
    source = read_source(path)
    assert source.title is None
    assert source.text.startswith("# Privacy") and "lol" not in source.text
    assert any("aliases" in r for r in source.repairs)


def test_front_matter_over_the_size_limit_is_not_parsed(write_policy):
    from policykg.ingest.readers import FRONT_MATTER_MAX_BYTES

    filler = "".join(f"key{i}: value {i}\n" for i in range(FRONT_MATTER_MAX_BYTES // 10))
    source = read_source(write_policy("---\ntitle: Big\n" + filler + "---\n\nWe collect your e-mail address.\n",
                                      name="big-header.md"))
    assert source.text == "We collect your e-mail address." and source.title is None
    assert any("front matter ignored (over" in r for r in source.repairs)


def test_deeply_nested_front_matter_is_dropped_not_a_crash(write_policy):
    source = read_source(write_policy("---\ntitle: " + "[" * 3000 + "]" * 3000 + "\n---\n\nWe collect data.\n",
                                      name="nested-header.md"))
    assert source.text == "We collect data."


# ------------------------------------------------------------------ encodings without a byte-order mark, NUL bytes

SHORT_POLICY = "Privacy Policy\n\nWe collect your e-mail address and keep it for two years. Café Verde.\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_bom_are_decoded_from_their_nul_pattern(write_policy, codec):
    source = read_source(write_policy(SHORT_POLICY.encode(codec), name=f"{codec}.txt"))
    assert source.text == SHORT_POLICY
    assert f"decoded as {codec.upper()} (no byte-order mark)" in source.repairs


@pytest.mark.parametrize("codec", ["utf-32", "utf-16"])
def test_utf32_and_utf16_with_bom_are_decoded(write_policy, codec):
    assert read_source(write_policy(SHORT_POLICY.encode(codec), name="bom.txt")).text == SHORT_POLICY


def test_a_stray_nul_byte_in_clean_text_is_dropped(write_policy):
    data = SHORT_POLICY.encode() * 20 + b"\x00" + SHORT_POLICY.encode() * 20
    source = read_source(write_policy(data, name="stray-nul.txt"))
    assert "\x00" not in source.text and "1 NUL byte removed" in source.repairs


# ------------------------------------------------------------------ HTML that trafilatura cannot read

def test_deeply_nested_html_falls_back_to_all_of_its_text(write_policy):
    # lxml stops at 256 levels, so trafilatura finds no text in 10,000 nested divs
    page = ("<html><body>" + "<div>" * 10_000 + "<h2>What we collect</h2><p>We collect your e-mail address to "
            "send you receipts.</p><ul><li>your name</li><li>your e-mail address</li></ul>" + "</div>" * 10_000
            + "</body></html>")
    source = read_source(write_policy(page, name="nested.html"))
    assert "## What we collect" in source.text.split("\n")
    assert "We collect your e-mail address to send you receipts." in source.text
    assert "- your name" in source.text.split("\n")
    assert any("all of the page's text" in r for r in source.repairs)


def test_html_fallback_drops_scripts_and_styles():
    from policykg.ingest.readers import html_to_text

    text = html_to_text("<p>We collect data.</p><script>var x = 1;</script><style>p {}</style><p>A &amp; B</p>")
    assert text == "We collect data.\n\nA & B"


# ------------------------------------------------------------------ PDFs: encryption, decompression bombs

def pypdf_page_pdf(text: str, encrypt: dict | None = None, contents: bytes | None = None) -> bytes:
    """A one-page PDF made by pypdf's writer, with ``text`` in Helvetica (or ``contents`` as a
    FlateDecode content stream), encrypted with ``PdfWriter.encrypt(**encrypt)`` if given."""
    import io
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    if contents is None:
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
    else:
        stream = StreamObject()
        stream._data = zlib.compress(contents, 9)
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    if encrypt:
        writer.encrypt(**encrypt)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pypdf_page_pdf_is_read(write_policy):
    assert read_source(write_policy(pypdf_page_pdf("We collect your e-mail address."), name="plain.pdf")).text \
        == "We collect your e-mail address."


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256", "RC4-128"])
def test_encrypted_pdf_without_a_user_password_is_read(write_policy, algorithm):
    pytest.importorskip("cryptography", reason="pypdf decrypts AES with the cryptography package")
    data = pypdf_page_pdf("We collect your e-mail address.",
                          encrypt={"user_password": "", "owner_password": "owner", "algorithm": algorithm})
    assert read_source(write_policy(data, name="owner-only.pdf")).text == "We collect your e-mail address."


def test_pdf_that_needs_a_password_is_an_input_error(write_policy):
    data = pypdf_page_pdf("We collect your e-mail address.",
                          encrypt={"user_password": "secret", "owner_password": "owner", "algorithm": "AES-256"})
    path = write_policy(data, name="locked.pdf")
    with pytest.raises(InputError, match=r"locked\.pdf: is encrypted \(password required\)"):
        read_source(path)


def test_pdf_decompression_bomb_is_an_input_error(write_policy):
    # 80 MB of zero bytes compress to about 78 KB; pypdf stops at 75 MB with LimitReachedError
    path = write_policy(pypdf_page_pdf("", contents=b"\0" * 80_000_000), name="bomb.pdf")
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match=r"bomb\.pdf: exceeds the decompression limit"):
        read_source(path)


def test_truncated_pdf_is_an_input_error(write_policy):
    data = pypdf_page_pdf("We collect your e-mail address.")
    with pytest.raises(InputError, match=r"cut\.pdf: is not a readable PDF"):
        read_source(write_policy(data[:len(data) // 2], name="cut.pdf"))


# ------------------------------------------------------------------ the size limit

def test_text_over_max_bytes_is_an_input_error(write_policy):
    path = write_policy("We collect your e-mail address. " * 100, name="long.txt")
    assert read_source(path, max_bytes=10_000).text
    with pytest.raises(InputError, match=r"long\.txt: has 3\.2 KB of text, more than the limit of 1 KB \(--max-bytes\)"):
        read_source(path, max_bytes=1_000)


def test_file_over_eight_times_max_bytes_is_refused_unread(write_policy):
    path = write_policy("<html><body>" + "<p></p>" * 2000 + "<p>We collect data.</p></body></html>", name="page.html")
    with pytest.raises(InputError, match=r"page\.html: is 14 KB, larger than the 8 KB a file may be"):
        read_source(path, max_bytes=1_000)


def test_a_page_over_the_extraction_limit_is_read_by_the_plain_parser(write_policy, monkeypatch):
    from policykg.ingest import readers

    monkeypatch.setattr(readers, "HTML_EXTRACT_MAX", 100)
    source = read_source(write_policy(PAGE, name="big-page.html"))
    assert "We keep order records for seven years" in words(source.text)
    assert any("all of its text kept" in r for r in source.repairs)


def test_html_whose_metadata_makes_htmldate_assert_is_still_read(write_policy):
    # found by scripts/fuzz_ingest.py: lxml's drop_tree asserts on this tree inside htmldate
    source = read_source(write_policy("<label><meta><m>We collect your e-mail address to send you receipts.",
                                      name="odd.html"))
    assert "We collect your e-mail address" in source.text


def test_a_page_with_very_many_tags_is_read_by_the_plain_parser(write_policy, monkeypatch):
    from policykg.ingest import readers

    monkeypatch.setattr(readers, "HTML_EXTRACT_MAX_TAGS", 20)
    source = read_source(write_policy(PAGE, name="many-tags.html"))
    assert "We keep order records for seven years" in words(source.text)
    assert any("with over 20 tags: all of its text kept" in r for r in source.repairs)


def test_nul_bytes_after_a_clean_start_are_dropped(write_policy):
    data = SHORT_POLICY.encode() * 200 + b"\x00\x01\x00junk\x00" * 50
    source = read_source(write_policy(data, name="late-nuls.txt"))
    assert "\x00" not in source.text and "150 NUL bytes removed" in source.repairs
