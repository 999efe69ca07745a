"""Responses and Conversations objects built from sessions and turns.

A response id names the session and the input turn it answered
(`resp_<input seq>_<session id, base64url>`), so no table maps ids: the reply is the
assistant turn after that input which records it answered it (`metadata.input_seq`).
The output items of a reply are `msg_r<input seq>_<d>` (its text) and
`fc_r<input seq>_<d>_<i>` (its tool calls), the same in a stream, in the response and in
the conversation's items; other turns' items are `msg_<seq>_<d>` and `fco_<seq>_<d>` (a
tool result); `<d>` is a digest of the session id."""

from __future__ import annotations

import base64
import binascii
import hashlib

from mcp_service.domain import errors as e
from mcp_service.domain import tool_calls
from mcp_service.domain.model import JSON, Session, Turn
from mcp_service.services.conversation.turn_input import INPUT_SEQ

ECHO = "responses"  # reply metadata: the request options a response object repeats


def response_id(session_id: str, input_seq: int) -> str:
    token = base64.urlsafe_b64encode(session_id.encode()).decode().rstrip("=")
    return f"resp_{input_seq}_{token}"


def parse_response_id(value: str, field: str = "response_id") -> tuple[str, int]:
    """(session id, input seq); an unknown shape is simply not found."""
    parts = value.split("_", 2)
    try:
        if len(parts) != 3 or parts[0] != "resp" or not parts[1].isdigit():
            raise ValueError(value)
        token = parts[2] + "=" * (-len(parts[2]) % 4)
        return base64.urlsafe_b64decode(token.encode()).decode(), int(parts[1])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise e.NotFound(f"response {value!r} not found", field=field) from exc


def text_part(text: str) -> JSON:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def message_item(key: str, text: str, status: str = "completed") -> JSON:
    return {
        "type": "message",
        "id": f"msg_{key}",
        "status": status,
        "role": "assistant",
        "content": [text_part(text)] if text or status == "completed" else [],
    }


def call_item(key: str, index: int, call: JSON, status: str = "completed") -> JSON:
    function = call.get("function") if isinstance(call.get("function"), dict) else {}
    assert isinstance(function, dict)
    return {
        "type": "function_call",
        "id": f"fc_{key}_{index}",
        "call_id": str(call.get("id") or ""),
        "name": str(function.get("name") or ""),
        "arguments": str(function.get("arguments") or ""),
        "status": status,
    }


def output_items(key: str, text: str, calls: list[JSON]) -> list[JSON]:
    """A reply as output items: its text (unless it only called tools), its calls."""
    items = [message_item(key, text)] if text or not calls else []
    return items + [call_item(key, i, c) for i, c in enumerate(calls)]


def usage_object(usage: JSON | None) -> JSON:
    prompt = int((usage or {}).get("prompt_tokens") or 0)
    completion = int((usage or {}).get("completion_tokens") or 0)
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def response_object(
    rid: str,
    echo: JSON,
    *,
    created_at: float,
    model: str,
    status: str,
    output: list[JSON],
    usage: JSON | None,
    error: JSON | None = None,
) -> JSON:
    """A `response`; `echo` holds the request options it repeats (see `echo_of`)."""
    conversation = echo.get("conversation")
    return {
        "id": rid,
        "object": "response",
        "created_at": int(created_at),
        "status": status,
        "completed_at": int(created_at) if status == "completed" else None,
        "error": error,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "instructions": echo.get("instructions"),
        "max_output_tokens": echo.get("max_output_tokens"),
        "model": model,
        "output": output,
        "parallel_tool_calls": bool(echo.get("parallel_tool_calls", True)),
        "previous_response_id": echo.get("previous_response_id"),
        "conversation": {"id": conversation} if conversation else None,
        "store": True,
        "temperature": echo.get("temperature"),
        "top_p": echo.get("top_p"),
        "text": echo.get("text") or {"format": {"type": "text"}},
        "tool_choice": echo.get("tool_choice") or "auto",
        "tools": echo.get("tools") or [],
        "truncation": "disabled",
        "background": False,
        "metadata": echo.get("metadata") or {},
        "usage": usage_object(usage) if usage is not None else None,
        "user": echo.get("user"),
    }


def reply_status(turn: Turn) -> str:
    if turn.status != "complete":
        return "failed" if turn.metadata.get("error") else "incomplete"
    return "incomplete" if turn.metadata.get("finish_reason") == "length" else "completed"


def item_key(session_id: str, seq: int, *, reply: bool = False) -> str:
    """What item ids are made of: the turn (`r`: the reply to input turn `seq`) and a short
    digest of the session, so that ids are unique across conversations too."""
    digest = hashlib.sha256(session_id.encode()).hexdigest()[:10]
    return f"{'r' if reply else ''}{seq}_{digest}"


def reply_key(turn: Turn) -> str:
    return item_key(turn.session_id, int(turn.metadata.get(INPUT_SEQ, turn.seq)), reply=True)


def response_from_reply(session_id: str, turn: Turn) -> JSON:
    """A stored response, read back from its reply turn."""
    input_seq = int(turn.metadata.get(INPUT_SEQ) or 0)
    echo = turn.metadata.get(ECHO) if isinstance(turn.metadata.get(ECHO), dict) else {}
    assert isinstance(echo, dict)
    status = reply_status(turn)
    error = None
    if status == "failed":
        error = {"code": "server_error", "message": str(turn.metadata.get("error"))}
    return response_object(
        response_id(session_id, input_seq),
        echo,
        created_at=turn.created_at.timestamp(),
        model=turn.model or "",
        status=status,
        output=output_items(reply_key(turn), turn.content, tool_calls.calls_of(turn)),
        usage=turn.usage,
        error=error,
    )


def conversation_object(session: Session) -> JSON:
    return {
        "id": session.id,
        "object": "conversation",
        "created_at": int(session.created_at.timestamp()),
        "metadata": session.metadata,
    }


def turn_items(turn: Turn) -> list[JSON]:
    """A turn as conversation items."""
    if turn.role == "assistant":
        key = reply_key(turn) if ECHO in turn.metadata else item_key(turn.session_id, turn.seq)
        return output_items(key, turn.content, tool_calls.calls_of(turn))
    if turn.role == "tool":
        return [
            {
                "type": "function_call_output",
                "id": f"fco_{item_key(turn.session_id, turn.seq)}",
                "call_id": tool_calls.answered_id(turn) or "",
                "output": turn.content,
                "status": "completed",
            }
        ]
    return [
        {
            "type": "message",
            "id": f"msg_{item_key(turn.session_id, turn.seq)}",
            "status": "completed",
            "role": turn.role,
            "content": [{"type": "input_text", "text": turn.content}],
        }
    ]


def item_position(item_id: str, field: str = "after") -> tuple[int, bool]:
    """(seq, is_input_seq) from an item id: `msg_12_…`, `fco_12_…` name turn 12;
    `msg_r12_…`, `fc_r12_…_0` name the reply to input turn 12."""
    kind, _, rest = item_id.partition("_")
    head = rest.split("_", 1)[0]
    replying = head.startswith("r")
    number = head[1:] if replying else head
    if kind not in ("msg", "fc", "fco") or not number.isdigit():
        raise e.InvalidInput(f"{field} is not an item id of this conversation", field=field)
    return int(number), replying
