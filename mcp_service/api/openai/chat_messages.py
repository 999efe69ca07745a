"""The `messages` of an OpenAI chat request as domain messages, validated one by one (an
error names `messages[i]...`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcp_service.domain import errors as e
from mcp_service.domain.content_parts import placeholder
from mcp_service.domain.model import JSON, Message

SYSTEM_ROLES = ("system", "developer")
ROLES = (*SYSTEM_ROLES, "user", "assistant", "tool")
TEXT_PARTS = ("text", "input_text", "output_text", "refusal")


def parse_messages(raw: Sequence[dict[str, Any]]) -> list[Message]:
    return [parse_message(m, f"messages[{i}]") for i, m in enumerate(raw)]


def parse_message(raw: dict[str, Any], where: str) -> Message:
    role = raw.get("role")
    if role not in ROLES:
        raise e.InvalidInput(
            f"{where}.role must be one of {', '.join(ROLES)}", field=f"{where}.role"
        )
    text, attachments = _content(raw.get("content"), role, f"{where}.content")
    name = raw.get("name")
    calls = raw.get("tool_calls") if role == "assistant" else None
    if calls is not None and not (isinstance(calls, list) and all(_is_call(c) for c in calls)):
        raise e.InvalidInput(
            f"{where}.tool_calls must be a list of calls with an id", field=f"{where}.tool_calls"
        )
    call_id = raw.get("tool_call_id") if role == "tool" else None
    if role == "tool" and not (isinstance(call_id, str) and call_id):
        raise e.InvalidInput(
            f"{where}.tool_call_id is required for a tool message", field=f"{where}.tool_call_id"
        )
    return Message(
        str(role),
        text,
        str(name) if isinstance(name, str) and name else None,
        tool_calls=tuple(calls or ()),
        tool_call_id=call_id,
        attachments=attachments,
    )


def split_system(messages: Sequence[Message]) -> tuple[str | None, list[Message]]:
    """System (or developer) messages joined into one system prompt, and the others."""
    systems = [m.content for m in messages if m.role in SYSTEM_ROLES and m.content.strip()]
    rest = [m for m in messages if m.role not in SYSTEM_ROLES]
    return "\n\n".join(systems) or None, rest


def query_text(messages: Sequence[Message]) -> str:
    """What retrieval and recall search with: the latest user message's text (or a note of
    its parts), else the latest tool results."""
    for m in reversed(messages):
        if m.role == "user":
            return m.content if m.content.strip() else placeholder(m.attachments) or m.content
    tools = [m.content for m in messages if m.role == "tool" and m.content.strip()]
    return "\n".join(tools[-4:]) or "(tool results)"


def _content(content: object, role: object, field: str) -> tuple[str, tuple[JSON, ...]]:
    if isinstance(content, str):
        return content, ()
    if content is None and role in ("assistant", "tool"):
        return "", ()
    if not isinstance(content, list):
        raise e.InvalidInput(f"{field} must be a string or a list of content parts", field=field)
    texts: list[str] = []
    others: list[JSON] = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if not isinstance(kind, str):
            raise e.InvalidInput(f"{field}[{i}] must be an object with a type", field=field)
        if kind in TEXT_PARTS:
            texts.append(str(part.get("text") or part.get("refusal") or ""))
        elif role != "user":
            raise e.InvalidInput(
                f"{field}[{i}]: only text parts are accepted in a {role} message", field=field
            )
        else:
            others.append(_attachment(part, f"{field}[{i}]"))
    return "".join(texts), tuple(others)


def _attachment(part: JSON, field: str) -> JSON:
    kind = str(part["type"])
    body = part.get(kind)
    if kind == "image_url":
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url:
            raise e.InvalidInput(f"{field}.image_url.url is required", field=field)
    elif kind in ("input_audio", "file") and not isinstance(body, dict):
        raise e.InvalidInput(f"{field}.{kind} must be an object", field=field)
    return dict(part)


def _is_call(call: object) -> bool:
    return isinstance(call, dict) and isinstance(call.get("id"), str) and bool(call["id"])
