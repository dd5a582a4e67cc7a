"""Files written whole or not at all: a reader (or a process killed mid-write) never sees half of one."""

import os
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
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(data, str):
            temporary.write_text(data, encoding="utf-8")
        else:
            temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
