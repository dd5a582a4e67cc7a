"""What every part of newsqa shares: its settings and its errors. The parts are built in `newsqa.app`."""

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
