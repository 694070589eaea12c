"""The shell's own history file, which never keeps a line that may hold a secret."""

from __future__ import annotations

import os
from pathlib import Path

from prompt_toolkit.history import FileHistory

from vaultsh.vault import state_dir

#: text that marks a line as possibly holding a secret (compared in lower case)
SECRET_MARKERS = ("aws_secret_access_key", "aws_session_token", "secret-access-key")


def may_hold_secret(line: str) -> bool:
    lowered = line.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


class SafeFileHistory(FileHistory):
    """FileHistory that drops secret-looking lines, from the file and from recall."""

    def append_string(self, string: str) -> None:
        if may_hold_secret(string):
            return
        super().append_string(string)


def open_history(path: Path | None = None) -> SafeFileHistory:
    """The history in `path` (default: state_dir()/history), readable by us only."""
    path = path or state_dir() / "history"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return SafeFileHistory(str(path))
