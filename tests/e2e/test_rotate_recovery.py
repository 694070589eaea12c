"""`vaultsh rotate` killed between any two steps, and the two-key limit.

A real `vaultsh rotate` runs against the moto server with
VAULTSH_ROTATE_PAUSE_AFTER=STEP: it stops itself (SIGSTOP) after that step,
and the test kills it with SIGKILL, as a crash or a closed laptop would. Then:
the keyring holds a key IAM accepts (checked with IAM enforcement on), the
user holds at most two keys, every use of the profile says which command
finishes the job, and that command finishes it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from tests import helpers
from tests.helpers import assert_ok, env_pairs
from vaultsh import demo
from vaultsh.commands.rotate import STEPS
from vaultsh.credentials import mask

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"
FINISH = "run 'vaultsh rotate dev' to finish it"


def iam_keys(admin) -> dict[str, str]:
    listed = admin("iam").list_access_keys(UserName=demo.USER)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in listed}


def exported_key(vaultsh) -> dict[str, str]:
    return env_pairs(assert_ok(vaultsh("export", "--no-session", "--", "dev")).stdout)


def set_auth(endpoint: str, count: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def accepted(command, moto_endpoint):
    """Whether IAM, enforcing policies, takes a key as the user's (aws CLI)."""

    def check(key: dict[str, str]) -> bool:
        env = {
            name: key[name] for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        }
        env["AWS_DEFAULT_REGION"] = demo.REGION
        set_auth(moto_endpoint, "0")
        try:
            result = command("aws", "sts", "get-caller-identity", env=env)
        finally:
            set_auth(moto_endpoint, "inf")
        if result.status != 0:
            return False
        return json.loads(result.stdout)["Arn"].endswith(f":user/{demo.USER}")

    yield check
    set_auth(moto_endpoint, "inf")


def wait_until_stopped(process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait for the process to stop itself; fail with its output if it ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rotate ended before pausing:\n{process.stderr.read()}")
        with open(f"/proc/{process.pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        if state == "T":
            return
        time.sleep(0.05)
    process.kill()
    pytest.fail("rotate never paused")


def kill_rotate_after(step: str, home) -> str:
    """Run rotate until it pauses after `step`, SIGKILL it; returns its stderr."""
    env = helpers.merged_environ(home.env, {"VAULTSH_ROTATE_PAUSE_AFTER": step})
    argv = [str(helpers.vaultsh_executable()), "rotate", "dev"]
    process = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    wait_until_stopped(process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return process.stderr.read()


@pytest.mark.parametrize("step", STEPS)
def test_rotate_killed_after_a_step_keeps_a_working_key_and_is_finished(
    step, home, vaultsh, stored_key, admin, accepted
):
    original = stored_key.access_key_id

    said = kill_rotate_after(step, home)

    assert f"paused after rotation step {step}" in said
    keys = iam_keys(admin)
    assert len(keys) <= 2
    key = exported_key(vaultsh)
    assert keys[key["AWS_ACCESS_KEY_ID"]] == "Active"
    assert accepted(key)

    used = assert_ok(vaultsh("exec", ROLE, "--", "true"))
    assert used.stderr.strip().endswith(FINISH), used.transcript()

    finished = assert_ok(vaultsh("rotate", "dev"))
    assert finished.error_lines[0].startswith(
        "finishing the interrupted rotation of profile dev"
    )
    assert finished.error_lines[-1].endswith("; rotation done")
    key = exported_key(vaultsh)
    assert iam_keys(admin) == {key["AWS_ACCESS_KEY_ID"]: "Active"}
    assert key["AWS_ACCESS_KEY_ID"] != original
    assert accepted(key)
    assert FINISH not in vaultsh("exec", ROLE, "--", "true").stderr


# the two-key limit -------------------------------------------------------------------


@pytest.fixture
def inactive_key(admin, stored_key) -> str:
    """A second, inactive key of the user, left from an earlier rotation."""
    made = admin("iam").create_access_key(UserName=demo.USER)["AccessKey"]
    admin("iam").update_access_key(
        UserName=demo.USER, AccessKeyId=made["AccessKeyId"], Status="Inactive"
    )
    return made["AccessKeyId"]


def test_rotate_with_two_keys_explains_and_names_the_flag(
    vaultsh, admin, inactive_key, stored_key
):
    before = iam_keys(admin)

    result = vaultsh("rotate", "dev")

    assert result.status == 1
    line = result.error_lines[-1]
    assert "LimitExceeded" in line
    assert "already has two access keys" in line
    assert "'vaultsh rotate dev --delete-other-key KEYID'" in line
    assert inactive_key not in result.stderr
    assert iam_keys(admin) == before


def test_rotate_delete_other_key_makes_room_then_rotates(
    vaultsh, admin, inactive_key, stored_key
):
    result = assert_ok(vaultsh("rotate", "dev", "--delete-other-key", inactive_key))

    assert f"deleted the other key {mask(inactive_key)}" in result.stderr
    key = exported_key(vaultsh)["AWS_ACCESS_KEY_ID"]
    assert iam_keys(admin) == {key: "Active"}
    assert inactive_key not in result.stderr


def test_rotate_on_a_terminal_offers_to_delete_the_other_key(
    home, admin, inactive_key, stored_key, vaultsh
):
    argv = [str(helpers.vaultsh_executable()), "rotate", "dev"]
    terminal = helpers.Terminal(argv, home.env)
    terminal.expect("already has two access keys")
    terminal.expect("Id of the other key to delete (Enter to stop): ")
    terminal.type_line(inactive_key)
    terminal.expect("rotation done")
    status = terminal.finish()

    assert status == 0, terminal.transcript
    key = exported_key(vaultsh)["AWS_ACCESS_KEY_ID"]
    assert iam_keys(admin) == {key: "Active"}


def test_rotate_on_a_terminal_never_deletes_the_stored_key(
    home, admin, inactive_key, stored_key
):
    before = iam_keys(admin)
    argv = [str(helpers.vaultsh_executable()), "rotate", "dev"]
    terminal = helpers.Terminal(argv, home.env)
    terminal.expect("Id of the other key to delete (Enter to stop): ")
    terminal.type_line(stored_key.access_key_id)
    terminal.expect("never deletes this way")
    status = terminal.finish()

    assert status == 2, terminal.transcript
    assert iam_keys(admin) == before
