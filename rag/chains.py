"""newsqa inside LangChain: its retrieval as a retriever (`retriever | format_docs | prompt | llm` works in
LCEL), and `QA` (itself a Runnable) with a conversation's message history.

    from rag import QA
    retriever = NewsRetriever(retriever=QA.from_settings().retriever, k=3, published_after=date(2026, 1, 1))
    docs = retriever.invoke("How many prisoners were recaptured?")  # Documents with article metadata
"""

from collections.abc import Callable
from dataclasses import asdict
from datetime import date

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.documents import Document
from langchain_core.messages import AIMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.runnables.history import RunnableWithMessageHistory
from pydantic import ConfigDict, Field

from ingest.store import Hit
from ingest.vectorstore import hit_document

from .retrieve import Retriever
from .types import Answer

__all__ = ["NewsRetriever", "answer_message", "hit_document", "with_message_history"]


class NewsRetriever(BaseRetriever):
    """The hybrid (Chroma + BM25, learned ranker) retrieval of newsqa behind LangChain's retriever interface.

    `k` chunks, best first; `published_after` keeps articles published on or after a date, `source` those
    from one source (a site's host name or a file name), `as_of` is the day the question is asked (the
    ranker's sense of recency)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever = Field(exclude=True)
    k: int = Field(default=5, ge=1)
    published_after: date | None = None
    source: str | None = None
    as_of: date | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        vector = self.retriever.embeddings.embed_query(query)
        size = self.retriever.pool_size * (4 if self.published_after or self.source else 1)  # filters thin the pool
        ranked = [h for h in self.retriever.ranked(query, vector, self.as_of, size) if self._keeps(h)]
        return [hit_document(h) for h in self.retriever.top(ranked, self.k)]

    def _keeps(self, hit: Hit) -> bool:
        if self.published_after and not (hit.published and hit.published[:10] >= self.published_after.isoformat()):
            return False
        return not self.source or hit.source == self.source


def answer_message(answer: Answer) -> AIMessage:
    """An answer as the chat message a conversation keeps: its text, and the rest in `response_metadata`."""
    return AIMessage(content=answer.text, response_metadata={
        "abstained": answer.abstained, "kind": answer.kind, "citations": [asdict(c) for c in answer.citations]})


def with_message_history(qa: Runnable, get_session_history: Callable[..., BaseChatMessageHistory]) -> Runnable:
    """`qa` inside `RunnableWithMessageHistory`: invoke with `{"question": ...}` and
    `config={"configurable": {"session_id": ...}}`; earlier questions of the session make follow-ups stand alone.
    Returns the answer as an `AIMessage` (see `answer_message`), which is what the history stores.
    (LangChain 1.x marks `RunnableWithMessageHistory` deprecated in favour of LangGraph's persistence; it still
    works, and newsqa does not pull in LangGraph for it.)"""
    return RunnableWithMessageHistory(qa | RunnableLambda(answer_message, name="answer_message"), get_session_history,
                                      input_messages_key="question", history_messages_key="history")
