"""Searching lists: which sessions to list and in which order, and metadata filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import JSON

METADATA_KEY = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
SessionOrder = Literal["id", "recent"]


@dataclass(frozen=True)
class SessionQuery:
    """A page of a tenant's sessions. `order="id"` pages by id (`after_id`); `"recent"`
    pages newest activity first, from (`after_activity`, `after_id`) of the last item."""

    user_id: str | None = None
    id_contains: str | None = None
    metadata: JSON | None = None  # every key equals the stored value, JSON type included
    order: SessionOrder = "id"
    after_id: str | None = None
    after_activity: datetime | None = None


def metadata_filter(metadata: Any, field: str) -> JSON:
    """Check a metadata filter: an object of valid keys to strings, numbers or booleans."""
    if not isinstance(metadata, dict):
        raise InvalidInput(f"{field} must be an object", field=field)
    for key, value in metadata.items():
        if not METADATA_KEY.match(str(key)):
            raise InvalidInput(f"{field} key {key!r} is not valid", field=field)
        if not isinstance(value, str | int | float | bool):
            raise InvalidInput(
                f"{field}.{key} must be a string, number or boolean", field=f"{field}.{key}"
            )
    return dict(metadata)
