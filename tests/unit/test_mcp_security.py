"""The Host/Origin rule of /mcp without auth (api/mcp/security.py)."""

from __future__ import annotations

import pytest

from mcp_service.api.mcp.security import allowed_origin, browser_refusal, loopback_host


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]", "[::1]:8080"],
)
def test_loopback_hosts(host: str) -> None:
    assert loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "evil.example",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "127.0.0.1:",
        "127.0.0.1:80x",
        "[::1]x",
        "::1",
        "127.0.0.2",
        "localhost:123456",
    ],
)
def test_other_hosts(host: str | None) -> None:
    assert not loopback_host(host)


def test_only_the_own_origin_and_the_configured_ones() -> None:
    host = "127.0.0.1:8080"
    extra = ["http://localhost:6274"]
    assert allowed_origin(None, host, extra)
    assert allowed_origin("http://127.0.0.1:8080", host, extra)
    assert allowed_origin("https://127.0.0.1:8080/", host, extra)
    assert allowed_origin("HTTP://LOCALHOST:6274", host, extra)
    assert not allowed_origin("http://localhost:8080", host, extra)
    assert not allowed_origin("http://127.0.0.1:3000", host, extra)
    assert not allowed_origin("null", host, extra)
    assert browser_refusal("evil.example", None, extra) == 421
    assert browser_refusal(host, "http://localhost:3000", extra) == 403
    assert browser_refusal(host, "http://127.0.0.1:8080", extra) is None
