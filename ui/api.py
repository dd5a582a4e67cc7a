"""The HTTP API: `/v1/ask`, an OpenAI-compatible `/v1/chat/completions`, article routes, `/healthz`.

The same `Answer` objects as the CLI and the chat, turned into JSON here. Errors are always
`{"error": {"type", "message"}}` with a fitting status, never a traceback.
"""

import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.loaders import parse_record
from ingest.types import Skipped
from newsqa import ConfigError, ModelError, NewsQAError, StoreError
from newsqa.app import Services
from rag import Answer, check_question

from .format import answer_text
from .uploads import MAX_UPLOAD_BYTES, UploadError, articles_from_upload

__all__ = ["ApiError", "create_api"]

log = logging.getLogger("newsqa.api")
MAX_JSON_BYTES = 1 * 1024 * 1024
MODEL = "newsqa"  # the one model name the OpenAI-compatible routes answer as
MAX_ARTICLES_PER_REQUEST = 1000


class ApiError(Exception):
    """An error with its HTTP status and error type."""

    def __init__(self, status: int, kind: str, message: str, headers: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.message, self.headers, self.code = status, kind, message, headers or {}, code


class HistoryTurn(BaseModel):
    question: str
    answer: str | None = Field(default=None, description="The answer newsqa gave (its text), if any.")


class AskRequest(BaseModel):
    question: str = Field(description="The question, plain text.")
    choices: list[str] | None = Field(default=None, description="Options to choose from (multiple choice).")
    history: list[str | HistoryTurn] = Field(
        default_factory=list, description="Earlier turns of the conversation, oldest first: questions, or "
        '{"question", "answer"} objects (a follow-up is then rewritten with the previous answer too).')
    k: int | None = Field(default=None, ge=1, le=50, description="Chunks to retrieve.")
    stream: bool = Field(default=False, description="Stream server-sent events: `progress` (searching, checking N passages), then `answer`.")


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


class ArticlesRequest(BaseModel):
    articles: list[dict] = Field(description="Records in the corpus.jsonl format.")


class FeedRequest(BaseModel):
    url: str = Field(description="An RSS or Atom feed URL.")


class Gate:
    """At most `limit` questions in the building at once; more get 503 with Retry-After.

    The embedded LLM answers one question at a time, so a queue past a few requests only
    grows memory and latency."""

    def __init__(self, limit: int):
        self._slots = threading.BoundedSemaphore(limit)

    def acquire(self):
        """A release function for a slot, or ApiError 503 when none is free."""
        if not self._slots.acquire(blocking=False):
            raise ApiError(503, "overloaded", "too many questions are waiting; retry shortly", {"Retry-After": "2"})
        return self._slots.release

    @contextmanager
    def enter(self):
        release = self.acquire()
        try:
            yield
        finally:
            release()


def create_api(services: Services) -> FastAPI:
    """The FastAPI app with every route; the chat UI is mounted on it by `ui.chat.serve`."""
    app = FastAPI(title="newsqa", version=_version(), description="Question answering over news articles, with citations.",
                  docs_url=None, redoc_url=None)
    gate = app.state.gate = Gate(services.settings.max_pending)
    _install_error_handlers(app)
    _install_size_limit(app)
    if services.settings.ui_auth == "all":
        _install_read_guard(app, services.settings.ui_secret)
    _install_docs(app)

    @app.get("/healthz", tags=["service"])
    def healthz():
        """Whether the store answers and the models are loaded."""
        articles, chunks = _guard(services.store.counts)
        loaded = "llm" in services.__dict__ and "embeddings" in services.__dict__
        return {"status": "ok" if loaded else "loading", "store": {"articles": articles, "chunks": chunks},
                "models": {"llm": services.llm.name if loaded else None, "loaded": loaded}}

    @app.post("/v1/ask", tags=["questions"])
    def ask(request: AskRequest):
        """Answer a question; the same JSON as `newsqa ask --json` (or server-sent events with `stream`)."""
        history = [t if isinstance(t, str) else (t.question, t.answer) for t in request.history]
        kwargs = {"history": history, "choices": request.choices, "k": request.k}
        if request.stream:
            _guard(check_question, request.question, services.settings.max_question_chars)
            return _sse(_ask_events(services, gate.acquire(), request.question, kwargs))
        with gate.enter():
            answer = _guard(services.qa.ask, request.question, **kwargs)
        return _answer_json(answer)

    @app.post("/v1/chat/completions", tags=["questions"])
    def chat_completions(request: ChatRequest):
        """OpenAI-compatible: the last user message is the question, the earlier user and assistant messages the
        conversation. Streaming sends progress chunks (`newsqa.progress`, no content) as the work goes on, then the
        answer; with `stream_options.include_usage`, a last chunk with the usage."""
        if request.model != MODEL:
            raise ApiError(404, "invalid_request_error", f"The model `{request.model}` does not exist; this server "
                           f"answers as `{MODEL}`", code="model_not_found")
        question, history = _question_from_messages(request.messages)
        if request.stream:
            _guard(check_question, question, services.settings.max_question_chars)
            usage = request.stream_options is not None and request.stream_options.include_usage
            return _sse(_chat_chunks(services, gate.acquire(), question, history, request.messages if usage else None),
                        done=True)
        with gate.enter():
            answer = _guard(services.qa.ask, question, history=history)
        return _completion(answer, _usage(services, request.messages, answer_text(answer)))

    @app.get("/v1/models", tags=["questions"])
    def models():
        """OpenAI-compatible: the one model this server answers as."""
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "newsqa"}]}

    @app.get("/v1/articles", tags=["articles"])
    def list_articles(limit: int = 50, offset: int = 0):
        """Articles in the store, newest ingest first, with chunk counts."""
        if not 1 <= limit <= 500 or offset < 0:
            raise ApiError(422, "invalid_request", "limit must be 1..500 and offset >= 0")
        total, _ = _guard(services.store.counts)
        rows = _guard(services.store.articles, limit=limit, offset=offset)
        return {"total": total, "limit": limit, "offset": offset, "articles": [_article_json(a) for a in rows]}

    @app.post("/v1/articles", tags=["articles"])
    async def add_articles(request: Request):
        """Ingest articles: JSON `{"articles": [...]}` or a multipart upload of .txt/.md/.html/.jsonl files."""
        _require_token(services, request)
        items = await _articles_from_request(request)
        report = _guard(services.ingestor.ingest, items)
        return report.as_dict()

    @app.delete("/v1/articles/{article_id}", tags=["articles"])
    def delete_article(article_id: str, request: Request):
        """Remove one article and its chunks."""
        _require_token(services, request)
        if not _guard(services.ingestor.delete, article_id):
            raise ApiError(404, "not_found", f"no article {article_id!r} in the store")
        return {"deleted": article_id}

    @app.get("/v1/feeds", tags=["feeds"])
    def list_feeds():
        """Followed feeds with their last refresh, new and updated counts and errors."""
        return {"feeds": [_feed_json(f) for f in _guard(services.feeds.all)]}

    @app.post("/v1/feeds", tags=["feeds"])
    def follow_feed(body: FeedRequest, request: Request):
        """Follow a feed and refresh it now (a new feed whose first fetch fails is not kept: 400)."""
        _require_token(services, request)
        return _feed_json(_guard(services.feeds.follow, body.url))

    return app


def _feed_json(state) -> dict:
    return {k: v for k, v in state.__dict__.items() if k != "seen"}


def _guard(function, *args, **kwargs):
    """Call into the library, mapping its errors to HTTP ones."""
    try:
        return function(*args, **kwargs)
    except NewsQAError as exc:
        raise _api_error(exc) from exc


def _api_error(exc: NewsQAError) -> ApiError:
    if isinstance(exc, (StoreError, ModelError)):
        return ApiError(503, "unavailable", str(exc), {"Retry-After": "5"})
    return ApiError(400, "invalid_request", str(exc))


def _answer_json(answer: Answer) -> dict:
    data = answer.as_dict()
    if answer.query:
        data["query"] = answer.query
    if answer.choice is not None:
        data["choice"] = answer.choice
    return data


def _article_json(article) -> dict:
    return {"id": article.id, "title": article.title, "url": article.url, "published": article.published,
            "chunks": len(article.chunk_ids), "first_seen": article.first_seen, "ingested_at": article.ingested_at}


def _require_token(services: Services, request: Request) -> None:
    token = services.settings.api_token
    if not token:
        raise ApiError(403, "forbidden", "write routes are off: start the server with NEWSQA_API_TOKEN set")
    sent = request.headers.get("authorization", "")
    scheme, _, value = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "send the API token as `Authorization: Bearer TOKEN`",
                       {"WWW-Authenticate": "Bearer"})


async def _articles_from_request(request: Request) -> list:
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        form = await request.form(max_files=100, max_fields=100)
        uploads = [f for f in form.values() if isinstance(f, UploadFile)]
        if not uploads:
            raise ApiError(422, "invalid_request", "the upload holds no file")
        items = []
        for upload in uploads:
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
            try:
                items += articles_from_upload(upload.filename or "upload", data, MAX_UPLOAD_BYTES)
            except UploadError as exc:
                raise ApiError(422, "invalid_upload", str(exc)) from exc
        return items
    try:
        body = ArticlesRequest.model_validate_json(await request.body())
    except ValueError as exc:
        raise ApiError(422, "invalid_request", f'expected JSON {{"articles": [...]}}: {_first_error(exc)}') from exc
    if len(body.articles) > MAX_ARTICLES_PER_REQUEST:
        raise ApiError(413, "too_large", f"at most {MAX_ARTICLES_PER_REQUEST} articles per request")
    items = []
    for number, record in enumerate(body.articles):
        try:
            items.append(parse_record(record))
        except (NewsQAError, ValueError) as exc:
            items.append(Skipped(f"articles[{number}]", str(exc)))
    return items


def _question_from_messages(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str | None]]]:
    """The question (the last user message with text) and the conversation before it: each earlier user message
    with the assistant's reply to it (its text before the sources)."""
    turns: list[tuple[str, str | None]] = []
    for message in messages:
        text = _message_text(message)
        if message.role == "user" and text.strip():
            turns.append((text, None))
        elif message.role == "assistant" and turns and turns[-1][1] is None and text.strip():
            turns[-1] = (turns[-1][0], text)  # QA keeps the short fact it opens with, if any
    if not turns:
        raise ApiError(400, "invalid_request", "messages must hold at least one user message with text")
    return turns[-1][0], turns[:-1]


def _message_text(message: ChatMessage) -> str:
    if isinstance(message.content, list):
        return " ".join(p.get("text", "") for p in message.content if isinstance(p, dict) and p.get("type") == "text")
    return message.content or ""


def _completion(answer: Answer, usage: dict) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "newsqa",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer_text(answer)}, "finish_reason": "stop"}],
        "usage": usage,
        "citations": [c.url or c.article_id for c in answer.citations],  # OpenAI-style: links (ids without one)
        "sources": _sources(answer),
        "newsqa": _answer_json(answer),
    }


def _sources(answer: Answer) -> list[dict]:
    """The answer's sources for an OpenAI client: one per article, with what a person needs to follow it."""
    return [{"article_id": c.article_id, "title": c.title, "url": c.url, "published": c.published} for c in answer.citations]


def _usage(services: Services, messages: list[ChatMessage], content: str) -> dict:
    """Token counts, by the embedder's word-piece tokenizer (newsqa's answer is not the LLM's output)."""
    texts = [t for t in map(_message_text, messages) if t]
    prompt = sum(services.embeddings.count_tokens(texts)) if texts else 0
    completion = services.embeddings.count_tokens([content])[0] if content else 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsqa")
    except PackageNotFoundError:
        return "0+unknown"


def _install_docs(app: FastAPI) -> None:
    """The OpenAPI page with Swagger UI served from the package, not a CDN: it works offline."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    # swagger-ui-py bundles Swagger UI 5, which renders the OpenAPI 3.1 schema FastAPI serves.
    app.mount("/docs-assets", StaticFiles(directory=str(files("swagger_ui") / "static")), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="newsqa API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def _ask_events(services: Services, release, question: str, kwargs: dict) -> Iterator[tuple[str, dict]]:
    try:
        for event in _guarded_stream(services, question, kwargs):
            if isinstance(event, Answer):
                yield "answer", _answer_json(event)
            else:
                yield "progress", event.as_dict()
    finally:
        release()


def _chat_chunks(services: Services, release, question: str, history: list, usage_of: list | None = None,
                 ) -> Iterator[tuple[str, dict]]:
    """OpenAI chat chunks: the role, a progress chunk per step as it happens (empty delta, `newsqa.progress`), the
    verified answer, the stop chunk with the sources, and the usage when asked for (`usage_of`: the messages)."""
    chunk_id, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra) -> dict:
        return {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}

    try:
        yield "", chunk({"role": "assistant", "content": ""})
        for event in _guarded_stream(services, question, {"history": history}):
            if not isinstance(event, Answer):
                yield "", chunk({}, newsqa={"progress": event.as_dict()})
                continue
            content = answer_text(event)  # only the verified answer reaches an OpenAI client
            yield "", chunk({"content": content})
            yield "", chunk({}, "stop", citations=[c.url or c.article_id for c in event.citations],
                            sources=_sources(event), newsqa=_answer_json(event))
            if usage_of is not None:
                yield "", {**chunk({}), "choices": [], "usage": _usage(services, usage_of, content)}
    finally:
        release()


def _guarded_stream(services: Services, question: str, kwargs: dict):
    try:
        yield from services.qa.steps(question, **kwargs)
    except NewsQAError as exc:
        raise _api_error(exc) from exc


def _sse(events: Iterator[tuple[str, dict]], done: bool = False) -> StreamingResponse:
    def body():
        try:
            for name, data in events:
                prefix = f"event: {name}\n" if name else ""
                yield f"{prefix}data: {json.dumps(data, ensure_ascii=False)}\n\n"
        except ApiError as exc:
            yield f"event: error\ndata: {json.dumps({'error': {'type': exc.kind, 'message': exc.message}})}\n\n"
        except Exception:
            log.exception("stream failed")
            yield 'event: error\ndata: {"error": {"type": "internal", "message": "internal error"}}\n\n'
        if done:
            yield "data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
    return str(exc)


def _error(status: int, kind: str, message: str, headers: dict | None = None, code: str | None = None) -> JSONResponse:
    body = {"type": kind, "message": message, **({"code": code} if code else {})}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request, exc: ApiError):
        return _error(exc.status, exc.kind, exc.message, exc.headers, exc.code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        return _error(422, "invalid_request", _first_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc: StarletteHTTPException):
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, kind, str(exc.detail))

    @app.exception_handler(Exception)
    async def internal(request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return _error(500, "internal", "internal error; the server log has the details")


def _install_read_guard(app: FastAPI, secret: str | None) -> None:
    """A private deployment (NEWSQA_UI_AUTH=all): every route but /healthz needs the bearer token (the API token or
    the chat's password), reading too."""
    if not secret:
        raise ConfigError("NEWSQA_UI_AUTH=all needs a login password: set NEWSQA_UI_PASSWORD (or NEWSQA_API_TOKEN)")

    @app.middleware("http")
    async def require_credentials(request: Request, call_next):
        guarded = request.url.path.startswith(("/v1/", "/docs", "/openapi.json"))
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if guarded and not (scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), secret.encode())):
            return _error(401, "unauthorized", "this server is private: send its token as `Authorization: Bearer TOKEN`",
                          {"WWW-Authenticate": "Bearer"})
        return await call_next(request)


def _install_size_limit(app: FastAPI) -> None:
    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        if request.url.path.startswith("/v1/"):
            limit = MAX_UPLOAD_BYTES if request.headers.get("content-type", "").startswith("multipart/") else MAX_JSON_BYTES
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                return _error(413, "too_large", f"request body over {limit // 1024} KB")
            if length is None and request.method in ("POST", "PUT", "PATCH"):
                return _error(411, "length_required", "send a Content-Length header")
        return await call_next(request)
