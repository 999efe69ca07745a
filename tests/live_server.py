"""The service on a real uvicorn, on a loopback port, in a background thread.

It builds its own container inside the server thread's event loop (database engines and
locks belong to one loop), so a test talks to it over HTTP only — with the official
`openai` and `mcp` clients, or `httpx` when it needs to hang up mid-stream.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType
from typing import Any, Self

import uvicorn

from mcp_service.api.app import create_app
from mcp_service.bootstrap import Container, build_container, open_key_service
from mcp_service.config import Settings
from mcp_service.domain.access import Operator


class LiveServer:
    def __init__(self, settings: Settings, embedder: Any) -> None:
        self.settings = settings
        self.embedder = embedder
        self.container: Container | None = None
        self._server: uvicorn.Server | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def start(self) -> Self:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the live server did not start within 60 s")
        if self._error is not None or self._server is None or not self._server.started:
            raise RuntimeError("the live server failed to start") from self._error
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test thread by start()
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        container = await build_container(
            self.settings, embedder=self.embedder, run_migrations=False
        )
        self.container = container
        try:
            app = create_app(self.settings, container)
            config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
            self._server = _Server(config, self._ready)
            await self._server.serve(sockets=[self._sock])
        finally:
            await container.aclose()


async def make_key(settings: Settings, tenant_id: str, *roles: str) -> str:
    """A new key of `tenant_id` (created if missing), written straight to the server's
    database (the server's container lives on its own thread's loop)."""
    keys, engine = await open_key_service(settings)
    try:
        _, secret = await keys.create(
            Operator(tenant_id, superadmin=True),
            tenant_id=tenant_id,
            roles=list(roles),
            create_tenant=True,
        )
    finally:
        await engine.dispose()
    return secret


class _Server(uvicorn.Server):
    """Says when it is listening (uvicorn has no event for that)."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready_event = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._ready_event.set()
