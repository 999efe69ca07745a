"""Retention policies: the rules, their validation, and the receipts that prove deletions.

A policy has an optional scope (sessions — and documents — whose metadata matches every
key given) and one or more rules. Validation raises `InvalidInput` naming the field.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mcp_service.domain.errors import InvalidInput
from mcp_service.domain.model import JSON
from mcp_service.domain.queries import metadata_filter

RULES = ("turn_max_age_days", "session_idle_days", "max_turns_per_session", "document_max_age_days")
FIELDS = ("scope", *RULES, "include_summaries", "enabled")
SCOPE_FIELDS = ("metadata",)
COUNT_KINDS = ("turns", "sessions", "documents", "summaries")
RETENTION = "retention"
MAX_DAYS = 3_650_000  # 10,000 years: larger ages are refused (422)
MAX_TURNS = 2**31 - 1  # a turn's seq is a 32-bit integer
# A cutoff before year 1 cannot be represented: "older than that" means nothing at all.
EARLIEST = datetime.min.replace(tzinfo=UTC)
USER_ERASURE = "user_erasure"


@dataclass(frozen=True)
class RetentionSpec:
    """The rules of a policy. `None` means the rule is not used."""

    scope_metadata: JSON | None = None
    turn_max_age_days: float | None = None
    session_idle_days: float | None = None
    max_turns_per_session: int | None = None
    document_max_age_days: float | None = None
    include_summaries: bool = False

    @property
    def touches_sessions(self) -> bool:
        return any(
            v is not None
            for v in (self.turn_max_age_days, self.session_idle_days, self.max_turns_per_session)
        )

    def cutoffs(self, now: datetime) -> Cutoffs:
        return Cutoffs(
            now=now,
            turns_before=_before(now, self.turn_max_age_days),
            sessions_idle_before=_before(now, self.session_idle_days),
            documents_before=_before(now, self.document_max_age_days),
        )

    def to_dict(self) -> JSON:
        out: JSON = {
            "scope": {"metadata": dict(self.scope_metadata)} if self.scope_metadata else None
        }
        for name in RULES:
            out[name] = getattr(self, name)
        out["include_summaries"] = self.include_summaries
        return out

    @staticmethod
    def from_dict(data: JSON) -> RetentionSpec:
        """Rebuild from stored JSON (already validated when it was written)."""
        scope = data.get("scope") or {}
        return RetentionSpec(
            scope_metadata=dict(scope["metadata"]) if scope.get("metadata") else None,
            turn_max_age_days=data.get("turn_max_age_days"),
            session_idle_days=data.get("session_idle_days"),
            max_turns_per_session=data.get("max_turns_per_session"),
            document_max_age_days=data.get("document_max_age_days"),
            include_summaries=bool(data.get("include_summaries", False)),
        )


@dataclass(frozen=True)
class Cutoffs:
    """The time range a run deletes: everything older than each cutoff."""

    now: datetime
    turns_before: datetime | None
    sessions_idle_before: datetime | None
    documents_before: datetime | None

    def to_dict(self) -> JSON:
        return {
            "now": self.now.isoformat(),
            "turns_before": _iso(self.turns_before),
            "sessions_idle_before": _iso(self.sessions_idle_before),
            "documents_before": _iso(self.documents_before),
        }


@dataclass(frozen=True)
class RetentionPolicy:
    tenant_id: str
    name: str
    spec: RetentionSpec
    enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass
class Counts:
    """What a run deleted (or, in a dry run, would delete)."""

    turns: int = 0
    sessions: int = 0
    documents: int = 0
    summaries: int = 0
    chunks: int = 0

    def add(self, other: Counts) -> None:
        for name in ("turns", "sessions", "documents", "summaries", "chunks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> JSON:
        return {
            "turns": self.turns,
            "sessions": self.sessions,
            "documents": self.documents,
            "summaries": self.summaries,
            "chunks": self.chunks,
        }


@dataclass(frozen=True)
class Receipt:
    """Proof of a deletion run: what, how many, when, which policy, and what failed."""

    id: str
    tenant_id: str
    kind: str  # retention | user_erasure
    policy: str | None
    counts: JSON
    details: JSON
    errors: list[str]
    started_at: datetime
    finished_at: datetime

    @property
    def duration_ms(self) -> float:
        measured = self.details.get("duration_ms")
        if isinstance(measured, int | float):
            return float(measured)
        return round((self.finished_at - self.started_at).total_seconds() * 1000, 2)

    def to_dict(self) -> JSON:
        return {
            "id": self.id,
            "kind": self.kind,
            "policy": self.policy,
            "counts": dict(self.counts),
            "time_range": self.details.get("cutoffs"),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "duration_ms": self.duration_ms,
            "errors": list(self.errors),
            "details": dict(self.details),
        }


def parse_policy(data: Any) -> tuple[RetentionSpec, bool]:
    """Validate a policy body; return its rules and whether it is enabled."""
    if not isinstance(data, dict):
        raise InvalidInput("a policy must be a JSON object", field="body")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown policy field(s): {', '.join(unknown)}", field=unknown[0])
    spec = RetentionSpec(
        scope_metadata=_scope(data.get("scope")),
        turn_max_age_days=_number(data, "turn_max_age_days"),
        session_idle_days=_number(data, "session_idle_days"),
        max_turns_per_session=_whole(data, "max_turns_per_session"),
        document_max_age_days=_number(data, "document_max_age_days"),
        include_summaries=_flag(data, "include_summaries", False),
    )
    if all(getattr(spec, name) is None for name in RULES):
        raise InvalidInput(f"a policy needs at least one rule: {', '.join(RULES)}", field="rules")
    return spec, _flag(data, "enabled", False)


def _scope(scope: Any) -> JSON | None:
    if scope is None:
        return None
    if not isinstance(scope, dict):
        raise InvalidInput("scope must be an object like {'metadata': {...}}", field="scope")
    unknown = sorted(set(scope) - set(SCOPE_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown scope field(s): {', '.join(unknown)}", field="scope")
    metadata = scope.get("metadata")
    if not metadata:
        raise InvalidInput(
            "scope must not be empty: omit it for the whole tenant, or give metadata to match",
            field="scope.metadata" if "metadata" in scope else "scope",
        )
    return metadata_filter(metadata, "scope.metadata")


def _number(data: JSON, name: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_DAYS
    ):
        raise InvalidInput(f"{name} must be a number of days from 0 to {MAX_DAYS}", field=name)
    return int(value) if float(value).is_integer() else float(value)


def _whole(data: JSON, name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TURNS:
        raise InvalidInput(f"{name} must be a whole number from 0 to {MAX_TURNS}", field=name)
    return value


def _flag(data: JSON, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false", field=name)
    return value


def _before(now: datetime, days: float | None) -> datetime | None:
    if days is None:
        return None
    try:
        return now - timedelta(days=days)
    except OverflowError:  # about 739,000 days and more: before year 1
        return EARLIEST


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# scrypt with a random salt per receipt: proves "this receipt erased user X" to whoever
# knows X, but costs ~50 ms and 16 MiB per guess, so a leaked receipt table cannot be
# matched against a dictionary of e-mail addresses or phone numbers the way SHA-256 can.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def erasure_digest(
    user_id: str,
    salt: bytes | None = None,
    *,
    n: int = _SCRYPT_N,
    r: int = _SCRYPT_R,
    p: int = _SCRYPT_P,
) -> str:
    """`scrypt$N$r$p$<salt hex>$<hash hex>` of a user id, for an erasure receipt."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    key = hashlib.scrypt(user_id.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 2**20)
    return f"scrypt${n}${r}${p}${salt.hex()}${key.hex()}"


def erasure_digest_matches(digest: str, user_id: str) -> bool:
    """Whether an erasure receipt's `user_id_digest` is that of `user_id`."""
    try:
        scheme, n, r, p, salt, key = digest.split("$")
        if scheme != "scrypt":
            return False
        expected = erasure_digest(user_id, bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except ValueError:  # not a digest of ours (or parameters scrypt refuses)
        return False
    return hmac.compare_digest(expected.split("$")[-1], key)
