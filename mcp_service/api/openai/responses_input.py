"""An OpenAI Responses API request, read: its input items as chat messages, its tools and
options as chat completion parameters (the gateway only speaks chat completions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from mcp_service.domain import errors as e
from mcp_service.domain.model import JSON, Message

# Responses options with the same name and meaning in chat completions.
_SAME = ("temperature", "top_p", "parallel_tool_calls", "top_logprobs", "service_tier")


class ResponseCreateIn(BaseModel):
    """`POST /v1/responses`; fields this service does not use are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    input: str | list[dict[str, Any]]
    model: str | None = None
    instructions: str | None = None
    previous_response_id: str | None = None
    conversation: str | dict[str, Any] | None = None
    stream: bool = False
    store: bool | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    max_output_tokens: int | None = None
    text: dict[str, Any] | None = None
    reasoning: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    user: str | None = None

    @property
    def conversation_id(self) -> str | None:
        if isinstance(self.conversation, dict):
            value = self.conversation.get("id")
            return str(value) if value else None
        return self.conversation


def input_messages(raw: str | Sequence[dict[str, Any]], field: str = "input") -> list[Message]:
    """Input items as messages; consecutive function calls form one assistant message."""
    if isinstance(raw, str):
        return [Message("user", raw)]
    messages: list[Message] = []
    for i, item in enumerate(raw):
        where = f"{field}[{i}]"
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            call = _call(item, where)
            last = messages[-1] if messages else None
            if last is not None and last.role == "assistant" and last.tool_calls:
                messages[-1] = Message(
                    "assistant", last.content, tool_calls=(*last.tool_calls, call)
                )
            else:
                messages.append(Message("assistant", "", tool_calls=(call,)))
        elif kind == "function_call_output":
            messages.append(_output(item, where))
        else:
            raise e.InvalidInput(
                f"{where}: items of type {kind!r} are not supported (messages, function_call "
                "and function_call_output are)",
                field=where,
            )
    if not messages:
        raise e.InvalidInput("input must not be empty", field=field)
    return messages


def chat_params(body: ResponseCreateIn) -> JSON:
    """The request's options as chat completion parameters."""
    params: JSON = {k: v for k in _SAME if (v := (body.model_extra or {}).get(k)) is not None}
    if body.tools:
        params["tools"] = [_tool(t, f"tools[{i}]") for i, t in enumerate(body.tools)]
    if body.tool_choice is not None:
        params["tool_choice"] = _tool_choice(body.tool_choice)
    if body.max_output_tokens is not None:
        params["max_tokens"] = body.max_output_tokens
    if body.text and isinstance(body.text.get("format"), dict):
        response_format = _format(body.text["format"])
        if response_format is not None:
            params["response_format"] = response_format
    if body.reasoning and body.reasoning.get("effort"):
        params["reasoning_effort"] = body.reasoning["effort"]
    if body.user:
        params["user"] = body.user
    return params


def _message(item: JSON, where: str) -> Message:
    role = item.get("role")
    if role not in ("user", "assistant", "system", "developer"):
        raise e.InvalidInput(
            f"{where}.role must be user, assistant, system or developer", field=where
        )
    content = item.get("content")
    if isinstance(content, str):
        return Message(str(role), content)
    if not isinstance(content, list):
        raise e.InvalidInput(f"{where}.content must be a string or a list", field=where)
    texts: list[str] = []
    parts: list[JSON] = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            texts.append(str(part.get("text") or ""))
        elif kind == "input_image" and role == "user":
            url = part.get("image_url")
            if not isinstance(url, str) or not url:
                raise e.InvalidInput(f"{where}.content[{j}].image_url is required", field=where)
            image: JSON = {"url": url}
            if part.get("detail"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file" and role == "user":
            file = {k: part[k] for k in ("file_data", "file_id", "filename") if part.get(k)}
            parts.append({"type": "file", "file": file})
        else:
            raise e.InvalidInput(f"{where}.content[{j}]: unsupported part {kind!r}", field=where)
    return Message(str(role), "".join(texts), attachments=tuple(parts))


def _call(item: JSON, where: str) -> JSON:
    call_id, name = item.get("call_id"), item.get("name")
    if not isinstance(call_id, str) or not isinstance(name, str):
        raise e.InvalidInput(f"{where}: a function_call needs call_id and name", field=where)
    arguments = item.get("arguments")
    function = {"name": name, "arguments": arguments if isinstance(arguments, str) else "{}"}
    return {"id": call_id, "type": "function", "function": function}


def _output(item: JSON, where: str) -> Message:
    call_id, output = item.get("call_id"), item.get("output")
    if not isinstance(call_id, str) or not call_id:
        raise e.InvalidInput(f"{where}.call_id is required", field=where)
    if isinstance(output, list):
        output = "".join(str(p.get("text") or "") for p in output if isinstance(p, dict))
    if not isinstance(output, str):
        raise e.InvalidInput(f"{where}.output must be a string", field=where)
    return Message("tool", output, tool_call_id=call_id)


def _tool(tool: JSON, where: str) -> JSON:
    if tool.get("type") != "function" or not isinstance(tool.get("name"), str):
        raise e.InvalidInput(
            f"{where}: only function tools are supported (the gateway runs chat completions)",
            field=where,
        )
    function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool}
    return {"type": "function", "function": function}


def _tool_choice(choice: str | JSON) -> str | JSON:
    if isinstance(choice, str):
        return choice
    if choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise e.InvalidInput(
        "tool_choice must be auto, none, required or a function", field="tool_choice"
    )


def _format(fmt: JSON) -> JSON | None:
    kind = fmt.get("type")
    if kind == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return {"type": "json_schema", "json_schema": schema}
    if kind == "json_object":
        return {"type": "json_object"}
    return None
