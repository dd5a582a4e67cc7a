"""A Python client for a running `newsqa serve`: `NewsQAClient("http://127.0.0.1:7860").ask("...")`."""

import json
from collections.abc import Iterator, Sequence

import httpx

from newsqa.errors import NewsQAError, QuestionError, StoreError
from rag.answer.followup import as_turns
from rag.types import Answer, Citation, Progress

__all__ = ["NewsQAClient", "ServerError"]


class ServerError(NewsQAError):
    """The server answered with an error (`status`, `kind` and its message)."""

    def __init__(self, status: int, kind: str, message: str):
        super().__init__(f"{status} {kind}: {message}")
        self.status, self.kind = status, kind


class NewsQAClient:
    """The HTTP API as Python calls returning the same typed `Answer` as the library."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 120.0, transport=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "NewsQAClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def ask(self, question: str, *, choices: Sequence[str] | None = None, history: Sequence = (),
            k: int | None = None) -> Answer:
        """The cited answer to a question (`history`: earlier questions, or (question, answer) pairs)."""
        return answer_from_json(self._request("POST", "/v1/ask", json=_ask_body(question, choices, history, k)))

    def stream(self, question: str, *, history: Sequence = (), k: int | None = None) -> Iterator[Progress | Answer]:
        """What the server is doing (`Progress`), then the checked `Answer`."""
        body = {**_ask_body(question, None, history, k), "stream": True}
        with self._send(lambda: self._http.stream("POST", "/v1/ask", json=body)) as response:
            _raise_for(response, response.read() if response.status_code >= 400 else b"")
            event = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if event == "progress":
                        yield Progress(data["stage"], data.get("passages"))
                    elif event == "answer":
                        yield answer_from_json(data)
                    elif event == "error":
                        raise ServerError(200, data["error"]["type"], data["error"]["message"])

    def articles(self, limit: int = 50, offset: int = 0) -> dict:
        """A page of the store's articles: {"total", "articles": [...]}."""
        return self._request("GET", "/v1/articles", params={"limit": limit, "offset": offset})

    def add_articles(self, records: Sequence[dict]) -> dict:
        """Ingest article records (the corpus.jsonl format); returns the ingest counts."""
        return self._request("POST", "/v1/articles", json={"articles": list(records)})

    def upload(self, filename: str, content: bytes) -> dict:
        """Ingest one .txt/.md/.html/.jsonl file."""
        return self._request("POST", "/v1/articles", files={"file": (filename, content)})

    def delete_article(self, article_id: str) -> dict:
        """Remove one article."""
        return self._request("DELETE", f"/v1/articles/{article_id}")

    def health(self) -> dict:
        """The server's health: store counts and whether the models are loaded."""
        return self._request("GET", "/healthz")

    def _request(self, method: str, path: str, **kwargs) -> dict:
        response = self._send(lambda: self._http.request(method, path, **kwargs))
        _raise_for(response, response.content)
        return response.json()

    def _send(self, call):
        try:
            return call()
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the newsqa server at {self._http.base_url}: {exc}") from exc


def _ask_body(question, choices, history, k) -> dict:
    body = {"question": question, "history": [{"question": t.question, "answer": t.answer} for t in as_turns(history)]}
    if choices is not None:
        body["choices"] = list(choices)
    if k is not None:
        body["k"] = k
    return body


def _raise_for(response: httpx.Response, content: bytes) -> None:
    if response.status_code < 400:
        return
    try:
        error = json.loads(content)["error"]
        kind, message = error["type"], error["message"]
    except (ValueError, KeyError, TypeError):
        kind, message = "http_error", content.decode(errors="replace")[:200]
    if response.status_code == 400:
        raise QuestionError(message)
    raise ServerError(response.status_code, kind, message)


def answer_from_json(data: dict) -> Answer:
    """The `Answer` of an `/v1/ask` JSON object."""
    return Answer(
        question=data["question"], text=data["answer"], abstained=data["abstained"],
        citations=tuple(Citation(**c) for c in data["citations"]), timings=data.get("timings", {}),
        query=data.get("query"), choice=data.get("choice"), kind=data.get("kind", "factoid"),
        updated=data.get("updated"), disputed=data.get("disputed", False),
        confidence=data.get("confidence"), likelihood=data.get("likelihood"), doubtful=data.get("doubtful", False),
    )
