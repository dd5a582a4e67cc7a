"""What every route of the HTTP API shares: its errors as JSON, the gate that bounds the questions in flight,
an answer as JSON and streams of server-sent events."""

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.responses import JSONResponse, StreamingResponse

from newsqa import ModelError, NewsQAError, StoreError
from newsqa.app import Services
from rag import Answer

__all__ = ["ApiError", "Gate", "answer_json", "api_error", "error_response", "first_error", "guard", "guarded_stream",
           "sse"]

log = logging.getLogger("newsqa.api")


class ApiError(Exception):
    """An error with its HTTP status and error type."""

    def __init__(self, status: int, kind: str, message: str, headers: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.message, self.headers, self.code = status, kind, message, headers or {}, code


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


def guard(function, *args, **kwargs):
    """Call into the library, mapping its errors to HTTP ones."""
    try:
        return function(*args, **kwargs)
    except NewsQAError as exc:
        raise api_error(exc) from exc


def api_error(exc: NewsQAError) -> ApiError:
    if isinstance(exc, (StoreError, ModelError)):
        return ApiError(503, "unavailable", str(exc), {"Retry-After": "5"})
    return ApiError(400, "invalid_request", str(exc))


def answer_json(answer: Answer) -> dict:
    data = answer.as_dict()
    if answer.query:
        data["query"] = answer.query
    if answer.choice is not None:
        data["choice"] = answer.choice
    return data


def guarded_stream(services: Services, question: str, kwargs: dict):
    try:
        yield from services.qa.steps(question, **kwargs)
    except NewsQAError as exc:
        raise api_error(exc) from exc


def sse(events: Iterator[tuple[str, dict]], done: bool = False) -> StreamingResponse:
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


def first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
    return str(exc)


def error_response(status: int, kind: str, message: str, headers: dict | None = None, code: str | None = None) -> JSONResponse:
    body = {"type": kind, "message": message, **({"code": code} if code else {})}
    return JSONResponse({"error": body}, status_code=status, headers=headers)
