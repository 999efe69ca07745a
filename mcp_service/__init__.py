"""mcp-service: conversational context and memory for LLM applications."""

__version__ = "0.1.0"
