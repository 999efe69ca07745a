"""HTML into blocks with the standard library's tolerant parser (no network, no scripts).

`<h1>`–`<h6>` open sections; block elements (paragraphs, list items, table rows, …) end
paragraphs; `<pre>` keeps its whitespace; scripts, styles and navigation chrome are
dropped. The title is `<title>`, else the first `<h1>`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from mcp_service.adapters.parsers.text import decode
from mcp_service.domain.documents import Block, ParsedDocument

_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "nav", "head"})
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
        "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "thead", "tbody", "figure",
        "figcaption", "form", "fieldset", "details", "summary", "address", "hr", "body",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def parse_html(data: bytes, source: str) -> ParsedDocument:
    return html_document(_decode(data, source))


def html_document(markup: str) -> ParsedDocument:
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    blocks = reader.finish()
    first_h1 = next((b.text for b in blocks if b.heading and len(b.heading_path) == 1), None)
    return ParsedDocument(blocks=tuple(blocks), title=reader.title or first_h1)


def _decode(data: bytes, source: str) -> str:
    declared = _CHARSET.search(data[:2048])
    if declared is not None:
        name = declared.group(1).decode("ascii").lower()
        if name not in ("utf-8", "utf8"):
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration: fall back to UTF-8 and its clear error
    return decode(data, source)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.path: list[tuple[int, str]] = []
        self.text: list[str] = []
        self.skipping: list[str] = []  # open elements whose content is dropped
        self.pre = 0
        self.heading: int | None = None
        self.in_title = False
        self.title_parts: list[str] = []

    @property
    def title(self) -> str | None:
        title = _SPACES.sub(" ", "".join(self.title_parts)).strip()
        return title or None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skipping.append(tag)
        elif self.skipping:
            return
        elif tag in _HEADINGS:
            self.flush()
            self.heading = _HEADINGS[tag]
        elif tag == "br":
            self.text.append("\n")
        elif tag == "pre":
            self.flush()
            self.pre += 1
        elif tag in _BLOCKS:
            self.flush()
        elif tag in ("td", "th"):
            self.text.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP:
            if tag in self.skipping:
                while self.skipping and self.skipping.pop() != tag:
                    pass
        elif self.skipping:
            return
        elif tag in _HEADINGS and self.heading is not None:
            self.close_heading()
        elif tag == "pre":
            self.flush()
            self.pre = max(0, self.pre - 1)
        elif tag in _BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif not self.skipping:
            self.text.append(data)

    def close_heading(self) -> None:
        level, self.heading = self.heading or 1, None
        text = _SPACES.sub(" ", "".join(self.text)).strip()
        self.text = []
        if not text:
            return
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))
        self.blocks.append(Block(text, self._path(), heading=True))

    def flush(self) -> None:
        if self.heading is not None:
            self.close_heading()
            return
        raw = "".join(self.text)
        self.text = []
        if self.pre:
            text = raw.strip("\n")
        else:
            lines = (_SPACES.sub(" ", line).strip(" |") for line in raw.split("\n"))
            text = "\n".join(line for line in lines if line)
        if text.strip():
            self.blocks.append(Block(text, self._path()))

    def finish(self) -> list[Block]:
        self.flush()
        return self.blocks

    def _path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.path)
