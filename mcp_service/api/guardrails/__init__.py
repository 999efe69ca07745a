"""The guardrails' API: admission (auth throttling, rate limit, quotas), the quotas and
audit routes, and the audit middleware."""
