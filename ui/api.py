"""The HTTP API: `/v1/ask`, the OpenAI-compatible routes (ui/openai_routes.py), article and feed routes, `/healthz`.

The same `Answer` objects as the CLI and the chat, turned into JSON here. Errors are always
`{"error": {"type", "message"}}` with a fitting status, never a traceback.
"""

import hmac
import logging
from collections.abc import Iterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.loaders import parse_record
from ingest.types import Skipped
from newsqa import ConfigError, NewsQAError
from newsqa.app import Services
from rag import Answer, check_question

from .http import ApiError, Gate, answer_json, error_response, first_error, guard, guarded_stream, sse
from .openai_routes import openai_routes
from .uploads import MAX_UPLOAD_BYTES, UploadError, articles_from_upload

log = logging.getLogger("newsqa.api")

__all__ = ["MAX_ARTICLES_PER_REQUEST", "MAX_JSON_BYTES", "ArticlesRequest", "AskRequest", "FeedRequest", "HistoryTurn",
           "create_api"]

MAX_JSON_BYTES = 1 * 1024 * 1024
MAX_ARTICLES_PER_REQUEST = 1000


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


class ArticlesRequest(BaseModel):
    articles: list[dict] = Field(description="Records in the corpus.jsonl format.")


class FeedRequest(BaseModel):
    url: str = Field(description="An RSS or Atom feed URL.")


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
    app.include_router(_question_routes(services, gate))
    app.include_router(openai_routes(services, gate))
    app.include_router(_article_routes(services))
    return app


def _question_routes(services: Services, gate: Gate) -> APIRouter:
    routes = APIRouter()

    @routes.get("/healthz", tags=["service"])
    def healthz():
        """Whether the store answers and the models are loaded."""
        articles, chunks = guard(services.store.counts)
        loaded = "llm" in services.__dict__ and "embeddings" in services.__dict__
        return {"status": "ok" if loaded else "loading", "store": {"articles": articles, "chunks": chunks},
                "models": {"llm": services.llm.name if loaded else None, "loaded": loaded}}

    @routes.post("/v1/ask", tags=["questions"])
    def ask(request: AskRequest):
        """Answer a question; the same JSON as `newsqa ask --json` (or server-sent events with `stream`)."""
        history = [t if isinstance(t, str) else (t.question, t.answer) for t in request.history]
        kwargs = {"history": history, "choices": request.choices, "k": request.k}
        if request.stream:
            guard(check_question, request.question, services.settings.max_question_chars)
            return sse(_ask_events(services, gate.acquire(), request.question, kwargs))
        with gate.enter():
            answer = guard(services.qa.ask, request.question, **kwargs)
        return answer_json(answer)

    return routes


def _article_routes(services: Services) -> APIRouter:
    """The article and feed routes: reading is open (unless the server is private), writing needs the token."""
    routes = APIRouter()
    @routes.get("/v1/articles", tags=["articles"])
    def list_articles(limit: int = 50, offset: int = 0):
        """Articles in the store, newest ingest first, with chunk counts."""
        if not 1 <= limit <= 500 or offset < 0:
            raise ApiError(422, "invalid_request", "limit must be 1..500 and offset >= 0")
        total, _ = guard(services.store.counts)
        rows = guard(services.store.articles, limit=limit, offset=offset)
        return {"total": total, "limit": limit, "offset": offset, "articles": [_article_json(a) for a in rows]}

    @routes.post("/v1/articles", tags=["articles"])
    async def add_articles(request: Request):
        """Ingest articles: JSON `{"articles": [...]}` or a multipart upload of .txt/.md/.html/.jsonl files."""
        _require_token(services, request)
        items = await _articles_from_request(request)
        report = guard(services.ingestor.ingest, items)
        return report.as_dict()

    @routes.delete("/v1/articles/{article_id}", tags=["articles"])
    def delete_article(article_id: str, request: Request):
        """Remove one article and its chunks."""
        _require_token(services, request)
        if not guard(services.ingestor.delete, article_id):
            raise ApiError(404, "not_found", f"no article {article_id!r} in the store")
        return {"deleted": article_id}

    @routes.get("/v1/feeds", tags=["feeds"])
    def list_feeds():
        """Followed feeds with their last refresh, new and updated counts and errors."""
        return {"feeds": [_feed_json(f) for f in guard(services.feeds.all)]}

    @routes.post("/v1/feeds", tags=["feeds"])
    def follow_feed(body: FeedRequest, request: Request):
        """Follow a feed and refresh it now (a new feed whose first fetch fails is not kept: 400)."""
        _require_token(services, request)
        return _feed_json(guard(services.feeds.follow, body.url))

    return routes


def _feed_json(state) -> dict:
    return {k: v for k, v in state.__dict__.items() if k != "seen"}


def _article_json(article) -> dict:
    return {"id": article.id, "title": article.title, "url": article.url, "published": article.published,
            "chunks": len(article.chunk_ids), "first_seen": article.first_seen, "ingested_at": article.ingested_at}


def _require_token(services: Services, request: Request) -> None:
    token = services.settings.api_token
    if not token:
        raise ApiError(403, "forbidden", "write routes are off: start the server with NEWSQA_API_TOKEN set")
    if not _bearer_is(request, token):
        raise ApiError(401, "unauthorized", "send the API token as `Authorization: Bearer TOKEN`",
                       {"WWW-Authenticate": "Bearer"})


def _bearer_is(request: Request, secret: str) -> bool:
    """Whether the request's `Authorization: Bearer ...` header carries `secret` (compared in constant time)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), secret.encode())


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
        raise ApiError(422, "invalid_request", f'expected JSON {{"articles": [...]}}: {first_error(exc)}') from exc
    if len(body.articles) > MAX_ARTICLES_PER_REQUEST:
        raise ApiError(413, "too_large", f"at most {MAX_ARTICLES_PER_REQUEST} articles per request")
    items = []
    for number, record in enumerate(body.articles):
        try:
            items.append(parse_record(record))
        except (NewsQAError, ValueError) as exc:
            items.append(Skipped(f"articles[{number}]", str(exc)))
    return items


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
        for event in guarded_stream(services, question, kwargs):
            if isinstance(event, Answer):
                yield "answer", answer_json(event)
            else:
                yield "progress", event.as_dict()
    finally:
        release()


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request, exc: ApiError):
        return error_response(exc.status, exc.kind, exc.message, exc.headers, exc.code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        return error_response(422, "invalid_request", first_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc: StarletteHTTPException):
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, kind, str(exc.detail))

    @app.exception_handler(Exception)
    async def internal(request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return error_response(500, "internal", "internal error; the server log has the details")


def _install_read_guard(app: FastAPI, secret: str | None) -> None:
    """A private deployment (NEWSQA_UI_AUTH=all): every route but /healthz needs the bearer token (the API token or
    the chat's password), reading too."""
    if not secret:
        raise ConfigError("NEWSQA_UI_AUTH=all needs a login password: set NEWSQA_UI_PASSWORD (or NEWSQA_API_TOKEN)")

    @app.middleware("http")
    async def require_credentials(request: Request, call_next):
        guarded = request.url.path.startswith(("/v1/", "/docs", "/openapi.json"))
        if guarded and not _bearer_is(request, secret):
            return error_response(401, "unauthorized", "this server is private: send its token as `Authorization: Bearer TOKEN`",
                          {"WWW-Authenticate": "Bearer"})
        return await call_next(request)


def _install_size_limit(app: FastAPI) -> None:
    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        if request.url.path.startswith("/v1/"):
            limit = MAX_UPLOAD_BYTES if request.headers.get("content-type", "").startswith("multipart/") else MAX_JSON_BYTES
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                return error_response(413, "too_large", f"request body over {limit // 1024} KB")
            if length is None and request.method in ("POST", "PUT", "PATCH"):
                return error_response(411, "length_required", "send a Content-Length header")
        return await call_next(request)
