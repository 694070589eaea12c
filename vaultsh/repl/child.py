"""Any other program, run with the session's credentials (`!aws s3 ls ...`)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import IO

from vaultsh.errors import UsageError, VaultshError
from vaultsh.session import LiveSession

SHELL = "/bin/sh"
#: how much of a failed command line its error repeats
SHOWN = 40


def run(
    session: LiveSession,
    line: str,
    stdout: IO | None = None,
    stderr: IO | None = None,
) -> int:
    """Run `line` with /bin/sh -c; its output goes straight to the terminal.

    Returns the exit status (negative: killed by that signal). While it runs,
    Ctrl-C reaches the child only, as in any shell.
    """
    if not line.strip():
        raise UsageError("no command after !", "for example: !aws s3 ls s3://BUCKET/")
    env = session.environ()
    with (
        _sigint_to_child(),
        subprocess.Popen(
            [SHELL, "-c", line], env=env, stdout=stdout, stderr=stderr
        ) as child,
    ):
        return child.wait()


@contextlib.contextmanager
def _sigint_to_child() -> Iterator[None]:
    # a Python-level handler (unlike SIG_IGN) is reset to the default in the
    # child by exec, so the child can still be interrupted
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check_status(line: str, status: int) -> None:
    """VaultshError with one line about a failed child; nothing for status 0."""
    shown = "!" + (line if len(line) <= SHOWN else line[: SHOWN - 3] + "...")
    if status == 0:
        return
    if status == -signal.SIGINT:
        raise VaultshError(f"{shown} was interrupted")
    if status < 0:
        raise VaultshError(f"{shown} was stopped by {_signal_name(-status)}")
    raise VaultshError(f"{shown} exited with status {status}")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
