"""Secrets stay secret, proven on the running processes and the files they leave.

- no secret in the argv of any process while vaultsh's children run (read
  from /proc, for every process on the machine);
- none in `--debug` output;
- none in the interactive shell's history file;
- none in any file written under HOME, except the encrypted store;
- the store's files and folders are private (0600 / 0700), even under umask 000;
- `export --no-session` to a terminal warns that it prints a long-term key.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pyotp
import pytest

from tests import helpers
from tests.e2e.test_shell_terminal import PROMPT
from tests.e2e.test_shell_terminal import Terminal as ShellTerminal
from tests.helpers import assert_ok, env_pairs

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"
WAIT_FOR_GO = """\
import os, sys, time
from pathlib import Path
folder = Path(sys.argv[1])
(folder / f"{sys.argv[2]}.pid").write_text(str(os.getpid()))
while not (folder / f"{sys.argv[2]}.go").exists():
    time.sleep(0.02)
if len(sys.argv) > 3:
    import pyotp
    print(pyotp.TOTP(sys.argv[3]).now())
"""


def all_argvs() -> dict[int, str]:
    """The command line of every process on the machine, by process id."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            found[int(entry.name)] = raw.replace(b"\0", b" ").decode(errors="replace")
    return found


def leaks(texts: dict, secrets: dict[str, str]) -> list[str]:
    """Which named secrets appear in which of the texts."""
    return [
        f"{name} in {where}"
        for where, text in texts.items()
        for name, secret in secrets.items()
        if secret and secret in text
    ]


def wait_for(path: Path, process, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{path.name} never appeared:\n{process.stderr.read()}")
        time.sleep(0.02)
    return path.read_text()


def long_term(account) -> dict[str, str]:
    return {
        "long-term key id": account.access_key_id,
        "long-term secret": account.secret_access_key,
    }


def session_secrets(environ: dict[str, str], label: str) -> dict[str, str]:
    return {
        f"{label} key id": environ.get("AWS_ACCESS_KEY_ID", ""),
        f"{label} secret": environ.get("AWS_SECRET_ACCESS_KEY", ""),
        f"{label} token": environ.get("AWS_SESSION_TOKEN", ""),
    }


# argv ------------------------------------------------------------------------------


def test_no_secret_in_any_argv_while_vaultsh_and_its_children_run(
    home, account, stored_key, tmp_path
):
    script = tmp_path / "wait.py"
    script.write_text(WAIT_FOR_GO)
    python = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    mfa = f"{python} {shlex.quote(str(tmp_path))} mfa {account.mfa_seed}"
    home.write_config(account.config_text(mfa_process=mfa))
    argv = [str(helpers.vaultsh_executable()), "exec", ROLE, "--"]
    child = [sys.executable, str(script), str(tmp_path), "child"]
    process = subprocess.Popen(
        argv + child,
        env=home.env,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # 1. vaultsh holds the long-term key and waits for its mfa_process
        wait_for(tmp_path / "mfa.pid", process)
        while_mfa = all_argvs()
        (tmp_path / "mfa.go").touch()

        # 2. the command runs with the session in its environment
        pid = int(wait_for(tmp_path / "child.pid", process))
        environ = dict(
            item.split("=", 1)
            for item in Path(f"/proc/{pid}/environ").read_text().split("\0")
            if "=" in item
        )
        while_child = all_argvs()
    finally:
        (tmp_path / "mfa.go").touch()
        (tmp_path / "child.go").touch()
    assert process.wait(timeout=60) == 0, process.stderr.read()

    secrets = {**long_term(account), **session_secrets(environ, "session")}
    assert environ["AWS_SESSION_TOKEN"]
    texts = {f"argv of {p} (mfa step)": a for p, a in while_mfa.items()}
    texts.update({f"argv of {p} (child step)": a for p, a in while_child.items()})
    assert leaks(texts, secrets) == []


# --debug -----------------------------------------------------------------------------


def codes_near_now(seed: str) -> list[str]:
    totp = pyotp.TOTP(seed)
    now = time.time()
    return [totp.at(now + shift) for shift in (-60, -30, 0, 30)]


def test_debug_output_shows_no_secret(vaultsh, account, home):
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    runs = [
        assert_ok(vaultsh("--debug", "add", "--env", "dev", env=keys)),
        assert_ok(vaultsh("--debug", "exec", ROLE, "--", "env")),
        assert_ok(vaultsh("--debug", "export", "--format=json", "--", "dev")),
        assert_ok(vaultsh("--debug", "export", "--no-session", "--", "dev")),
        assert_ok(vaultsh("--debug", "rotate", "dev")),
        assert_ok(vaultsh("--debug", "list")),
    ]
    new_key = env_pairs(assert_ok(vaultsh("export", "--no-session", "dev")).stdout)
    session = json.loads(runs[2].stdout)

    debug = "\n".join(r.stderr for r in runs)
    assert "vaultsh: debug: " in debug
    secrets = {
        **long_term(account),
        **session_secrets(env_pairs(runs[1].stdout), "role session"),
        "dev session secret": session["SecretAccessKey"],
        "dev session token": session["SessionToken"],
        **session_secrets(new_key, "rotated key"),
    }
    assert leaks({"--debug output": debug}, secrets) == []
    for code in codes_near_now(account.mfa_seed):
        assert not re.search(rf"\b{code}\b", debug), "an MFA code is in the output"


# the shell's history, and every file under HOME --------------------------------------


def use_the_shell(home, secret: str) -> None:
    """Open the shell on the role, paste a secret into a command, leave."""
    term = ShellTerminal(home.env, home.path)
    term.expect(PROMPT)
    term.command(f"!env AWS_SECRET_ACCESS_KEY={secret} true")
    term.expect(PROMPT)
    term.command("whoami")
    term.expect("account  123456789012")
    term.command("exit")
    term.expect(pexpect.EOF)
    term.child.close()
    assert term.child.exitstatus == 0, term.transcript.getvalue()


def test_no_secret_in_the_shell_history(home, account, stored_key):
    use_the_shell(home, account.secret_access_key)

    history = Path(home.env["XDG_STATE_HOME"]) / "vaultsh" / "history"
    assert "+whoami" in history.read_text()
    assert leaks({"history": history.read_text()}, long_term(account)) == []


def files_under(folder: Path, keep_out: Path) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink() and path != keep_out
    }


def test_no_secret_in_any_file_under_home_but_the_encrypted_store(
    vaultsh, home, account, stored_key
):
    role_env = env_pairs(assert_ok(vaultsh("exec", ROLE, "--", "env")).stdout)
    dev = json.loads(assert_ok(vaultsh("export", "--format=json", "dev")).stdout)
    url = f"s3://{account.bucket}/security/"
    assert_ok(vaultsh("exec", ROLE, "--", "aws", "s3", "ls", url, "--recursive"))
    assert_ok(vaultsh("rotate", "dev"))
    new_key = env_pairs(assert_ok(vaultsh("export", "--no-session", "dev")).stdout)
    use_the_shell(home, new_key["AWS_SECRET_ACCESS_KEY"])
    assert_ok(vaultsh("list"))

    secrets = {
        **long_term(account),
        **session_secrets(role_env, "role session"),
        "dev session secret": dev["SecretAccessKey"],
        "dev session token": dev["SessionToken"],
        **session_secrets(new_key, "rotated key"),
    }
    files = files_under(home.path, keep_out=home.keyring_file)
    assert files, "vaultsh wrote no file at all"
    texts = {name: data.decode(errors="replace") for name, data in files.items()}
    assert leaks(texts, secrets) == []


# permissions -----------------------------------------------------------------------


def test_store_files_and_folders_are_private_even_under_umask_000(
    command, home, account
):
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    loose = 'umask 000; exec vaultsh "$@"'
    assert_ok(command("sh", "-c", loose, "sh", "add", "--env", "dev", env=keys))
    assert_ok(command("sh", "-c", loose, "sh", "exec", ROLE, "--", "true"))
    assert_ok(command("sh", "-c", loose, "sh", "rotate", "dev"))

    store = home.keyring_file.parent
    state = Path(home.env["XDG_STATE_HOME"]) / "vaultsh"
    modes = {
        str(path): stat.S_IMODE(path.stat().st_mode)
        for folder in (store, state)
        for path in [folder, *folder.rglob("*")]
    }
    assert len(modes) > 3, modes
    wrong = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if os.path.isdir(name) else 0o600)
    }
    assert wrong == {}


# export --no-session ---------------------------------------------------------------


def test_export_no_session_to_a_terminal_warns_of_the_long_term_key(home, stored_key):
    argv = [str(helpers.vaultsh_executable()), "export", "--no-session", "dev"]
    terminal = helpers.Terminal(argv, home.env)
    terminal.expect("vaultsh: warning: this prints a long-term access key")
    status = terminal.finish()

    assert status == 0
    assert f"AWS_ACCESS_KEY_ID={stored_key.access_key_id}" in terminal.transcript


def test_export_no_session_into_a_pipe_prints_no_warning(vaultsh, stored_key):
    result = assert_ok(vaultsh("export", "--no-session", "dev"))

    assert result.stderr == ""
