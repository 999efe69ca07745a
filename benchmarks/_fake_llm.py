"""A light fake OpenAI-compatible gateway for load tests, in its own process.

    python -m benchmarks._fake_llm --delay-ms 50    # prints "PORT <n>", serves until SIGTERM

tests/fake_gateway.py (a thread-per-connection `http.server` inside the test process) is
made for control, not throughput: under load its GIL would be shared with the load
generator and skew both sides of the comparison. This one is a single asyncio server with
HTTP/1.1 keep-alive, in a process of its own; it parses each request's JSON (as a real
gateway would), waits `--delay-ms`, and answers `POST /v1/chat/completions` with a short
completion and `usage`, and `GET /v1/models`. Streaming is not supported (400).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from typing import Any

REPLY = "Sure. Here is a short answer from the benchmark's fake model."


def completion(body: dict[str, Any]) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content") or "")) // 4 for m in body.get("messages", []))
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": REPLY},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": 12, "total_tokens": prompt + 12},
    }


def response(status: int, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


class FakeLLM:
    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.served = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                length = 0
                for line in header_lines:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                raw = await reader.readexactly(length) if length else b""
                writer.write(await self.answer(method, path, raw))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    async def answer(self, method: str, path: str, raw: bytes) -> bytes:
        if method == "GET" and path.rstrip("/") == "/v1/models":
            return response(200, {"object": "list", "data": [{"id": "fake-model"}]})
        if method != "POST" or path != "/v1/chat/completions":
            return response(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
        body = json.loads(raw)
        if body.get("stream"):
            error = {"message": "the benchmark fake does not stream", "type": "invalid_request"}
            return response(400, {"error": error})
        if self.delay_s > 0:
            await asyncio.sleep(self.delay_s)
        self.served += 1
        return response(200, completion(body))


async def serve(delay_ms: float, port: int) -> None:
    fake = FakeLLM(delay_ms / 1000)
    server = await asyncio.start_server(fake.handle, "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._fake_llm")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(serve(args.delay_ms, args.port))


if __name__ == "__main__":
    main()
