"""Helper commands vaultsh runs for a value (mfa_process, credential_process)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from vaultsh.config import env_seconds

TIMEOUT_VARIABLE = "VAULTSH_PROCESS_TIMEOUT"


def process_timeout() -> float:
    """Seconds a helper command may take: VAULTSH_PROCESS_TIMEOUT, else 60."""
    return env_seconds(TIMEOUT_VARIABLE, 60.0)


def run_for_output(
    command: str | list[str], timeout: float, shell: bool = False
) -> subprocess.CompletedProcess:
    """Run `command` and capture its stdout; its stderr reaches the user.

    On timeout the whole process group is killed (a shell's children too)
    before subprocess.TimeoutExpired is raised. Output that is not UTF-8 is
    read with replacement characters, never raised as a decoding error.
    """
    child = subprocess.Popen(
        command,
        shell=shell,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        stdout, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        raise
    return subprocess.CompletedProcess(command, child.returncode, stdout, None)


def _kill_group(child: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()
