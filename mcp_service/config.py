"""Configuration: one Settings object read from the environment (prefix MCP_) and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A list given in the environment as comma-separated values (`a,b`), not JSON.
CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every knob of the service. Names are the contract in PRODUCT.md; more may be added."""

    model_config = SettingsConfigDict(env_prefix="MCP_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_collection_prefix: str = "mcp"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_fallback_models: CommaList = Field(default_factory=list)
    llm_connect_timeout_s: float = 5.0
    llm_read_timeout_s: float = 60.0
    llm_deadline_s: float = 90.0
    summary_model: str | None = None
    embedding_model: str | None = None
    embedding_batch_size: int = 64
    embedding_device: str = "cpu"
    # onnx: ONNX Runtime on CPU (exported once into data_dir/models); torch: sentence-
    # transformers, also what any embedding_device other than cpu uses.
    embedding_backend: Literal["onnx", "torch"] = "onnx"
    auth: Literal["disabled", "required"] | None = None
    default_tenant: str = "default"
    # With auth disabled: Host names besides loopback, and browser origins besides the
    # server's own, that may call the REST API (api/hardening/local_only.py) and /mcp
    # (api/mcp/security.py), e.g. http://localhost:6274 for MCP Inspector.
    allowed_hosts: CommaList = Field(default_factory=list)
    allowed_origins: CommaList = Field(default_factory=list)
    model_context_window: int = 16384
    reserved_completion_tokens: int = 1024
    max_message_chars: int = 32_000
    max_body_bytes: int = 8 * 1024 * 1024
    max_turns_per_import: int = 1000
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 32
    retrieval_top_k: int = 8
    recall_top_k: int = 8
    summary_trigger_turns: int = 24
    summary_keep_turns: int = 12
    summary_max_tokens: int = 400
    ingest_batch_chunks: int = 256
    ingest_sync_max_documents: int = 32
    ingest_sync_max_bytes: int = 2 * 1024 * 1024
    ingest_lease_s: float = 60.0
    default_system_prompt: str = (
        "You are a helpful assistant. Use the reference material and the conversation "
        "so far to answer; say so when you do not know."
    )
    # Migrate the database when the service starts (SQLite, the embedded default, always
    # does); otherwise a database behind the migrations' head stops `serve` at once.
    auto_migrate: bool = False
    worker_enabled: bool = True
    worker_poll_s: float = 0.5
    retention_interval_s: float = 3600.0
    retention_lease_s: float = 300.0
    retention_batch_size: int = 100
    admin_tenant: str = "system"
    rate_limit_per_minute: int = 600
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    llm_stream_usage: bool = True
    idempotency_wait_s: float = 10.0
    idempotency_ttl_s: float = 86_400.0
    # A claim whose request never answered (its server died) is taken over after this;
    # keep it above the longest a request may run (MCP_LLM_DEADLINE_S and streams).
    idempotency_stale_s: float = 300.0
    housekeeping_interval_s: float = 600.0
    # Guardrails: PII redaction before the gateway (a tenant's `pii_redaction` setting
    # overrides it), optional masked storage of turns, and the usage price table
    # (model → {"input": …, "output": …} per million tokens, JSON in MCP_MODEL_PRICES).
    pii_redaction: Literal["off", "mask", "block"] = "off"
    pii_store: Literal["off", "mask"] = "off"
    pii_phone_region: str = "US"
    model_prices: dict[str, dict[str, float]] = Field(default_factory=dict)
    # Open WebUI background tasks (title, tags, follow-ups ...) are forwarded without being
    # recorded: a request carrying this header (set it in Open WebUI's connection headers,
    # e.g. to {{TASK}}) is one; empty turns the header check off. The default task prompt
    # shapes are recognised too unless task_prompt_detection is off.
    task_header: str | None = "X-OpenWebUI-Task"
    task_prompt_detection: bool = True
    console: bool = True  # the web console at /console (static files calling the REST API)

    @field_validator("llm_fallback_models", "allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [m.strip() for m in value.split(",") if m.strip()]
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(o).strip().rstrip("/").lower() for o in value if str(o).strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The configured database, else a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'mcp.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def migrates_at_start(self) -> bool:
        """SQLite (the embedded default) always migrates itself; others when told to."""
        return self.is_sqlite or self.auto_migrate

    @property
    def is_embedded(self) -> bool:
        """True when running on the embedded default (SQLite and Qdrant Edge)."""
        return self.is_sqlite and not self.qdrant_url

    @property
    def auth_mode(self) -> Literal["disabled", "required"]:
        """Auth is off by default only on the embedded default, which binds to loopback."""
        if self.auth is not None:
            return self.auth
        return "disabled" if self.is_embedded else "required"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use (not at import time)."""
    return Settings()
