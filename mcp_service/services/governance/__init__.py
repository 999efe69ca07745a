"""Governance use cases: tenants, API keys, retention, erasure, purging, usage."""
