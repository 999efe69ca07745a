"""Checks shared by the use cases that accept text from callers."""

from __future__ import annotations

from mcp_service.domain.errors import InvalidInput, PayloadTooLarge
from mcp_service.domain.inputs import SESSION_ID, unstorable


def require_message(message: str, *, max_chars: int, field: str = "message") -> str:
    """A non-empty, storable message within the size limit, or a clear error naming the
    field."""
    if not message or not message.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(message) > max_chars:
        raise PayloadTooLarge(
            f"{field} has {len(message)} characters; the limit is {max_chars}", field=field
        )
    require_storable(message, field=field)
    return message


def require_storable(text: str, *, field: str) -> str:
    why = unstorable(text)
    if why is not None:
        raise InvalidInput(f"{field} contains {why}, which cannot be stored", field=field)
    return text


def require_session_id(session_id: str) -> str:
    """An id a session can have (and every route can address): 1-200 characters of
    letters, digits and . _ : @ -, starting with a letter or digit."""
    if not SESSION_ID.match(session_id):
        raise InvalidInput(
            f"session id {session_id[:50]!r} is not valid: 1 to 200 letters, digits and "
            ". _ : @ -, starting with a letter or digit",
            field="session_id",
        )
    return session_id
