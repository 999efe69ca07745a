"""The embedders with the bundled all-MiniLM-L6-v2 (no download): sentence-transformers
(torch) and ONNX Runtime, which must give the same vectors."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mcp_service.adapters.embedder import MicroBatchingEmbedder, SentenceTransformerEmbedder
from mcp_service.adapters.onnx_embedder import OnnxEmbedder
from mcp_service.adapters.onnx_export import UnsupportedModel, read_spec, resolve_model_dir
from mcp_service.bootstrap import make_embedder
from mcp_service.config import Settings

TEXTS = [
    "How do I reset my password?",
    "short",
    "  leading and trailing spaces  ",
    "Ünïcödé façade — 日本語のテキスト, emoji 🎉 and Ελληνικά",
    "a long text that goes on and on " * 60,  # > 256 tokens: truncated
    "",
    "The quarterly report mentions revenue growth of 12 percent in the EMEA region.",
]


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _max_diff(a: list[list[float]], b: list[list[float]]) -> float:
    return float(np.abs(np.asarray(a) - np.asarray(b)).max())


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export per module: every ONNX embedder here shares this cache directory."""
    return tmp_path_factory.mktemp("data") / "models"


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache: Path) -> Iterator[OnnxEmbedder]:
    embedder = OnnxEmbedder(None, cache_dir=onnx_cache)
    yield embedder
    embedder.close()


@pytest.fixture(params=["torch", "onnx"])
def embedder(request: pytest.FixtureRequest) -> MicroBatchingEmbedder:
    name = "real_embedder" if request.param == "torch" else "onnx_embedder"
    found = request.getfixturevalue(name)
    assert isinstance(found, MicroBatchingEmbedder)
    return found


async def test_the_bundled_model_ranks_close_sentences_above_unrelated_ones(
    embedder: MicroBatchingEmbedder,
) -> None:
    await embedder.warm()
    assert embedder.dimension == 384
    assert embedder.name == "all-MiniLM-L6-v2"

    query = await embedder.embed_query("How do I reset my password?")
    close, unrelated = await embedder.embed(
        ["Steps to change a forgotten account password", "The recipe needs two eggs and flour"]
    )
    assert len(query) == len(close) == len(unrelated) == 384
    assert math.isclose(math.sqrt(_cosine(close, close)), 1.0, rel_tol=1e-4)  # normalized
    assert _cosine(query, close) > _cosine(query, unrelated) + 0.2
    assert await embedder.embed([]) == []


async def test_concurrent_queries_are_batched_and_each_gets_its_own_vector(
    embedder: MicroBatchingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    encode = embedder._encode

    def spy(texts: list[str], threads: int) -> list[list[float]]:
        sizes.append(len(texts))
        return encode(texts, threads)

    monkeypatch.setattr(embedder, "_encode", spy)
    texts = [f"question number {i} about topic {i % 3}" for i in range(12)]
    together = await asyncio.gather(*(embedder.embed_query(t) for t in texts))
    assert max(sizes) > 1 and len(sizes) < len(texts)
    alone = [await embedder.embed_query(t) for t in texts]
    assert _max_diff(together, alone) < 1e-4


async def test_a_recent_query_is_not_encoded_again_as_a_turn(
    embedder: MicroBatchingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = "Where did we leave the spare key for the shed?"
    query = await embedder.embed_query(message)
    encoded: list[str] = []
    encode = embedder._encode

    def spy(texts: list[str], threads: int) -> list[list[float]]:
        encoded.extend(texts)
        return encode(texts, threads)

    monkeypatch.setattr(embedder, "_encode", spy)
    reply = "Under the blue flower pot by the door."
    as_turns = await embedder.embed([message, reply, message])
    assert encoded == [reply]  # the message's vector came from the query
    assert _max_diff([as_turns[0], as_turns[2]], [query, query]) == 0.0
    assert _max_diff([as_turns[1]], [await embedder.embed_query(reply)]) < 1e-4


async def test_onnx_gives_the_vectors_of_sentence_transformers(
    onnx_embedder: OnnxEmbedder, real_embedder: SentenceTransformerEmbedder
) -> None:
    # One padded batch, the bulk path (>= 16 texts: concurrent sub-batches), and queries.
    bulk = TEXTS + [f"turn {i} about apples and the weather " * (i % 5 + 1) for i in range(20)]
    for texts in (TEXTS, bulk):
        assert _max_diff(await onnx_embedder.embed(texts), await real_embedder.embed(texts)) < 1e-5
    queries = await asyncio.gather(*(onnx_embedder.embed_query(t) for t in TEXTS))
    assert _max_diff(queries, await real_embedder.embed(TEXTS)) < 1e-5


def test_the_export_is_cached_and_reused(onnx_embedder: OnnxEmbedder, onnx_cache: Path) -> None:
    asyncio.run(onnx_embedder.warm())
    (exported,) = onnx_cache.iterdir()  # no temporary file left behind
    assert exported.name.startswith("all-MiniLM-L6-v2-") and exported.suffix == ".onnx"
    stamp = exported.stat().st_mtime_ns

    again = OnnxEmbedder(None, cache_dir=onnx_cache)
    try:
        assert asyncio.run(again.embed(["hello"])) == asyncio.run(onnx_embedder.embed(["hello"]))
    finally:
        again.close()
    assert [p.stat().st_mtime_ns for p in onnx_cache.iterdir()] == [stamp]


def test_serving_from_an_existing_export_does_not_import_torch(
    onnx_embedder: OnnxEmbedder, onnx_cache: Path
) -> None:
    asyncio.run(onnx_embedder.warm())
    script = f"""
import asyncio, sys
from pathlib import Path
from mcp_service.bootstrap import make_embedder
from mcp_service.config import Settings

embedder = make_embedder(Settings(data_dir=Path({str(onnx_cache.parent)!r}), _env_file=None))
vector = asyncio.run(embedder.embed_query("hello"))
heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
print(type(embedder).__name__, len(vector), heavy)
"""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("MCP_EMBEDDING_BACKEND", None)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["OnnxEmbedder", "384", "[]"]


async def test_cls_pooling_matches_sentence_transformers(tmp_path: Path, onnx_cache: Path) -> None:
    # The bundled model with its pooling switched to CLS (files linked, config rewritten).
    bundled = resolve_model_dir(None)
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    for item in bundled.iterdir():
        if item.is_file():
            (model / item.name).symlink_to(item)
    pooling = {"word_embedding_dimension": 384, "pooling_mode_cls_token": True}
    (model / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert read_spec(model).pooling == "cls"

    onnx = OnnxEmbedder(str(model), cache_dir=onnx_cache)
    st = SentenceTransformerEmbedder(str(model))
    try:
        assert _max_diff(await onnx.embed(TEXTS), await st.embed(TEXTS)) < 1e-5
    finally:
        onnx.close()
        st.close()


def _model_dir(tmp_path: Path, modules: list[str], pooling: dict[str, object]) -> Path:
    (tmp_path / "1_Pooling").mkdir()
    entries = [
        {"path": "1_Pooling" if m == "Pooling" else "", "type": f"sentence_transformers.models.{m}"}
        for m in modules
    ]
    (tmp_path / "modules.json").write_text(json.dumps(entries))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "config.json").write_text("{}")
    return tmp_path


def test_a_supported_layout_is_read(tmp_path: Path) -> None:
    model = _model_dir(tmp_path, ["Transformer", "Pooling"], {"pooling_mode": "mean"})
    spec = read_spec(model)
    assert (spec.directory, spec.max_seq_length, spec.pooling) == (model, 128, "mean")


@pytest.mark.parametrize(
    ("modules", "pooling"),
    [
        (["Transformer", "Pooling", "Dense", "Normalize"], {"pooling_mode_mean_tokens": True}),
        (["Transformer", "Pooling"], {"pooling_mode_max_tokens": True}),
        (["Transformer", "Pooling"], {"pooling_mode": ["mean", "cls"]}),
        (["Transformer"], {}),
    ],
)
def test_unsupported_models_say_how_to_use_torch(
    tmp_path: Path, modules: list[str], pooling: dict[str, object]
) -> None:
    with pytest.raises(UnsupportedModel, match="MCP_EMBEDDING_BACKEND=torch"):
        read_spec(_model_dir(tmp_path, modules, pooling))


@pytest.mark.parametrize(
    ("backend", "device", "expected"),
    [
        ("onnx", "cpu", OnnxEmbedder),
        ("torch", "cpu", SentenceTransformerEmbedder),
        ("onnx", "cuda", SentenceTransformerEmbedder),
    ],
)
def test_the_backend_is_chosen_by_settings(
    tmp_path: Path, backend: str, device: str, expected: type[MicroBatchingEmbedder]
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        embedding_backend=backend,
        embedding_device=device,
        _env_file=None,
    )
    made = make_embedder(settings)
    try:
        assert type(made) is expected
    finally:
        made.close()
