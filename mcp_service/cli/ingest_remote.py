"""`ingest --url`: upload files to a running server and wait for queued jobs."""

from __future__ import annotations

import asyncio
import json
import mimetypes
from types import TracebackType
from typing import Any, Self

import httpx

from mcp_service.services.knowledge.collections import FileInput, IngestOutcome

TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=600.0, pool=10.0)
DONE = ("done", "dead")


class RemoteError(RuntimeError):
    """The server refused the whole request (auth, a missing route, a server error)."""


class RemoteIngest:
    def __init__(
        self,
        url: str,
        api_key: str | None,
        collection: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_s: float = 1.0,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/"), headers=headers, timeout=TIMEOUT, transport=transport
        )
        self._path = f"/v1/collections/{collection}/documents"
        self._poll_s = poll_s

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    async def send(self, files: list[FileInput]) -> list[IngestOutcome]:
        """Upload one batch; a batch too large for the server is retried file by file."""
        response = await self._post(files)
        if response.status_code == 413:
            if len(files) > 1:
                return [o for f in files for o in await self.send([f])]
            error = f"{files[0].name}: larger than the server accepts (MCP_MAX_BODY_BYTES)"
            return [IngestOutcome(None, files[0].name, "failed", 0, files[0].name, error)]
        body = _json(response)
        if response.status_code == 202:
            return await self._wait(body)
        if response.status_code in (201, 422) and "documents" in body:
            return [_outcome(d) for d in body["documents"]]
        detail = body.get("detail") or response.text[:500]
        raise RemoteError(f"{response.request.url} answered {response.status_code}: {detail}")

    async def _post(self, files: list[FileInput]) -> httpx.Response:
        parts = [("files", (f.name, f.data, _content_type(f.name))) for f in files]
        metadata = files[0].metadata if files else {}
        data = {"metadata": json.dumps(metadata)} if metadata else None
        try:
            return await self._client.post(self._path, files=parts, data=data)
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach {self._client.base_url}: {exc}") from exc

    async def _wait(self, receipt: dict[str, Any]) -> list[IngestOutcome]:
        """Poll the job; then report its documents: decided ones as the server said,
        queued ones as failed (with the job's errors) or ingested."""
        job_url = str(receipt["job"])
        while True:
            job = _json(await self._client.get(job_url))
            if job.get("status") in DONE:
                break
            await asyncio.sleep(self._poll_s)
        result = job.get("result") or job.get("progress") or {}
        errors = {str(e.get("source")): str(e.get("error")) for e in result.get("errors", [])}
        outcomes = []
        chunks = int(result.get("chunks_done") or 0)
        for doc in receipt["documents"]:
            outcome = _outcome(doc)
            if outcome.status == "queued":
                if job.get("status") == "dead":
                    error = f"{outcome.source}: job failed: {job.get('last_error')}"
                    outcome = _failed(outcome, error)
                elif outcome.source in errors:
                    outcome = _failed(outcome, errors[str(outcome.source)])
                else:  # the job reports chunks in total; the first ingested one carries them
                    outcome = IngestOutcome(
                        outcome.document_id, outcome.external_id, "ingested", chunks, outcome.source
                    )
                    chunks = 0
            outcomes.append(outcome)
        return outcomes


def _outcome(doc: dict[str, Any]) -> IngestOutcome:
    return IngestOutcome(
        doc.get("id"),
        doc.get("external_id"),
        str(doc.get("status")),
        int(doc.get("chunks") or 0),
        doc.get("source"),
        doc.get("error"),
    )


def _failed(outcome: IngestOutcome, error: str) -> IngestOutcome:
    return IngestOutcome(None, outcome.external_id, "failed", 0, outcome.source, error)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
