"""The reference user's daily routine, step by step, through the installed CLI.

Each test is one thing the user does (see shared/scenario/README.md): store the
key, run the AWS CLI on the role, look at the list, hand credentials to an
SDK, rotate the key after exposing it, clean up. Numbered sections follow the
scenario's steps; step 2, the interactive shell, has tests of its own. AWS is a
moto server; the keyring is the encrypted file, or gnome-keyring where a test
says so.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from tests import helpers
from tests.helpers import assert_ok, env_pairs, list_rows
from vaultsh import demo
from vaultsh.credentials import mask

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"
SECURITY_KEYS = sorted(key for key in demo.OBJECTS if key.startswith("security/"))
PRINT_ENVIRON = "import json, os; print(json.dumps(dict(os.environ)))"
SESSION_PATTERN = r"sts\.AssumeRole:\d{1,2}m\d{2}s"


def exec_on_role(vaultsh, *command: str, env=None) -> helpers.Result:
    return vaultsh("exec", ROLE, "--", *command, env=env)


def exported_long_term_key(vaultsh) -> dict[str, str]:
    """What `export --no-session -- dev` prints, as a dict of variables."""
    return env_pairs(assert_ok(vaultsh("export", "--no-session", "--", "dev")).stdout)


def iam_key_ids(admin, user: str) -> list[str]:
    listed = admin("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return [key["AccessKeyId"] for key in listed]


# 1. store the long-term key once ---------------------------------------------


def test_add_asks_for_the_key_and_hides_the_secret(home, account, vaultsh):
    vaultsh_path = str(helpers.vaultsh_executable())
    terminal = helpers.Terminal([vaultsh_path, "add", "dev"], home.env)
    terminal.expect("Enter Access Key ID: ")
    terminal.type_line(account.access_key_id)
    terminal.expect("Enter Secret Access Key: ")
    terminal.type_line(account.secret_access_key)
    status = terminal.finish()

    assert status == 0, terminal.transcript
    assert f"stored key {mask(account.access_key_id)}" in terminal.transcript
    assert account.secret_access_key not in terminal.transcript
    rows = list_rows(assert_ok(vaultsh("list")).stdout)
    assert rows["dev"][0] == f"dev {mask(account.access_key_id)}"


def test_add_env_stores_the_key_from_the_environment(home, account, vaultsh):
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    result = assert_ok(vaultsh("add", "--env", "dev", env=keys))

    assert mask(account.access_key_id) in result.stdout
    assert account.access_key_id not in result.stdout + result.stderr
    rows = list_rows(assert_ok(vaultsh("list")).stdout)
    assert rows["dev"] == (f"dev {mask(account.access_key_id)}", "-")


def test_the_keyring_file_holds_no_secret_in_plain_text(home, stored_key):
    stored = home.keyring_file.read_bytes()

    assert stored_key.secret_access_key.encode() not in stored
    assert stored_key.access_key_id.encode() not in stored


# 3. one-off commands on the role ---------------------------------------------


def test_exec_runs_aws_s3_ls_with_the_role(vaultsh, stored_key):
    url = f"s3://{stored_key.bucket}/security/"
    result = assert_ok(exec_on_role(vaultsh, "aws", "s3", "ls", url, "--recursive"))

    listed = [line.split()[-1] for line in result.stdout.splitlines()]
    assert listed == SECURITY_KEYS


def test_exec_creates_an_invalidation_and_gets_it_back(vaultsh, stored_key):
    def cloudfront(*args: str) -> dict:
        aws = ["aws", "cloudfront", "--output", "json", *args]
        distribution = ["--distribution-id", stored_key.distribution_id]
        result = assert_ok(exec_on_role(vaultsh, *aws, *distribution))
        return json.loads(result.stdout)["Invalidation"]

    invalidation = cloudfront("create-invalidation", "--paths", "/foo", "/bar/*")
    shown = cloudfront("get-invalidation", "--id", invalidation["Id"])

    assert shown["Id"] == invalidation["Id"]
    assert sorted(shown["InvalidationBatch"]["Paths"]["Items"]) == ["/bar/*", "/foo"]
    assert shown["Status"] == "COMPLETED"


def test_exec_child_acts_as_the_assumed_role(vaultsh, stored_key):
    result = assert_ok(exec_on_role(vaultsh, "aws", "sts", "get-caller-identity"))

    arn = json.loads(result.stdout)["Arn"]
    assert arn == f"arn:aws:sts::{demo.ACCOUNT_ID}:assumed-role/{ROLE}/dev-work-sts"


def test_exec_gives_the_child_the_session_variables(vaultsh, stored_key):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = assert_ok(exec_on_role(vaultsh, sys.executable, "-c", PRINT_ENVIRON))

    env = json.loads(result.stdout)
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert len(env["AWS_SECRET_ACCESS_KEY"]) == 40
    assert env["AWS_SESSION_TOKEN"]
    assert env["AWS_VAULT"] == ROLE
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    expiration = env["AWS_CREDENTIAL_EXPIRATION"]
    assert helpers.RFC3339_Z.match(expiration), expiration
    expires = datetime.fromisoformat(expiration.replace("Z", "+00:00"))
    assert before < expires <= before + timedelta(seconds=1800 + 60)


def test_exec_replaces_stale_credentials_of_the_parent(vaultsh, stored_key):
    stale = {
        "AWS_PROFILE": "yesterdays-profile",
        "AWS_ACCESS_KEY_ID": "AKIASTALESTALESTALE1",
        "AWS_SECRET_ACCESS_KEY": "stale-secret-stale-secret-stale-secret-1",
        "AWS_SESSION_TOKEN": "stale-token",
    }
    result = exec_on_role(vaultsh, sys.executable, "-c", PRINT_ENVIRON, env=stale)

    env = json.loads(assert_ok(result).stdout)
    assert "AWS_PROFILE" not in env
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert env[name] != stale[name]


def test_exec_exits_with_the_status_of_the_command(vaultsh, stored_key):
    result = exec_on_role(vaultsh, "sh", "-c", "exit 7")

    assert result.status == 7, result.transcript()


def test_exec_without_a_command_opens_the_users_shell(vaultsh, stored_key, tmp_path):
    shell = tmp_path / "my-shell"
    shell.write_text('#!/bin/sh\necho "my shell, session of $AWS_VAULT"\n')
    shell.chmod(0o755)

    result = assert_ok(vaultsh("exec", ROLE, env={"SHELL": str(shell)}))

    assert result.stdout.strip() == f"my shell, session of {ROLE}"


# what vaultsh sends to STS (moto checks none of it) --------------------------


def test_assume_role_sends_session_name_mfa_code_and_duration(
    vaultsh, stored_key, recorder
):
    assert_ok(exec_on_role(vaultsh, "true"))

    [call] = recorder.calls("AssumeRole")
    assert call.params["RoleArn"] == stored_key.role_arn
    assert call.params["RoleSessionName"] == "dev-work-sts"
    assert call.params["SerialNumber"] == stored_key.mfa_serial
    totp = pyotp.TOTP(stored_key.mfa_seed)
    assert totp.verify(call.params["TokenCode"], valid_window=1)
    assert call.params["DurationSeconds"] == "1800"
    assert call.signed_by == stored_key.access_key_id


def test_a_second_exec_reuses_the_cached_session(vaultsh, stored_key, recorder):
    echo_key = ["sh", "-c", "echo $AWS_ACCESS_KEY_ID"]
    first = assert_ok(exec_on_role(vaultsh, *echo_key)).stdout
    second = assert_ok(exec_on_role(vaultsh, *echo_key)).stdout

    assert first == second
    assert len(recorder.calls("AssumeRole")) == 1


# 4. the list -----------------------------------------------------------------


def test_list_shows_the_stored_key_and_the_live_session(vaultsh, stored_key):
    before = list_rows(assert_ok(vaultsh("list")).stdout)
    assert_ok(exec_on_role(vaultsh, "true"))
    after = list_rows(assert_ok(vaultsh("list")).stdout)

    masked = f"dev {mask(stored_key.access_key_id)}"
    assert before == {"dev": (masked, "-"), ROLE: ("-", "-")}
    assert after["dev"] == (masked, "-")
    assert after[ROLE][0] == "-"
    assert_matches(SESSION_PATTERN, after[ROLE][1])


def assert_matches(pattern: str, text: str) -> None:
    assert re.fullmatch(pattern, text), f"{text!r} does not match {pattern!r}"


# plain AWS SDKs through credential_process -----------------------------------


def test_boto3_gets_dev_credentials_through_credential_process(
    command, stored_key, recorder
):
    script = (
        "import boto3; "
        "print(boto3.session.Session().client('sts').get_caller_identity()['Account'])"
    )
    result = command(sys.executable, "-c", script, env={"AWS_PROFILE": "dev"})

    assert assert_ok(result).stdout.strip() == demo.ACCOUNT_ID
    [made] = recorder.calls("GetSessionToken")
    assert made.signed_by == stored_key.access_key_id
    [asked] = recorder.calls("GetCallerIdentity")
    assert asked.signed_by != stored_key.access_key_id


def test_export_json_prints_what_credential_process_expects(vaultsh, stored_key):
    result = assert_ok(vaultsh("export", "--format=json", "--", "dev"))

    data = json.loads(result.stdout)
    assert data["Version"] == 1
    assert data["AccessKeyId"] != stored_key.access_key_id
    assert data["SecretAccessKey"] != stored_key.secret_access_key
    assert data["SessionToken"]
    assert helpers.RFC3339_Z.match(data["Expiration"]), data["Expiration"]


# 5. exposing and rotating the long-term key ----------------------------------


def test_export_no_session_prints_the_stored_long_term_key(vaultsh, stored_key):
    result = assert_ok(vaultsh("export", "--no-session", "--", "dev"))

    env = env_pairs(result.stdout)
    assert env["AWS_ACCESS_KEY_ID"] == stored_key.access_key_id
    assert env["AWS_SECRET_ACCESS_KEY"] == stored_key.secret_access_key
    assert "AWS_SESSION_TOKEN" not in env


def test_rotate_replaces_the_key_in_iam_and_in_the_keyring(
    vaultsh, stored_key, admin, recorder
):
    assert_ok(vaultsh("rotate", "--no-session", "--", "dev"))

    keys = iam_key_ids(admin, stored_key.user)
    assert stored_key.access_key_id not in keys
    assert len(keys) == 1
    exported = exported_long_term_key(vaultsh)
    assert exported["AWS_ACCESS_KEY_ID"] == keys[0]

    assert_ok(vaultsh("clear"))
    recorder.clear()
    url = f"s3://{stored_key.bucket}/security/"
    listed = assert_ok(exec_on_role(vaultsh, "aws", "s3", "ls", url, "--recursive"))
    assert [line.split()[-1] for line in listed.stdout.splitlines()] == SECURITY_KEYS
    [assumed] = recorder.calls("AssumeRole")
    assert assumed.signed_by == keys[0]


def test_rotate_reports_each_step_with_masked_key_ids_only(vaultsh, stored_key, admin):
    result = assert_ok(vaultsh("rotate", "--no-session", "--", "dev"))
    [new_key] = iam_key_ids(admin, stored_key.user)
    exported = exported_long_term_key(vaultsh)

    shown = result.stdout + result.stderr
    assert mask(stored_key.access_key_id) in shown
    assert mask(new_key) in shown
    secrets = [
        stored_key.access_key_id,
        stored_key.secret_access_key,
        new_key,
        exported["AWS_SECRET_ACCESS_KEY"],
    ]
    leaked = [mask(value) for value in secrets if value in shown]
    assert not leaked, f"rotate printed these in full: {leaked}\n{result.transcript()}"


# clean up --------------------------------------------------------------------


def test_clear_forgets_the_cached_sessions(vaultsh, stored_key, recorder):
    assert_ok(exec_on_role(vaultsh, "true"))
    assert_ok(vaultsh("clear"))

    rows = list_rows(assert_ok(vaultsh("list")).stdout)
    assert rows[ROLE] == ("-", "-")
    assert rows["dev"] == (f"dev {mask(stored_key.access_key_id)}", "-")
    assert_ok(exec_on_role(vaultsh, "true"))
    assert len(recorder.calls("AssumeRole")) == 2


def test_remove_deletes_the_stored_key(vaultsh, stored_key):
    removed = assert_ok(vaultsh("remove", "dev", "--force"))

    assert "dev" in removed.stdout
    rows = list_rows(assert_ok(vaultsh("list")).stdout)
    assert rows["dev"] == ("-", "-")
    line = helpers.assert_one_error(exec_on_role(vaultsh, "true"))
    assert "vaultsh add dev" in line


# the same routine on a desktop keyring ---------------------------------------


@pytest.mark.parametrize("keyring_kind", ["secret-service"])
def test_routine_works_on_gnome_keyring(vaultsh, account, home, gnome_keyring):
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    assert_ok(vaultsh("add", "--env", "dev", env=keys))
    assert secret_service_holds(gnome_keyring, "key:dev")

    url = f"s3://{account.bucket}/security/"
    listed = assert_ok(exec_on_role(vaultsh, "aws", "s3", "ls", url, "--recursive"))
    assert [line.split()[-1] for line in listed.stdout.splitlines()] == SECURITY_KEYS
    rows = list_rows(assert_ok(vaultsh("list")).stdout)
    assert_matches(SESSION_PATTERN, rows[ROLE][1])

    assert_ok(vaultsh("remove", "dev", "--force"))
    assert not secret_service_holds(gnome_keyring, "key:dev")
    assert list_rows(assert_ok(vaultsh("list")).stdout)["dev"] == ("-", "-")


def secret_service_holds(daemon, username: str) -> bool:
    """Whether the daemon's default collection has vaultsh's item `username`."""
    from jeepney.io.blocking import open_dbus_connection
    from secretstorage import get_default_collection

    address = daemon.env["DBUS_SESSION_BUS_ADDRESS"]
    with open_dbus_connection(bus=address) as connection:
        collection = get_default_collection(connection)
        found = collection.search_items({"service": "vaultsh", "username": username})
        return any(True for _ in found)
