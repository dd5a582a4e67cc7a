"""The Gradio chat: streamed answers with numbered sources, and a panel showing the store."""

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from ingest import SUPPORTED_SUFFIXES, Skipped
from newsqa import NewsQAError
from newsqa.app import Services
from rag import Answer

from .format import (
    answer_markdown,
    escape_markdown,
    literal,
    progress_text,
    store_markdown,
)
from .uploads import MAX_UPLOAD_BYTES, UploadError, articles_from_upload

__all__ = ["chat_replies", "create_app", "follow_feed", "ingest_uploads", "refresh_feeds_every", "serve", "unfollow_feed"]

log = logging.getLogger("newsqa.ui")
EXAMPLES = ["How many prisoners were recaptured?", "Why did Islamic State attack the prison?", "What's new?"]


def chat_replies(services: Services, message: str, history: list) -> Iterator[str]:
    """The successive states of the assistant's reply: searching, checking N passages, then the cited
    answer. Only the checked answer is shown; the model's draft never is."""
    try:
        for event in services.qa.steps(message, history=_user_turns(history)):
            yield answer_markdown(event) if isinstance(event, Answer) else f"_{progress_text(event)}_"
    except NewsQAError as exc:
        yield f"⚠️ {escape_markdown(str(exc))}"
    except Exception:
        log.exception("chat failed")
        yield "⚠️ Something went wrong while answering; the server log has the details."


def _user_turns(history: list) -> list[str]:
    turns = []
    for message in history or []:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str) and content.strip():
            turns.append(content)
    return turns


def _store_panel(services: Services) -> str:
    try:
        articles, chunks = services.store.counts()
        return store_markdown(articles, chunks, services.store.articles(limit=10), services.feeds.all())
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


def create_app(services: Services, uploads: bool = True) -> gr.Blocks:
    """The chat UI wired to the services; `uploads` shows the file upload panel."""

    def respond(message, history):
        yield from chat_replies(services, message, history)

    def follow(url, progress=gr.Progress()):
        return follow_feed(services, url), _store_panel(services)

    def unfollow(url):
        return unfollow_feed(services, url), _store_panel(services)

    def upload(files, progress=gr.Progress()):
        paths = [f if isinstance(f, str) else f.name for f in files or []]
        return ingest_uploads(services, paths, progress), _store_panel(services)

    with gr.Blocks(title="newsqa") as app:
        gr.Markdown("## newsqa · ask the news\nAnswers come only from the ingested articles, with their sources.")
        with gr.Row():
            with gr.Column(scale=3):
                gr.ChatInterface(
                    respond,
                    chatbot=gr.Chatbot(height=520, sanitize_html=True, label="Chat", elem_id="chat"),
                    textbox=gr.Textbox(placeholder="Ask a question about the articles…", max_length=4000,
                                       elem_id="question", submit_btn=True, stop_btn=True),
                    examples=EXAMPLES,
                    run_examples_on_click=True,
                    api_name="ask",
                )
            with gr.Column(scale=1):
                gr.Markdown("### Store")
                panel = gr.Markdown(lambda: _store_panel(services), elem_id="store-panel")
                gr.Button("Refresh", size="sm").click(lambda: _store_panel(services), outputs=panel)
                if uploads:
                    gr.Markdown("### Add articles")
                    files = gr.File(file_count="multiple", file_types=list(SUPPORTED_SUFFIXES), elem_id="upload")
                    status = gr.Markdown(elem_id="upload-status")
                    gr.Button("Ingest", elem_id="ingest").click(upload, inputs=files, outputs=[status, panel])
                    gr.Markdown("### Follow a feed")
                    feed_url = gr.Textbox(placeholder="https://example.com/rss.xml", show_label=False, elem_id="feed-url")
                    feed_status = gr.Markdown(elem_id="feed-status")
                    with gr.Row():
                        gr.Button("Follow", elem_id="follow").click(follow, inputs=feed_url, outputs=[feed_status, panel])
                        gr.Button("Stop following", elem_id="unfollow").click(unfollow, inputs=feed_url,
                                                                              outputs=[feed_status, panel])
    return app


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

    print("newsqa: loading models…", flush=True)
    services.warm_up()
    articles, chunks = services.store.counts()
    loopback = host in ("127.0.0.1", "localhost", "::1")
    token = services.settings.api_token
    print(f"newsqa: {articles} articles, {chunks} chunks", flush=True)
    print("newsqa: HTTP API write routes " + ("need the bearer token in NEWSQA_API_TOKEN" if token else
          "are off (set NEWSQA_API_TOKEN to allow POST/DELETE /v1/articles)"), flush=True)
    if not loopback and not token:
        print("newsqa: listening beyond loopback without a token: chat uploads are off", flush=True)
    app = create_api(services)
    blocks = create_app(services, uploads=loopback or bool(token)).queue(default_concurrency_limit=2)
    app = gr.mount_gradio_app(app, blocks, path="/", footer_links=[], max_file_size=MAX_UPLOAD_BYTES, show_error=False)
    if refresh_every:
        refresh_feeds_every(services, refresh_every, threading.Event())
        print(f"newsqa: refreshing {len(services.feeds.all())} feeds every {refresh_every:.0f} s", flush=True)
    print(f"newsqa: chat on http://{host}:{port}/ · API docs on http://{host}:{port}/docs", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
