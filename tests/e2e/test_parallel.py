"""Many callers at once: one MFA code, one set of STS calls, every answer right.

Tools such as terraform and the AWS SDKs start many credential_process callers
together. Twenty `vaultsh export --format=json` (or `exec`) processes start at
once against the moto server with no usable cached session; the profile's
mfa_process appends a line to a file each time it runs, so the file counts the
MFA codes asked for, and moto's request log counts the STS calls. A lock left
by a killed process blocks no one; a hung holder is named after a wait.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from tests import helpers
from tests.helpers import assert_ok

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"
CALLERS = 20
MFA_SCRIPT = """\
import os, sys, time
from pathlib import Path
import pyotp
folder = Path(sys.argv[1])
with open(folder / "codes", "a") as codes:
    codes.write(f"{os.getpid()}\\n")
if (folder / "hang").exists():
    (folder / "holding").write_text(str(os.getpid()))
    time.sleep(120)
time.sleep(float(sys.argv[3]))
print(pyotp.TOTP(sys.argv[2]).now())
"""


@dataclass(frozen=True)
class Mfa:
    """The counting mfa_process and its folder."""

    folder: Path
    command: str

    def codes_asked(self) -> int:
        codes = self.folder / "codes"
        return len(codes.read_text().splitlines()) if codes.exists() else 0


@pytest.fixture
def mfa(home, account, tmp_path) -> Mfa:
    """The role's mfa_process counts its runs and takes a second to answer."""
    folder = tmp_path / "mfa"
    folder.mkdir()
    script = folder / "mfa.py"
    script.write_text(MFA_SCRIPT)
    words = [sys.executable, str(script), str(folder), account.mfa_seed, "1"]
    command = " ".join(shlex.quote(word) for word in words)
    home.write_config(account.config_text(mfa_process=command))
    return Mfa(folder, command)


def start(home, *args: str, env: dict | None = None) -> subprocess.Popen:
    argv = [str(helpers.vaultsh_executable()), *args]
    return subprocess.Popen(
        argv,
        env=helpers.merged_environ(home.env, env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_together(home, *args: str) -> list[helpers.Result]:
    """Start CALLERS copies of vaultsh at once; wait for all of them."""
    started = [start(home, *args) for _ in range(CALLERS)]
    results = []
    for process in started:
        out, err = process.communicate(timeout=300)
        results.append(helpers.Result(process.args, process.returncode, out, err))
    for result in results:
        assert_ok(result)
        assert "Traceback" not in result.stderr, result.transcript()
    return results


def key_ids(results: list[helpers.Result]) -> set[str]:
    return {json.loads(r.stdout)["AccessKeyId"] for r in results}


def test_twenty_exports_ask_one_mfa_code_and_assume_the_role_once(
    home, stored_key, mfa, recorder
):
    results = run_together(home, "export", "--format=json", "--", ROLE)

    assert mfa.codes_asked() == 1
    assert len(recorder.calls("AssumeRole")) == 1
    [key] = key_ids(results)
    assert key.startswith("ASIA")


def test_twenty_execs_ask_one_mfa_code_and_assume_the_role_once(
    home, stored_key, mfa, recorder
):
    echo = ["sh", "-c", "echo $AWS_ACCESS_KEY_ID $AWS_SESSION_TOKEN"]
    results = run_together(home, "exec", ROLE, "--", *echo)

    assert mfa.codes_asked() == 1
    assert len(recorder.calls("AssumeRole")) == 1
    assert len({r.stdout for r in results}) == 1


def test_twenty_exports_of_the_base_profile_make_one_session_token(
    home, account, stored_key, mfa, recorder
):
    text = account.config_text(mfa_process=mfa.command).replace(
        "[profile dev]\n",
        f"[profile dev]\nmfa_serial = {account.mfa_serial}\n"
        f"mfa_process = {mfa.command}\n",
    )
    home.write_config(text)

    results = run_together(home, "export", "--format=json", "--", "dev")

    assert mfa.codes_asked() == 1
    [call] = recorder.calls("GetSessionToken")
    assert call.params["SerialNumber"] == account.mfa_serial
    assert len(key_ids(results)) == 1


@pytest.fixture
def user_vault(home) -> Iterator[object]:
    """The user's keyring opened in this process (for what moto cannot do)."""
    from vaultsh.filestore import EncryptedFileKeyring
    from vaultsh.vault import Vault

    names = ("VAULTSH_FILE_DIR", "VAULTSH_FILE_PASSPHRASE", "XDG_STATE_HOME")
    with pytest.MonkeyPatch.context() as patch:
        for name in names:
            patch.setenv(name, home.env[name])
        yield Vault(EncryptedFileKeyring())


def age_cached_session(vault, account, seconds_left: int) -> str:
    """Make the cached role session end in `seconds_left`; returns its key id."""
    from vaultsh.credentials import Credentials, utcnow

    kind = "sts.AssumeRole"
    creds = vault.get_session(kind, ROLE, account.mfa_serial)
    ending = utcnow() + timedelta(seconds=seconds_left)
    aged = Credentials(
        creds.access_key_id, creds.secret_access_key, creds.session_token, ending
    )
    vault.set_session(kind, ROLE, account.mfa_serial, aged)
    return creds.access_key_id


def test_twenty_exports_with_an_expiring_session_renew_it_once(
    home, account, stored_key, mfa, recorder, user_vault, vaultsh
):
    assert_ok(vaultsh("export", "--format=json", "--", ROLE))
    old_key = age_cached_session(user_vault, account, 60)
    recorder.clear()
    before = mfa.codes_asked()

    results = run_together(home, "export", "--format=json", "--", ROLE)

    assert mfa.codes_asked() == before + 1
    assert len(recorder.calls("AssumeRole")) == 1
    [key] = key_ids(results)
    assert key != old_key


# locks left behind ------------------------------------------------------------------


@pytest.fixture
def holder(home, mfa, stored_key) -> Iterator[subprocess.Popen]:
    """A vaultsh that holds the role's session lock: its mfa_process hangs."""
    (mfa.folder / "hang").touch()
    process = start(home, "export", "--format=json", "--", ROLE)
    holding = mfa.folder / "holding"
    deadline = time.monotonic() + 60
    while not holding.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the holder never reached its mfa_process:\n{process.stderr}")
        time.sleep(0.05)
    (mfa.folder / "hang").unlink()
    yield process
    for pid in (process.pid, int(holding.read_text())):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_lock_left_by_a_killed_process_blocks_no_one(home, holder, vaultsh, mfa):
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)

    result = vaultsh("export", "--format=json", "--", ROLE, timeout=60)

    assert_ok(result)
    assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
    assert mfa.codes_asked() == 2


def test_a_hung_lock_holder_is_named_after_the_wait(home, holder, vaultsh):
    os.kill(holder.pid, signal.SIGSTOP)

    result = vaultsh(
        "export", "--format=json", "--", ROLE, env={"VAULTSH_LOCK_TIMEOUT": "2"}
    )

    line = helpers.assert_one_error(result)
    assert line == (
        f"vaultsh: error: waited 2s for vaultsh process {holder.pid}, which holds "
        f"the lock on the sts.AssumeRole session of profile {ROLE}; end that "
        "process or let it finish, then try again"
    )
