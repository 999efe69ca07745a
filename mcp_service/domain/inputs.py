"""What every entry point (REST, MCP, CLI) accepts from callers: the id patterns, and text
that can be stored at all — PostgreSQL refuses NUL characters, and a lone UTF-16
surrogate (`"\\ud800"` in JSON) cannot be encoded as UTF-8."""

from __future__ import annotations

import re

# Session, document and job ids, and the like.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$"
# Collection and retention policy names.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
TENANT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_ID_CHARS = 200
MAX_EXTERNAL_ID_CHARS = 500
SESSION_ID = re.compile(ID_PATTERN)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why `text` cannot be stored (a NUL character, a lone surrogate), or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "a lone UTF-16 surrogate"


def storable(text: str) -> str:
    """`text` without NUL characters, lone surrogates replaced by U+FFFD (for text read
    from files, where one stray byte must not lose the document)."""
    if _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)
