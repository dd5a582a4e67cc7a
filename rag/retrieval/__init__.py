"""Finding the passages for a question: the dense and BM25 pools of the store, the learned ranker's features and
order; `Retriever` is a LangChain `BaseRetriever` (filters by source and publication day with `filtered`).
May import: `ingest`, ground, `rag.types`, `rag.text`, `rag.learned` (the ranker it is given); never `rag.answer`
or `rag.llm`."""

from rag.retrieval.hybrid import Retriever, collapse, reciprocal_rank_fusion

__all__ = ["Retriever", "collapse", "reciprocal_rank_fusion"]
