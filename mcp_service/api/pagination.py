"""Opaque cursors: base64 of the last item's key, so clients cannot depend on the format."""

from __future__ import annotations

import base64
import binascii

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
