"""Conversation use cases: sessions, turns, context assembly, the chat turn, memory."""
