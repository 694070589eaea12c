"""Rotation never loses a key: a failure, or a kill, at every step of `rotate`.

After each one the keyring holds a key that IAM accepts (checked with IAM
enforcement on), the user holds at most two keys, the error says what state
remains and which command finishes the job, and that command finishes it.

AWS is moto in this process. Where moto cannot give the answer AWS would
(a new key that never becomes valid, a GetSessionToken session IAM accepts),
`tests.unit.faults` puts AWS's own XML answer on the wire instead.
"""

from __future__ import annotations

import json

import boto3
import pytest
from keyring.errors import PasswordSetError
from moto.core import enable_iam_authentication

from tests.unit import faults as faults_mod
from tests.unit.conftest import REGION, SERIAL, USER
from vaultsh import config
from vaultsh.commands import rotate
from vaultsh.credentials import Credentials, mask
from vaultsh.errors import AwsError, Interrupted, UsageError, VaultError, VaultshError
from vaultsh.filestore import EncryptedFileKeyring
from vaultsh.providers import Options
from vaultsh.vault import Vault

DEV = "[profile dev]\nregion = us-east-1\n"
INVALID_TOKEN = "The security token included in the request is invalid."


class Killed(BaseException):
    """Stands for SIGKILL in-process: nothing after it runs, no handler sees it."""


class RefusingKeyring(EncryptedFileKeyring):
    """The file backend, refusing to write the items `refuse` says no to."""

    refuse = staticmethod(lambda username, password: False)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refuse(username, password):
            raise PasswordSetError("the disk is full")
        super().set_password(service, username, password)


@pytest.fixture
def faults(monkeypatch) -> faults_mod.Faults:
    return faults_mod.install(monkeypatch)


@pytest.fixture
def dev(write_config, vault, stored_dev, admin) -> Credentials:
    """Profile dev in the config, its key stored and known to IAM."""
    write_config(DEV)
    return stored_dev


def job_for(vault, options: Options | None = None, **changes):
    """A rotation of dev as the CLI plans it; returns it and its report lines."""
    lines: list[str] = []
    options = options or Options(no_session=True)
    job = rotate.plan(config.load(), vault, "dev", options, lines.append)
    job.delay = 0
    job.attempts = 3
    for name, value in changes.items():
        setattr(job, name, value)
    return job, lines


def key_ids(admin) -> dict[str, str]:
    """The user's keys in IAM: id -> status."""
    listed = admin.list_access_keys(UserName=USER)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in listed}


def accepted(creds: Credentials) -> bool:
    """Whether IAM, with enforcement on, takes `creds` as the user's key."""
    sts = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
    )
    with enable_iam_authentication():
        try:
            arn = sts.get_caller_identity()["Arn"]
        except Exception:
            return False
    return arn.endswith(f":user/{USER}")


def assert_safe(vault, admin) -> Credentials:
    """The invariants: a stored key IAM accepts, at most two keys; returns it."""
    keys = key_ids(admin)
    stored = vault.get_key("dev")
    assert len(keys) <= 2, keys
    assert keys.get(stored.access_key_id) == "Active", (
        mask(stored.access_key_id),
        keys,
    )
    assert accepted(stored)
    return stored


def assert_nothing_changed(vault, admin, dev: Credentials) -> None:
    assert key_ids(admin) == {dev.access_key_id: "Active"}
    assert vault.get_key("dev") == dev
    assert vault.get_rotation("dev") is None
    assert vault.pending_rotations() == {}
    assert accepted(dev)


def finish(vault, admin) -> tuple[Credentials, list[str]]:
    """Run `vaultsh rotate dev` again, as the errors say; returns the stored key."""
    job, lines = job_for(vault)
    rotate.rotate(vault, job)
    stored = assert_safe(vault, admin)
    assert key_ids(admin) == {stored.access_key_id: "Active"}
    assert vault.pending_rotations() == {}
    assert vault.get_rotation("dev") is None
    assert lines[-1].endswith("; rotation done")
    return stored, lines


def allow_only(admin, *actions: str) -> None:
    """Give the user an inline policy allowing only `actions` (on any resource)."""
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    admin.put_user_policy(UserName=USER, PolicyName="only", PolicyDocument=document)


def second_key(admin, status: str = "Inactive") -> str:
    """A second key of the user, left from an earlier rotation."""
    made = admin.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    admin.update_access_key(UserName=USER, AccessKeyId=made, Status=status)
    return made


# CreateAccessKey refused ---------------------------------------------------------


def test_refused_create_changes_nothing_and_leaves_no_record(vault, dev, admin):
    allow_only(admin, "iam:GetUser")
    job, _ = job_for(vault)

    with enable_iam_authentication(), pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)

    message = caught.value.message
    assert message.startswith(f"CreateAccessKey for {USER} failed: AccessDenied")
    old_id = mask(dev.access_key_id)
    assert (
        f"nothing changed: the old key {old_id} is still stored and active" in message
    )
    assert_nothing_changed(vault, admin, dev)


# the two-key limit -----------------------------------------------------------------


def test_two_key_limit_names_the_flag_that_makes_room(vault, dev, admin):
    other = second_key(admin)
    job, _ = job_for(vault)

    with pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)

    assert "LimitExceeded" in caught.value.message
    assert "nothing changed" in caught.value.message
    hint = caught.value.hint
    assert f"already has two access keys, the stored {mask(dev.access_key_id)}" in hint
    assert "often an inactive one" in hint
    assert "'vaultsh rotate dev --delete-other-key KEYID'" in hint
    assert key_ids(admin) == {dev.access_key_id: "Active", other: "Inactive"}
    assert vault.get_key("dev") == dev
    assert vault.pending_rotations() == {}


def test_two_key_limit_offers_to_delete_the_inactive_key(vault, dev, admin):
    other = second_key(admin)
    asked: list[str] = []

    def choose(question: str) -> str:
        asked.append(question)
        return other

    job, lines = job_for(vault, choose_other=choose)
    new = rotate.rotate(vault, job)

    [question] = asked
    assert f"already has two access keys, the stored {mask(dev.access_key_id)}" in (
        question
    )
    assert other not in question
    assert f"deleted the other key {mask(other)} of IAM user {USER}" in lines
    assert key_ids(admin) == {new.access_key_id: "Active"}
    assert assert_safe(vault, admin) == new


def test_declining_the_offer_changes_nothing(vault, dev, admin):
    other = second_key(admin)
    job, _ = job_for(vault, choose_other=lambda question: None)

    with pytest.raises(AwsError, match="LimitExceeded"):
        rotate.rotate(vault, job)

    assert key_ids(admin) == {dev.access_key_id: "Active", other: "Inactive"}
    assert vault.pending_rotations() == {}


def test_the_offer_never_deletes_the_stored_key(vault, dev, admin):
    other = second_key(admin)
    job, _ = job_for(vault, choose_other=lambda question: dev.access_key_id)

    with pytest.raises(UsageError) as caught:
        rotate.rotate(vault, job)

    assert caught.value.exit_status == 2
    assert "never deletes" in caught.value.message
    assert dev.access_key_id not in str(caught.value)
    assert key_ids(admin) == {dev.access_key_id: "Active", other: "Inactive"}
    assert vault.get_key("dev") == dev
    assert vault.pending_rotations() == {}


def test_delete_other_key_flag_makes_room_first(vault, dev, admin):
    other = second_key(admin)
    job, lines = job_for(vault, other_key=other)

    new = rotate.rotate(vault, job)

    assert lines[1] == f"deleted the other key {mask(other)} of IAM user {USER}"
    assert key_ids(admin) == {new.access_key_id: "Active"}


def test_delete_other_key_flag_refuses_the_stored_key_before_any_call(
    vault, dev, admin, faults
):
    job, _ = job_for(vault, other_key=dev.access_key_id)

    with pytest.raises(UsageError, match="never deletes"):
        rotate.rotate(vault, job)

    assert faults.seen == []
    assert_nothing_changed(vault, admin, dev)


@pytest.mark.parametrize("given", ["akia-not-a-key", "ASIAIOSFODNN7EXAMPLE", ""])
def test_delete_other_key_flag_refuses_what_is_no_long_term_key_id(
    vault, dev, admin, faults, given
):
    job, _ = job_for(vault, other_key=given)

    with pytest.raises(UsageError, match="not an access key id"):
        rotate.rotate(vault, job)

    assert faults.seen == []


def test_delete_other_key_flag_with_an_unknown_key_changes_nothing(vault, dev, admin):
    job, _ = job_for(vault, other_key="AKIAIOSFODNN7NOSUCHK")

    with pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)

    assert "NoSuchEntity" in caught.value.message
    assert "nothing changed" in caught.value.message
    assert "has no such key" in caught.value.hint
    assert "AKIAIOSFODNN7NOSUCHK" not in str(caught.value)
    assert_nothing_changed(vault, admin, dev)


# the new key never becomes valid ---------------------------------------------------


def test_new_key_that_never_becomes_valid_is_deleted_again(vault, dev, admin, faults):
    """AWS answering InvalidClientTokenId for good (moto accepts a key at once)."""
    faults.fail("GetCallerIdentity", "InvalidClientTokenId", INVALID_TOKEN)
    job, _ = job_for(vault)

    with pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)

    assert faults.actions("sts").count("GetCallerIdentity") == job.attempts
    message = caught.value.message
    assert "InvalidClientTokenId" in message
    old_id = mask(dev.access_key_id)
    assert f"the new key was deleted again and the old key {old_id} is still" in message
    assert caught.value.hint == "run 'vaultsh rotate dev' later"
    faults.clear()
    assert_nothing_changed(vault, admin, dev)


def test_new_key_that_cannot_be_proven_nor_deleted_waits_for_a_finish(
    vault, dev, admin, faults
):
    """The network drops after CreateAccessKey: neither proof nor undo gets through."""
    faults.fail("GetCallerIdentity", "InvalidClientTokenId", INVALID_TOKEN)
    faults.fail("DeleteAccessKey", "ServiceUnavailable", "try later", status=503)
    job, _ = job_for(vault)

    with pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)

    assert "waits in the keyring" in caught.value.message
    assert caught.value.hint == "run 'vaultsh rotate dev' to finish"
    faults.clear()
    assert assert_safe(vault, admin) == dev
    assert len(key_ids(admin)) == 2
    assert list(vault.pending_rotations()) == ["dev"]

    stored, lines = finish(vault, admin)
    assert stored != dev
    assert lines[0].startswith("finishing the interrupted rotation of profile dev")


# the keyring refuses a write -------------------------------------------------------


@pytest.fixture
def refusing(isolated, user_key, write_config) -> RefusingKeyring:
    backend = RefusingKeyring()
    Vault(backend).set_key("dev", user_key)
    write_config(DEV)
    return backend


def test_keyring_refusing_the_record_changes_nothing(refusing, user_key, admin, faults):
    refusing.refuse = lambda username, password: username.startswith("rotation:")
    vault = Vault(refusing)
    job, _ = job_for(vault)

    with pytest.raises(VaultError) as caught:
        rotate.rotate(vault, job)

    assert "the disk is full" in caught.value.message
    assert "nothing changed" in caught.value.message
    assert "CreateAccessKey" not in faults.actions()
    assert_nothing_changed(vault, admin, user_key)


def test_keyring_refusing_to_keep_the_new_key_deletes_it_again(
    refusing, user_key, admin
):
    refusing.refuse = lambda username, password: '"new"' in password
    vault = Vault(refusing)
    job, _ = job_for(vault)

    with pytest.raises(VaultError) as caught:
        rotate.rotate(vault, job)

    assert "the new key was deleted again" in caught.value.message
    assert_nothing_changed(vault, admin, user_key)


def test_keyring_refusing_the_new_key_leaves_the_old_one_and_no_record(
    refusing, user_key, admin
):
    refusing.refuse = lambda username, password: username == "key:dev"
    vault = Vault(refusing)
    job, _ = job_for(vault)

    with pytest.raises(VaultError, match="the new key was deleted again"):
        rotate.rotate(vault, job)

    assert_nothing_changed(vault, admin, user_key)


def test_new_key_stored_before_the_keyring_failed_is_never_rolled_back(
    refusing, user_key, admin
):
    """The key item is written, the index after it is not: the new key is stored."""
    refused: list[str] = []

    def refuse_index_once(username: str, password: str) -> bool:
        stored = refusing.get_password("vaultsh", "key:dev") or ""
        if username == "index" and user_key.access_key_id not in stored and not refused:
            refused.append(username)
            return True
        return False

    refusing.refuse = refuse_index_once
    vault = Vault(refusing)
    job, lines = job_for(vault)

    new = rotate.rotate(vault, job)

    assert refused == ["index"]
    assert vault.get_key("dev") == new
    assert key_ids(admin) == {new.access_key_id: "Active"}
    assert lines[-1] == f"deleted old key {mask(user_key.access_key_id)}; rotation done"


# DeleteAccessKey refused -----------------------------------------------------------


def test_old_key_that_cannot_be_deleted_is_deleted_by_the_finish(vault, dev, admin):
    allow_only(admin, "iam:GetUser", "iam:CreateAccessKey")
    job, _ = job_for(vault, attempts=1)
    with enable_iam_authentication(), pytest.raises(AwsError) as caught:
        rotate.rotate(vault, job)

    stored = assert_safe(vault, admin)
    assert stored != dev
    assert len(key_ids(admin)) == 2
    old_id, new_id = mask(dev.access_key_id), mask(stored.access_key_id)
    assert f"the new key {new_id} is stored and works, but the old key {old_id}" in (
        caught.value.message
    )
    assert caught.value.hint == (
        f"run 'vaultsh rotate dev' to finish, or delete {old_id} in the IAM console"
    )
    assert list(vault.pending_rotations()) == ["dev"]

    allow_only(admin, "iam:GetUser", "iam:CreateAccessKey", "iam:DeleteAccessKey")
    job, lines = job_for(vault)
    with enable_iam_authentication():
        rotate.rotate(vault, job)
    assert key_ids(admin) == {stored.access_key_id: "Active"}
    assert vault.pending_rotations() == {}
    assert lines[-1] == f"deleted old key {old_id}; rotation done"


# killed between two steps ----------------------------------------------------------


def pause_with(error: BaseException, at: str):
    def pause(step: str) -> None:
        if step == at:
            raise error

    return pause


@pytest.mark.parametrize("step", rotate.STEPS)
def test_killed_after_any_step_keeps_a_working_key_and_is_finished_later(
    vault, dev, admin, step
):
    job, _ = job_for(vault, pause=pause_with(Killed(), step))
    with pytest.raises(Killed):
        rotate.rotate(vault, job)

    assert_safe(vault, admin)
    assert list(vault.pending_rotations()) == ["dev"]

    stored, lines = finish(vault, admin)
    assert stored != dev
    assert lines[0].startswith("finishing the interrupted rotation of profile dev")


def test_ctrl_c_during_rotation_says_how_to_finish(vault, dev, admin):
    job, _ = job_for(vault, pause=pause_with(KeyboardInterrupt(), "prove"))

    with pytest.raises(Interrupted) as caught:
        rotate.rotate(vault, job)

    assert caught.value.exit_status == 130
    assert "the keyring holds a working key" in caught.value.message
    assert caught.value.hint == "run 'vaultsh rotate dev' to finish"
    assert_safe(vault, admin)
    finish(vault, admin)


def test_a_second_rotation_while_one_runs_is_refused(vault, dev, admin):
    refused: list[VaultshError] = []

    def rotate_again(step: str) -> None:
        if step == "create":
            other, _ = job_for(vault)
            with pytest.raises(VaultshError) as caught:
                rotate.rotate(vault, other)
            refused.append(caught.value)

    job, _ = job_for(vault, pause=rotate_again)
    new = rotate.rotate(vault, job)

    [error] = refused
    assert str(error) == (
        "another vaultsh is rotating the key of profile dev; wait until it has finished"
    )
    assert key_ids(admin) == {new.access_key_id: "Active"}


def test_key_replaced_after_an_interruption_drops_the_old_rotation(vault, dev, admin):
    job, _ = job_for(vault, pause=pause_with(Killed(), "record"))
    with pytest.raises(Killed):
        rotate.rotate(vault, job)
    admin.delete_access_key(UserName=USER, AccessKeyId=dev.access_key_id)
    made = admin.create_access_key(UserName=USER)["AccessKey"]
    replaced = Credentials(made["AccessKeyId"], made["SecretAccessKey"])
    vault.set_key("dev", replaced)

    stored, lines = finish(vault, admin)

    assert stored not in (dev, replaced)
    assert "was replaced since its rotation stopped" in lines[0]
    assert mask(dev.access_key_id) in lines[0]


def test_damaged_rotation_record_is_ignored(vault, dev, admin, backend):
    backend.set_password("vaultsh", "rotation:dev", "{not json")

    stored, lines = finish(vault, admin)

    assert stored != dev
    assert lines[0] == "ignoring a damaged record of a rotation of profile dev"


# MFA: one code at most -------------------------------------------------------------


@pytest.fixture
def mfa_dev(write_config, vault, stored_dev, admin, faults, python_script, tmp_path):
    """dev with an MFA device whose codes come from a counting mfa_process.

    GetSessionToken is answered with the user's own key as the session: moto's
    fixed session credentials are refused by every later call.
    """
    count = tmp_path / "codes"
    command = python_script(
        "mfa.py",
        f"""\
        with open({str(count)!r}, "a") as out:
            out.write("asked\\n")
        print("123456")
        """,
    )
    write_config(f"{DEV}mfa_serial = {SERIAL}\nmfa_process = {command}\n")
    session = faults_mod.session_token_body(stored_dev)
    faults.answer("GetSessionToken", lambda request: session)
    return count


def codes_asked(count) -> int:
    return len(count.read_text().splitlines()) if count.exists() else 0


def test_rotation_asks_for_one_mfa_code(vault, stored_dev, admin, faults, mfa_dev):
    job, _ = job_for(vault, Options())

    new = rotate.rotate(vault, job)

    assert codes_asked(mfa_dev) == 1
    [session] = [r for r in faults.seen if r.action == "GetSessionToken"]
    assert session.params["SerialNumber"] == SERIAL
    iam = {r.action: r for r in faults.seen if r.service == "iam"}
    assert iam["GetUser"].with_token and iam["CreateAccessKey"].with_token
    assert iam["DeleteAccessKey"].key_id == new.access_key_id
    assert not iam["DeleteAccessKey"].with_token
    assert key_ids(admin) == {new.access_key_id: "Active"}


def test_finishing_an_interrupted_rotation_asks_for_no_mfa_code(
    vault, stored_dev, admin, faults, mfa_dev
):
    job, _ = job_for(vault, Options(), pause=pause_with(Killed(), "create"))
    with pytest.raises(Killed):
        rotate.rotate(vault, job)
    assert codes_asked(mfa_dev) == 1
    faults.seen.clear()

    job, _ = job_for(vault, Options())
    new = rotate.rotate(vault, job)

    assert codes_asked(mfa_dev) == 1
    assert "GetSessionToken" not in faults.actions()
    assert key_ids(admin) == {new.access_key_id: "Active"}
