"""MFA codes: checked, read from mfa_process, asked for on the terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vaultsh import mfa
from vaultsh.errors import MfaError

SERIAL = "arn:aws:iam::123456789012:mfa/dev-phone"


def test_check_code_accepts_six_digits_and_trims_them():
    assert mfa.check_code(" 012345\n", "the terminal") == "012345"


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12 456", ""])
def test_check_code_refuses_anything_else_naming_its_origin(code):
    with pytest.raises(MfaError) as caught:
        mfa.check_code(code, "mfa_process of profile site")

    assert caught.value.message == (
        "the MFA code from mfa_process of profile site is not six digits"
    )


def test_code_from_process_is_its_last_line():
    assert mfa.from_process("echo reading token; echo 654321", "site") == "654321"


def test_process_that_fails_is_an_mfa_error_with_its_status():
    with pytest.raises(MfaError) as caught:
        mfa.from_process("echo 123456; exit 3", "site")

    assert (
        caught.value.message == "mfa_process of profile site failed with exit status 3"
    )
    assert "--mfa-token" in caught.value.hint


@pytest.mark.parametrize("command", ["echo not-a-code", "true"])
def test_process_printing_no_code_is_an_mfa_error(command):
    with pytest.raises(MfaError, match="is not six digits"):
        mfa.from_process(command, "site")


def test_process_that_hangs_is_stopped(monkeypatch):
    monkeypatch.setenv("VAULTSH_PROCESS_TIMEOUT", "0.3")

    with pytest.raises(MfaError) as caught:
        mfa.from_process("sleep 5", "site")

    assert (
        caught.value.message == "mfa_process of profile site gave no code within 0.3s"
    )


def test_terminal_prompt_without_a_terminal_is_an_mfa_error():
    """Run in a new session, which has no controlling terminal to open."""
    code = (
        "from vaultsh.mfa import from_terminal\n"
        "from vaultsh.errors import MfaError\n"
        "try:\n"
        f"    from_terminal({SERIAL!r})\n"
        "except MfaError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )

    assert done.stdout.strip() == (
        f"an MFA code for {SERIAL} is needed and there is no terminal to ask on; "
        "pass --mfa-token or set mfa_process in the profile"
    )


class Prompt:
    """Answers prompts with a fixed code, counting them."""

    def __init__(self, code: str = "111111") -> None:
        self.code = code
        self.asked: list[str] = []

    def __call__(self, serial: str) -> str:
        self.asked.append(serial)
        return self.code


def test_source_asks_once_per_serial():
    prompt = Prompt()
    source = mfa.MfaSource(prompt=prompt)

    codes = [
        source.code(SERIAL, "site", None),
        source.code(SERIAL, "other-role", None),
        source.code("arn:aws:iam::123456789012:mfa/backup", "site", None),
    ]

    assert codes == ["111111"] * 3
    assert prompt.asked == [SERIAL, "arn:aws:iam::123456789012:mfa/backup"]


def test_flag_comes_before_process_and_prompt(tmp_path):
    ran = tmp_path / "ran"
    prompt = Prompt()
    source = mfa.MfaSource("222222", prompt=prompt)

    code = source.code(SERIAL, "site", f"touch {ran}; echo 333333")

    assert code == "222222"
    assert prompt.asked == []
    assert not ran.exists()


def test_process_comes_before_prompt_and_runs_once(tmp_path):
    runs = tmp_path / "runs"
    prompt = Prompt()
    source = mfa.MfaSource(prompt=prompt)
    command = f"echo run >> {runs}; echo 333333"

    assert source.code(SERIAL, "site", command) == "333333"
    assert source.code(SERIAL, "site", command) == "333333"

    assert runs.read_text() == "run\n"
    assert prompt.asked == []


def test_flag_with_a_bad_code_names_the_flag():
    source = mfa.MfaSource("12345", prompt=Prompt())

    with pytest.raises(MfaError, match="from --mfa-token is not six digits"):
        source.code(SERIAL, "site", None)


def _running(pid: int) -> bool:
    """Whether `pid` is still a live `sleep 30` (not gone, not a zombie)."""
    try:
        proc = Path(f"/proc/{pid}")
        stat = (proc / "stat").read_text()
        cmdline = (proc / "cmdline").read_bytes()
    except FileNotFoundError:
        return False
    return cmdline == b"sleep\x0030\x00" and stat.rsplit(")", 1)[1].split()[0] != "Z"


def _gone_soon(pid: int) -> bool:
    for _ in range(10):
        if not _running(pid):
            return True
        time.sleep(0.1)
    return False


def test_process_that_hangs_is_stopped_with_its_children(monkeypatch, tmp_path):
    monkeypatch.setenv("VAULTSH_PROCESS_TIMEOUT", "0.5")
    pid_file = tmp_path / "pid"

    with pytest.raises(MfaError):
        mfa.from_process(f"sleep 30 & echo $! > {pid_file}; wait", "site")

    pid = int(pid_file.read_text())
    try:
        assert _gone_soon(pid)
    finally:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


def test_code_is_asked_for_on_a_real_terminal():
    """A terminal cannot seek: opening /dev/tty read-write in text mode fails."""
    import pexpect

    code = "from vaultsh.mfa import from_terminal; print('got', from_terminal('dev'))"
    child = pexpect.spawn(sys.executable, ["-c", code], encoding="utf-8", timeout=20)
    child.expect_exact("Enter MFA code for dev: ")
    child.sendline("123456")
    child.expect_exact("got 123456")
    child.expect(pexpect.EOF)
