"""`LLMGateway` over an OpenAI-compatible `POST /chat/completions` endpoint.

Resilience, per request: one overall deadline; at most one retry (connect errors, 429 and
503, honouring `Retry-After` when it fits the deadline); then the fallback models in order.
A stream is only retried or re-routed before its first chunk; afterwards the caller has
already shown text to the user, so an interruption is raised as `GatewayError`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from mcp_service.domain.errors import GatewayError, GatewayTimeout
from mcp_service.domain.model import JSON, Completion, Message, Usage

T = TypeVar("T")

_RETRY_STATUSES = frozenset({429, 503})
_RESERVED_PARAMS = frozenset({"model", "messages", "stream"})
_EXCERPT_CHARS = 200


class _Retryable(Exception):
    """An attempt failed in a way that one retry may fix, after waiting `wait_s`."""

    def __init__(self, error: GatewayError, wait_s: float) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait_s = wait_s


@dataclass
class _Budget:
    """The deadline and the retry allowance shared by every attempt of one request."""

    deadline: float  # on the event loop's clock
    retries_left: int = 1

    def remaining(self) -> float:
        return self.deadline - asyncio.get_running_loop().time()

    def take_retry(self, wait_s: float) -> bool:
        if self.retries_left < 1 or wait_s >= self.remaining():
            return False
        self.retries_left -= 1
        return True

    async def bound(self, attempt: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout_at(self.deadline):
                return await attempt
        except TimeoutError as exc:
            raise GatewayTimeout("LLM gateway did not answer within the deadline") from exc


@dataclass
class _OpenStream:
    response: httpx.Response
    chunks: AsyncGenerator[JSON, None]
    first: JSON


class OpenAICompatibleGateway:
    """Chat completions through one pooled `httpx.AsyncClient`; call `aclose()` at shutdown."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        default_model: str,
        *,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 60.0,
        deadline_s: float = 120.0,
        fallback_models: Sequence[str] = (),
        client: httpx.AsyncClient | None = None,
        retry_backoff_s: float = 0.25,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._default_model = default_model
        self._fallbacks = list(fallback_models)
        self._deadline_s = deadline_s
        self._backoff_s = retry_backoff_s
        self._timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=self._timeout)

    @property
    def default_model(self) -> str:
        return self._default_model

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def complete(
        self, messages: Sequence[Message], *, model: str | None = None, params: JSON | None = None
    ) -> Completion:
        started = time.perf_counter()
        completion = await self._run(lambda m: self._post(_body(m, messages, params)), model)
        return replace(completion, latency_ms=(time.perf_counter() - started) * 1000)

    async def stream(
        self, messages: Sequence[Message], *, model: str | None = None, params: JSON | None = None
    ) -> AsyncIterator[JSON]:
        """Yield `chat.completion.chunk` dicts; the deadline bounds the wait for the first."""
        opened = await self._run(
            lambda m: self._open_stream(_body(m, messages, params, stream=True)), model
        )
        try:
            yield opened.first
            async for chunk in opened.chunks:
                yield chunk
        finally:
            await _close(opened.response, opened.chunks)

    async def _run(self, attempt: Callable[[str], Awaitable[T]], model: str | None) -> T:
        budget = _Budget(asyncio.get_running_loop().time() + self._deadline_s)
        errors: list[tuple[str, GatewayError]] = []
        for name in self._models(model):
            try:
                return await self._with_retry(attempt, name, budget)
            except GatewayError as exc:
                errors.append((name, exc))
                if budget.remaining() <= 0:
                    break
        raise _combined(errors)

    async def _with_retry(
        self, attempt: Callable[[str], Awaitable[T]], model: str, budget: _Budget
    ) -> T:
        while True:
            try:
                return await budget.bound(attempt(model))
            except _Retryable as exc:
                if not budget.take_retry(exc.wait_s):
                    raise exc.error from None
                await asyncio.sleep(exc.wait_s)

    def _models(self, model: str | None) -> list[str]:
        primary = model or self._default_model
        return [primary, *(m for m in dict.fromkeys(self._fallbacks) if m != primary)]

    async def _send(self, body: JSON, *, stream: bool) -> httpx.Response:
        request = self._client.build_request(
            "POST", self._url, json=body, headers=self._headers, timeout=self._timeout
        )
        try:
            return await self._client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc

    async def _post(self, body: JSON) -> Completion:
        response = await self._send(body, stream=False)
        self._check_status(response, body["model"])
        return _parse_completion(response, body["model"])

    async def _open_stream(self, body: JSON) -> _OpenStream:
        response = await self._send(body, stream=True)
        chunks = _sse_chunks(response)
        try:
            first = await self._first_chunk(response, chunks, body["model"])
        except BaseException:
            await _close(response, chunks)
            raise
        return _OpenStream(response, chunks, first)

    async def _first_chunk(
        self, response: httpx.Response, chunks: AsyncGenerator[JSON, None], model: str
    ) -> JSON:
        if response.is_error:
            try:
                await response.aread()
            except httpx.HTTPError as exc:
                raise _translate(exc) from exc
            self._check_status(response, model)
        first = await anext(chunks, None)
        if first is None:
            raise GatewayError("LLM gateway closed the stream before sending any chunk")
        return first

    def _transport_error(self, exc: httpx.HTTPError) -> Exception:
        if isinstance(exc, httpx.ConnectTimeout):
            return _Retryable(GatewayTimeout(f"LLM gateway connect timed out: {exc}"), 0)
        if isinstance(exc, httpx.ConnectError):
            error = GatewayError(f"could not connect to the LLM gateway: {exc}")
            return _Retryable(error, self._backoff_s)
        return _translate(exc)

    def _check_status(self, response: httpx.Response, model: str) -> None:
        if not response.is_error:
            return
        error = GatewayError(
            f"LLM gateway returned HTTP {response.status_code} for model {model!r}: "
            f"{_excerpt(response)}"
        )
        if response.status_code in _RETRY_STATUSES:
            raise _Retryable(error, _retry_after(response, self._backoff_s))
        raise error


def _body(
    model: str, messages: Sequence[Message], params: JSON | None, *, stream: bool = False
) -> JSON:
    extra = {k: v for k, v in (params or {}).items() if k not in _RESERVED_PARAMS}
    if not stream:
        extra.pop("stream_options", None)
    body: JSON = {"model": model, "messages": [m.to_dict() for m in messages], **extra}
    if stream:
        body["stream"] = True
    return body


def _translate(exc: httpx.HTTPError) -> GatewayError:
    if isinstance(exc, httpx.TimeoutException):
        return GatewayTimeout(f"LLM gateway timed out: {type(exc).__name__}")
    return GatewayError(f"LLM gateway connection failed: {type(exc).__name__}: {exc}")


def _combined(errors: list[tuple[str, GatewayError]]) -> GatewayError:
    last = errors[-1][1]
    if len(errors) == 1:
        return last
    detail = "; ".join(f"[{model}] {error.message}" for model, error in errors)
    return type(last)(f"LLM gateway failed for every model: {detail}")


def _excerpt(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
    except ValueError:
        return _shorten(response.text) or response.reason_phrase
    return _shorten(_error_message(data))


def _error_message(data: Any) -> str:
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict):
            return str(error.get("message") or json.dumps(error))
        if error is not None:
            return str(error)
    return json.dumps(data)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("retry-after")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def _parse_completion(response: httpx.Response, model: str) -> Completion:
    try:
        data = response.json()
        choice = data["choices"][0]
        message = choice["message"]
        content = str(message.get("content") or "")
        finish_reason = str(choice.get("finish_reason") or "stop")
        calls = message.get("tool_calls")
        tool_calls = (
            tuple(c for c in calls if isinstance(c, dict)) if isinstance(calls, list) else ()
        )
        used_model = str(data.get("model") or model)
        return Completion(content, used_model, _usage(data), finish_reason, 0.0, tool_calls)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise GatewayError(
            f"LLM gateway sent an unreadable completion (HTTP {response.status_code}): "
            f"{_shorten(response.text)}"
        ) from exc


def _usage(data: JSON) -> Usage:
    """Odd numbers (text, negative, beyond an INTEGER column) never lose a good reply."""
    return Usage.parse(data.get("usage")) or Usage(0, 0)


async def _sse_chunks(response: httpx.Response) -> AsyncGenerator[JSON, None]:
    """The `data:` payloads of a server-sent event stream, until `[DONE]`."""
    finished = False
    try:
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            chunk = _chunk(payload)
            finished = finished or _has_finish_reason(chunk)
            yield chunk
    except httpx.TimeoutException as exc:
        raise GatewayTimeout("LLM gateway stream stalled past the read timeout") from exc
    except httpx.HTTPError as exc:
        raise GatewayError(f"LLM gateway stream was interrupted: {exc}") from exc
    if not finished:
        raise GatewayError("LLM gateway stream ended before the reply was complete")


def _chunk(payload: str) -> JSON:
    try:
        chunk = json.loads(payload)
    except ValueError as exc:
        raise GatewayError(f"LLM gateway sent an unreadable stream event: {payload[:80]}") from exc
    if not isinstance(chunk, dict):
        raise GatewayError(f"LLM gateway sent an unexpected stream event: {payload[:80]}")
    if chunk.get("error"):
        raise GatewayError(f"LLM gateway stream failed: {_shorten(_error_message(chunk))}")
    return chunk


def _has_finish_reason(chunk: JSON) -> bool:
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        return False
    return any(isinstance(c, dict) and c.get("finish_reason") for c in choices)


async def _close(response: httpx.Response, chunks: AsyncGenerator[JSON, None]) -> None:
    await chunks.aclose()
    await response.aclose()
