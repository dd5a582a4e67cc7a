"""Plain data that flows from the loaders through the chunker into the store."""

from dataclasses import dataclass, field

__all__ = ["Article", "Chunk", "Skipped"]


@dataclass(frozen=True)
class Article:
    """One news article with the metadata citations show."""

    id: str
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    authors: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if not self.id or not self.id.strip():
            raise ValueError("an article needs a non-empty id")
        if not self.text or not self.text.strip():
            raise ValueError(f"article {self.id!r} has no text")


@dataclass(frozen=True)
class Chunk:
    """A passage of an article, sized for the embedder, with its position in the article."""

    id: str
    article_id: str
    text: str
    ord: int
    embed_text: str


@dataclass(frozen=True)
class Skipped:
    """Something that was not ingested, and why (`where` is a path, or `path:line`)."""

    where: str
    reason: str
