"""The commands' work, called the way the CLI and the shell call it."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from datetime import datetime, timezone

import botocore.session
import pytest
from keyring.errors import PasswordSetError

from tests.unit.conftest import USER, role_arn, session_creds
from vaultsh import config
from vaultsh.commands import add, clear, exec, export, remove, rotate
from vaultsh.commands import list as list_cmd
from vaultsh.credentials import Credentials, mask
from vaultsh.errors import AwsError, CommandFailed, NoStoredKey, UsageError, VaultError
from vaultsh.filestore import EncryptedFileKeyring
from vaultsh.providers import Options
from vaultsh.vault import Vault

LONG_TERM = Credentials(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)
SESSION = Credentials(
    "ASIAIOSFODNN7SESSION",
    "session/secret+0123456789abcdefghijklmnop",
    "FwoGZXIvYXdzEBYaDH+session/token==",
    datetime(2026, 12, 3, 13, 45, 0, 250000, tzinfo=timezone.utc),
)
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# add, remove, clear ------------------------------------------------------------


def test_check_key_accepts_a_long_term_key_and_trims_it():
    creds = add.check_key(" AKIAIOSFODNN7EXAMPLE\n", LONG_TERM.secret_access_key + " ")

    assert creds == LONG_TERM


def test_check_key_refuses_temporary_keys():
    with pytest.raises(UsageError, match="temporary key"):
        add.check_key("ASIAIOSFODNN7EXAMPLE", LONG_TERM.secret_access_key)


@pytest.mark.parametrize(
    "key_id", ["akiaiosfodnn7example", "AKIA-OSFODNN7EXAMP", "AKIASHORT", ""]
)
def test_check_key_refuses_what_is_no_key_id(key_id):
    with pytest.raises(UsageError, match="does not look like one"):
        add.check_key(key_id, LONG_TERM.secret_access_key)


@pytest.mark.parametrize("secret", ["short", "", "has a space in the middle of it"])
def test_check_key_refuses_what_is_no_secret(secret):
    with pytest.raises(UsageError, match="secret access key"):
        add.check_key(LONG_TERM.access_key_id, secret)


def test_key_from_environment_needs_both_variables():
    with pytest.raises(UsageError, match="--env needs"):
        add.from_environ({"AWS_ACCESS_KEY_ID": LONG_TERM.access_key_id})

    creds = add.from_environ(
        {
            "AWS_ACCESS_KEY_ID": LONG_TERM.access_key_id,
            "AWS_SECRET_ACCESS_KEY": LONG_TERM.secret_access_key,
        }
    )
    assert creds == LONG_TERM


def test_add_stores_the_key_and_reports_it_masked(write_config, vault):
    line = add.add(vault, "dev", LONG_TERM, write_config("[profile dev]\n"))

    assert line == "stored key ****MPLE for profile dev in the keyring"
    assert vault.get_key("dev") == LONG_TERM


def test_replacing_a_key_clears_the_sessions_made_from_it(write_config, vault):
    loaded = write_config(
        "[profile dev]\n"
        "[profile site]\nsource_profile = dev\nrole_arn = arn:aws:iam::1:role/r\n"
        "[profile other]\n"
    )
    add.add(vault, "dev", LONG_TERM, loaded)
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(1800))
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.AssumeRole", "other", None, session_creds(1800))
    newer = Credentials("AKIAI44QH8DHBEXAMPLE", LONG_TERM.secret_access_key)

    line = add.add(vault, "dev", newer, loaded)

    assert line.startswith("replaced the key ****MPLE for profile dev")
    assert vault.get_key("dev") == newer
    assert [e.profile for e in vault.sessions()] == ["other"]


def test_remove_deletes_the_key_and_the_sessions_made_from_it(write_config, vault):
    loaded = write_config(
        "[profile dev]\n"
        "[profile site]\nsource_profile = dev\nrole_arn = arn:aws:iam::1:role/r\n"
    )
    vault.set_key("dev", LONG_TERM)
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(1800))
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))

    line = remove.remove(vault, "dev", loaded)

    assert line == "deleted the key of profile dev and 2 cached session(s)"
    assert vault.get_key("dev") is None
    assert vault.key_profiles() == {}
    assert vault.sessions() == []


def test_remove_of_a_profile_without_key_says_so(write_config, vault):
    with pytest.raises(NoStoredKey, match="no key is stored for profile dev"):
        remove.remove(vault, "dev", write_config("[profile dev]\n"))


def test_clear_of_one_profile_and_of_all(vault):
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(1800))

    assert clear.clear(vault, "site") == "cleared 1 cached session(s) of profile site"
    assert clear.clear(vault) == "cleared 1 cached session(s) in all"
    assert vault.sessions() == []


# list ------------------------------------------------------------------------------


def test_list_rows_show_keys_and_live_sessions(write_config, vault):
    loaded = write_config("[profile dev]\n[profile site]\n[profile idle]\n")
    vault.set_key("dev", LONG_TERM)
    vault.set_key("ci", Credentials("AKIAI44QH8DHBEXAMPLE", "x" * 40))
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(-5))

    rows = {row.profile: row for row in list_cmd.rows(loaded, vault)}

    assert sorted(rows) == ["ci", "dev", "idle", "site"]
    assert rows["ci"].credentials == "ci ****MPLE"
    assert rows["dev"].credentials == "dev ****MPLE"
    assert rows["dev"].sessions == "-"
    assert rows["idle"] == list_cmd.Row("idle", "-", "-")
    assert re.fullmatch(r"sts\.AssumeRole:29m[0-5]\ds", rows["site"].sessions)


def test_list_shows_every_live_session_of_a_profile(write_config, vault):
    loaded = write_config("[profile dev]\n")
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(7300))
    vault.set_session("sts.GetSessionToken", "dev", "arn:mfa", session_creds(700))

    (row,) = list_cmd.rows(loaded, vault)

    assert re.fullmatch(
        r"sts\.GetSessionToken:11m[0-5]\ds, sts\.GetSessionToken:2h01m", row.sessions
    )


def test_list_render_is_an_aligned_table():
    table = [
        list_cmd.Row("dev", "dev ****MPLE", "-"),
        list_cmd.Row("static.example.com", "-", "sts.AssumeRole:29m59s"),
    ]

    assert list_cmd.render(table).splitlines() == [
        "Profile             Credentials   Sessions",
        "=======             ===========   ========",
        "dev                 dev ****MPLE  -",
        "static.example.com  -             sts.AssumeRole:29m59s",
    ]


# export ----------------------------------------------------------------------------


def test_json_of_a_long_term_key_has_only_the_contract_fields():
    data = json.loads(export.render("json", "dev", LONG_TERM, "us-east-1"))

    assert data == {
        "Version": 1,
        "AccessKeyId": LONG_TERM.access_key_id,
        "SecretAccessKey": LONG_TERM.secret_access_key,
    }


def test_json_of_a_session_has_token_and_rfc3339_expiration():
    data = json.loads(export.render("json", "dev", SESSION, None))

    assert data == {
        "Version": 1,
        "AccessKeyId": SESSION.access_key_id,
        "SecretAccessKey": SESSION.secret_access_key,
        "SessionToken": SESSION.session_token,
        "Expiration": "2026-12-03T13:45:00Z",
    }


def test_json_is_read_by_botocore_as_credential_process(write_config, tmp_path):
    live = session_creds(3600)
    output = tmp_path / "process-output.json"
    output.write_text(export.render("json", "dev", live, None))
    write_config(f"[profile dev]\ncredential_process = cat {output}\n")

    creds = botocore.session.Session(profile="dev").get_credentials()

    frozen = creds.get_frozen_credentials()
    assert frozen.access_key == live.access_key_id
    assert frozen.secret_key == live.secret_access_key
    assert frozen.token == live.session_token


def test_env_lists_variables_with_region_and_the_profile_for_prompts():
    lines = export.render("env", "dev", SESSION, "eu-west-1").splitlines()

    assert lines == [
        "AWS_VAULT=dev",
        f"AWS_ACCESS_KEY_ID={SESSION.access_key_id}",
        f"AWS_SECRET_ACCESS_KEY={SESSION.secret_access_key}",
        f"AWS_SESSION_TOKEN={SESSION.session_token}",
        "AWS_CREDENTIAL_EXPIRATION=2026-12-03T13:45:00Z",
        "AWS_REGION=eu-west-1",
        "AWS_DEFAULT_REGION=eu-west-1",
    ]


def test_env_of_a_long_term_key_has_no_session_variables():
    text = export.render("env", "dev", LONG_TERM, None)

    assert "AWS_SESSION_TOKEN" not in text
    assert "AWS_CREDENTIAL_EXPIRATION" not in text
    assert "AWS_REGION" not in text


def test_export_env_quotes_values_for_the_shell():
    odd = Credentials("AKIAIOSFODNN7EXAMPLE", "it's $HOME `id` a b", "tok;en&|*")

    lines = export.render("export-env", "dev", odd, "us-east-1").splitlines()

    words = [shlex.split(line) for line in lines]
    assert words == [
        ["export", "AWS_VAULT=dev"],
        ["export", f"AWS_ACCESS_KEY_ID={odd.access_key_id}"],
        ["export", "AWS_SECRET_ACCESS_KEY=it's $HOME `id` a b"],
        ["export", "AWS_SESSION_TOKEN=tok;en&|*"],
        ["export", "AWS_REGION=us-east-1"],
        ["export", "AWS_DEFAULT_REGION=us-east-1"],
    ]


def test_ini_is_a_credentials_file_section():
    parser = configparser.ConfigParser()
    parser.read_string(export.render("ini", "dev", SESSION, "eu-west-1"))

    assert dict(parser["dev"]) == {
        "aws_access_key_id": SESSION.access_key_id,
        "aws_secret_access_key": SESSION.secret_access_key,
        "aws_session_token": SESSION.session_token,
        "region": "eu-west-1",
    }


def test_unknown_export_format_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown format 'yaml'"):
        export.render("yaml", "dev", SESSION, None)


# exec ------------------------------------------------------------------------------


def test_session_environ_replaces_stale_credentials_and_keeps_the_passphrase():
    base = {
        "HOME": "/home/dev",
        "PATH": "/usr/bin",
        "AWS_PROFILE": "other",
        "AWS_DEFAULT_PROFILE": "other",
        "AWS_SESSION_TOKEN": "stale-token",
        "AWS_SECURITY_TOKEN": "stale-token",
        "AWS_CREDENTIAL_FILE": "/tmp/creds",
        "AWS_SDK_LOAD_CONFIG": "1",
        "VAULTSH_DEPTH": "1",
        "VAULTSH_FILE_PASSPHRASE": "opens-the-whole-keyring",
    }

    env = exec.session_environ(base, "dev", LONG_TERM, None)

    assert env == {
        "HOME": "/home/dev",
        "PATH": "/usr/bin",
        "AWS_VAULT": "dev",
        "AWS_ACCESS_KEY_ID": LONG_TERM.access_key_id,
        "AWS_SECRET_ACCESS_KEY": LONG_TERM.secret_access_key,
    }
    assert base["AWS_PROFILE"] == "other"


def test_session_environ_carries_token_expiration_and_region():
    env = exec.session_environ({}, "site", SESSION, "eu-west-1")

    assert env["AWS_VAULT"] == "site"
    assert env["AWS_SESSION_TOKEN"] == SESSION.session_token
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2026-12-03T13:45:00Z"
    assert RFC3339_Z.match(env["AWS_CREDENTIAL_EXPIRATION"])
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_nested_session_is_refused_naming_the_holder():
    exec.refuse_nested({"AWS_VAULT": ""})
    exec.refuse_nested({})

    with pytest.raises(UsageError, match="already holds a vaultsh session for profile"):
        exec.refuse_nested({"AWS_VAULT": "site"})


def test_command_line_defaults_to_shell_then_bin_sh():
    assert exec.command_line(["aws", "s3", "ls"], {"SHELL": "/bin/zsh"}) == [
        "aws",
        "s3",
        "ls",
    ]
    assert exec.command_line([], {"SHELL": "/bin/zsh"}) == ["/bin/zsh"]
    assert exec.command_line([], {"SHELL": ""}) == ["/bin/sh"]
    assert exec.command_line([], {}) == ["/bin/sh"]


def test_command_that_does_not_exist_fails_with_127(tmp_path):
    with pytest.raises(CommandFailed) as caught:
        exec.find_command("no-such-command-here", {"PATH": str(tmp_path)})

    assert caught.value.exit_status == 127
    assert "command not found: no-such-command-here" in str(caught.value)


# rotate ----------------------------------------------------------------------------


class FlakyKeyring(EncryptedFileKeyring):
    """The file backend, refusing to store long-term keys once `broken`."""

    broken = False

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.broken and username.startswith("key:"):
            raise PasswordSetError("the disk is full")
        super().set_password(service, username, password)


ROLE_ON_DEV = f"""\
[profile dev]
region = us-east-1
[profile site]
role_arn = {role_arn("static.example.com")}
source_profile = dev
"""


def plan(vault, name="dev", report=None):
    lines: list[str] = []
    job = rotate.plan(
        config.load(), vault, name, Options(no_session=True), report or lines.append
    )
    job.delay = 0
    return job, lines


def iam_key_ids(admin) -> list[str]:
    keys = admin.list_access_keys(UserName=USER)["AccessKeyMetadata"]
    return sorted(k["AccessKeyId"] for k in keys)


def assert_masked(text: str, *creds: Credentials) -> None:
    for each in creds:
        assert each.access_key_id not in text
        assert each.secret_access_key not in text


def test_rotate_replaces_the_key_in_iam_and_vault(
    write_config, vault, stored_dev, admin
):
    write_config(ROLE_ON_DEV)
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(1800))
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    job, lines = plan(vault)

    new = rotate.rotate(vault, job)

    assert new.access_key_id != stored_dev.access_key_id
    assert vault.get_key("dev") == new
    assert vault.key_profiles() == {"dev": mask(new.access_key_id)}
    assert iam_key_ids(admin) == [new.access_key_id]
    assert vault.sessions() == []
    old_id, new_id = mask(stored_dev.access_key_id), mask(new.access_key_id)
    assert lines == [
        f"rotating key {old_id} of IAM user {USER} (profile dev)",
        f"created new key {new_id}",
        f"new key {new_id} works",
        "cleared 2 cached session(s) made with the old key",
        f"stored new key {new_id} in the keyring",
        f"deleted old key {old_id}; rotation done",
    ]
    assert_masked("\n".join(lines), stored_dev, new)


def test_rotate_of_a_role_profile_rotates_its_base_key(
    write_config, vault, stored_dev, admin
):
    write_config(ROLE_ON_DEV)
    job, _ = plan(vault, "site")

    new = rotate.rotate(vault, job)

    assert job.profile == "dev"
    assert vault.get_key("dev") == new


def test_rotate_without_a_stored_key_asks_for_add(write_config, vault):
    write_config(ROLE_ON_DEV)

    with pytest.raises(NoStoredKey, match="no key is stored for profile dev"):
        plan(vault, "site")


def test_rotate_keeps_old_key_when_create_is_refused(vault, stored_dev, admin):
    admin.create_access_key(UserName=USER)
    before = iam_key_ids(admin)
    job, lines = plan(vault)

    with pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)

    assert "LimitExceeded" in caught.value.message
    assert "already has two access keys" in caught.value.hint
    assert vault.get_key("dev") == stored_dev
    assert iam_key_ids(admin) == before
    assert len(lines) == 1


def test_rotate_deletes_the_new_key_when_the_keyring_refuses_it(
    isolated, user_key, admin
):
    flaky = FlakyKeyring()
    vault = Vault(flaky)
    vault.set_key("dev", user_key)
    job, lines = plan(vault)
    flaky.broken = True

    with pytest.raises(VaultError) as caught:
        rotate.rotate(vault, job)

    text = str(caught.value)
    assert "the disk is full" in text
    assert "the new key was deleted again" in text
    assert f"the old key {mask(user_key.access_key_id)} is still stored" in text
    assert iam_key_ids(admin) == [user_key.access_key_id]
    assert vault.get_key("dev") == user_key
    assert_masked(text + "\n".join(lines), user_key)


def rotate_while_old_key_vanishes(vault, old: str, admin) -> list[str]:
    """Rotate while someone else deletes the old key; returns the report."""
    lines: list[str] = []

    def report(line: str) -> None:
        lines.append(line)
        if line.startswith("cleared"):
            admin.delete_access_key(UserName=USER, AccessKeyId=old)

    job, _ = plan(vault, report=report)
    rotate.rotate(vault, job)
    return lines


def test_rotate_finishes_when_the_old_key_is_already_gone(vault, stored_dev, admin):
    old = stored_dev.access_key_id

    lines = rotate_while_old_key_vanishes(vault, old, admin)

    (new_id,) = iam_key_ids(admin)
    assert vault.get_key("dev").access_key_id == new_id
    assert lines[-1] == f"old key {mask(old)} was already deleted; rotation done"


ALLOW_ALL_BUT_DELETE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:GetUser", "iam:CreateAccessKey"],
                "Resource": "*",
            }
        ],
    }
)


def rotate_without_delete_permission(vault, admin) -> AwsError:
    """Rotate as a user whose policy does not allow DeleteAccessKey."""
    from moto.core import enable_iam_authentication

    admin.put_user_policy(
        UserName=USER, PolicyName="no-delete", PolicyDocument=ALLOW_ALL_BUT_DELETE
    )
    job, _ = plan(vault)
    job.attempts = 1
    with enable_iam_authentication(), pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)
    return caught.value


def test_rotate_reports_an_old_key_it_could_not_delete(vault, stored_dev, admin):
    old = stored_dev.access_key_id

    error = rotate_without_delete_permission(vault, admin)

    new_id = next(k for k in iam_key_ids(admin) if k != old)
    assert vault.get_key("dev").access_key_id == new_id
    assert error.message.startswith(f"DeleteAccessKey {mask(old)} failed")
    assert f"the new key {mask(new_id)} is stored and works" in error.message
    assert f"delete {mask(old)}" in error.hint
    assert new_id not in str(error)


def test_rotate_failure_never_shows_a_full_key_id(vault, stored_dev, admin):
    old = stored_dev.access_key_id

    error = rotate_without_delete_permission(vault, admin)

    assert old not in str(error)
