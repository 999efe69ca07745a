"""A fake OpenAI-compatible LLM gateway: a real HTTP server on a loopback port.

    with FakeGateway(reply="Hi there") as gw:
        gw.queue("fail503_retry_after", "ok")       # behaviours of the next calls, in order
        ... OpenAICompatibleGateway(gw.base_url, None, "fake-model", ...) ...
        assert gw.requests[-1]["messages"] == [...]  # every request body, as received

Behaviours (one per chat call; when the queue is empty, `default_behaviour` is used):
- "ok": a normal answer (streamed when the request says `stream: true`)
- "fail500": HTTP 500 with an OpenAI-shaped error body
- "fail503", "fail503_retry_after", "fail429": overload, the last two with `Retry-After`
- "slow": wait `slow_s` seconds, then answer as "ok"
- "stream_drop": send two content chunks, then drop the connection (no `[DONE]`)
  (`chunk_delay_s` > 0 spaces streamed chunks out, for clients that hang up midway)
- "error_json": HTTP 400 with an OpenAI-shaped `invalid_request_error` body
- "bad_json": HTTP 200 whose body is not JSON

`tool_calls` (a list, or a function of the request body returning one or None) makes the
answer a tool call instead of text: `message.tool_calls` and `finish_reason: tool_calls`,
streamed as OpenAI does (the call's id and name first, its arguments in pieces).
`usage_override` replaces the usage the gateway reports (odd values included).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

JSON = dict[str, Any]
Reply = str | Callable[[JSON], str]
ToolCalls = list[JSON] | Callable[[JSON], list[JSON] | None] | None

ERROR_STATUS = {
    "fail500": (500, "server_error", "fake upstream failure"),
    "fail503": (503, "service_unavailable", "fake model overloaded"),
    "fail503_retry_after": (503, "service_unavailable", "fake model overloaded"),
    "fail429": (429, "rate_limit_exceeded", "fake rate limit reached"),
    "error_json": (400, "invalid_request_error", "fake invalid request: max_tokens is too big"),
}


class FakeGateway:
    """Controls and recordings are plain attributes; set them from the test thread."""

    def __init__(
        self,
        reply: Reply = "Hello from the fake gateway.",
        *,
        slow_s: float = 2.0,
        retry_after: str = "0",
        models: tuple[str, ...] = ("fake-model", "fake-fallback"),
    ) -> None:
        self.reply: Reply = reply
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.models = models
        self.default_behaviour = "ok"
        self.behaviours: list[str] = []
        self.reported_model: str | None = None  # None: echo the requested model
        self.send_usage = True
        self.usage_override: JSON | None = None
        self.tool_calls: ToolCalls = None
        self.chunk_delay_s = 0.0
        self.requests: list[JSON] = []
        self.headers: list[dict[str, str]] = []
        # Behaviour "hold": the reply (a stream: after its first chunk) waits for `release`;
        # `holding` is set once a held request has arrived.
        self.holding = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeGateway is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- controls and recordings ---------------------------------------------------------
    def queue(self, *behaviours: str) -> None:
        with self._lock:
            self.behaviours.extend(behaviours)

    @property
    def models_seen(self) -> list[str]:
        return [str(body.get("model")) for body in self.requests]

    def record(self, body: JSON, headers: dict[str, str]) -> str:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self.behaviours.pop(0) if self.behaviours else self.default_behaviour

    def reply_for(self, body: JSON) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    def calls_for(self, body: JSON) -> list[JSON] | None:
        return self.tool_calls(body) if callable(self.tool_calls) else self.tool_calls

    def usage_for(self, body: JSON, reply: str) -> JSON:
        return self.usage_override if self.usage_override is not None else _usage(body, reply)

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server is closing; True when the full time passed."""
        return not self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], gateway: FakeGateway
    ) -> None:
        super().__init__(address, handler)
        self.gateway = gateway

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (deadline tests) are expected; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/v1/models":
            self._send_json(404, _error("not_found", f"no route {self.path}"))
            return
        data = [
            {"id": m, "object": "model", "owned_by": "fake"} for m in self.server.gateway.models
        ]
        self._send_json(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/v1/chat/completions":
            self._send_json(404, _error("not_found", f"no route {self.path}"))
            return
        body = json.loads(raw)
        behaviour = self.server.gateway.record(body, dict(self.headers.items()))
        try:
            self._answer(behaviour, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _answer(self, behaviour: str, body: JSON) -> None:
        gateway = self.server.gateway
        if behaviour in ERROR_STATUS:
            self._send_failure(behaviour)
        elif behaviour == "bad_json":
            self._send_raw(200, b"this is not json {", "application/json")
        elif behaviour == "slow" and not gateway.wait(gateway.slow_s):
            self.close_connection = True
        elif body.get("stream"):
            self._stream(body, drop=behaviour == "stream_drop", hold=behaviour == "hold")
        else:
            if behaviour == "hold":
                self._hold()
            self._send_json(200, _completion(gateway, body))

    def _hold(self) -> None:
        gateway = self.server.gateway
        gateway.holding.set()
        gateway.release.wait(30)  # a safety net: the test releases it

    def _send_failure(self, behaviour: str) -> None:
        status, kind, message = ERROR_STATUS[behaviour]
        headers = {}
        if behaviour in ("fail503_retry_after", "fail429"):
            headers["Retry-After"] = self.server.gateway.retry_after
        self._send_json(status, _error(kind, message), headers)

    def _stream(self, body: JSON, *, drop: bool, hold: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunks = _stream_chunks(self.server.gateway, body)
        if drop:
            for chunk in chunks[:2]:
                self._write_event(json.dumps(chunk))
            self.close_connection = True  # no terminating chunk: the client sees a cut body
            return
        for i, chunk in enumerate(chunks):
            self._write_event(json.dumps(chunk))
            if hold and i == 0:
                self._hold()
            if self.server.gateway.chunk_delay_s and not self.server.gateway.wait(
                self.server.gateway.chunk_delay_s
            ):
                return
        self._write_event("[DONE]")
        self._write_chunk(b"")

    def _write_event(self, data: str) -> None:
        self._write_chunk(f"data: {data}\n\n".encode())

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, data: JSON, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(data).encode(), "application/json", headers)

    def _send_raw(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _error(kind: str, message: str) -> JSON:
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _usage(body: JSON, reply: str) -> JSON:
    prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
    completion = len(reply.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _model(gateway: FakeGateway, body: JSON) -> str:
    return gateway.reported_model or str(body.get("model"))


def _completion(gateway: FakeGateway, body: JSON) -> JSON:
    calls = gateway.calls_for(body)
    reply = "" if calls else gateway.reply_for(body)
    message: JSON = {"role": "assistant", "content": reply}
    if calls:
        message = {"role": "assistant", "content": None, "tool_calls": calls}
    out: JSON = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": _model(gateway, body),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
    }
    if gateway.send_usage:
        out["usage"] = gateway.usage_for(body, reply)
    return out


def _stream_chunks(gateway: FakeGateway, body: JSON) -> list[JSON]:
    """One chunk per word (role on the first), a finish chunk, then usage if asked for."""
    calls = gateway.calls_for(body)
    reply = "" if calls else gateway.reply_for(body)
    model = _model(gateway, body)
    deltas = _call_deltas(calls) if calls else _text_deltas(reply)
    chunks = [_chunk(model, [_choice(d, None)]) for d in deltas]
    chunks.append(_chunk(model, [_choice({}, "tool_calls" if calls else "stop")]))
    if (body.get("stream_options") or {}).get("include_usage") and gateway.send_usage:
        chunks.append({**_chunk(model, []), "usage": gateway.usage_for(body, reply)})
    return chunks


def _text_deltas(reply: str) -> list[JSON]:
    pieces = re.findall(r"\S+\s*", reply) or [""]
    deltas: list[JSON] = [{"content": p} for p in pieces]
    deltas[0] = {"role": "assistant", **deltas[0]}
    return deltas


def _call_deltas(calls: list[JSON]) -> list[JSON]:
    """Each call's id, type and name in one delta, then its arguments in two pieces."""
    deltas: list[JSON] = [{"role": "assistant", "content": None}]
    for index, call in enumerate(calls):
        function = call.get("function") or {}
        arguments = str(function.get("arguments") or "")
        half = len(arguments) // 2
        head = {"name": function.get("name"), "arguments": ""}
        deltas.append(
            {
                "tool_calls": [
                    {"index": index, "id": call["id"], "type": "function", "function": head}
                ]
            }
        )
        for piece in (arguments[:half], arguments[half:]):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def _choice(delta: JSON, finish_reason: str | None) -> JSON:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason}


def _chunk(model: str, choices: list[JSON]) -> JSON:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
    }
