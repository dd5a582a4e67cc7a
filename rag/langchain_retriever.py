"""newsqa's retrieval as a LangChain retriever: `retriever | format_docs | prompt | llm` works in LCEL.

    from rag import QA
    retriever = NewsRetriever(retriever=QA.from_settings().retriever, k=3, published_after=date(2026, 1, 1))
    docs = retriever.invoke("How many prisoners were recaptured?")  # Documents with article metadata
"""

from datetime import date

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from ingest.store import Hit

from .retrieve import Retriever

__all__ = ["NewsRetriever", "hit_document"]


def hit_document(hit: Hit) -> Document:
    """A retrieved chunk as a LangChain Document: its text, and where it comes from in `metadata`."""
    return Document(
        page_content=hit.text,
        metadata={"article_id": hit.article_id, "title": hit.title, "url": hit.url, "published": hit.published,
                  "source": hit.source, "chunk_id": hit.chunk_id, "score": hit.score, "relevance": hit.relevance},
    )


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
