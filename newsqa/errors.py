"""The one exception hierarchy of newsqa; the outer layers turn these into user messages."""

__all__ = [
    "ConfigError",
    "LoadError",
    "ModelError",
    "NewsQAError",
    "QuestionError",
    "StoreError",
]


class NewsQAError(Exception):
    """Base class of every error newsqa raises on purpose."""


class ConfigError(NewsQAError, ValueError):
    """A setting or an argument combination is invalid."""


class LoadError(NewsQAError):
    """A document could not be read as an article."""


class StoreError(NewsQAError):
    """The vector store is unreachable, locked or inconsistent."""


class ModelError(NewsQAError):
    """A model could not be loaded or a model server did not answer."""


class QuestionError(NewsQAError, ValueError):
    """A question is empty, too long or not text."""
