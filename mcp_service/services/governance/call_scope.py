"""Who is calling and for which session: request-scoped context for the guardrails.

The LLM gateway port carries only messages, so the guardrails that wrap it (PII
redaction, quota accounting) learn the tenant, the session and the API key from here:
the API layer sets the caller once it has authenticated the key, and the prompt-building
step binds the session it builds for (`GuardedContextService`, `ScopedSummarizer`).
Context variables follow the request's task and the tasks it starts, never another
request's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from mcp_service.domain.model import JSON
from mcp_service.domain.pii import Mode


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: its tenant and key (None when auth is disabled)."""

    tenant_id: str
    key_id: str | None = None
    superadmin: bool = False


@dataclass(frozen=True)
class SessionScope:
    """The session a prompt is being built for, and the context report to annotate."""

    tenant_id: str
    session_id: str
    report: JSON | None = None
    mode: Mode | None = None  # the PII redaction mode, when already read


class CallerSlot:
    """A mutable holder an outer layer (the audit middleware) installs before the app
    runs, so it can read the caller afterwards even across task boundaries."""

    caller: Caller | None = None


_caller: ContextVar[Caller | None] = ContextVar("mcp_caller", default=None)
_slot: ContextVar[CallerSlot | None] = ContextVar("mcp_caller_slot", default=None)
_session: ContextVar[SessionScope | None] = ContextVar("mcp_session_scope", default=None)


def set_caller(caller: Caller) -> None:
    _caller.set(caller)
    slot = _slot.get()
    if slot is not None:
        slot.caller = caller


def current_caller() -> Caller | None:
    return _caller.get()


@contextmanager
def caller_slot() -> Iterator[CallerSlot]:
    slot = CallerSlot()
    token = _slot.set(slot)
    try:
        yield slot
    finally:
        _slot.reset(token)


def bind_session(scope: SessionScope) -> None:
    """From here on (in this task and those it starts), gateway calls are for `scope`."""
    _session.set(scope)


@contextmanager
def session_scope(scope: SessionScope) -> Iterator[None]:
    token = _session.set(scope)
    try:
        yield
    finally:
        _session.reset(token)


def current_session() -> SessionScope | None:
    return _session.get()
