"""The one error hierarchy. `api/errors.py` maps each class to an HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the service raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing does not exist for this tenant (another tenant's data looks the same)."""


class AlreadyExists(DomainError):
    """Creating something whose id is taken."""


class Conflict(DomainError):
    """The request conflicts with the current state (e.g. a session under legal hold)."""


class SessionGone(Conflict):
    """The session was deleted while a reply was being generated: the reply is dropped
    rather than bring the session back (without its owner, metadata or hold)."""


class InvalidInput(DomainError):
    """Input that passed schema validation but breaks a rule."""


class PayloadTooLarge(DomainError):
    """A message or body larger than the configured limit."""


class ContextTooLarge(DomainError):
    """The mandatory parts of the prompt alone exceed the token budget."""


class Unauthorized(DomainError):
    """Missing, unknown, revoked or expired API key."""


class Forbidden(DomainError):
    """A valid key whose roles do not allow the call."""


class IdempotencyConflict(DomainError):
    """The same Idempotency-Key was used with a different request body."""


class IdempotencyInProgress(DomainError):
    """A request with the same Idempotency-Key is still running; retry shortly."""


class RateLimited(DomainError):
    """Too many requests for this key."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class GatewayError(DomainError):
    """The LLM gateway answered with an error or could not be reached."""


class GatewayTimeout(GatewayError):
    """The LLM gateway did not answer within the deadline."""


class VectorStoreUnavailable(DomainError):
    """The vector store could not be reached."""


class VectorStoreMismatch(DomainError):
    """An existing vector collection does not fit the configured embedder."""
