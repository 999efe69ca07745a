"""`GET /metrics` (Prometheus text format) and the middleware timing every HTTP request
by its route template (`/v1/sessions/{session_id}/chat`, never the raw path)."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_service.api.deps import ContainerDep
from mcp_service.services.observability import queue_depth

router = APIRouter(tags=["operations"])
UNMATCHED = "<unmatched>"


@router.get("/metrics", include_in_schema=False)
async def metrics(c: ContainerDep) -> Response:
    """Unauthenticated like /livez: expose it to the scraper's network only."""
    c.metrics.job_queue(await queue_depth(c.deps.uow, c.deps.now()))
    return Response(c.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def route_of(scope: Scope) -> str:
    """The matched route's template, or a fixed label (unmatched paths are unbounded)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """Pure ASGI (streams pass through untouched); a stream is timed to its last byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            container = getattr(scope["app"].state, "container", None)
            if container is not None:
                seconds = time.perf_counter() - started
                container.metrics.request(scope["method"], route_of(scope), status, seconds)
