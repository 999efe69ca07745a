"""Matching a JSON metadata column against a filter, on PostgreSQL and on SQLite."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, func

from mcp_service.domain.model import JSON


def metadata_matches(
    column: Any, metadata: JSON | None, postgres: bool
) -> list[ColumnElement[bool]]:
    """Every key of `metadata` equals the stored JSON value, type included (the string
    "2" does not match the number 2). Keys are validated to [A-Za-z0-9_-] by the domain."""
    out: list[ColumnElement[bool]] = []
    for key, value in (metadata or {}).items():
        kind = _json_kind(value)
        if postgres:
            text = value if isinstance(value, str) else json.dumps(value)
            out.append(func.json_typeof(column[key]) == kind)
            out.append(column[key].as_string() == text)
            continue
        path = f'$."{key}"'
        if isinstance(value, bool):
            out.append(func.json_type(column, path) == ("true" if value else "false"))
            continue
        sqlite_kinds = {"string": ["text"], "number": ["integer", "real"]}[kind]
        out.append(func.json_type(column, path).in_(sqlite_kinds))
        out.append(func.json_extract(column, path) == value)
    return out


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "string"
