"""Writing result files: whole or not at all, with the permissions the user's umask gives.

Python's `tempfile.mkstemp` creates owner-only (0600) files; a plan written through it would
stay 0600 while the KPI files next to it are 0644. Here the temporary file is created with
mode 0666 so the umask applies as for any file the user writes, filled, synced and renamed
over the target (`os.replace`), so a crash never leaves half a file behind.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically; its folder is created if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
