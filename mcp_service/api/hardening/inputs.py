"""The input checks every route shares, as one app-wide dependency (declared once in
api/app.py, so no route can forget them):

- path parameters: ids match their pattern and length (`session_id`, `name`, …), and any
  other parameter is at most MAX_ID_CHARS of storable text;
- query parameters and JSON bodies: no NUL character, no lone surrogate anywhere (keys
  included) — PostgreSQL refuses the first, UTF-8 cannot encode the second.

A failure is a 422 naming the field (`session_id`, `turns.0.content`), before anything is
read or written. `/mcp` is left to the MCP tools (JSON-RPC has its own error shape).
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.inputs import (
    ID_PATTERN,
    MAX_ID_CHARS,
    NAME_PATTERN,
    TENANT_PATTERN,
    unstorable,
)

_ID = (re.compile(ID_PATTERN), "letters, digits and . _ : @ -, starting with a letter or digit")
_NAME = (re.compile(NAME_PATTERN), "letters, digits and . _ -, starting with a letter or digit")
_TENANT = (re.compile(TENANT_PATTERN), "at most 64 letters, digits and . _ -")
PATH_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "session_id": _ID,
    "document_id": _ID,
    "job_id": _ID,
    "key_id": _ID,
    "name": _NAME,
    "tenant_id": _TENANT,
}
# Only escapes can put NUL or a surrogate in valid JSON: look closer only when one is there.
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


async def check_request_inputs(request: Request) -> None:
    """Raise `InvalidInput` naming the first path, query or body field that is not valid."""
    if request.url.path == "/mcp":
        return
    for name, value in request.path_params.items():
        _check_path(name, str(value))
    for name, value in request.query_params.multi_items():
        _check_text(value, name)
    if request.method in ("POST", "PUT", "PATCH") and _is_json(request):
        raw = await request.body()
        if _SUSPECT.search(raw):
            _check_body(raw)


def _check_path(name: str, value: str) -> None:
    _check_text(value, name)
    if len(value) > MAX_ID_CHARS:
        raise InvalidInput(
            f"{name} has {len(value)} characters; at most {MAX_ID_CHARS}", field=name
        )
    rule = PATH_RULES.get(name)
    if rule is not None and not rule[0].match(value):
        raise InvalidInput(f"{name} {value!r} is not valid: {rule[1]}", field=name)


def _check_text(value: str, field: str) -> None:
    why = unstorable(value)
    if why is not None:
        raise InvalidInput(f"{field} contains {why}, which cannot be stored", field=field)


def _is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "" or media == "application/json" or media.endswith("+json")


def _check_body(raw: bytes) -> None:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return  # not JSON: the route's own parsing answers that
    stack: list[tuple[Any, str]] = [(body, "")]
    while stack:  # iterative: a deeply nested body must not exhaust the stack
        value, where = stack.pop()
        if isinstance(value, str):
            _check_text(value, where or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}" if where else str(key)
                _check_text(str(key), path)
                stack.append((item, path))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{where}.{i}" if where else str(i)) for i, item in enumerate(value)
            )
