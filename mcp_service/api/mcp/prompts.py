"""The "continue this conversation" prompt, and completion of session ids for it and for
the session resources.

`continue_conversation` hands an MCP client the context the service itself would assemble
for the next message of a session (summary, facts, retrieved knowledge, recalled and recent
turns, within the token budget), as user and assistant messages: MCP prompts have no system
role, so the service's system-role sections arrive as user messages, in place.

Both prompt methods are served here rather than by MCPServer's prompt manager, so that an
unknown prompt or a missing argument is a proper invalid-params error.
"""

from __future__ import annotations

from typing import Any, Literal

from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CompleteRequestParams,
    CompleteResult,
    Completion,
    GetPromptRequestParams,
    GetPromptResult,
    ListPromptsResult,
    PaginatedRequestParams,
    Prompt,
    PromptArgument,
    PromptMessage,
    PromptReference,
    ResourceTemplateReference,
    TextContent,
)

from mcp_service.api.mcp.caller import ID_RULE, caller_of, protocol_errors, session_id_arg, text_arg
from mcp_service.api.mcp.resources import TEMPLATES
from mcp_service.domain.model import Message
from mcp_service.domain.sections import is_reference

PROMPT = Prompt(
    name="continue_conversation",
    title="Continue this conversation",
    description=(
        "Continue a conversation where it left off: its summary, facts, relevant knowledge "
        "and most recent turns, as the memory service assembles them for the next message."
    ),
    arguments=[
        PromptArgument(name="session_id", description=f"the session ({ID_RULE})", required=True),
        PromptArgument(
            name="message",
            description="the next message (optional; by default a request to carry on)",
            required=False,
        ),
    ],
)
CONTINUE = "Let's continue where we left off."
MAX_COMPLETIONS = 100  # the most values one completion result may carry


async def list_prompts(
    ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
) -> ListPromptsResult:
    return ListPromptsResult(prompts=[PROMPT])


async def get_prompt(
    ctx: ServerRequestContext[Any, Any], params: GetPromptRequestParams
) -> GetPromptResult:
    if params.name != PROMPT.name:
        raise MCPError(code=INVALID_PARAMS, message=f"unknown prompt {params.name!r}")
    arguments = params.arguments or {}
    if "session_id" not in arguments:
        raise MCPError(code=INVALID_PARAMS, message="the argument session_id is required")
    with protocol_errors():
        caller = caller_of(ctx.request)
        caller.require("chat")
        session_id = session_id_arg(arguments["session_id"])
        message = text_arg(arguments.get("message") or "", "message").strip() or CONTINUE
        await caller.container.sessions.get(caller.tenant_id, session_id)  # it must exist
        _, built = await caller.container.context.build(caller.tenant_id, session_id, message)
    return GetPromptResult(
        description=f"Continue conversation {session_id}", messages=prompt_messages(built.messages)
    )


def prompt_messages(messages: list[Message]) -> list[PromptMessage]:
    """User and assistant turns stay; a run of the service's own sections (the system
    prompt, the fenced reference sections, tool output) becomes one user message at its
    place, each part labelled with its role."""
    out: list[PromptMessage] = []
    notes: list[str] = []
    for m in messages:
        if m.role not in ("user", "assistant") or is_reference(m):
            if m.content:
                notes.append(f"[{m.role}]\n{m.content}")
            continue
        if notes:
            out.append(_text("user", "\n\n".join(notes)))
            notes = []
        if m.content:
            out.append(_text("user" if m.role == "user" else "assistant", m.content))
    if notes:
        out.append(_text("user", "\n\n".join(notes)))
    return out


async def complete(
    ctx: ServerRequestContext[Any, Any], params: CompleteRequestParams
) -> CompleteResult:
    """Session ids of the caller's tenant for any `session_id` argument of the prompt or
    the session resources; nothing for other arguments, other references or without the
    chat role (a completion is a hint, never an error)."""
    values: list[str] = []
    more = False
    prefix = params.argument.value
    wanted = params.argument.name == "session_id" and _takes_session(params.ref)
    if wanted and "\x00" not in prefix and len(prefix) <= 200:
        with protocol_errors():
            caller = caller_of(ctx.request)
            if caller.holds("chat"):
                values, more = await caller.container.tools.session_ids(
                    caller.tenant_id, prefix, limit=MAX_COMPLETIONS
                )
    return CompleteResult(completion=Completion(values=values, has_more=more))


def _takes_session(ref: PromptReference | ResourceTemplateReference) -> bool:
    if isinstance(ref, PromptReference):
        return ref.name == PROMPT.name
    return ref.uri in TEMPLATES.values()


def _text(role: Literal["user", "assistant"], text: str) -> PromptMessage:
    return PromptMessage(role=role, content=TextContent(type="text", text=text))
