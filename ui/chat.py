"""The Gradio chat: streamed answers with numbered sources, and a panel showing the store."""

import logging
from collections.abc import Iterator

import gradio as gr

from ingest import NewsQAError
from rag import Answer

from .format import answer_markdown, escape_markdown, store_markdown
from .wiring import Services

__all__ = ["chat_replies", "create_app", "serve"]

log = logging.getLogger("newsqa.ui")
EXAMPLES = ["How many prisoners were recaptured?", "Who is the spokesperson for the Syrian Democratic Forces?"]


def chat_replies(services: Services, message: str, history: list) -> Iterator[str]:
    """The successive states of the assistant's reply: searching, drafting, then the cited answer."""
    try:
        yield "_Searching the articles…_"
        draft = ""
        for event in services.qa.stream(message, history=_user_turns(history)):
            if isinstance(event, Answer):
                yield answer_markdown(event)
            else:
                draft += event
                yield f"_Drafting (not yet checked against the articles):_ {escape_markdown(draft.strip())}"
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
        return store_markdown(articles, chunks, services.store.articles(limit=10))
    except NewsQAError as exc:
        return f"⚠️ {escape_markdown(str(exc))}"


def create_app(services: Services) -> gr.Blocks:
    """The chat UI wired to the services."""

    def respond(message, history):
        yield from chat_replies(services, message, history)

    with gr.Blocks(title="newsqa") as app:
        gr.Markdown("## newsqa · ask the news\nAnswers come only from the ingested articles, with their sources.")
        with gr.Row():
            with gr.Column(scale=3):
                gr.ChatInterface(
                    respond,
                    chatbot=gr.Chatbot(height=520, sanitize_html=True, label="Chat"),
                    textbox=gr.Textbox(placeholder="Ask a question about the articles…", max_length=4000),
                    examples=EXAMPLES,
                    run_examples_on_click=True,
                    api_name="ask",
                )
            with gr.Column(scale=1):
                gr.Markdown("### Store")
                panel = gr.Markdown(lambda: _store_panel(services), elem_id="store-panel")
                gr.Button("Refresh", size="sm").click(lambda: _store_panel(services), outputs=panel)
    return app


def serve(services: Services, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Load the models, then serve the chat until interrupted."""
    print("newsqa: loading models…", flush=True)
    services.warm_up()
    articles, chunks = services.store.counts()
    print(f"newsqa: {articles} articles, {chunks} chunks; chat on http://{host}:{port}", flush=True)
    create_app(services).queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, show_error=False, quiet=True,
    )
