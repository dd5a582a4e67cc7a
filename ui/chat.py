"""The Gradio chat: streamed answers with numbered sources, and a panel showing the store."""

import hmac
import ipaddress
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ingest import SUPPORTED_SUFFIXES, Skipped
from newsqa import ConfigError, NewsQAError
from newsqa.app import Services
from rag import Answer
from rag.answer.followup import Turn

from .format import (
    answer_markdown,
    escape_markdown,
    literal,
    progress_text,
    store_markdown,
)
from .running import announce, withdraw
from .uploads import MAX_UPLOAD_BYTES, UploadError, articles_from_upload

__all__ = ["Access", "chat_replies", "create_app", "follow_feed", "ingest_uploads", "refresh_feeds_every", "serve",
           "ui_access", "unfollow_feed"]

log = logging.getLogger("newsqa.ui")
EXAMPLES = ["How many prisoners were recaptured?", "Why did Islamic State attack the prison?", "What's new?"]


@dataclass(frozen=True)
class Reply:
    """One state of the assistant's reply, as Markdown; the last one carries the turn it adds to the conversation
    (None while it works, and when the question was refused or failed: such a question never becomes history)."""

    markdown: str
    turn: Turn | None = None


def chat_replies(services: Services, message: str, turns: Sequence[Turn] = ()) -> Iterator[Reply]:
    """The successive states of the assistant's reply: searching, checking N passages, then the cited
    answer. Only the checked answer is shown; the model's draft never is."""
    try:
        for event in services.qa.steps(message, history=list(turns)):
            if isinstance(event, Answer):
                yield Reply(answer_markdown(event), Turn.of(event))
            else:
                yield Reply(f"_{progress_text(event)}_")
    except NewsQAError as exc:
        yield Reply(f"⚠️ {escape_markdown(str(exc))}")
    except Exception:
        log.exception("chat failed")
        yield Reply("⚠️ Something went wrong while answering; the server log has the details.")


def _store_panel(services: Services) -> str:
    try:
        articles, chunks = services.store.counts()
        latest = services.store.articles(limit=1)
        return store_markdown(articles, chunks, services.store.articles(limit=10, by="published"), services.feeds.all(),
                              last_ingest=latest[0].ingested_at if latest else None)
    except NewsQAError as exc:
        return f"⚠️ {escape_markdown(str(exc))}"


def ingest_uploads(services: Services, paths: list[str], progress=None) -> str:
    """Ingest uploaded files (paths Gradio saved them under) and say what happened."""
    if not paths:
        return "Choose one or more .txt, .md, .html or .jsonl files first."
    items = []
    for path in paths:
        try:
            items += articles_from_upload(Path(path).name, Path(path).read_bytes(), MAX_UPLOAD_BYTES)
        except (UploadError, OSError) as exc:
            items.append(Skipped(Path(path).name, str(exc)))
    total = max(1, sum(1 for i in items if not isinstance(i, Skipped)))
    done = 0

    def tick(event: str, amount: int) -> None:
        nonlocal done
        if event == "article" and progress is not None:
            done += amount
            progress(done / total, desc=f"ingested {done} of {total} articles")

    try:
        report = services.ingestor.ingest(items, tick)
    except NewsQAError as exc:
        return f"⚠️ {escape_markdown(str(exc))}"
    lines = [f"Added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
             f"skipped {len(report.skipped)}."]
    lines += [f"- skipped {escape_markdown(s.where)}: {escape_markdown(s.reason)}" for s in report.skipped]
    return "\n".join(lines)


def follow_feed(services: Services, url: str) -> str:
    """Follow a feed and refresh it now; say what arrived."""
    url = (url or "").strip()
    if not url:
        return "Paste the address of an RSS or Atom feed first."
    try:
        state = services.feeds.follow(url)
    except NewsQAError as exc:
        return f"⚠️ {literal(str(exc))}"
    errors = f" ({len(state.errors)} errors: {literal(state.errors[0][:160])})" if state.errors else ""
    name = escape_markdown(state.title) if state.title else literal(state.url)
    return f"{name}: {state.added} new, {state.updated} updated{errors}."


def unfollow_feed(services: Services, url: str) -> str:
    """Stop following a feed; its articles stay."""
    url = (url or "").strip()
    if not url:
        return "Paste the address of the feed to stop following."
    try:
        removed = services.feeds.remove(url)
    except NewsQAError as exc:
        return f"⚠️ {escape_markdown(str(exc))}"
    return f"No longer following {literal(url)}; its articles stay." if removed else f"Not following {literal(url)}."


@dataclass(frozen=True)
class Access:
    """Which pages the chat has and who may write through them."""

    writes_at_root: bool  # the page at / shows the panels that add articles and follow feeds
    login_at_root: bool  # the page at / needs the login
    admin: bool  # a second page, /admin/, behind the login, has those panels


def ui_access(loopback: bool, secret: bool, auth_all: bool = False) -> Access:
    """What the chat serves, from where it listens, whether a login password is set and NEWSQA_UI_AUTH=all.

    >>> ui_access(loopback=True, secret=False)  # one's own machine, no password: as on the command line
    Access(writes_at_root=True, login_at_root=False, admin=False)
    >>> ui_access(loopback=False, secret=True)  # reading open, writing behind the login
    Access(writes_at_root=False, login_at_root=False, admin=True)
    >>> ui_access(loopback=True, secret=True)  # a password set (say, behind a reverse proxy): the login it is for
    Access(writes_at_root=False, login_at_root=False, admin=True)
    >>> ui_access(loopback=False, secret=False)  # nobody can log in, so nobody writes
    Access(writes_at_root=False, login_at_root=False, admin=False)
    >>> ui_access(loopback=False, secret=True, auth_all=True)  # a private deployment
    Access(writes_at_root=True, login_at_root=True, admin=False)
    """
    if auth_all:
        if not secret:
            raise ConfigError("NEWSQA_UI_AUTH=all needs a login password: set NEWSQA_UI_PASSWORD (or NEWSQA_API_TOKEN)")
        return Access(writes_at_root=True, login_at_root=True, admin=False)
    if secret:
        return Access(writes_at_root=False, login_at_root=False, admin=True)
    return Access(writes_at_root=loopback, login_at_root=False, admin=False)


def is_loopback(host: str) -> bool:
    """Whether `host` is an address only this machine reaches.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def password_check(secret: str) -> Callable[[str, str], bool]:
    """Gradio's login check: any user name, the password must be `secret` (compared in constant time)."""

    def check(username: str, password: str) -> bool:
        return hmac.compare_digest((password or "").encode(), secret.encode())

    return check


def create_app(services: Services, uploads: bool = True, admin_link: bool = False) -> gr.Blocks:
    """The chat UI wired to the services; `uploads` shows the panels that add articles and follow feeds (their
    handlers are never public API endpoints); `admin_link` points to the login page that has them."""
    with gr.Blocks(title="newsqa") as app:
        gr.Markdown("## newsqa · ask the news\nAnswers come only from the ingested articles, with their sources.")
        with gr.Row():
            with gr.Column(scale=3):
                _chat_column(services)
            with gr.Column(scale=1):
                gr.Markdown("### Store")
                panel = gr.Markdown(lambda: _store_panel(services), elem_id="store-panel")
                gr.Button("Refresh", size="sm").click(lambda: _store_panel(services), outputs=panel)
                if uploads:
                    _upload_panels(services, panel)
                elif admin_link:
                    gr.Markdown("To add articles or follow feeds, [sign in](admin/).", elem_id="admin-link")
    return app


def _chat_column(services: Services) -> None:
    """The conversation: the chat, its examples, the question box (with stop), and the `ask` API endpoint."""

    def respond(message, shown, turns):
        shown = [*(shown or []), {"role": "user", "content": escape_markdown(message or "")},
                 {"role": "assistant", "content": "_Searching the articles…_"}]
        for reply in chat_replies(services, message or "", turns or []):
            shown[-1] = {"role": "assistant", "content": reply.markdown}
            if reply.turn is not None:
                turns = [*(turns or []), reply.turn]
            yield "", shown, turns

    def example(selected: gr.SelectData, shown, turns):
        yield from respond(selected.value["text"], shown, turns)

    def ask(question: str) -> str:
        """The cited answer to one question, as Markdown (the chat's own answer, without a conversation)."""
        return [reply.markdown for reply in chat_replies(services, question)][-1]

    chatbot = gr.Chatbot(height=520, sanitize_html=True, label="Chat", elem_id="chat", feedback_options=None,
                         examples=[{"text": e} for e in EXAMPLES])
    turns = gr.State([])  # the turns a follow-up may lean on: answered questions only
    box = gr.Textbox(placeholder="Ask a question about the articles…", elem_id="question", show_label=False,
                     max_length=services.settings.max_question_chars, submit_btn=True, stop_btn=True)
    asking = box.submit(respond, [box, chatbot, turns], [box, chatbot, turns], api_visibility="private")
    box.stop(None, None, None, cancels=[asking], api_visibility="private")
    chatbot.example_select(example, [chatbot, turns], [box, chatbot, turns], api_visibility="private")
    gr.api(ask, api_name="ask")


def _upload_panels(services: Services, panel: gr.Markdown) -> None:
    """Adding articles (files) and following feeds; the page's own buttons only, never a client library's."""

    def follow(url, progress=gr.Progress()):
        return follow_feed(services, url), _store_panel(services)

    def unfollow(url):
        return unfollow_feed(services, url), _store_panel(services)

    def upload(files, progress=gr.Progress()):
        paths = [f if isinstance(f, str) else f.name for f in files or []]
        return ingest_uploads(services, paths, progress), _store_panel(services)

    private = {"api_visibility": "private"}
    gr.Markdown("### Add articles")
    files = gr.File(file_count="multiple", file_types=list(SUPPORTED_SUFFIXES), elem_id="upload")
    status = gr.Markdown(elem_id="upload-status")
    gr.Button("Ingest", elem_id="ingest").click(upload, inputs=files, outputs=[status, panel], **private)
    gr.Markdown("### Follow a feed")
    feed_url = gr.Textbox(placeholder="https://example.com/rss.xml", show_label=False, elem_id="feed-url")
    feed_status = gr.Markdown(elem_id="feed-status")
    with gr.Row():
        gr.Button("Follow", elem_id="follow").click(follow, inputs=feed_url, outputs=[feed_status, panel], **private)
        gr.Button("Stop following", elem_id="unfollow").click(unfollow, inputs=feed_url, outputs=[feed_status, panel],
                                                              **private)


def _access_text(access: Access) -> str:
    if access.login_at_root:
        return "needs the login (NEWSQA_UI_AUTH=all): any user name, the password NEWSQA_UI_PASSWORD or the API token"
    if access.admin:
        return ("questions are open to all; adding articles and feeds is at /admin/ behind the login "
                "(any user name, the password NEWSQA_UI_PASSWORD or the API token)")
    if access.writes_at_root:
        return "adds articles and feeds on this machine's loopback address without a login (no password is set)"
    return "questions only: listening beyond loopback without NEWSQA_UI_PASSWORD or NEWSQA_API_TOKEN, nobody adds articles"


def _announce_while_serving(app, announce_now) -> None:
    """Keep the record of this server (ui/running.py) from start-up to shutdown, in the app's lifespan: uvicorn
    re-raises SIGTERM once it has shut down, so code after `uvicorn.run` never runs."""
    from contextlib import asynccontextmanager

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):
        record = announce_now()
        try:
            async with inner(application) as state:
                yield state
        finally:
            withdraw(record)

    app.router.lifespan_context = lifespan


def _refuse_uploads(app, path: str) -> None:
    """The public page takes no files: Gradio's upload route there answers 403 (it would store them on disk)."""
    from fastapi.responses import JSONResponse

    @app.middleware("http")
    async def no_uploads(request, call_next):
        if request.url.path.rstrip("/") == path:
            return JSONResponse({"error": {"type": "forbidden", "message": "this page takes no uploads"}}, status_code=403)
        return await call_next(request)


def refresh_feeds_every(services: Services, seconds: float, stop: threading.Event) -> threading.Thread:
    """A daemon thread that refreshes the followed feeds every `seconds` until `stop` is set."""

    def loop():
        while not stop.wait(seconds):
            try:
                for state in services.feeds.refresh():
                    log.info("feed %s: %s, %d new, %d updated", state.url, state.status, state.added, state.updated)
            except Exception:
                log.exception("feed refresh failed")

    thread = threading.Thread(target=loop, name="newsqa-feeds", daemon=True)
    thread.start()
    return thread


def serve(services: Services, host: str = "127.0.0.1", port: int = 7860, refresh_every: float | None = None) -> None:
    """Load the models, then serve the chat UI and the HTTP API on one port until interrupted."""
    import uvicorn

    from .api import create_api

    settings = services.settings
    access = ui_access(is_loopback(host), bool(settings.ui_secret), settings.ui_auth == "all")
    print("newsqa: loading models…", flush=True)
    services.warm_up()
    articles, chunks = services.store.counts()
    print(f"newsqa: {articles} articles, {chunks} chunks", flush=True)
    print("newsqa: HTTP API write routes " + ("need the bearer token in NEWSQA_API_TOKEN" if settings.api_token else
          "are off (set NEWSQA_API_TOKEN to allow POST/DELETE /v1/articles)"), flush=True)
    print(f"newsqa: chat {_access_text(access)}", flush=True)
    app = create_api(services)
    mount = {"footer_links": [], "max_file_size": MAX_UPLOAD_BYTES, "show_error": False,
             "auth_message": "newsqa · sign in to add articles and follow feeds"}
    login = password_check(settings.ui_secret) if settings.ui_secret else None
    if access.admin:  # mounted before "/", which would otherwise take its path
        admin = create_app(services, uploads=True).queue(default_concurrency_limit=2)
        app = gr.mount_gradio_app(app, admin, path="/admin", auth=login, **mount)
    if not access.writes_at_root:
        _refuse_uploads(app, "/gradio_api/upload")
    blocks = create_app(services, uploads=access.writes_at_root, admin_link=access.admin).queue(default_concurrency_limit=2)
    app = gr.mount_gradio_app(app, blocks, path="/", auth=login if access.login_at_root else None, **mount)
    if refresh_every:
        refresh_feeds_every(services, refresh_every, threading.Event())
        print(f"newsqa: refreshing {len(services.feeds.all())} feeds every {refresh_every:.0f} s", flush=True)
    print(f"newsqa: chat on http://{host}:{port}/ · API docs on http://{host}:{port}/docs", flush=True)
    _announce_while_serving(app, lambda: announce(settings, host, port))  # `newsqa ask` over this home asks it
    uvicorn.run(app, host=host, port=port, log_level="warning")
