"""Files written whole or not at all: a reader (or a process killed mid-write) never sees half of one."""

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path` (atomic on one file system).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "sub" / "state.json"
    >>> write_atomically(target, '{"ok": true}'); target.read_text()
    '{"ok": true}'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # unique per writer
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
