"""Prometheus metrics: one registry per running service, and a gateway that is measured.

`PrometheusMetrics` implements the services' `Observer` (context assembly stages, tokens
per prompt section) and holds the HTTP, gateway and job-queue series that the API layer
and `ObservedGateway` fill in.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from mcp_service.domain.errors import GatewayError, GatewayTimeout
from mcp_service.domain.model import JSON, Completion, Message
from mcp_service.domain.ports import LLMGateway

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_TOKEN_BUCKETS = (0, 16, 64, 256, 1024, 4096, 16384, 65536)
JOB_STATUSES = ("queued", "running", "done", "dead")


class PrometheusMetrics:
    """Every series the service exports, in its own registry (no process globals)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_duration = Histogram(
            "mcp_http_request_duration_seconds",
            "HTTP request latency by route template (streams: until the last byte)",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.assembly_seconds = Histogram(
            "mcp_context_assembly_seconds",
            "Context assembly time by stage (gather, search, assemble)",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.section_tokens = Histogram(
            "mcp_context_section_tokens",
            "Tokens per prompt section in the prompts sent to the gateway",
            ["section"],
            buckets=_TOKEN_BUCKETS,
            registry=r,
        )
        self.gateway_duration = Histogram(
            "mcp_gateway_request_duration_seconds",
            "LLM gateway latency (streams: until the last chunk) by call and outcome",
            ["call", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.gateway_first_chunk = Histogram(
            "mcp_gateway_first_chunk_seconds",
            "Time to the first streamed chunk from the LLM gateway",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.gateway_errors = Counter(
            "mcp_gateway_errors",
            "LLM gateway failures by call and kind (error, timeout)",
            ["call", "kind"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "mcp_job_queue_depth", "Background jobs by status", ["status"], registry=r
        )
        self.queue_lag = Gauge(
            "mcp_job_queue_lag_seconds",
            "Age of the oldest runnable queued job (0 when none waits)",
            registry=r,
        )

    # -- the services' Observer ---------------------------------------------------------
    def context_stage(self, stage: str, seconds: float) -> None:
        self.assembly_seconds.labels(stage).observe(seconds)

    def context_sections(self, report: JSON) -> None:
        sections = report.get("sections")
        if not isinstance(sections, dict):
            return
        for name, section in sections.items():
            if isinstance(section, dict) and isinstance(section.get("tokens"), int):
                self.section_tokens.labels(str(name)).observe(section["tokens"])

    # -- filled in by the API layer -------------------------------------------------------
    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_duration.labels(method, route, str(status)).observe(seconds)

    def job_queue(self, depth: JSON) -> None:
        found = depth.get("by_status")
        by_status: JSON = found if isinstance(found, dict) else {}
        for status in sorted({*JOB_STATUSES, *by_status}):
            self.queue_depth.labels(status).set(float(by_status.get(status) or 0))
        self.queue_lag.set(float(depth.get("oldest_queued_age_s") or 0.0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # -- the gateway ------------------------------------------------------------------------
    def gateway_call(self, call: str, seconds: float, error: BaseException | None) -> None:
        outcome = "ok" if error is None else _kind(error)
        self.gateway_duration.labels(call, outcome).observe(seconds)
        if error is not None:
            self.gateway_errors.labels(call, outcome).inc()


class ObservedGateway:
    """An `LLMGateway` that reports latency and failures of the gateway it wraps."""

    def __init__(self, inner: LLMGateway, metrics: PrometheusMetrics) -> None:
        self.inner = inner
        self.metrics = metrics

    @property
    def default_model(self) -> str:
        return self.inner.default_model

    async def complete(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> Completion:
        started = time.perf_counter()
        try:
            completion = await self.inner.complete(messages, model=model, params=params)
        except GatewayError as exc:
            self.metrics.gateway_call("complete", time.perf_counter() - started, exc)
            raise
        self.metrics.gateway_call("complete", time.perf_counter() - started, None)
        return completion

    async def stream(
        self, messages: Sequence[Message], *, model: str | None, params: JSON | None = None
    ) -> AsyncIterator[JSON]:
        started = time.perf_counter()
        first = True
        inner = self.inner.stream(messages, model=model, params=params)
        try:
            async for chunk in inner:
                if first:
                    self.metrics.gateway_first_chunk.observe(time.perf_counter() - started)
                    first = False
                yield chunk
        except GatewayError as exc:
            self.metrics.gateway_call("stream", time.perf_counter() - started, exc)
            raise
        finally:
            aclose = getattr(inner, "aclose", None)
            if aclose is not None:
                await aclose()
        self.metrics.gateway_call("stream", time.perf_counter() - started, None)


def _kind(error: BaseException) -> str:
    return "timeout" if isinstance(error, GatewayTimeout) else "error"
