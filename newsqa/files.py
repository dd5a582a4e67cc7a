"""Files written whole or not at all: a reader (or a process killed mid-write) never sees half of one."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replacing", "write_atomically"]


@contextlib.contextmanager
def replacing(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A fresh file beside `path` (unique to this writer) for the block to write by any means; renamed over `path`
    when the block ends, removed when it fails (atomic on one file system). It gets the permissions a file created
    by `open` would (mkstemp's are 0600: a shared model cache would be unreadable to other users).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "sub" / "model.bin"
    >>> with replacing(target) as temporary:
    ...     _ = temporary.write_bytes(b"weights")
    >>> target.read_bytes(), [p.name for p in target.parent.iterdir()]
    (b'weights', ['model.bin'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    os.chmod(temporary, 0o666 & ~_umask())
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _umask() -> int:
    """The process's file-creation mask: from /proc where Linux has it (setting it to read it, as elsewhere, would
    loosen it for a moment for the other threads of a server)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Umask:")), 8)
    except (OSError, StopIteration, IndexError, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path` (see `replacing`).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "sub" / "state.json"
    >>> write_atomically(target, '{"ok": true}'); target.read_text()
    '{"ok": true}'
    >>> target.stat().st_mode & 0o777 == 0o666 & ~_umask()  # as `open` makes it, not mkstemp's 0600
    True
    """
    with replacing(path) as temporary:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
