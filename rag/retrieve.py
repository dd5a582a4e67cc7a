"""Dense retrieval of current chunks from the article store."""

from langchain_core.embeddings import Embeddings

from ingest.store import ArticleStore, Hit

__all__ = ["Retriever"]


class Retriever:
    """Finds the chunks nearest to a query: `Retriever(store, embeddings, k=5).retrieve(query)`."""

    def __init__(self, store: ArticleStore, embeddings: Embeddings, k: int = 5):
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        self.store = store
        self.embeddings = embeddings
        self.k = k

    def retrieve(self, query: str, k: int | None = None) -> list[Hit]:
        """The top-k chunks for a query, best first."""
        return self.store.search(self.embeddings.embed_query(query), k or self.k)
