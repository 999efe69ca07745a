"""`mcp-service chat`: the terminal client streams replies and shows the context report."""

from __future__ import annotations

import io

import httpx
import pytest

from mcp_service.cli import build_parser
from mcp_service.cli.chat import ChatTerminal
from tests.fake_gateway import FakeGateway
from tests.live_server import LiveServer


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_terminal_chat_streams_and_shows_the_report(live: LiveServer, gateway: FakeGateway) -> None:
    gateway.reply = "Hello Dana, nice to meet you."
    script = iter(["Hi, I am Dana.", "", "/report", "/help", "What is my name?", "/quit"])
    out = io.StringIO()
    with httpx.Client(base_url=live.url, timeout=10) as http:
        code = ChatTerminal(http, "cli-1", show_report=False, out=out).run(lambda _: next(script))
        turns = http.get("/v1/sessions/cli-1/turns").json()["items"]
    assert code == 0
    text = out.getvalue()
    assert text.count("assistant> Hello Dana, nice to meet you.") == 2
    assert "section" in text and "recent" in text and "budget" in text
    assert "/report" in text  # the help line
    assert [t["role"] for t in turns] == ["user", "assistant"] * 2
    assert {"role": "user", "content": "Hi, I am Dana."} in gateway.requests[-1]["messages"]


def test_the_chat_command_is_registered() -> None:
    args = build_parser().parse_args(["chat", "--session", "s", "--report", "--api-key", "k"])
    assert args.session == "s" and args.report and args.api_key == "k"
    assert args.url.startswith("http")
