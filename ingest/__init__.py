"""Load, clean, chunk, embed and store news articles."""

from .chunk import Chunker, split_sentences
from .config import Settings
from .errors import ConfigError, LoadError, ModelError, NewsQAError, QuestionError, StoreError
from .loaders import SUPPORTED_SUFFIXES, iter_articles
from .pipeline import IngestReport, Ingestor, article_version
from .store import ArticleStore, Hit, StoredArticle, connect
from .types import Article, Chunk, Skipped

__all__ = [
    "Article",
    "ArticleStore",
    "Chunk",
    "Chunker",
    "ConfigError",
    "Hit",
    "IngestReport",
    "Ingestor",
    "LoadError",
    "ModelError",
    "NewsQAError",
    "QuestionError",
    "SUPPORTED_SUFFIXES",
    "Settings",
    "Skipped",
    "StoreError",
    "StoredArticle",
    "article_version",
    "connect",
    "iter_articles",
    "split_sentences",
]
