"""What every part of newsqa shares, the ground: its settings, its errors and files written whole (`settings`,
`errors`, `files`, which import nothing of newsqa). Beside it, the composition root that builds the parts from the
settings: `build`, `probe`, `app` and `llama_server`, which may import `rag` and `ingest`, never `ui`."""

from .errors import (
    ConfigError,
    LoadError,
    ModelError,
    NewsQAError,
    QuestionError,
    StoreError,
)
from .settings import Settings

__all__ = ["ConfigError", "LoadError", "ModelError", "NewsQAError", "QuestionError", "Settings", "StoreError"]
