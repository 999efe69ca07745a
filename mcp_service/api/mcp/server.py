"""The /mcp endpoint and the MCP server behind it (official `mcp` SDK, streamable HTTP).

Callers authenticate exactly like the REST API (`Authorization: Bearer` or `X-API-Key`,
resolved by `get_principal`; with auth disabled, the default tenant). The transport is
stateless — every request stands alone, answered with JSON — so any replica can serve
any call and nothing is kept in process memory between requests. For the same reason the
server sends no notifications: `logging/setLevel` is accepted (older clients send it)
and changes nothing, and resource subscriptions are not offered.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import (
    CompleteRequestParams,
    EmptyResult,
    GetPromptRequestParams,
    PaginatedRequestParams,
    SetLevelRequestParams,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from mcp_service import __version__
from mcp_service.api.deps import ContainerDep, PrincipalDep
from mcp_service.api.mcp import prompts, resources
from mcp_service.api.mcp.caller import STATE_KEY, Caller
from mcp_service.api.mcp.security import browser_refusal
from mcp_service.api.mcp.tools import TOOLS

INSTRUCTIONS = (
    "Conversational memory for LLM applications. Sessions hold a conversation's turns, "
    "facts (session state) and a rolling summary; collections hold knowledge documents. "
    "Use get_context to see the token-budgeted prompt the service would build for a "
    "message, search_knowledge to look things up, append_turn and remember_fact to write "
    "memory, list_sessions and get_summary to find and review conversations. Each session "
    "is also a resource (memory://sessions/{id}/summary, /turns, /state), and the "
    "continue_conversation prompt picks a conversation up where it left off."
)

router = APIRouter(include_in_schema=False)


@router.api_route("/mcp", methods=["GET", "POST", "DELETE"])
async def mcp_endpoint(request: Request, principal: PrincipalDep, c: ContainerDep) -> Response:
    """Authenticate like any REST call, then hand the request to the MCP transport."""
    if c.settings.auth_mode == "disabled":
        status = browser_refusal(
            request.headers.get("host"), request.headers.get("origin"), c.settings.allowed_origins
        )
        if status is not None:
            reason = "Host" if status == 421 else "Origin"
            return Response(f"Invalid {reason} header", status_code=status)
    request.scope.setdefault("state", {})[STATE_KEY] = Caller(principal, c)
    server: MCPServer = request.app.state.mcp_server
    return _Passthrough(server.session_manager.handle_request)


class _Passthrough(Response):
    """A response that lets an ASGI app answer the request itself."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__()
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def install(app: FastAPI) -> MCPServer:
    """Create the MCP server for `app`; run `server.session_manager.run()` in its lifespan."""
    server = MCPServer(
        "mcp-service", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )
    for fn, hints in TOOLS:
        server.add_tool(fn, description=(fn.__doc__ or "").strip(), annotations=hints)
    resources.register(server)
    _serve_methods(_lowlevel(server))
    # Host/Origin are checked by `mcp_endpoint` (our rule, see security.py); the SDK's own
    # check stays off so that one rule decides.
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    app.state.mcp_server = server
    app.include_router(router)
    return server


def _serve_methods(low: Server[Any]) -> None:
    """Methods that need the caller (MCPServer's own completion hook gets no request
    context), that MCPServer answers with non-standard error codes (prompts), or that it
    does not serve: the tenant's resources/list, the prompt, completion, and
    logging/setLevel for clients before the 2026-07-28 revision."""
    low.add_request_handler(
        "resources/list", PaginatedRequestParams, resources.list_session_resources
    )
    low.add_request_handler("prompts/list", PaginatedRequestParams, prompts.list_prompts)
    low.add_request_handler("prompts/get", GetPromptRequestParams, prompts.get_prompt)
    low.add_request_handler("completion/complete", CompleteRequestParams, prompts.complete)
    low.add_request_handler("logging/setLevel", SetLevelRequestParams, _set_level)


async def _set_level(
    ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams
) -> EmptyResult:
    # Stateless JSON responses carry no notifications, so there is nothing to filter.
    return EmptyResult()


def _lowlevel(server: MCPServer) -> Server[Any]:
    # The SDK (pinned) documents `Server.add_request_handler` for these methods, and
    # MCPServer keeps its Server private; tests/api/test_mcp_*.py notice if that moves.
    low: Server[Any] = server._lowlevel_server
    return low
