"""The memory as a Model Context Protocol server at `/mcp`: tools, resources, a prompt and
completions, for the same API keys and tenants as the REST API."""

from mcp_service.api.mcp.server import install

__all__ = ["install"]
