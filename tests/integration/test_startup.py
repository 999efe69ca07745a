"""Start-up against a database that is not at the migration head: `serve` stops at once
with one line naming `mcp-service migrate`, unless told to migrate (`--migrate`,
`MCP_AUTO_MIGRATE=true`); SQLite, the embedded default, keeps migrating itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_service.adapters.db.engine import current_revision, head_revision, make_engine
from mcp_service.bootstrap import DatabaseNotReady, prepare_database
from mcp_service.cli import build_parser
from mcp_service.config import Settings


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "mcp_service.cli", *args],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,  # a safety net only: the refusal takes a second or two
    )


def test_serve_refuses_an_unmigrated_postgres_database(empty_pg_url: str, tmp_path: Path) -> None:
    env = {"MCP_DATABASE_URL": empty_pg_url, "MCP_DATA_DIR": str(tmp_path), "MCP_AUTH": "required"}
    done = run_cli("serve", "--port", "0", env=env, cwd=tmp_path)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "mcp-service migrate" in lines[0]
    assert "Traceback" not in done.stderr


def test_the_worker_refuses_it_too(empty_pg_url: str, tmp_path: Path) -> None:
    env = {"MCP_DATABASE_URL": empty_pg_url, "MCP_DATA_DIR": str(tmp_path)}
    done = run_cli("worker", "--drain", env=env, cwd=tmp_path)
    assert done.returncode != 0
    assert "mcp-service migrate" in done.stderr
    assert "Traceback" not in done.stderr


async def test_prepare_raises_naming_the_command(empty_pg_url: str) -> None:
    settings = Settings(database_url=empty_pg_url, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(DatabaseNotReady, match="mcp-service migrate"):
        await prepare_database(settings)


@pytest.mark.parametrize("how", ["flag", "setting"])
async def test_it_migrates_when_asked(empty_pg_url: str, how: str) -> None:
    auto = how == "setting"
    settings = Settings(database_url=empty_pg_url, auto_migrate=auto, _env_file=None)  # type: ignore[call-arg]
    await prepare_database(settings, migrate=True if how == "flag" else None)
    engine = make_engine(empty_pg_url)
    try:
        assert await current_revision(engine) == head_revision(empty_pg_url)
    finally:
        await engine.dispose()


def test_serve_takes_a_migrate_flag() -> None:
    args = build_parser().parse_args(["serve", "--migrate"])
    assert args.migrate is True
    assert build_parser().parse_args(["serve"]).migrate is False


async def test_sqlite_migrates_itself(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    await prepare_database(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    engine = make_engine(url)
    try:
        assert await current_revision(engine) == head_revision(url)
    finally:
        await engine.dispose()


def test_key_commands_say_it_in_one_line_too(empty_pg_url: str, tmp_path: Path) -> None:
    env = {"MCP_DATABASE_URL": empty_pg_url, "MCP_DATA_DIR": str(tmp_path)}
    done = run_cli("keys", "create", "--tenant", "t", "--role", "chat", env=env, cwd=tmp_path)
    assert done.returncode != 0
    assert "mcp-service migrate" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_database_is_one_line_as_well(tmp_path: Path) -> None:
    env = {"MCP_DATABASE_URL": "postgresql+asyncpg://postgres:pw@127.0.0.1:1/none"}
    done = run_cli("serve", "--port", "0", env={**env, "MCP_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert done.returncode != 0
    assert done.stderr.startswith("mcp-service: cannot reach the database")
    assert "pw" not in done.stderr  # the password is masked
