"""Hooks for metrics: services report timings and counts to an `Observer` they are given.

Services never import a metrics library; `adapters/metrics.py` implements the observer
with Prometheus, and the default does nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from mcp_service.domain.model import JSON
from mcp_service.domain.repositories import UnitOfWorkFactory


class Observer(Protocol):
    """Receives what the use cases measure."""

    def context_stage(self, stage: str, seconds: float) -> None:
        """Time spent in one stage of context assembly (gather, search, assemble)."""
        ...

    def context_sections(self, report: JSON) -> None:
        """The context report of a prompt that was sent (tokens per section)."""
        ...


class NullObserver:
    """An observer that records nothing (tests, CLI tools)."""

    def context_stage(self, stage: str, seconds: float) -> None:
        return None

    def context_sections(self, report: JSON) -> None:
        return None


@contextmanager
def timed(observer: Observer, stage: str) -> Iterator[None]:
    """Report the wall time of the `with` block as a context-assembly stage."""
    started = time.perf_counter()
    try:
        yield
    finally:
        observer.context_stage(stage, time.perf_counter() - started)


async def queue_depth(uow: UnitOfWorkFactory, now: datetime, tenant_id: str | None = None) -> JSON:
    """Jobs by status and the age of the oldest runnable one (for the metrics endpoint;
    of one tenant for its admins)."""
    async with uow() as work:
        return await work.jobs.depth(now, tenant_id)
