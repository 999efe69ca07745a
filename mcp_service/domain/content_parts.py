"""Non-text content parts of a message (images, audio, files): they go to the gateway as
they came; the recorded turn keeps a note of each, never the bytes."""

from __future__ import annotations

from collections.abc import Sequence

from mcp_service.domain.model import JSON

_URL_KEEP_CHARS = 500


def notes(parts: Sequence[JSON]) -> list[JSON]:
    """One short note per part: its type, and for an image its URL (a `data:` URL only
    by media type and size)."""
    return [_note(p) for p in parts]


def _note(part: JSON) -> JSON:
    kind = str(part.get("type") or "unknown")
    note: JSON = {"type": kind}
    body = part.get(kind)
    if kind == "image_url" and isinstance(body, dict):
        note["url"] = _url(str(body.get("url") or ""))
        if body.get("detail"):
            note["detail"] = str(body["detail"])
    elif kind == "input_audio" and isinstance(body, dict):
        note["format"] = str(body.get("format") or "")
        note["bytes"] = len(str(body.get("data") or "")) * 3 // 4
    elif kind == "file" and isinstance(body, dict):
        note["filename"] = str(body.get("filename") or body.get("file_id") or "")
    return note


def _url(url: str) -> str:
    if url.startswith("data:"):
        media = url[5:].split(";", 1)[0].split(",", 1)[0] or "application/octet-stream"
        size = len(url.split(",", 1)[1]) * 3 // 4 if "," in url else 0
        return f"data:{media} ({size} bytes, not stored)"
    return url[:_URL_KEEP_CHARS]


def placeholder(parts: Sequence[JSON]) -> str:
    """A stand-in text for a message made only of non-text parts (what retrieval and
    recall search with, and what the turn says)."""
    kinds = ", ".join(sorted({str(p.get("type") or "part") for p in parts}))
    return f"[{kinds}]"
