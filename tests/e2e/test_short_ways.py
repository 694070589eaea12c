"""Cached lookups read the keyring the user named without loading keyring.

A cached `vaultsh export` or `exec` runs for every SDK credential lookup, so
it loads only what it uses: no keyring library where the user named the
encrypted file or a Secret Service, no boto3, no prompt-toolkit. The answers
stay the ones keyring's own backend gives, the passphrase of the file is
asked once however many items are read and written, and a locked Secret
Service still gets keyring's unlock-or-explain path.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests import helpers
from tests.helpers import assert_ok

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"

# Runs vaultsh's CLI in-process, then reports which heavy modules it loaded.
PROBE = """\
import json, sys
from vaultsh.cli import main
status = main(sys.argv[1:])
heavy = ["keyring", "boto3", "botocore.session", "prompt_toolkit"]
print(json.dumps({"status": status, "loaded": [m for m in heavy if m in sys.modules]}),
      file=sys.stderr)
"""


def probe(command, *args: str) -> tuple[dict, dict]:
    """The JSON vaultsh printed, and what the probe reported."""
    result = command(sys.executable, "-c", PROBE, *args)
    assert result.status == 0, result.transcript()
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return json.loads(result.stdout), report


@pytest.mark.parametrize("keyring_kind", ["file", "secret-service"])
def test_a_cached_export_loads_no_keyring_boto3_or_shell(
    vaultsh, command, stored_key, keyring_kind
):
    first = assert_ok(vaultsh("export", "--format=json", ROLE))

    answer, report = probe(command, "export", "--format=json", ROLE)

    assert report == {"status": 0, "loaded": []}
    assert answer == json.loads(first.stdout)
    assert answer["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize("keyring_kind", ["secret-service"])
def test_a_new_session_is_written_through_keyring_and_read_back(
    vaultsh, command, stored_key, keyring_kind
):
    assert_ok(vaultsh("clear"))

    made, report = probe(command, "export", "--format=json", ROLE)
    reread, again = probe(command, "export", "--format=json", ROLE)

    # making a session writes it through keyring; reading it back does not
    assert "keyring" in report["loaded"]
    assert again["loaded"] == []
    assert reread == made


@pytest.mark.parametrize("keyring_kind", ["secret-service"])
def test_a_keyring_property_sends_reads_through_keyring(
    vaultsh, command, stored_key, keyring_kind
):
    first = assert_ok(vaultsh("export", "--format=json", ROLE))
    result = command(
        sys.executable,
        "-c",
        PROBE,
        "export",
        "--format=json",
        ROLE,
        env={"KEYRING_PROPERTY_APPID": "vaultsh-tests"},
    )

    assert result.status == 0, result.transcript()
    assert "keyring" in json.loads(result.stderr.splitlines()[-1])["loaded"]
    assert json.loads(result.stdout) == json.loads(first.stdout)


def test_the_file_passphrase_is_asked_once_to_read_and_write(home, vaultsh, stored_key):
    assert_ok(vaultsh("clear"))
    env = helpers.merged_environ(home.env, {"VAULTSH_FILE_PASSPHRASE": None})
    passphrase = home.env["VAULTSH_FILE_PASSPHRASE"]

    # no cached session: the index and key are read, a session is made and
    # written, all on one typed passphrase
    terminal = helpers.Terminal(
        [str(helpers.vaultsh_executable()), "exec", ROLE, "--", "true"], env
    )
    terminal.expect("passphrase for the vaultsh file keyring")
    terminal.type_line(passphrase)
    status = terminal.finish()

    assert status == 0, terminal.transcript
    assert terminal.transcript.count("passphrase for the vaultsh file keyring") == 1
    assert "sts.AssumeRole" in assert_ok(vaultsh("list")).stdout
