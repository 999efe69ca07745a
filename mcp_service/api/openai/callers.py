"""Who is talking, in which conversation: the session and user ids that real frontends
send, and Open WebUI's background task requests (which belong to no conversation).

Session id, first found wins: `X-Session-Id`, body `metadata.session_id`,
`X-OpenWebUI-Chat-Id` (Open WebUI with `ENABLE_FORWARD_USER_INFO_HEADERS=true`),
`X-Conversation-Id` (the usual header for LibreChat's `{{LIBRECHAT_BODY_CONVERSATIONID}}`).
The last two come from chat UIs that always send the whole conversation, which lets an
edit of the first message be told from a new message (domain/reconcile.py).

User id: `X-OpenWebUI-User-Id`, `X-User-Id` (LibreChat's `{{LIBRECHAT_USER_ID}}`), body
`user`; it becomes the user of a session the request creates.

A value that is empty or still an unfilled `{{PLACEHOLDER}}` counts as absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mcp_service.api.schemas.conversation import ID_PATTERN
from mcp_service.domain import errors as e
from mcp_service.domain.model import Message

SESSION_HEADER = "X-Session-Id"
SESSION_HEADERS = (SESSION_HEADER, "X-OpenWebUI-Chat-Id", "X-Conversation-Id")
FULL_HISTORY_SOURCES = frozenset({"X-OpenWebUI-Chat-Id", "X-Conversation-Id"})
USER_HEADERS = ("X-OpenWebUI-User-Id", "X-User-Id")
# Matched whole (fullmatch): with `match`, the pattern's "$" lets a trailing newline in.
SESSION_ID = re.compile(ID_PATTERN)
MAX_USER_ID = 200

# Open WebUI's default task prompts (title, tags, follow-ups, search queries, autocomplete,
# image prompt) all begin with "### Task:" and paste the chat into a template with one of
# these markers; its call-mode emoji prompt has its own opening line.
_TASK_OPENING = "### Task:"
_TASK_MARKERS = ("<chat_history>", "### Output", "### Guidelines", "JSON format")
_EMOJI_TASK = "Your task is to reflect the speaker's likely facial expression"
_NOT_A_TASK = frozenset({"", "none", "null", "false", "0", "chat"})


@dataclass(frozen=True)
class Caller:
    session_id: str
    source: str  # where the session id came from
    user_id: str | None

    @property
    def full_history(self) -> bool:
        """The client always sends the whole conversation (a chat UI)."""
        return self.source in FULL_HISTORY_SOURCES


def identify(headers: Mapping[str, str], metadata: object, body_user: object) -> Caller:
    """The session and user of a request; an error naming the header when there is none
    or it is malformed."""
    headers = _lower(headers)
    meta = metadata.get("session_id") if isinstance(metadata, dict) else None
    candidates = [
        (SESSION_HEADER, headers.get(SESSION_HEADER.lower())),
        ("metadata.session_id", str(meta) if meta is not None else None),
        *((h, headers.get(h.lower())) for h in SESSION_HEADERS[1:]),
    ]
    found = [(source, str(v)) for source, v in candidates if _present(v)]
    if not found:
        raise e.InvalidInput(
            f"a session id is required: send the {SESSION_HEADER} header, metadata.session_id, "
            "or a chat UI's X-OpenWebUI-Chat-Id / X-Conversation-Id",
            field=SESSION_HEADER,
        )
    source, session_id = found[0]
    if not SESSION_ID.fullmatch(session_id):
        raise e.InvalidInput(f"the session id from {source} has invalid characters", field=source)
    return Caller(session_id, source, user_of(headers, body_user))


def user_of(headers: Mapping[str, str], body_user: object) -> str | None:
    headers = _lower(headers)
    candidates = [*(headers.get(h.lower()) for h in USER_HEADERS)]
    candidates.append(body_user if isinstance(body_user, str) else None)
    for value in candidates:
        if _present(value):
            user = str(value).strip()
            if len(user) > MAX_USER_ID or "\x00" in user:
                raise e.InvalidInput("the user id is too long or malformed", field="user")
            return user
    return None


def is_task(
    headers: Mapping[str, str],
    messages: Sequence[Message],
    task_header: str | None,
    detect_prompts: bool,
) -> bool:
    """An Open WebUI background task: by its task header (when one is configured and set)
    or by the shape of its default task prompts."""
    if task_header:
        value = _lower(headers).get(task_header.lower())
        if _present(value) and str(value).strip().lower() not in _NOT_A_TASK:
            return True
    if not detect_prompts:
        return False
    last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    text = last_user.lstrip()
    if text.startswith(_EMOJI_TASK):
        return True
    return text.startswith(_TASK_OPENING) and any(marker in text for marker in _TASK_MARKERS)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _present(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "{{" not in value
