"""The ASGI application: routers, error handlers, and the container's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mcp_service import __version__
from mcp_service.api import errors
from mcp_service.api.routes import collections, conversation, health, sessions
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings, get_settings


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app. With a container given (tests), the caller owns its lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container is not None:
            app.state.container = container
            yield
            return
        built = await build_container(settings or get_settings())
        app.state.container = built
        halt = built.start_background() if built.settings.worker_enabled else None
        try:
            yield
        finally:
            if halt is not None:
                await halt()
            await built.aclose()

    app = FastAPI(
        title="mcp-service",
        version=__version__,
        summary="Conversational context and memory for LLM applications",
        lifespan=lifespan,
    )
    if container is not None:
        app.state.container = container
    errors.install(app)
    for module in (health, sessions, conversation, collections):
        app.include_router(module.router)
    return app
