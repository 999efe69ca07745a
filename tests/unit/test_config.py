"""Settings read from the environment."""

from __future__ import annotations

import pytest

from mcp_service.config import Settings


def test_lists_are_comma_separated_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_LLM_FALLBACK_MODELS", "gpt-4o, gpt-4o-mini")
    monkeypatch.setenv("MCP_ALLOWED_HOSTS", "devbox.lan")
    monkeypatch.setenv("MCP_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:5173")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.llm_fallback_models == ["gpt-4o", "gpt-4o-mini"]
    assert settings.allowed_hosts == ["devbox.lan"]
    assert settings.allowed_origins == ["http://localhost:3000", "http://127.0.0.1:5173"]
