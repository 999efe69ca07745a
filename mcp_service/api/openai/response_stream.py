"""A streamed chat completion as Responses API events: `response.created`, output items
opened as their first delta arrives (text deltas, function call argument deltas), closed
at the end, then `response.completed` (or `.incomplete` / `.failed`) with the response."""

from __future__ import annotations

import json
from collections.abc import Callable

from mcp_service.api.openai.response_shapes import call_item, message_item, text_part
from mcp_service.domain.model import JSON


class ResponseEvents:
    """Turns chat chunks into event bytes; `response` builds the response object from
    (status, output items, usage)."""

    def __init__(self, key: str, response: Callable[[str, list[JSON], JSON | None], JSON]) -> None:
        self.key = key
        self.response = response
        self.sequence = 0
        self.items: list[JSON] = []  # by output index
        self.text_index: int | None = None
        self.call_index: dict[int, int] = {}  # tool call index → output index

    def start(self) -> list[bytes]:
        begun = self.response("in_progress", [], None)
        return [
            self._event("response.created", response=begun),
            self._event("response.in_progress", response=begun),
        ]

    def chunk(self, chunk: JSON) -> list[bytes]:
        out: list[bytes] = []
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if not isinstance(delta, dict) or choice.get("index", 0) != 0:
                continue
            text = delta.get("content")
            if isinstance(text, str) and text:
                out += self._text(text)
            for call in delta.get("tool_calls") or []:
                if isinstance(call, dict):
                    out += self._call(call)
        return out

    def finish(self, status: str, usage: JSON | None, error: JSON | None = None) -> list[bytes]:
        """Close the open items; the final event carries the whole response."""
        done = "completed" if status == "completed" else "incomplete"
        out: list[bytes] = []
        for index, item in enumerate(self.items):
            item["status"] = done
            if item["type"] == "message":
                part = item["content"][0]
                common = {"item_id": item["id"], "output_index": index, "content_index": 0}
                out.append(
                    self._event(
                        "response.output_text.done", **common, text=part["text"], logprobs=[]
                    )
                )
                out.append(self._event("response.content_part.done", **common, part=part))
            else:
                out.append(
                    self._event(
                        "response.function_call_arguments.done",
                        item_id=item["id"],
                        output_index=index,
                        name=item["name"],
                        arguments=item["arguments"],
                    )
                )
            out.append(self._event("response.output_item.done", output_index=index, item=item))
        final = self.response(status, self.items, usage)
        if error is not None:
            final["error"] = error
        kind = {"completed": "response.completed", "failed": "response.failed"}
        out.append(self._event(kind.get(status, "response.incomplete"), response=final))
        return out

    def _text(self, text: str) -> list[bytes]:
        out: list[bytes] = []
        if self.text_index is None:
            self.text_index = len(self.items)
            item = message_item(self.key, "", status="in_progress")
            self.items.append(item)
            out.append(
                self._event(
                    "response.output_item.added",
                    output_index=self.text_index,
                    item=dict(item, content=[]),
                )
            )
            item["content"] = [text_part("")]
            out.append(
                self._event(
                    "response.content_part.added",
                    item_id=item["id"],
                    output_index=self.text_index,
                    content_index=0,
                    part=text_part(""),
                )
            )
        item = self.items[self.text_index]
        item["content"][0]["text"] += text
        out.append(
            self._event(
                "response.output_text.delta",
                item_id=item["id"],
                output_index=self.text_index,
                content_index=0,
                delta=text,
                logprobs=[],
            )
        )
        return out

    def _call(self, delta: JSON) -> list[bytes]:
        out: list[bytes] = []
        index = delta.get("index", 0)
        function = delta.get("function") if isinstance(delta.get("function"), dict) else {}
        assert isinstance(function, dict)
        if index not in self.call_index:
            self.call_index[index] = len(self.items)
            call = {"id": delta.get("id") or "", "function": {"name": function.get("name") or ""}}
            item = call_item(self.key, index, call, status="in_progress")
            self.items.append(item)
            out.append(
                self._event(
                    "response.output_item.added",
                    output_index=self.call_index[index],
                    item=dict(item),
                )
            )
        item = self.items[self.call_index[index]]
        if delta.get("id") and not item["call_id"]:
            item["call_id"] = str(delta["id"])
        if function.get("name") and not item["name"]:
            item["name"] = str(function["name"])
        piece = function.get("arguments")
        if isinstance(piece, str) and piece:
            item["arguments"] += piece
            out.append(
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=item["id"],
                    output_index=self.call_index[index],
                    delta=piece,
                )
            )
        return out

    def _event(self, kind: str, **fields: object) -> bytes:
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return f"event: {kind}\ndata: {payload}\n\n".encode()
