"""Each file format parses into blocks that keep titles, heading paths and pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_service.adapters.parsers import DocumentParsers
from mcp_service.domain.documents import Block, DocumentParseError, ParsedDocument

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"
parsers = DocumentParsers()


def parse_one(name: str) -> ParsedDocument:
    fmt = parsers.detect(name)
    assert fmt is not None
    (doc,) = parsers.parse((FIXTURES / name).read_bytes(), fmt=fmt, source=name)
    assert isinstance(doc, ParsedDocument)
    return doc


def texts_under(doc: ParsedDocument, *path: str) -> list[str]:
    return [b.text for b in doc.blocks if b.heading_path == path and not b.heading]


def test_formats_are_detected_by_extension_then_content_type() -> None:
    assert parsers.detect("a/b/Notes.MD") == "markdown"
    assert parsers.detect("page.htm") == "html"
    assert parsers.detect("x.ndjson") == "jsonl"
    assert parsers.detect("upload", "application/pdf") == "pdf"
    assert parsers.detect("upload", "text/plain; charset=utf-8") == "text"
    assert parsers.detect("slides.pptx") is None


def test_markdown_keeps_the_heading_path_and_code_blocks_whole() -> None:
    doc = parse_one("handbook.md")
    assert doc.title == "Employee Handbook"
    accrual = texts_under(doc, "Employee Handbook", "Vacation", "Accrual")
    assert accrual == [
        "Employees accrue 2.5 vacation days per month of service.",
        "Unused days expire on March 31 of the following year.",
    ]
    security = texts_under(doc, "Employee Handbook", "Security")
    assert security[1].startswith("```bash\n# not a heading")  # '#' in a fence is code
    assert texts_under(doc, "Employee Handbook", "Setext heading") == [
        "Text under a setext heading."
    ]
    assert all("owner:" not in b.text for b in doc.blocks)  # front matter is not content


def test_html_drops_scripts_styles_and_navigation() -> None:
    doc = parse_one("guide.html")
    assert doc.title == "Onboarding Guide"
    everything = doc.text
    assert "tracking" not in everything and "color: red" not in everything
    assert "Home" not in everything and "dropped" not in everything
    accounts = texts_under(doc, "Onboarding", "Accounts")
    assert accounts[0] == (
        "IT creates your e-mail account and your VPN token on day one.\n"
        "The VPN token code starts with VPN-."
    )
    assert "Set up two-factor authentication." in accounts
    equipment = texts_under(doc, "Onboarding", "Equipment")
    assert "Laptop | ThinkPad X1" in equipment
    assert "ssh-keygen -t ed25519\n   indented line" in equipment  # <pre> keeps its spaces


def test_plain_text_is_split_into_paragraphs() -> None:
    doc = parse_one("notes.txt")
    assert doc.title is None
    assert [b.text for b in doc.blocks] == [
        "Meeting notes, 3 March.",
        "The parking garage opens at 6am and closes at 10pm.",
        "The cafeteria serves lunch from 11:30 to 14:00.",
    ]


def test_pdf_keeps_pages_title_and_outline_headings() -> None:
    doc = parse_one("policy.pdf")
    assert doc.title == "Travel and Expenses" and doc.pages == 2
    first = [b for b in doc.blocks if b.page == 1]
    second = [b for b in doc.blocks if b.page == 2]
    assert first and all(b.heading_path == ("Travel",) for b in first)
    assert second and all(b.heading_path == ("Expenses",) for b in second)
    assert "Economy class applies to trips under six hours." in [b.text for b in first]
    assert "EXP-4471" in " ".join(b.text for b in second)


def test_jsonl_entries_fail_alone_and_name_their_line() -> None:
    entries = parsers.parse((FIXTURES / "batch.jsonl").read_bytes(), fmt="jsonl", source="b")
    ok = [e for e in entries if isinstance(e, ParsedDocument)]
    bad = [e for e in entries if isinstance(e, DocumentParseError)]
    assert [d.external_id for d in ok] == ["faq-1", "faq-2"]
    assert ok[0].metadata == {"team": "it"} and ok[0].title == "Wi-Fi"
    assert ok[1].blocks[0] == Block("Printing", ("Printing",), heading=True)  # markdown
    assert [e.message for e in bad] == [
        "b line 3: `text` must be a non-empty string",
        "b line 4: invalid JSON (Expecting value)",
    ]


def test_json_batch_reads_a_documents_object() -> None:
    entries = parsers.parse((FIXTURES / "batch.json").read_bytes(), fmt="json", source="j")
    assert all(isinstance(e, ParsedDocument) for e in entries)
    travel = entries[1]
    assert isinstance(travel, ParsedDocument)
    assert travel.external_id == "policy-2" and travel.title == "Travel"
    assert [b.text for b in travel.blocks] == ["Travel", "Book trains for trips under four hours."]
    assert entries[0].fingerprint != travel.fingerprint  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("corrupt.pdf", "corrupt.pdf: not a readable PDF"),
        ("latin1.txt", "latin1.txt: not UTF-8 text (byte 0xe9 at offset 3)"),
    ],
)
def test_unreadable_files_raise_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(DocumentParseError) as caught:
        parse_one(name)
    assert caught.value.message.startswith(message)


def test_not_a_pdf_at_all_and_an_empty_pdf_say_so() -> None:
    with pytest.raises(DocumentParseError, match="not a PDF file"):
        parsers.parse(b"hello", fmt="pdf", source="fake.pdf")
    with pytest.raises(DocumentParseError, match="invalid JSON"):
        parsers.parse(b"{", fmt="json", source="x.json")


def test_utf16_with_a_bom_is_read() -> None:
    data = "Grüße\n\nzweiter Absatz".encode("utf-16")
    (doc,) = parsers.parse(data, fmt="text", source="u16.txt")
    assert isinstance(doc, ParsedDocument)
    assert [b.text for b in doc.blocks] == ["Grüße", "zweiter Absatz"]


def test_parsed_documents_survive_a_json_round_trip() -> None:
    doc = parse_one("policy.pdf")
    assert ParsedDocument.from_json(doc.to_json()) == doc
