"""Domain errors → RFC 9457 problem+json responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from mcp_service.domain import errors as e
from mcp_service.domain.guardrails import QuotaExceeded
from mcp_service.domain.pii import PiiBlocked

log = logging.getLogger(__name__)

STATUS: list[tuple[type[e.DomainError], int, str]] = [
    (e.NotFound, 404, "Not Found"),
    (e.AlreadyExists, 409, "Conflict"),
    (e.Conflict, 409, "Conflict"),
    (e.PayloadTooLarge, 413, "Payload Too Large"),
    (e.ContextTooLarge, 413, "Context Too Large"),
    (e.InvalidInput, 422, "Invalid Input"),
    (e.IdempotencyConflict, 422, "Idempotency Key Reused"),
    (e.IdempotencyInProgress, 409, "Idempotency Key In Use"),
    (e.Unauthorized, 401, "Unauthorized"),
    (e.Forbidden, 403, "Forbidden"),
    (e.RateLimited, 429, "Too Many Requests"),
    (e.GatewayTimeout, 504, "LLM Gateway Timeout"),
    (e.GatewayError, 502, "LLM Gateway Error"),
    (e.VectorStoreMismatch, 500, "Vector Store Mismatch"),
    (e.VectorStoreUnavailable, 503, "Vector Store Unavailable"),
]
PROBLEM = "application/problem+json"


def status_for(exc: e.DomainError) -> tuple[int, str]:
    for cls, status, title in STATUS:
        if isinstance(exc, cls):
            return status, title
    return 400, "Bad Request"


def problem(
    status: int, title: str, detail: str, instance: str, extra: dict[str, object] | None = None
) -> JSONResponse:
    body: dict[str, object] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.DomainError)
    status, title = status_for(exc)
    extra: dict[str, object] = {"field": exc.field} if exc.field else {}
    if isinstance(exc, QuotaExceeded):
        extra.update(quota=exc.quota, scope=exc.scope, limit=exc.limit)
    if isinstance(exc, PiiBlocked):
        extra["pii_kinds"] = exc.kinds
    response = problem(status, title, exc.message, request.url.path, extra)
    if isinstance(exc, e.RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, e.Unauthorized):
        response.headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, e.IdempotencyInProgress):
        response.headers["Retry-After"] = "1"
    return response


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{x['field'] or 'body'}: {x['message']}" for x in errors)
    return problem(422, "Invalid Input", detail, request.url.path, {"errors": errors})


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem(exc.status_code, str(exc.detail), str(exc.detail), request.url.path)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:  # every method of the path (Starlette names one route's)
        response.headers["Allow"] = ", ".join(sorted(_allowed(request)))
    return response


def _allowed(request: Request) -> set[str]:
    routes = request.app.router.routes
    allowed = set()
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            allowed.add(method)
    return allowed


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
