"""Request bodies of the knowledge calls that go beyond the shared schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mcp_service.api.schemas.conversation import DocumentIn, SearchIn, Strict


class InlineDocumentIn(DocumentIn):
    format: Literal["text", "markdown", "html"] = "text"


class InlineDocumentsIn(Strict):
    documents: list[InlineDocumentIn] = Field(min_length=1)


class SearchRequest(SearchIn):
    mmr: bool = False
    mmr_lambda: float = Field(default=0.5, ge=0.0, le=1.0)
