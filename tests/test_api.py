"""The HTTP API over fake models: routes, errors, auth, limits, streaming, the OpenAI endpoint."""

import dataclasses
import json
import re

import pytest
from fastapi.testclient import TestClient

from rag import QuestionError
from ui.api import create_api
from ui.client import NewsQAClient, ServerError

from .conftest import SEED_ARTICLE

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "How many prisoners were recaptured?"


@pytest.fixture
def services(make_services, settings):
    services = make_services(" 104")
    services.settings = settings.with_(api_token=TOKEN)
    services.ingestor.ingest_paths([SEED_ARTICLE])
    return services


@pytest.fixture
def http(services):
    return TestClient(create_api(services), raise_server_exceptions=False)


def events(text: str) -> list[tuple[str, dict | str]]:
    """(event, data) pairs of a server-sent event stream."""
    parsed = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        data = lines["data"]
        parsed.append((lines.get("event", ""), data if data == "[DONE]" else json.loads(data)))
    return parsed


def test_ask_returns_the_cli_json_object(http):
    response = http.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"question", "answer", "abstained", "kind", "citations", "timings", "updated", "disputed", "confidence",
                         "likelihood", "doubtful"}
    assert "100" in data["answer"] or "104" in data["answer"]
    assert data["citations"][0]["article_id"] == "000_60b8ed085d617c0b"


def test_ask_with_choices_and_history(http):
    data = http.post("/v1/ask", json={"question": QUESTION, "choices": ["55", "104", "300"]}).json()
    assert data["choice"] == 1 and data["answer"] == "104"
    follow = http.post("/v1/ask", json={"question": "And how many inmates do they house?",
                                        "history": [{"question": "Who runs the prisons?", "answer": "SDF"}]}).json()
    assert follow["query"] == "How many inmates do they house (SDF runs the prisons)?"
    earlier = http.post("/v1/ask", json={"question": "And how many inmates do they house?",
                                         "history": ["Who runs the prisons?"]}).json()  # questions alone still work
    assert earlier["query"] == "How many inmates do they house? (about: Who runs the prisons?)"


def test_ask_streams_progress_then_the_answer(http):
    response = http.post("/v1/ask", json={"question": QUESTION, "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    parsed = events(response.text)
    assert parsed[:-1] == [("progress", {"stage": "searching", "passages": None}),
                           ("progress", {"stage": "checking", "passages": 5})]
    assert parsed[-1][0] == "answer" and parsed[-1][1]["citations"]


@pytest.mark.parametrize(
    "body, status, kind",
    [
        ({"question": ""}, 400, "invalid_request"),
        ({"question": "   "}, 400, "invalid_request"),
        ({"question": "x" * 3000}, 400, "invalid_request"),
        ({"question": 42}, 422, "invalid_request"),
        ({"question": QUESTION, "k": 0}, 422, "invalid_request"),
        ({"question": QUESTION, "choices": ["only one"]}, 400, "invalid_request"),
        ({}, 422, "invalid_request"),
        ({"question": "", "stream": True}, 400, "invalid_request"),
    ],
)
def test_bad_questions_get_json_errors(http, body, status, kind):
    response = http.post("/v1/ask", json=body)
    assert response.status_code == status
    assert response.json()["error"]["type"] == kind
    assert "Traceback" not in response.text


def test_malformed_json_and_huge_bodies(http):
    bad = http.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "invalid_request"
    huge = http.post("/v1/ask", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"]["type"] == "too_large"


def test_unknown_routes_and_methods_are_json_errors(http):
    assert http.get("/v1/nope").json()["error"]["type"] == "not_found"
    assert http.get("/v1/ask").status_code == 405


def test_unexpected_errors_are_500_without_details(http, services, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services.qa, "ask", broken)
    response = http.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 500
    assert response.json() == {"error": {"type": "internal", "message": "internal error; the server log has the details"}}


def test_store_failures_are_503_with_retry_after(http, services, monkeypatch):
    from newsqa import StoreError

    def down(*args, **kwargs):
        raise StoreError("the vector store failed: connection refused")

    monkeypatch.setattr(services.qa, "ask", down)
    response = http.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


def test_openai_chat_completion_carries_citations(http):
    response = http.post("/v1/chat/completions", json={
        "model": "newsqa", "messages": [{"role": "system", "content": "be brief"},
                                        {"role": "user", "content": QUESTION}]})
    data = response.json()
    assert data["object"] == "chat.completion" and data["model"] == "newsqa"
    content = data["choices"][0]["message"]["content"]
    assert "Sources:\n[1] Islamic State attacks Syrian prison" in content
    assert data["citations"] == ["000_60b8ed085d617c0b"]  # links, as OpenAI-style clients expect (the id without one)
    assert data["sources"] == [{"article_id": "000_60b8ed085d617c0b", "url": None, "published": "2022-01-21",
                                "title": "Islamic State attacks Syrian prison holding suspected extremists in Hassakeh"}]
    assert data["newsqa"]["citations"][0]["quote"] in content
    usage = data["usage"]
    assert usage["prompt_tokens"] > 5 and usage["completion_tokens"] > 5
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_openai_model_list(http):
    assert http.get("/v1/models").json()["data"] == [{"id": "newsqa", "object": "model", "created": 0, "owned_by": "newsqa"}]


def test_openai_streaming_sends_progress_as_it_works_then_the_verified_answer_and_done(http):
    response = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}],
                                                       "stream": True})
    parsed = events(response.text)
    assert parsed[-1] == ("", "[DONE]")
    chunks = [d for _, d in parsed[:-1]]
    assert len(chunks) >= 5 and all(c["object"] == "chat.completion.chunk" for c in chunks)
    progress = [c["newsqa"]["progress"]["stage"] for c in chunks if "progress" in c.get("newsqa", {})]
    assert progress == ["searching", "checking"]  # each sent when its step starts, before any content
    first_content = next(i for i, c in enumerate(chunks) if c["choices"][0]["delta"].get("content"))
    assert all("progress" in chunks[i].get("newsqa", {}) for i in (1, 2)) and first_content == 3
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "Sources:" in text and text == _content_of(http)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]
    assert "usage" not in chunks[-1]


def test_openai_streaming_reports_usage_when_asked(http):
    response = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}],
                                                       "stream": True, "stream_options": {"include_usage": True}})
    chunks = [d for _, d in events(response.text)[:-1]]
    last = chunks[-1]
    assert last["choices"] == [] and last["usage"]["completion_tokens"] > 5
    assert last["usage"]["total_tokens"] == last["usage"]["prompt_tokens"] + last["usage"]["completion_tokens"]


def test_an_unknown_model_is_404_model_not_found_as_openai_says(http):
    response = http.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "model_not_found" and "gpt-4o" in error["message"]


def test_a_refused_message_in_an_openai_conversation_does_not_refuse_the_next(http):
    messages = [{"role": "user", "content": "x" * 2500},
                {"role": "user", "content": QUESTION}]
    reply = http.post("/v1/chat/completions", json={"messages": messages})
    assert reply.status_code == 200 and re.search(r"\b(104|100)\b", reply.json()["choices"][0]["message"]["content"])


def test_openai_history_carries_the_previous_answer_to_a_follow_up(http):
    messages = [{"role": "user", "content": "Who is the spokesperson for the SDF?"},
                {"role": "assistant", "content": "Farhad Shami\n\nSources:\n[1] ..."},
                {"role": "user", "content": "What did he say about the prison?"}]
    reply = http.post("/v1/chat/completions", json={"messages": messages}).json()
    assert reply["newsqa"]["query"] == "What did Farhad Shami say about the prison?"


def _content_of(http) -> str:
    reply = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}).json()
    return reply["choices"][0]["message"]["content"]


def test_openai_needs_a_user_message(http):
    response = http.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "hi"}]})
    assert response.status_code == 400


def test_articles_listing_is_paged_with_chunk_counts(http):
    data = http.get("/v1/articles", params={"limit": 1}).json()
    assert data["total"] == 1 and data["articles"][0]["chunks"] > 0
    assert http.get("/v1/articles", params={"limit": 0}).status_code == 422


def test_write_routes_need_the_token(http):
    record = {"id": "n1", "title": "Zoo news", "text": "The zoo welcomed a baby zebra named Stripe on Monday."}
    assert http.post("/v1/articles", json={"articles": [record]}).status_code == 401
    wrong = http.post("/v1/articles", json={"articles": [record]}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert http.delete("/v1/articles/n1").status_code == 401
    assert http.get("/v1/articles").json()["total"] == 1


def test_write_routes_are_off_without_a_configured_token(services):
    services.settings = dataclasses.replace(services.settings, api_token=None)
    http = TestClient(create_api(services))
    response = http.post("/v1/articles", json={"articles": []}, headers=AUTH)
    assert response.status_code == 403 and "NEWSQA_API_TOKEN" in response.json()["error"]["message"]


def test_add_ask_and_delete_an_article(http):
    record = {"id": "n1", "title": "Zoo news", "published": "2026-04-01",
              "text": "The zoo welcomed a baby zebra named Stripe on Monday."}
    report = http.post("/v1/articles", json={"articles": [record, {"id": "bad"}]}, headers=AUTH).json()
    assert report["added"] == 1 and report["skipped"][0]["where"] == "articles[1]"
    assert http.get("/v1/articles").json()["total"] == 2
    assert http.delete("/v1/articles/n1", headers=AUTH).json() == {"deleted": "n1"}
    assert http.delete("/v1/articles/n1", headers=AUTH).status_code == 404


def test_multipart_upload_ingests_files_and_ignores_their_paths(http, services):
    files = [("file", ("../../etc/zoo.txt", b"Zoo news\n\nThe zoo welcomed a zebra named Stripe.")),
             ("file2", ("notes.md", b"# Budget\n\nThe council passed a $4 million budget."))]
    report = http.post("/v1/articles", files=files, headers=AUTH).json()
    assert report["added"] == 2
    assert {a.id for a in services.store.articles()} >= {"zoo", "notes"}
    bad = http.post("/v1/articles", files={"file": ("run.sh", b"rm -rf /")}, headers=AUTH)
    assert bad.status_code == 422 and "unsupported file type" in bad.json()["error"]["message"]


def test_healthz_reports_store_and_models(http, services):
    services.warm_up()
    data = http.get("/healthz").json()
    assert data["status"] == "ok" and data["store"]["articles"] == 1 and data["models"]["loaded"] is True


def test_openapi_schema_is_served(http):
    schema = http.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/chat/completions", "/v1/articles", "/healthz"} <= set(schema["paths"])
    page = http.get("/docs").text
    assert "cdn" not in page.lower()  # the page works offline: Swagger UI comes from the package
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
        assert asset in page and http.get(asset).status_code == 200
    # Swagger UI renders OpenAPI 3.1 from version 5 on; 4.x shows "Unable to render this definition"
    bundle = http.get("/docs-assets/swagger-ui-bundle.js").text
    assert schema["openapi"].startswith("3.1") and re.search(r'"5\.\d+\.\d+"', bundle)


def test_full_queue_answers_503_with_retry_after(services):
    services.settings = services.settings.with_(max_pending=1)
    app = create_api(services)
    http = TestClient(app)
    release = app.state.gate.acquire()  # the one slot, taken as by a long-running question
    try:
        for body in ({"question": QUESTION}, {"question": QUESTION, "stream": True}):
            response = http.post("/v1/ask", json=body)
            assert response.status_code == 503 and response.headers["retry-after"] == "2"
            assert response.json()["error"]["type"] == "overloaded"
    finally:
        release()
    assert http.post("/v1/ask", json={"question": QUESTION}).status_code == 200


def test_python_client_over_the_api(services):
    client = NewsQAClient("http://testserver", token=TOKEN, transport=_asgi(services))
    answer = client.ask(QUESTION)
    assert not answer.abstained and answer.citations[0].article_id == "000_60b8ed085d617c0b"
    assert client.add_articles([{"id": "z", "text": "The zebra is named Stripe."}])["added"] == 1
    assert client.articles()["total"] == 2
    assert client.delete_article("z") == {"deleted": "z"}
    with pytest.raises(QuestionError, match="empty"):
        client.ask("")
    with pytest.raises(ServerError) as error:
        NewsQAClient("http://testserver", transport=_asgi(services)).delete_article("x")
    assert error.value.status == 401


def _asgi(services):
    """An httpx transport into the app, through Starlette's test client."""
    import httpx

    test = TestClient(create_api(services))

    class Transport(httpx.BaseTransport):
        def handle_request(self, request):
            response = test.request(request.method, str(request.url), headers=dict(request.headers),
                                    content=request.read())
            return httpx.Response(response.status_code, headers=response.headers, content=response.content)

    return Transport()
