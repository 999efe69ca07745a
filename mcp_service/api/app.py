"""The ASGI application: routers, error handlers, and the container's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from mcp_service import __version__
from mcp_service.api import console, errors, limits, metrics
from mcp_service.api.guardrails import audit, quotas
from mcp_service.api.hardening import openapi
from mcp_service.api.hardening.inputs import check_request_inputs
from mcp_service.api.hardening.local_only import LocalOnlyMiddleware
from mcp_service.api.hardening.unhandled import UnhandledErrorMiddleware
from mcp_service.api.logging import RequestContextMiddleware
from mcp_service.api.mcp import install as install_mcp
from mcp_service.api.openai import conversations_routes, responses_routes
from mcp_service.api.routes import (
    admin,
    collections,
    conversation,
    health,
    jobs,
    openai_compat,
    retention,
    sessions,
    usage,
    users,
)
from mcp_service.bootstrap import Container, build_container
from mcp_service.config import Settings, get_settings


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app. With a container given (tests), the caller owns its lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with serve_container(app), mcp.session_manager.run():  # MCP needs a task group
            yield

    @asynccontextmanager
    async def serve_container(app: FastAPI) -> AsyncIterator[None]:
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
        dependencies=[Depends(check_request_inputs)],  # ids, NUL, lone surrogates: every route
    )
    if container is not None:
        app.state.container = container
    errors.install(app)
    openapi.install(app)  # every operation's error answers, in the media type sent
    limits.install(app)  # body size, before anything parses the body
    audit.install(app)  # admin actions → the audit log
    for module in (health, sessions, conversation, collections, jobs):
        app.include_router(module.router)
    for module in (admin, retention, users, usage, openai_compat, metrics, quotas, audit):
        app.include_router(module.router)
    for module in (responses_routes, conversations_routes):
        app.include_router(module.router)
    mcp = install_mcp(app)
    console.install(app, settings or (container.settings if container else get_settings()))
    app.add_middleware(LocalOnlyMiddleware)  # Host/Origin with auth disabled; no form bodies
    app.add_middleware(metrics.MetricsMiddleware)
    app.add_middleware(UnhandledErrorMiddleware)  # a structured 500, never bare text
    app.add_middleware(RequestContextMiddleware)  # outermost: every log line has the id
    return app
