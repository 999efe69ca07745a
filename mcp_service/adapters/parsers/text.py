"""Plain text and Markdown into blocks. Text must be UTF-8 (a BOM, UTF-16 too)."""

from __future__ import annotations

import codecs
import re

from mcp_service.domain.chunking import paragraphs
from mcp_service.domain.documents import Block, DocumentParseError, ParsedDocument

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FRONT_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.IGNORECASE)


def decode(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is an error
    that names the file and the offending byte, so the user knows what to convert."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentParseError(f"{source}: invalid UTF-16 text ({exc.reason})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise DocumentParseError(
            f"{source}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); "
            "convert it to UTF-8 first, e.g. `iconv -f latin1 -t utf-8`"
        ) from exc


def parse_text(data: bytes, source: str) -> ParsedDocument:
    return text_document(decode(data, source))


def parse_markdown(data: bytes, source: str) -> ParsedDocument:
    return markdown_document(decode(data, source))


def text_document(text: str) -> ParsedDocument:
    return ParsedDocument(blocks=tuple(Block(p) for p in paragraphs(_clean(text))))


def markdown_document(text: str) -> ParsedDocument:
    """Headings (ATX `#` and setext underlines) open sections; fenced code stays whole;
    paragraphs are separated by blank lines. The first level-1 heading is the title."""
    lines, front_title = _front_matter(_clean(text).split("\n"))
    reader = _MarkdownBlocks()
    for line in lines:
        reader.feed(line)
    blocks = reader.finish()
    title = front_title or next(
        (b.text for b in blocks if b.heading and len(b.heading_path) == 1), None
    )
    return ParsedDocument(blocks=tuple(blocks), title=title)


class _MarkdownBlocks:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.path: list[tuple[int, str]] = []  # (level, heading) from the top down
        self.lines: list[str] = []
        self.fence: str | None = None

    def feed(self, line: str) -> None:
        if self.fence is not None:
            self.lines.append(line)
            if line.strip().startswith(self.fence):
                self.fence = None
                self.flush()
            return
        fence = _FENCE.match(line)
        if fence:
            self.flush()
            self.fence = fence.group(1)[0] * 3
            self.lines.append(line)
        elif (atx := _ATX.match(line)) is not None:
            self.flush()
            self.heading(len(atx.group(1)), atx.group(2) or "")
        elif self.lines and not line.startswith(" " * 4) and (m := _SETEXT.match(line)):
            text = " ".join(s.strip() for s in self.lines)
            self.lines = []
            self.heading(1 if m.group(1)[0] == "=" else 2, text)
        elif not line.strip() or _RULE.match(line):
            self.flush()
        else:
            self.lines.append(line)

    def heading(self, level: int, text: str) -> None:
        text = text.strip()
        if not text:
            return
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))
        self.blocks.append(Block(text, self._path(), heading=True))

    def flush(self) -> None:
        text = "\n".join(self.lines).strip("\n")
        self.lines = []
        if text.strip():
            self.blocks.append(Block(text, self._path()))

    def finish(self) -> list[Block]:
        self.flush()
        return self.blocks

    def _path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.path)


def _front_matter(lines: list[str]) -> tuple[list[str], str | None]:
    """Drop a leading YAML front-matter block, keeping its `title:` if it has one."""
    if not lines or lines[0].strip() != "---":
        return lines, None
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            titles = [m.group(1) for s in lines[1:end] if (m := _FRONT_TITLE.match(s))]
            return lines[end + 1 :], titles[0].strip("'\"") if titles else None
    return lines, None


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
