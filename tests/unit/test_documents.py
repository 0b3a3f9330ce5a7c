"""The documents package: the real corpus in ../shared/corpus, then files made here.

The corpus (39 files from the test suites of document libraries, described in its MANIFEST.md)
is read in place and never copied; its tests skip where it is absent.
"""

from __future__ import annotations

import difflib
import io
import re
import struct
import tracemalloc
import unicodedata
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from odf.opendocument import OpenDocumentText
from odf.text import P
from pypdf import PdfWriter

from tests.support.corpus import CORPUS
from workflow.documents import (
    ACCEPTED_KINDS,
    DocumentRefused,
    FileTooLarge,
    Ingested,
    Limits,
    ingest,
    preview_html,
)
from workflow.documents.preview import sanitize
from workflow.documents.text import normalize
from workflow.errors import InvalidInput

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is absent")

# file -> (kind, phrases the text must contain)
ACCEPTED = {
    "docx_en_agreement_v1.docx": (
        "docx",
        ["Team Operating Agreement", "Team Communications [Describe how"],
    ),
    "docx_en_agreement_v2.docx": (
        "docx",
        ["Team Operating Agreement", "Team Communications [Show how"],
    ),
    "docx_en_comments.docx": ("docx", ["Here is some text."]),
    "docx_en_footnotes.docx": ("docx", ["Ouch.", "A tachyon walks into a bar."]),
    "docx_en_fr_headers_footers.docx": ("docx", ["L'Avare ou l'École du mensonge", "Molière"]),
    "docx_en_three_images.docx": ("docx", ["The Alfresco logo is above this"]),
    "docx_en_tracked_changes.docx": ("docx", ["A Nepalese name for Tilaka"]),
    "docx_ru_en_uz_with_attachments.docx": (
        "docx",
        ["Русский вариант", "Всех, кто стар и кто молод"],
    ),
    "docx_ru_library_calendar_tables.docx": (
        "docx",
        ["Большечерниговская районная библиотека", "Льва Ивановича Давыдычева"],
    ),
    "docx_ru_media_monitoring_drawings.docx": (
        "docx",
        ["МОНИТОРИНГ СМИ", "Евразийское водное партнерство"],
    ),
    "docx_ru_onlyoffice_sample.docx": ("docx", ["Добро пожаловать в ONLYOFFICE Online Editors"]),
    "docx_ru_state_contract.docx": (
        "docx",
        ["ГОСУДАРСТВЕННЫЙ КОНТРАКТ", "именуемый в дальнейшем «Государственный заказчик»"],
    ),
    "docx_zh_tour_plan.docx": ("docx", ["日游行程计划", "目的地：[您要去哪儿？]"]),
    "odt_de_invoice.odt": (
        "odt",
        ["DIENSTLEISTUNGEN FÜR KFZ-HÄNDLER UND WERKSTÄTTEN", "Rechnungs-Nr."],
    ),
    "odt_fr_diff_v1.odt": ("odt", ["Exemple", "content A"]),
    "odt_fr_diff_v2.odt": ("odt", ["Exemple", "content B"]),
    "odt_fr_es_tracked_changes.odt": ("odt", ["Bonjour", "ça va ?"]),
    "odt_zh_meta_test.odt": ("odt", ["测试新的方法"]),
    # Named .odt, but its content is the plain text "This is not a zip file!". The kind comes
    # from the content, never the name (ingest has none), so it is never an ODT; the web layer,
    # which knows the name, compares it with Ingested.extension.
    "odt_not_a_zip.odt": ("txt", ["This is not a zip file!"]),
    "pdf_corrupted_recoverable.pdf": ("pdf", ["Beautiful is better than ugly."]),
    "pdf_en_court_transcript.pdf": (
        "pdf",
        ["IN THE SUPREME COURT OF THE UNITED STATES", "MICHAEL A. KNOWLES"],
    ),
    "pdf_encrypted_owner_only.pdf": ("pdf", ["pdf encryption test", "password"]),
    "pdf_scanned_image_only.pdf": ("pdf", []),
    "pdf_zh_quarterly_report.pdf": ("pdf", ["东北电气发展股份有限公司", "第一季度报告"]),
    "rtf_en_ja_various_features.rtf": (
        "rtf",
        ["Footnote appears here", "Row 1 Col 1", "ゾルゲと尾崎"],
    ),
    "rtf_ja_news.rtf": ("rtf", ["ゾルゲと尾崎、淡々と最期"]),
    "rtf_pl_cp1250.rtf": ("rtf", ["zażółć gęślą jaźń"]),
    "txt_ru_cp866.txt": ("txt", ["Однажды, в студеную зимнюю пору"]),
    "txt_ru_utf8.txt": ("txt", ["столица России"]),
    "txt_ru_windows1251.txt": ("txt", ["стандартной 8-битной кодировкой"]),
}
REFUSED = {
    "docx_broken_truncated.docx": "corrupt",
    "docx_encrypted_password_pass.docx": "encrypted",
    "docx_xxe_external_entity.docx": "external_entity",
    "docx_zipbomb_1G_RENAMED_from_zip.docx": "zip_bomb",
    "odt_encrypted.odt": "encrypted",
    "odt_xxe_external_entity.odt": "external_entity",
    "pdf_empty_0_bytes.pdf": "empty",
    "pdf_encrypted_user_password.pdf": "encrypted",
    "pdf_malformed_invalid.pdf": "corrupt",
}


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def refusal(data: bytes, limits: Limits = Limits()) -> DocumentRefused:  # noqa: B008
    with pytest.raises(DocumentRefused) as caught:
        ingest(data, limits)
    return caught.value


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text)


def word_changes(before: str, after: str) -> list[tuple[list[str], list[str]]]:
    a, b = tokens(before), tokens(after)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(a[i1:i2], b[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# --- the corpus ----------------------------------------------------------------------------


@needs_corpus
def test_every_corpus_file_has_an_expected_outcome():
    on_disk = {path.name for path in CORPUS.iterdir() if path.name != "MANIFEST.md"}
    assert on_disk == set(ACCEPTED) | set(REFUSED)
    assert len(on_disk) == 39


@needs_corpus
@pytest.mark.parametrize(("name", "expected"), sorted(ACCEPTED.items()))
def test_a_corpus_file_is_accepted_with_its_phrases(name, expected):
    kind, phrases = expected
    result = ingest(corpus(name))
    assert result.kind == kind
    assert result.extension == f".{kind}"
    # The manifest checked its phrases with whitespace runs (line ends too) folded to a space.
    folded = " ".join(result.text.split())
    for phrase in phrases:
        assert phrase in folded
    result.text.encode("utf-8")  # no lone surrogate survives


@needs_corpus
@pytest.mark.parametrize(("name", "reason"), sorted(REFUSED.items()))
def test_a_corpus_file_is_refused_with_its_reason(name, reason):
    error = refusal(corpus(name))
    assert error.reason == reason
    assert isinstance(error, InvalidInput)
    assert error.errors == {"file": error.message}


@needs_corpus
@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_every_extracted_text_is_normalised(name):
    text = ingest(corpus(name)).text
    assert text == unicodedata.normalize("NFC", text)
    assert "\r" not in text and "\u00a0" not in text and "\n\n\n" not in text
    assert not any(line != line.rstrip() for line in text.split("\n"))


@needs_corpus
def test_the_agreement_diff_shows_exactly_the_two_word_changes():
    before = ingest(corpus("docx_en_agreement_v1.docx")).text
    after = ingest(corpus("docx_en_agreement_v2.docx")).text
    assert word_changes(before, after) == [(["Describe"], ["Show"]), (["17"], ["10"])]
    assert "Confidential\t\t\tPage 17" in before


@needs_corpus
def test_the_odt_diff_shows_the_one_word_change():
    before = ingest(corpus("odt_fr_diff_v1.odt")).text
    after = ingest(corpus("odt_fr_diff_v2.odt")).text
    assert word_changes(before, after) == [(["A"], ["B"])]


@needs_corpus
def test_tracked_deletions_are_not_current_text():
    result = ingest(corpus("docx_en_tracked_changes.docx"))
    assert "A pendant worn in place of the red spot" not in result.text
    assert "tracked_deletions_excluded" in result.notes


@needs_corpus
def test_odt_tracked_deletions_are_not_current_text():
    result = ingest(corpus("odt_fr_es_tracked_changes.odt"))
    assert result.text == "Bonjour  los bonitos amigos  ça va ?"
    assert "tracked_deletions_excluded" in result.notes


@needs_corpus
def test_word_comments_are_left_out_of_the_text_with_a_note():
    result = ingest(corpus("docx_en_comments.docx"))
    assert result.text == "Here is some text."
    assert result.notes == ("comments_excluded",)


@needs_corpus
def test_headers_come_first_and_footers_last():
    lines = ingest(corpus("docx_en_fr_headers_footers.docx")).text.split("\n")
    assert lines[0] == "This is a simple header, with a € euro symbol in it."
    assert lines[-1] == "The footer, with Molière, has Unicode in it."


@needs_corpus
def test_embedded_files_are_ignored_with_a_note():
    result = ingest(corpus("docx_ru_en_uz_with_attachments.docx"))
    assert "embedded_files_ignored" in result.notes


@needs_corpus
def test_a_scanned_pdf_is_accepted_without_text_and_says_so():
    result = ingest(corpus("pdf_scanned_image_only.pdf"))
    assert (result.text, result.has_text, result.pages) == ("", False, 1)
    assert result.notes == ("no_text_layer",)


@needs_corpus
def test_a_pdf_with_only_an_owner_password_opens():
    result = ingest(corpus("pdf_encrypted_owner_only.pdf"))
    assert result.has_text and result.pages == 1
    assert result.media_type == "application/pdf"


@needs_corpus
def test_rtf_surrogate_pairs_become_one_character():
    text = ingest(corpus("rtf_en_ja_various_features.rtf")).text
    assert "𐌲" in text  # GOTHIC LETTER GIBA, written as \u-10187?\u-8142?
    assert "\ufffd" not in text


@needs_corpus
def test_rtf_and_txt_report_their_source_encoding():
    assert ingest(corpus("rtf_pl_cp1250.rtf")).encoding == "cp1250"
    assert ingest(corpus("txt_ru_cp866.txt")).encoding == "cp866"
    assert ingest(corpus("txt_ru_windows1251.txt")).encoding == "cp1251"
    assert ingest(corpus("txt_ru_utf8.txt")).encoding == "utf-8"


@needs_corpus
def test_combining_accents_are_kept_as_written():
    assert "Москва\u0301" in ingest(corpus("txt_ru_utf8.txt")).text


@needs_corpus
def test_a_zip_bomb_is_refused_before_inflating():
    data = corpus("docx_zipbomb_1G_RENAMED_from_zip.docx")
    tracemalloc.start()
    try:
        error = refusal(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.reason == "zip_bomb"
    assert error.params == {"exceeded": "uncompressed_size", "limit_mb": 200, "limit_members": 2000}
    assert peak < 20 * 1024 * 1024


@needs_corpus
def test_docx_and_odt_previews_are_small_html():
    footnotes = preview_html(corpus("docx_en_footnotes.docx"), "docx")
    assert '<a href="#doc-footnote-1" id="doc-footnote-ref-1">' in footnotes
    assert '<li id="doc-footnote-1">' in footnotes
    assert preview_html(corpus("odt_zh_meta_test.odt"), "odt") == "<p>测试新的方法。</p>"


@needs_corpus
def test_a_docx_too_big_for_mammoth_has_no_preview():
    assert preview_html(corpus("docx_ru_state_contract.docx"), "docx") is None


@needs_corpus
@pytest.mark.parametrize(
    "name", ["pdf_en_court_transcript.pdf", "rtf_pl_cp1250.rtf", "txt_ru_utf8.txt"]
)
def test_pdf_rtf_and_txt_have_no_preview(name):
    assert preview_html(corpus(name), ingest(corpus(name)).kind) is None


@needs_corpus
def test_a_preview_refuses_content_of_another_kind():
    with pytest.raises(ValueError):
        preview_html(corpus("odt_zh_meta_test.odt"), "docx")


# --- files made here -----------------------------------------------------------------------


def test_a_made_docx_gives_body_table_header_and_footer_text():
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Заголовок соглашения"
    document.sections[0].footer.paragraphs[0].text = "Страница нижнего колонтитула"
    document.add_paragraph("Соглашение о сотрудничестве между Татарстаном и провинцией Хэнань")
    document.add_paragraph("河南省与鞑靼斯坦共和国合作协议")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Сторона 1"
    table.cell(0, 1).text = "甲方"
    result = ingest(docx_bytes(document))
    assert result == Ingested(
        kind="docx",
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extension=".docx",
        text="Заголовок соглашения\n"
        "Соглашение о сотрудничестве между Татарстаном и провинцией Хэнань\n"
        "河南省与鞑靼斯坦共和国合作协议\n"
        "Сторона 1\n"
        "甲方\n"
        "Страница нижнего колонтитула",
        has_text=True,
        pages=None,
        encoding=None,
        notes=(),
    )


def hostile_docx() -> bytes:
    """Text with a script tag, an external hyperlink and an image."""
    document = docx.Document()
    document.add_paragraph("<script>alert(1)</script>")
    paragraph = document.add_paragraph("See ")
    rel_id = paragraph.part.relate_to(
        "https://evil.example/phish", RELATIONSHIP_TYPE.HYPERLINK, is_external=True
    )
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "the site"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    document.add_picture(io.BytesIO(tiny_png()))
    return docx_bytes(document)


def tiny_png() -> bytes:
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_a_docx_preview_keeps_no_script_external_link_or_image():
    data = hostile_docx()
    assert "<script>alert(1)</script>" in ingest(data).text
    html = preview_html(data, "docx")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "evil.example" not in html and "href" not in html
    assert "<img" not in html and "data:" not in html
    assert "the site" in html


def test_sanitize_drops_styles_handlers_and_foreign_links():
    html = sanitize(
        '<p style="color:red" onclick="steal()">x<img src="y" onerror="z()"></p>'
        '<a href="javascript:alert(1)">j</a><a href="#doc-note" id="main">n</a>'
        "<style>p{}</style><script>alert(1)</script><div><h2>t</h2></div>"
    )
    assert html == '<p>x</p><a>j</a><a href="#doc-note">n</a><h2>t</h2>'


def test_an_odt_preview_escapes_every_string():
    document = OpenDocumentText()
    document.text.addElement(P(text="<script>alert(1)</script> & <b>"))
    buffer = io.BytesIO()
    document.write(buffer)
    html = preview_html(buffer.getvalue(), "odt")
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;</p>"


def test_an_executable_renamed_docx_is_refused():
    windows = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 16
    linux = b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 16
    for data in (windows, linux):
        error = refusal(data)
        assert error.reason == "unsupported_kind"
        assert "DOCX, ODT, PDF, RTF or plain text" in error.message


def test_binary_junk_is_not_plain_text():
    assert refusal(bytes(range(256)) * 8).reason == "unsupported_kind"
    assert refusal(b"text\x01\x02\x03\x04\x05\x06\x07\x08").reason == "unsupported_kind"


def test_a_legacy_word_document_is_refused_with_a_hint_to_save_as_docx():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "WordDocument".encode("utf-16-le")
    error = refusal(data)
    assert error.reason == "unsupported_kind" and error.params["detected"] == "doc"
    assert "save it as .docx" in error.message


def test_a_malformed_rtf_is_refused_as_corrupt():
    assert refusal(b"{\\rtf1\\ansi\\uc text}").reason == "corrupt"


def test_an_empty_file_is_refused():
    assert refusal(b"").reason == "empty"


def test_a_file_over_the_size_limit_is_too_large():
    error = refusal(b"a" * (26 * 1024 * 1024))
    assert isinstance(error, FileTooLarge)
    assert error.reason == "too_large"
    assert error.params["limit_mb"] == 25


def test_a_pdf_over_the_page_limit_is_refused():
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    error = refusal(buffer.getvalue(), Limits(max_pages=2))
    assert (error.reason, error.params) == ("too_many_pages", {"limit": 2, "found": 3})


def test_a_zip_with_too_many_members_is_refused():
    members = {f"word/part{i}.xml": b"<a/>" for i in range(2001)}
    error = refusal(zip_bytes(members))
    assert (error.reason, error.params["exceeded"]) == ("zip_bomb", "members")


def test_a_member_with_a_bomb_like_ratio_is_refused():
    error = refusal(zip_bytes({"[Content_Types].xml": b"\0" * (4 * 1024 * 1024)}))
    assert (error.reason, error.params["exceeded"]) == ("zip_bomb", "ratio")


def test_a_zip_whose_directory_understates_a_size_is_refused():
    document = docx.Document()
    document.add_paragraph("Соглашение " * 20000)
    data = bytearray(docx_bytes(document))
    entry = data.find(b"PK\x01\x02")  # central directory entries
    while entry != -1:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", data, entry + 24, 100)  # the declared uncompressed size
        entry = data.find(b"PK\x01\x02", entry + 4)
    assert refusal(bytes(data)).reason == "corrupt"


def test_a_zip_that_is_neither_docx_nor_odt_is_refused():
    assert refusal(zip_bytes({"report.csv": b"a,b\n"})).reason == "unsupported_kind"
    spreadsheet = zip_bytes(
        {
            "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="applicat'
            b'ion/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
        }
    )
    assert refusal(spreadsheet).reason == "unsupported_kind"


def test_a_docx_part_with_a_doctype_is_refused_before_parsing():
    original = zipfile.ZipFile(io.BytesIO(docx_bytes(docx.Document())))
    members = {info.filename: original.read(info) for info in original.infolist()}
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">]>'
    declaration_end = members["word/document.xml"].index(b"?>") + 2
    members["word/document.xml"] = laughs + members["word/document.xml"][declaration_end:]
    error = refusal(zip_bytes(members))
    assert (error.reason, error.params) == ("external_entity", {"part": "word/document.xml"})


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Соглашение о сотрудничестве".encode("koi8-r"), "koi8-r"),
        ("\ufeffСоглашение о сотрудничестве".encode("utf-16-le"), "utf-16-le"),
        ("\ufeffСоглашение о сотрудничестве".encode("utf-16-be"), "utf-16-be"),
        ("\ufeffСоглашение о сотрудничестве".encode("utf-8"), "utf-8"),
        ("Соглашение о сотрудничестве".encode("cp1251"), "cp1251"),
    ],
)
def test_plain_text_is_decoded_from_its_encoding(data, encoding):
    result = ingest(data)
    assert (result.kind, result.text, result.encoding) == (
        "txt",
        "Соглашение о сотрудничестве",
        encoding,
    )


def test_text_in_an_unrecognised_encoding_is_refused_not_garbled():
    french = "Molière écrivit L'Avare, une comédie célèbre à Paris.".encode("cp1252")
    assert refusal(french).reason == "unknown_encoding"


def test_plain_text_newlines_and_spaces_are_normalised():
    data = "Договор\u00a0№ 5  \r\n\r\n\r\n\r\nСтатья 1\rСтатья 2\n".encode()
    assert ingest(data).text == "Договор № 5\n\nСтатья 1\nСтатья 2"


def test_normalize_composes_but_keeps_accents_without_a_composed_form():
    assert normalize("Mole\u0300re\t \n\n\n\nМосква\u0301") == "Molère\n\nМосква\u0301"


def test_a_text_over_the_character_limit_is_refused():
    error = refusal(("слово " * 100).encode(), Limits(max_text_chars=100))
    assert error.reason == "text_too_long" and error.params["limit"] == 100


def test_the_accepted_kinds_are_the_five_formats():
    assert ACCEPTED_KINDS == ("docx", "odt", "pdf", "rtf", "txt")
