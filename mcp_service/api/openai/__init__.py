"""OpenAI-compatible surfaces beyond the chat completions route: reading request bodies
and headers, and the Responses and Conversations APIs."""
