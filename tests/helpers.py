"""What end-to-end tests share: running the installed vaultsh, reading what it
sent to AWS, and comparing the user's files before and after a command.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import pexpect
import pytest

#: the folder of the running interpreter: its vaultsh and aws are the installed ones
BIN = Path(sys.executable).parent
ERROR_PREFIX = "vaultsh: error:"
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_SERVICE_IN_SIGNATURE = re.compile(r"Credential=([A-Z0-9]+)/\d{8}/[^/]+/([^/]+)/")


@dataclass(frozen=True)
class Result:
    """How a finished command ended."""

    argv: Sequence[str]
    status: int
    stdout: str
    stderr: str

    def transcript(self) -> str:
        return (
            f"$ {' '.join(self.argv)}\n(exit status {self.status})\n"
            f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"
        )

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def vaultsh_executable() -> Path:
    """The vaultsh script installed next to the running interpreter."""
    path = BIN / "vaultsh"
    if not path.exists():
        pytest.fail(f"vaultsh is not installed in {BIN}; run pip install -e '.[test]'")
    return path


def merged_environ(
    base: Mapping[str, str], changes: Mapping[str, str | None] | None
) -> dict[str, str]:
    """`base` with `changes` applied; a None value removes the variable."""
    env = dict(base)
    for name, value in (changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> Result:
    """Run the installed vaultsh with `args`; fail the test on a traceback."""
    return run_command([str(vaultsh_executable()), *args], env, input, timeout)


def run_command(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> Result:
    """Run any command as a child process; fail the test on a traceback."""
    try:
        done = subprocess.run(
            list(argv),
            env=dict(os.environ if env is None else env),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"{' '.join(argv)} did not end within {timeout}s\n"
            f"--- stdout ---\n{_text(exc.stdout)}--- stderr ---\n{_text(exc.stderr)}"
        )
    result = Result(list(argv), done.returncode, done.stdout, done.stderr)
    if "Traceback" in result.stderr:
        pytest.fail(f"a traceback reached the user:\n{result.transcript()}")
    return result


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data or ""


def assert_ok(result: Result) -> Result:
    """The command succeeded; otherwise fail with its whole transcript."""
    assert result.status == 0, result.transcript()
    return result


def assert_one_error(result: Result) -> str:
    """The command failed with exactly one `vaultsh: error:` line; returns it."""
    assert result.status != 0, result.transcript()
    assert len(result.error_lines) == 1, result.transcript()
    line = result.error_lines[0]
    assert line.startswith(ERROR_PREFIX), result.transcript()
    return line


def env_pairs(text: str) -> dict[str, str]:
    """The NAME=VALUE lines of `export --format=env` (or of `env`)."""
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {name: value for name, value in pairs}


def list_rows(text: str) -> dict[str, tuple[str, str]]:
    """`vaultsh list` as profile -> (credentials, sessions)."""
    rows = {}
    for line in text.splitlines()[2:]:
        cells = re.split(r"\s{2,}", line.strip())
        assert len(cells) == 3, f"not a row of three columns: {line!r}\n{text}"
        rows[cells[0]] = (cells[1], cells[2])
    return rows


# a real terminal -------------------------------------------------------------


class Terminal:
    """A command on a pseudo-terminal; failures show the whole transcript."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], timeout=30):
        self.log = io.StringIO()
        self.child = pexpect.spawn(
            argv[0],
            list(argv[1:]),
            env=dict(env),
            encoding="utf-8",
            timeout=timeout,
            dimensions=(24, 100),
        )
        self.child.logfile_read = self.log

    def expect(self, text: str) -> None:
        """Wait until `text` appears on the screen."""
        try:
            self.child.expect_exact(text)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            pytest.fail(
                f"waited for {text!r}, got {type(exc).__name__}\n"
                f"--- transcript ---\n{self.log.getvalue()}"
            )

    def type_line(self, text: str) -> None:
        self.child.sendline(text)

    def finish(self) -> int:
        """Wait for the command to end; returns its exit status."""
        self._wait_for_end()
        self.child.close()
        status = self.child.exitstatus
        if "Traceback" in self.log.getvalue():
            pytest.fail(f"a traceback reached the user:\n{self.log.getvalue()}")
        return status if status is not None else 128 + (self.child.signalstatus or 0)

    def _wait_for_end(self) -> None:
        try:
            self.child.expect(pexpect.EOF)
        except pexpect.TIMEOUT:
            self.child.terminate(force=True)
            pytest.fail(f"the command did not end\n{self.log.getvalue()}")

    @property
    def transcript(self) -> str:
        return self.log.getvalue()


# a tmux server --------------------------------------------------------------


class TmuxServer:
    """A tmux server of its own, whose one pane a test drives by keys."""

    def __init__(self, prefix: str, timeout: float) -> None:
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed; install the package tmux")
        self.socket = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.timeout = timeout

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=self.timeout,
        )
        if done.returncode != 0:
            pytest.fail(f"tmux {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def type(self, text: str) -> None:
        """Type `text` as it is (no key names)."""
        self._tmux("send-keys", "-l", text)

    def press(self, *keys: str) -> None:
        """Press keys by tmux name: Tab, Enter, C-u, C-d."""
        self._tmux("send-keys", *keys)


# what vaultsh sent to AWS ----------------------------------------------------


@dataclass(frozen=True)
class AwsCall:
    """One STS or IAM request as moto received it."""

    service: str
    action: str
    params: dict[str, str]
    #: the access key id the request was signed with
    signed_by: str


@dataclass(frozen=True)
class Recorder:
    """moto's request recorder on a running server."""

    endpoint: str
    file: Path

    def start(self) -> None:
        """Record from now on, starting from an empty log."""
        self._post("start-recording")
        self.clear()
        if not self.file.exists():
            pytest.fail(
                f"moto records elsewhere than {self.file}: it was imported before "
                "tests/conftest.py set MOTO_RECORDER_FILEPATH"
            )

    def stop(self) -> None:
        self._post("stop-recording")

    def clear(self) -> None:
        """Forget every request recorded so far."""
        self._post("reset-recording")

    def calls(self, action: str | None = None) -> list[AwsCall]:
        """The STS and IAM requests recorded since the last clear, oldest first."""
        url = f"{self.endpoint}/moto-api/recorder/download-recording"
        with urllib.request.urlopen(url, timeout=10) as answer:
            lines = answer.read().decode().splitlines()
        found = [_query_call(json.loads(line)) for line in lines if line.strip()]
        calls = [c for c in found if c is not None]
        return [c for c in calls if action is None or c.action == action]

    def _post(self, what: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/recorder/{what}", data=b"", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):
            pass


def _query_call(entry: dict) -> AwsCall | None:
    """Parse a recorded form-encoded (query protocol) request; None for others."""
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    signature = _SERVICE_IN_SIGNATURE.search(headers.get("authorization", ""))
    if signature is None or signature.group(2) not in ("sts", "iam"):
        return None
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode()
    params = {name: values[-1] for name, values in parse_qs(body).items()}
    return AwsCall(signature.group(2), params.get("Action", ""), params, signature[1])


# the user's files ------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The bytes of the config file and the keyring file, and `vaultsh list`."""

    config: bytes | None
    keyring: bytes | None
    listing: str


def read_bytes(path: Path | None) -> bytes | None:
    if path is None or not path.exists():
        return None
    return path.read_bytes()
