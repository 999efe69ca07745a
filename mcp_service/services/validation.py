"""Checks shared by the use cases that accept text from callers."""

from __future__ import annotations

from mcp_service.domain.errors import InvalidInput, PayloadTooLarge


def require_message(message: str, *, max_chars: int, field: str = "message") -> str:
    """A non-empty message within the size limit, or a clear error naming the field."""
    if not message or not message.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(message) > max_chars:
        raise PayloadTooLarge(
            f"{field} has {len(message)} characters; the limit is {max_chars}", field=field
        )
    return message
