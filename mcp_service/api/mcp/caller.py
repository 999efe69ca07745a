"""Who is calling /mcp, what they may do, and the arguments they send.

The HTTP endpoint authenticates like every REST call and leaves a `Caller` in the request
scope; tools, resources, prompts and completions read it from there. Arguments are checked
like the REST API checks the same fields (a session id matches the REST id pattern, no NUL
in text), and a failure is a clear error naming the field, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, INVALID_REQUEST
from pydantic import Field

from mcp_service.api.deps import Principal
from mcp_service.api.schemas.conversation import ID_PATTERN, NAME_PATTERN
from mcp_service.bootstrap import Container
from mcp_service.domain.errors import DomainError, Forbidden, InvalidInput
from mcp_service.services.conversation.memory_tools import reject_nul

STATE_KEY = "mcp_caller"
_ID = re.compile(ID_PATTERN.removesuffix("$"))
_NAME = re.compile(NAME_PATTERN.removesuffix("$"))
ID_RULE = "1 to 200 characters: letters, digits and . _ : @ -, starting with a letter or digit"

SessionIdArg = Annotated[
    str,
    Field(
        description=f"the conversation's session id ({ID_RULE})",
        json_schema_extra={"pattern": ID_PATTERN, "maxLength": 200},
    ),
]


@dataclass(frozen=True)
class Caller:
    principal: Principal
    container: Container

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    def require(self, *roles: str) -> None:
        held = self.principal.roles
        if "admin" not in held and not held.intersection(roles):
            raise Forbidden(f"this needs an API key with one of the roles {sorted(roles)}")

    def holds(self, *roles: str) -> bool:
        held = self.principal.roles
        return "admin" in held or bool(held.intersection(roles))


def caller_of(request: Any) -> Caller:
    """The caller that the /mcp endpoint stored in the request scope."""
    state = getattr(request, "scope", {}).get("state") or {}
    caller = state.get(STATE_KEY)
    if not isinstance(caller, Caller):
        raise Forbidden("not authenticated")
    return caller


def context_caller(ctx: Context) -> Caller:
    return caller_of(ctx.request_context.request)


def session_caller(ctx: Context, session_id: str) -> Caller:
    """The caller of a call on one session: it needs the chat role and a valid id."""
    caller = context_caller(ctx)
    caller.require("chat")
    session_id_arg(session_id)
    return caller


def session_id_arg(value: str, field: str = "session_id") -> str:
    """A session id as the REST API accepts it (so every route can address it)."""
    if not _ID.fullmatch(value):
        raise InvalidInput(f"{field} must be {ID_RULE}", field=field)
    return value


def name_arg(value: str, field: str) -> str:
    if not _NAME.fullmatch(value):
        raise InvalidInput(
            f"{field} must be 1 to 200 characters: letters, digits and . _ -", field=field
        )
    return value


def text_arg(value: str, field: str, *, max_chars: int | None = None) -> str:
    reject_nul(value, field)
    if max_chars is not None and len(value) > max_chars:
        raise InvalidInput(f"{field} must be at most {max_chars} characters", field=field)
    return value


@contextmanager
def tool_errors() -> Iterator[None]:
    """Domain errors become tool errors: `isError` results the agent can read and fix."""
    try:
        yield
    except DomainError as exc:
        raise ToolError(exc.message) from exc


@contextmanager
def protocol_errors() -> Iterator[None]:
    """Domain errors of resources, prompts and completions become JSON-RPC errors: a missing
    or foreign session and bad arguments are invalid params, a missing role is refused."""
    try:
        yield
    except Forbidden as exc:
        raise MCPError(code=INVALID_REQUEST, message=exc.message) from exc
    except DomainError as exc:
        raise MCPError(code=INVALID_PARAMS, message=exc.message) from exc
