"""The offline responder answers from the assembled context and names itself."""

from __future__ import annotations

from mcp_service.adapters.offline_responder import MODEL, OfflineResponder
from mcp_service.domain.model import Message

KNOWLEDGE = (
    "<knowledge>\nReference material retrieved from the knowledge base.\n"
    '<source id="chunk-tea" document="doc-1" collection="kb">\n'
    "Green tea should steep for two minutes at 80 degrees.\n</source>\n\n"
    '<source id="chunk-bikes" document="doc-2" collection="kb" title="Bikes">\n'
    "Bicycle tyres need inflating to the pressure printed on the sidewall.\n</source>\n"
    "</knowledge>"
)


def _prompt(question: str, *, knowledge: bool = True) -> list[Message]:
    messages = [Message("system", "You are helpful.")]
    if knowledge:
        messages.append(Message("user", KNOWLEDGE))  # as assembly renders it
    messages += [
        Message("user", "hello"),
        Message("assistant", "hi, how can I help?"),
        Message("user", "something else"),
        Message("user", question),
    ]
    return messages


async def test_names_itself_and_how_to_configure_a_gateway() -> None:
    completion = await OfflineResponder().complete(_prompt("anything"), model=None)

    assert completion.model == MODEL
    assert "offline responder" in completion.content
    assert "MCP_LLM_BASE_URL" in completion.content
    assert completion.finish_reason == "stop"


async def test_quotes_the_source_that_overlaps_the_question_most() -> None:
    question = "What pressure should my bicycle tyres have?"

    completion = await OfflineResponder().complete(_prompt(question), model="gpt-4o")

    assert "[chunk-bikes]" in completion.content
    assert "printed on the sidewall" in completion.content
    assert "chunk-tea" not in completion.content
    assert completion.model == MODEL  # never pretends to be the requested model


async def test_without_overlap_the_first_retrieved_source_is_quoted() -> None:
    completion = await OfflineResponder().complete(_prompt("zzz qqq"), model=None)

    assert "[chunk-tea]" in completion.content


async def test_says_when_nothing_was_retrieved() -> None:
    completion = await OfflineResponder().complete(_prompt("tea?", knowledge=False), model=None)

    assert "No reference material" in completion.content


async def test_counts_earlier_user_and_assistant_turns() -> None:
    completion = await OfflineResponder().complete(_prompt("tea?"), model=None)

    assert "3 earlier turns" in completion.content


async def test_usage_uses_the_given_token_counter() -> None:
    def count(text: str) -> int:
        return len(text.split()) * 10

    messages = _prompt("How long should green tea steep?")
    completion = await OfflineResponder(count=count).complete(messages, model=None)

    assert completion.usage.prompt_tokens == sum(count(m.content) for m in messages)
    assert completion.usage.completion_tokens == count(completion.content)


async def test_usage_falls_back_to_characters_over_four() -> None:
    messages = [Message("user", "x" * 40)]

    completion = await OfflineResponder().complete(messages, model=None)

    assert completion.usage.prompt_tokens == 10
    assert completion.usage.completion_tokens == len(completion.content) // 4


async def test_is_deterministic() -> None:
    responder = OfflineResponder()
    first = await responder.complete(_prompt("tyres"), model=None)
    second = await responder.complete(_prompt("tyres"), model=None)

    assert first.content == second.content


async def test_stream_yields_openai_chunks_that_add_up_to_the_reply() -> None:
    responder = OfflineResponder(words_per_chunk=3)
    messages = _prompt("bicycle tyres")

    chunks = [c async for c in responder.stream(messages, model=None)]

    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert all(c["model"] == MODEL for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert [c["choices"][0]["finish_reason"] for c in chunks][-1] == "stop"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert content == (await responder.complete(messages, model=None)).content
    assert all(len(c["choices"][0]["delta"].get("content", "").split()) <= 3 for c in chunks)
    assert len(chunks) > 3


async def test_stream_reports_usage_when_asked() -> None:
    responder = OfflineResponder(count=lambda text: len(text))
    messages = [Message("user", "hello there")]
    params = {"stream_options": {"include_usage": True}}

    chunks = [c async for c in responder.stream(messages, model=None, params=params)]

    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["prompt_tokens"] == len("hello there")
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
