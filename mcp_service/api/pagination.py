"""Opaque cursors: base64 of the last item's key, so clients cannot depend on the format."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from mcp_service.domain.errors import InvalidInput


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError) as exc:  # (non-ASCII input is a ValueError)
        raise InvalidInput("cursor is not valid", field="cursor") from exc


def encode_position(at: datetime, key: str) -> str:
    """A cursor for lists ordered by a time, then a key (newest first)."""
    return encode_cursor(f"{at.isoformat()}|{key}")


def decode_position(cursor: str | None) -> tuple[datetime, str] | None:
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    at, sep, key = raw.partition("|")
    try:
        if not sep:
            raise ValueError(raw)
        when = datetime.fromisoformat(at)
    except ValueError as exc:
        raise InvalidInput("cursor is not valid", field="cursor") from exc
    return (when if when.tzinfo else when.replace(tzinfo=UTC)), key
