"""Load, clean, chunk, embed and store news articles. May import only the ground (`newsqa.settings`, `newsqa.errors`,
`newsqa.files`): never `rag`, the composition root or `ui`."""

from .chunk import Chunker, split_sentences
from .loaders import SUPPORTED_SUFFIXES, iter_articles
from .pipeline import Ingestor, IngestReport, article_version
from .store import ArticleStore, Hit, StoredArticle
from .types import Article, Chunk, Skipped

__all__ = [
    "Article",
    "ArticleStore",
    "Chunk",
    "Chunker",
    "Hit",
    "IngestReport",
    "Ingestor",
    "SUPPORTED_SUFFIXES",
    "Skipped",
    "StoredArticle",
    "article_version",
    "iter_articles",
    "split_sentences",
]
