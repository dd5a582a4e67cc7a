"""Uploaded files to articles: only a plain file name survives, in a private temporary directory."""

import re
import tempfile
from pathlib import Path

from ingest import SUPPORTED_SUFFIXES, iter_articles

__all__ = ["MAX_UPLOAD_BYTES", "UploadError", "articles_from_upload", "safe_name"]

MAX_UPLOAD_BYTES = 64 * 1024 * 1024


class UploadError(ValueError):
    """An upload that cannot be ingested."""


def safe_name(filename: str) -> str:
    """The file name without any directory part or odd characters.

    >>> safe_name("../../etc/passwd.txt"), safe_name("C:\\\\x\\\\a b.md"), safe_name("..")
    ('passwd.txt', 'a_b.md', 'upload')
    """
    name = re.split(r"[\\\\/]", filename)[-1]
    name = re.sub(r"[^\w.-]", "_", name).lstrip(".")
    return name or "upload"


def articles_from_upload(filename: str, data: bytes, limit: int) -> list:
    """Articles (and `Skipped` items) of one uploaded file."""
    name = safe_name(filename)
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadError(f"{name}: unsupported file type; upload {', '.join(SUPPORTED_SUFFIXES)}")
    if len(data) > limit:
        raise UploadError(f"{name}: over the {limit // 2**20} MB limit")
    with tempfile.TemporaryDirectory(prefix="newsqa-upload-") as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        items = list(iter_articles([path]))
    # Report skips by the uploaded name, not the temporary path.
    return [type(i)(i.where.replace(str(path), name), i.reason) if hasattr(i, "where") else i for i in items]
