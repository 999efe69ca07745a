"""`chat`: talk to a session of a running service in the terminal, replies streamed.

Commands inside the chat: `/report` shows what the model saw for the last reply (the
context report), `/help`, `/quit` (or Ctrl-D).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

import httpx

HELP = "commands: /report (context report of the last reply), /help, /quit"


class ChatTerminal:
    """The interactive loop; `read` and `out` are injectable for tests."""

    def __init__(
        self, http: httpx.Client, session_id: str, *, show_report: bool, out: TextIO
    ) -> None:
        self.http = http
        self.session_id = session_id
        self.show_report = show_report
        self.out = out
        self.last_report: dict[str, Any] | None = None

    def run(self, read: Callable[[str], str]) -> int:
        self.say(f"session {self.session_id!r} at {self.http.base_url} — {HELP}")
        while True:
            try:
                line = read("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.say("")
                return 0
            if not line:
                continue
            if line in ("/quit", "/exit"):
                return 0
            if line == "/help":
                self.say(HELP)
            elif line == "/report":
                self.say(render_report(self.last_report))
            else:
                self.send(line)

    def send(self, message: str) -> None:
        url = f"/v1/sessions/{self.session_id}/chat"
        try:
            with self.http.stream("POST", url, json={"message": message, "stream": True}) as r:
                if r.status_code != 200:
                    r.read()
                    self.say(f"[error {r.status_code}] {_detail(r)}")
                    return
                self.out.write("assistant> ")
                for line in r.iter_lines():
                    self._event(line)
        except httpx.HTTPError as exc:
            self.say(f"[connection error] {exc}")

    def _event(self, line: str) -> None:
        if not line.startswith("data: ") or line == "data: [DONE]":
            return
        event = json.loads(line[6:])
        if isinstance(event.get("error"), dict):
            self.say(f"\n[stream error] {event['error'].get('message')}")
        elif event.get("object") == "mcp.chat.result":
            self.last_report = event.get("report")
            self.say("")
            if self.show_report:
                self.say(render_report(self.last_report))
        else:
            for choice in event.get("choices") or []:
                self.out.write((choice.get("delta") or {}).get("content") or "")
            self.out.flush()

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def render_report(report: dict[str, Any] | None) -> str:
    """The context report as a small table: what each prompt section used and dropped."""
    if not report:
        return "no reply yet: send a message first"
    rows = [f"{'section':<10} {'tokens':>7} {'alloc':>7} {'in':>4} {'out':>4}  status"]
    for name, s in (report.get("sections") or {}).items():
        allocated = s.get("allocated")
        rows.append(
            f"{name:<10} {s.get('tokens', 0):>7} {allocated if allocated is not None else '-':>7} "
            f"{len(s.get('included') or []):>4} {len(s.get('dropped') or []):>4}  "
            f"{s.get('status', '')}"
        )
    rows.append(f"total {report.get('total_tokens')} of a budget of {report.get('budget')} tokens")
    return "\n".join(rows)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail") or body.get("error") or body)


def cmd_chat(args: argparse.Namespace) -> int:
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - line editing and history for input()
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    timeout = httpx.Timeout(300.0, connect=5.0)
    with httpx.Client(base_url=args.url, headers=headers, timeout=timeout) as http:
        terminal = ChatTerminal(http, args.session, show_report=args.report, out=sys.stdout)
        return terminal.run(input)


def register(sub: Any) -> None:
    chat = sub.add_parser("chat", help="chat with a session in the terminal (streamed replies)")
    chat.add_argument("--session", required=True, help="session id (created on first use)")
    chat.add_argument(
        "--url", default=os.environ.get("MCP_URL", "http://127.0.0.1:8080"), help="service URL"
    )
    chat.add_argument(
        "--api-key", default=os.environ.get("MCP_API_KEY"), help="API key (or MCP_API_KEY)"
    )
    chat.add_argument(
        "--report", action="store_true", help="print the context report after every reply"
    )
    chat.set_defaults(func=cmd_chat)
