# Shared by the scripts: where the virtualenv lives and how to make it current.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MCP_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

stamp_value() {
  cat "$ROOT/pyproject.toml" "$ROOT/scripts/setup" | sha256sum | cut -d' ' -f1
}

ensure_setup() {
  if [ ! -x "$PY" ] || [ "$(cat "$VENV/.setup-stamp" 2>/dev/null)" != "$(stamp_value)" ]; then
    "$ROOT/scripts/setup"
  fi
}
