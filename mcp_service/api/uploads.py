"""Multipart uploads for ingestion, and how an ingest receipt is answered."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from mcp_service.api.errors import problem
from mcp_service.domain.errors import InvalidInput
from mcp_service.services.knowledge.collections import FileInput, IngestReceipt

MAX_FILES = 10_000
INGEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["documents"],
                    "properties": {
                        "documents": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["text"],
                                "properties": {
                                    "text": {"type": "string", "minLength": 1},
                                    "external_id": {"type": "string", "maxLength": 500},
                                    "title": {"type": "string", "maxLength": 2000},
                                    "metadata": {"type": "object"},
                                    "format": {"enum": ["text", "markdown", "html"]},
                                },
                            },
                        }
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "text, Markdown, HTML, PDF, JSON or JSONL files; "
                            "each file name (a relative path) is its external id",
                        },
                        "metadata": {
                            "type": "string",
                            "description": "a JSON object added to every file's metadata",
                        },
                    },
                }
            },
        },
    }
}


async def read_files(request: Request) -> list[FileInput]:
    """The uploaded `files` (each file name is its external id) with the shared
    `metadata`. The body size is bounded before this by MCP_MAX_BODY_BYTES (api.limits)."""
    form = await request.form(max_files=MAX_FILES)
    metadata = _metadata(form.get("metadata"))
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not uploads:
        raise InvalidInput("multipart upload has no `files` parts", field="files")
    files: list[FileInput] = []
    for i, upload in enumerate(uploads):
        data = await upload.read()
        name = (upload.filename or f"file-{i}").lstrip("/")
        files.append(FileInput(name, data, metadata=metadata, content_type=upload.content_type))
    return files


def _metadata(raw: object) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise InvalidInput("`metadata` must be a JSON object", field="metadata")
    return value


def receipt_response(receipt: IngestReceipt, instance: str) -> JSONResponse:
    """201 with the documents; 202 with the job when queued; 422 when nothing could be
    ingested (every document failed), naming each one and why."""
    documents = [o.to_json() for o in receipt.outcomes]
    if receipt.job_id is not None:
        location = f"/v1/jobs/{receipt.job_id}"
        body = {"job_id": receipt.job_id, "status": "queued", "job": location}
        return JSONResponse(
            {**body, "documents": documents}, status_code=202, headers={"Location": location}
        )
    if documents and all(o.status == "failed" for o in receipt.outcomes):
        errors = [{"field": o.source, "message": o.error} for o in receipt.outcomes]
        detail = "; ".join(str(o.error) for o in receipt.outcomes)
        return problem(
            422, "Invalid Input", detail, instance, {"errors": errors, "documents": documents}
        )
    return JSONResponse({"documents": documents}, status_code=201)
