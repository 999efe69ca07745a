"""The console's files: served by the app itself with a strict content security policy,
shipped inside the package (nothing fetched from elsewhere), off with MCP_CONSOLE=false."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import httpx

from mcp_service.api.app import create_app
from mcp_service.api.console import STATIC, content_version
from mcp_service.bootstrap import Container

ROOT = Path(__file__).resolve().parents[2]
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


async def test_the_console_is_served_by_the_app(client: httpx.AsyncClient) -> None:
    moved = await client.get("/console")
    assert moved.status_code == 308 and moved.headers["location"] == "/console/"
    page = await client.get("/console/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["cache-control"] == "no-cache"
    version = content_version()
    assert f'src="static/{version}/js/app.js"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    script = await client.get(f"/console/static/{version}/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["content-security-policy"] == policy
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in script.headers["cache-control"]  # the path changes with the file
    assert (await client.get(f"/console/static/{version}/js/nope.js")).status_code == 404
    assert (await client.get("/console/static/000000000000/js/app.js")).status_code == 404


async def test_mcp_console_false_turns_it_off(container: Container) -> None:
    off = container.settings.model_copy(update={"console": False})
    app = create_app(off, container)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        assert (await c.get("/console/")).status_code == 404
        assert (await c.get(f"/console/static/{content_version()}/js/app.js")).status_code == 404
        assert (await c.get("/livez")).status_code == 200


def test_nothing_is_fetched_from_another_origin() -> None:
    files = [p for p in STATIC.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".html", ".css", ".js"}
    for path in files:
        text = path.read_text().replace(SVG_NAMESPACE, "")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), path
        assert "innerHTML" not in text and "eval(" not in text, path  # text goes in as text


def test_every_console_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["mcp_service.api.console"]
    package = STATIC.parent
    for path in STATIC.rglob("*"):
        if path.is_file():
            relative = path.relative_to(package)
            assert any(relative.match(p) for p in patterns), relative
