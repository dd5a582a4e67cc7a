"""The OpenAI-compatible routes: `/v1/chat/completions` (the last user message is the question, the earlier
turns the conversation; streamed as chat chunks) and `/v1/models`."""

import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter
from pydantic import BaseModel

from newsqa.app import Services
from rag import Answer, check_question
from rag.answer.followup import Turn, conversation

from .format import answer_text
from .http import ApiError, Gate, answer_json, guard, guarded_stream, sse

__all__ = ["MODEL", "ChatMessage", "ChatRequest", "openai_routes"]


MODEL = "newsqa"  # the one model name the OpenAI-compatible routes answer as


class ChatMessage(BaseModel):
    role: str
    content: str | list[dict] | None = None


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    model: str = MODEL
    messages: list[ChatMessage]
    stream: bool = False
    stream_options: StreamOptions | None = None


def question_from_messages(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The question (the last user message with text) and the conversation before it: each earlier user message
    with the assistant's reply to it (its text before the sources)."""
    turns = conversation((message.role, message_text(message)) for message in messages)
    if not turns:
        raise ApiError(400, "invalid_request", "messages must hold at least one user message with text")
    return turns[-1].question, turns[:-1]


def message_text(message: ChatMessage) -> str:
    if isinstance(message.content, list):
        return " ".join(p.get("text", "") for p in message.content if isinstance(p, dict) and p.get("type") == "text")
    return message.content or ""


def chat_completion(answer: Answer, usage: dict) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer_text(answer)}, "finish_reason": "stop"}],
        "usage": usage,
        "citations": [c.url or c.article_id for c in answer.citations],  # OpenAI-style: links (ids without one)
        "sources": answer_sources(answer),
        "newsqa": answer_json(answer),
    }


def answer_sources(answer: Answer) -> list[dict]:
    """The answer's sources for an OpenAI client: one per article, with what a person needs to follow it."""
    return [{"article_id": c.article_id, "title": c.title, "url": c.url, "published": c.published} for c in answer.citations]


def token_usage(services: Services, messages: list[ChatMessage], content: str) -> dict:
    """Token counts, by the embedder's word-piece tokenizer (newsqa's answer is not the LLM's output)."""
    texts = [t for t in map(message_text, messages) if t]
    prompt = sum(services.embeddings.count_tokens(texts)) if texts else 0
    completion = services.embeddings.count_tokens([content])[0] if content else 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def chat_chunks(services: Services, release, question: str, history: list, usage_of: list | None = None,
                 ) -> Iterator[tuple[str, dict]]:
    """OpenAI chat chunks: the role, a progress chunk per step as it happens (empty delta, `newsqa.progress`), the
    verified answer, the stop chunk with the sources, and the usage when asked for (`usage_of`: the messages)."""
    chunk_id, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra) -> dict:
        return {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}

    try:
        yield "", chunk({"role": "assistant", "content": ""})
        for event in guarded_stream(services, question, {"history": history}):
            if not isinstance(event, Answer):
                yield "", chunk({}, newsqa={"progress": event.as_dict()})
                continue
            content = answer_text(event)  # only the verified answer reaches an OpenAI client
            yield "", chunk({"content": content})
            yield "", chunk({}, "stop", citations=[c.url or c.article_id for c in event.citations],
                            sources=answer_sources(event), newsqa=answer_json(event))
            if usage_of is not None:
                yield "", {**chunk({}), "choices": [], "usage": token_usage(services, usage_of, content)}
    finally:
        release()


def openai_routes(services: Services, gate: Gate) -> APIRouter:
    """`/v1/chat/completions` and `/v1/models`, as an OpenAI client calls them."""
    routes = APIRouter()

    @routes.post("/v1/chat/completions", tags=["questions"])
    def chat_completions(request: ChatRequest):
        """OpenAI-compatible: the last user message is the question, the earlier user and assistant messages the
        conversation. Streaming sends progress chunks (`newsqa.progress`, no content) as the work goes on, then the
        answer; with `stream_options.include_usage`, a last chunk with the usage."""
        if request.model != MODEL:
            raise ApiError(404, "invalid_request_error", f"The model `{request.model}` does not exist; this server "
                           f"answers as `{MODEL}`", code="model_not_found")
        question, history = question_from_messages(request.messages)
        if request.stream:
            guard(check_question, question, services.settings.max_question_chars)
            usage = request.stream_options is not None and request.stream_options.include_usage
            return sse(chat_chunks(services, gate.acquire(), question, history, request.messages if usage else None),
                        done=True)
        with gate.enter():
            answer = guard(services.qa.ask, question, history=history)
        return chat_completion(answer, token_usage(services, request.messages, answer_text(answer)))

    @routes.get("/v1/models", tags=["questions"])
    def models():
        """OpenAI-compatible: the one model this server answers as."""
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "newsqa"}]}

    return routes
