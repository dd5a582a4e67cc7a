"""One writer per local store: an advisory file lock beside the Chroma files.

Chroma's persistent client is not safe across processes, so a process that writes takes the lock
exclusively and readers share it; a second writer is told who holds the store instead of
corrupting it. (A `chroma run` server serialises writes itself and needs no lock.)
"""

import fcntl
import os
from pathlib import Path

from newsqa.errors import StoreError

__all__ = ["StoreLock"]


class StoreLock:
    """`StoreLock(home / "store.lock").acquire(exclusive=True)`; released on `release()` or process exit."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = None

    def acquire(self, exclusive: bool) -> "StoreLock":
        """Take the lock without waiting; StoreError naming the holder when another process has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreError(
                f"the store in {self.path.parent} is in use by {holder}; stop it first, or add articles through the "
                "running server (POST /v1/articles or the chat's upload panel)"
            ) from None
        if exclusive:
            handle.seek(0)
            handle.truncate()
            handle.write(f"newsqa process {os.getpid()}")
            handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
