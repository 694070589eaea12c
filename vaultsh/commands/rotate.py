"""Replace a profile's long-term key with a new one, step by step.

1. create a new key for the IAM user;
2. prove that AWS accepts it;
3. store it in the vault;
4. drop the cached sessions built on the old key;
5. delete the old key, signed with the new one.
A failure stops the steps and says what state remains.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vaultsh import aws
from vaultsh.credentials import Credentials, mask
from vaultsh.errors import AwsError, NoStoredKey, VaultError, VaultshError
from vaultsh.providers import Options, built_on, chain_of, resolve
from vaultsh.vault import Vault

#: IAM is eventually consistent: a new key can take seconds to be accepted
PROPAGATION_CODES = {"InvalidClientTokenId", "SignatureDoesNotMatch"}


@dataclass
class Rotation:
    """What `rotate` needs: the base profile and the clients to use."""

    profile: str
    old: Credentials
    #: credentials for IAM calls before the new key exists (old key or a session)
    caller: Credentials
    region: str | None
    endpoint_profile: str | None
    report: Callable[[str], None]
    sessions_of: list[str] = field(default_factory=list)
    attempts: int = 12
    delay: float = 2.0
    client: Callable = aws.client
    sleep: Callable[[float], None] = time.sleep


def plan(
    config, vault: Vault, name: str, options: Options, report: Callable[[str], None]
) -> Rotation:
    """The rotation of the key under `name`: its base profile's stored key.

    IAM calls are signed with the old key itself under --no-session, else
    with a GetSessionToken session made from it (MFA where the base asks).
    """
    base = chain_of(config, vault, name)[-1]
    old = vault.get_key(base.name)
    if old is None:
        raise NoStoredKey(
            f"no key is stored for profile {base.name}",
            f"store one with 'vaultsh add {base.name}'",
        )
    resolved = resolve(config, vault, base.name, options)
    caller = old if options.no_session else resolved.provider.retrieve()
    return Rotation(
        profile=base.name,
        old=old,
        caller=caller,
        region=resolved.region,
        endpoint_profile=base.name if base.name in config else None,
        report=report,
        sessions_of=built_on(config, vault, base.name),
    )


def rotate(vault: Vault, job: Rotation) -> Credentials:
    old_id = mask(job.old.access_key_id)
    iam = job.client("iam", job.caller, job.region, job.endpoint_profile)
    with aws.calling("GetUser"):
        user = iam.get_user()["User"]["UserName"]
    job.report(f"rotating key {old_id} of IAM user {user} (profile {job.profile})")

    created = _create(iam, user, old_id)
    new = Credentials(created["AccessKeyId"], created["SecretAccessKey"])
    new_id = mask(new.access_key_id)
    job.report(f"created new key {new_id}")

    _prove(job, new, user, old_id)
    job.report(f"new key {new_id} works")

    _store(vault, job, new, iam, user)
    job.report(f"stored new key {new_id} in the keyring")

    dropped = sum(vault.clear_sessions(name) for name in job.sessions_of)
    job.report(f"cleared {dropped} cached session(s) made with the old key")

    job.report(_delete_old(job, new, user, old_id) + "; rotation done")
    return new


def _create(iam, user: str, old_id: str) -> dict:
    try:
        with aws.calling(f"CreateAccessKey for {user}"):
            return iam.create_access_key(UserName=user)["AccessKey"]
    except AwsError as exc:
        raise AwsError(
            f"{exc.message}; nothing changed: the old key {old_id} is still "
            "stored and active",
            exc.hint,
        ) from exc


def _retry(job: Rotation, action: Callable[[], object]) -> object:
    for attempt in range(job.attempts):
        try:
            return action()
        except AwsError as exc:
            if aws.error_code(exc) not in PROPAGATION_CODES:
                raise
            if attempt == job.attempts - 1:
                raise
            job.sleep(job.delay)
    return None


def _prove(job: Rotation, new: Credentials, user: str, old_id: str) -> None:
    sts = job.client("sts", new, job.region, job.endpoint_profile)

    def ask() -> str:
        with aws.calling("GetCallerIdentity with the new key"):
            return sts.get_caller_identity()["Arn"]

    try:
        arn = _retry(job, ask)
    except AwsError as exc:
        raise AwsError(
            f"{exc.message}; the old key {old_id} is still stored and active, "
            f"and the new key {mask(new.access_key_id)} exists in IAM unused",
            "delete the unused key in the IAM console, then run rotate again",
        ) from exc
    if not str(arn).endswith(f":user/{user}") and f"/{user}" not in str(arn):
        raise AwsError(f"the new key signs as {arn}, not as user {user}")


def _store(vault: Vault, job: Rotation, new: Credentials, iam, user: str) -> None:
    try:
        vault.set_key(job.profile, new)
    except VaultshError as exc:
        _undo_create(iam, user, new)
        raise VaultError(
            f"{exc.message}; the new key was deleted again and the old key "
            f"{mask(job.old.access_key_id)} is still stored and active",
            "fix the keyring, then run rotate again",
        ) from exc


def _undo_create(iam, user: str, new: Credentials) -> None:
    try:
        with aws.calling("DeleteAccessKey of the unused new key"):
            iam.delete_access_key(UserName=user, AccessKeyId=new.access_key_id)
    except AwsError:
        pass


def _delete_old(job: Rotation, new: Credentials, user: str, old_id: str) -> str:
    iam = job.client("iam", new, job.region, job.endpoint_profile)

    def delete() -> None:
        with aws.calling(f"DeleteAccessKey {old_id}"):
            iam.delete_access_key(UserName=user, AccessKeyId=job.old.access_key_id)

    try:
        _retry(job, delete)
    except AwsError as exc:
        if aws.error_code(exc) == "NoSuchEntity":
            return f"old key {old_id} was already deleted"
        raise AwsError(
            f"{exc.message}; the new key {mask(new.access_key_id)} is stored and "
            f"works, but the old key {old_id} is still active in IAM",
            f"delete {old_id} in the IAM console or with 'aws iam delete-access-key'",
        ) from exc
    return f"deleted old key {old_id}"
