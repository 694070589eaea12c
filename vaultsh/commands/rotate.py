"""Replace a profile's long-term key with a new one, in steps that survive a crash.

Next to the stored key, the keyring keeps a record of the rotation under way
(`rotation:PROFILE`, holding the IAM user, the old key id and, once made, the
new key). A rotation stopped anywhere (an error, Ctrl-C, a killed process) is
finished by running `vaultsh rotate PROFILE` again, which reads the record and
goes on from where it stopped:

1. record: note the IAM user and the old key before anything changes;
2. create: CreateAccessKey, and put the new key in the record at once;
3. prove: wait until AWS accepts the new key (GetCallerIdentity);
4. clear: drop the cached sessions made with the old key;
5. promote: store the new key as the profile's key;
6. delete: DeleteAccessKey of the old key, signed with the new one;
then the record is forgotten. Until step 5 the stored key is the old one, from
step 5 on the new, proven one; so the keyring always holds a key IAM accepts,
and the user never holds more than the two keys IAM allows.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from vaultsh import aws
from vaultsh.credentials import Credentials, mask, rfc3339, utcnow
from vaultsh.errors import (
    AwsError,
    Interrupted,
    NoStoredKey,
    UsageError,
    VaultError,
    VaultshError,
)
from vaultsh.providers import Options, built_on, chain_of, resolve
from vaultsh.vault import Vault, try_lock

#: where a rotation may be paused (see VAULTSH_ROTATE_PAUSE_AFTER in actions)
STEPS = ("record", "create", "prove", "clear", "promote", "delete")
#: IAM is eventually consistent: a new key can take seconds to be accepted
PROPAGATION_CODES = {"InvalidClientTokenId", "SignatureDoesNotMatch"}
_LONG_TERM_KEY_ID = re.compile(r"^AKIA[A-Z0-9]{12,124}$")


def no_pause(step: str) -> None:
    return None


@dataclass
class Record:
    """The rotation under way, as the keyring keeps it."""

    user: str
    old: str
    started: str
    new: Credentials | None = None

    def to_dict(self) -> dict:
        data = {"user": self.user, "old": self.old, "started": self.started}
        if self.new:
            data["new"] = self.new.to_json()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Record:
        new = data.get("new")
        return cls(
            user=data["user"],
            old=data["old"],
            started=data.get("started", ""),
            new=Credentials.from_json(new) if new else None,
        )


@dataclass
class Rotation:
    """What `rotate` needs: the base profile, its key, and how to sign IAM calls."""

    profile: str
    old: Credentials
    region: str | None
    endpoint_profile: str | None
    report: Callable[[str], None]
    #: makes the MFA session IAM calls are signed with; None: sign with the old key
    session: Callable[[], Credentials] | None = None
    sessions_of: list[str] = field(default_factory=list)
    #: --delete-other-key: a second key of the user to delete first
    other_key: str | None = None
    #: asks which other key to delete when the user already has two; None: no one
    choose_other: Callable[[str], str | None] | None = None
    pause: Callable[[str], None] = no_pause
    attempts: int = 12
    delay: float = 2.0
    client: Callable = aws.client
    sleep: Callable[[float], None] = time.sleep
    deleted_other: bool = False
    _signer: Credentials | None = None

    def signer(self) -> Credentials:
        """Credentials for IAM calls before the new key is stored; one MFA at most."""
        if self.session is None:
            return self.old
        if self._signer is None:
            self._signer = self.session()
        return self._signer

    def iam(self, creds: Credentials):
        return self.client("iam", creds, self.region, self.endpoint_profile)

    def finish_hint(self) -> str:
        return f"run 'vaultsh rotate {self.profile}' to finish"


def plan(
    config,
    vault: Vault,
    name: str,
    options: Options,
    report: Callable[[str], None],
) -> Rotation:
    """The rotation of the key under `name`: its base profile's stored key.

    IAM calls are signed with the old key itself under --no-session or when
    the base profile names no mfa_serial (IAM refuses sessions made without
    MFA); else with a GetSessionToken session made with one MFA code.
    """
    base = chain_of(config, vault, name)[-1]
    old = vault.get_key(base.name)
    if old is None:
        raise NoStoredKey(
            f"no key is stored for profile {base.name}",
            f"store one with 'vaultsh add {base.name}'",
        )
    resolved = resolve(config, vault, base.name, options)
    direct = options.no_session or not base.mfa_serial
    return Rotation(
        profile=base.name,
        old=old,
        region=resolved.region,
        endpoint_profile=base.name if base.name in config else None,
        report=report,
        session=None if direct else resolved.provider.retrieve,
        sessions_of=built_on(config, vault, base.name),
    )


def rotate(vault: Vault, job: Rotation) -> Credentials:
    """Run, or finish, the rotation of job.profile; returns the key stored at the end.

    Raises VaultshError saying what state remains and the command that
    finishes the job.
    """
    if job.other_key is not None:
        check_other_key(job, job.other_key)
    digest = hashlib.sha256(job.profile.encode()).hexdigest()[:16]
    with try_lock(f"rotate-{digest}") as mine:
        if not mine:
            raise VaultshError(
                f"another vaultsh is rotating the key of profile {job.profile}",
                "wait until it has finished",
            )
        try:
            return _run(vault, job)
        except KeyboardInterrupt:
            raise Interrupted(
                f"the rotation of profile {job.profile} was interrupted; the "
                "keyring holds a working key",
                job.finish_hint(),
            ) from None


def _run(vault: Vault, job: Rotation) -> Credentials:
    stored = vault.get_key(job.profile)
    if stored is None:
        raise NoStoredKey(
            f"no key is stored for profile {job.profile}",
            f"store one with 'vaultsh add {job.profile}'",
        )
    record = _load(vault, job)
    if record is None:
        job.old = stored
        return _start(vault, job)
    return _resume(vault, job, record, stored)


def _load(vault: Vault, job: Rotation) -> Record | None:
    try:
        data = vault.get_rotation(job.profile)
        return None if data is None else Record.from_dict(data)
    except (KeyError, TypeError, ValueError):
        job.report(f"ignoring a damaged record of a rotation of profile {job.profile}")
        vault.forget_rotation(job.profile)
        return None


# a new rotation ----------------------------------------------------------------


def _start(vault: Vault, job: Rotation) -> Credentials:
    old_id = mask(job.old.access_key_id)
    user = _user(job)
    job.report(f"rotating key {old_id} of IAM user {user} (profile {job.profile})")
    if job.other_key is not None:
        _delete_other_first(job, user, job.other_key)

    record = Record(user, job.old.access_key_id, rfc3339(utcnow()))
    try:
        vault.set_rotation(job.profile, record.to_dict())
    except VaultshError as exc:
        raise VaultError(
            f"{exc.message}; {_unchanged(job)}", "fix the keyring, then rotate again"
        ) from exc
    job.pause("record")
    return _from_create(vault, job, record, resumed=False)


def _user(job: Rotation) -> str:
    iam = job.iam(job.signer())
    try:
        with aws.calling("GetUser"):
            return iam.get_user()["User"]["UserName"]
    except AwsError as exc:
        raise AwsError(f"{exc.message}; {_unchanged(job)}", exc.hint) from exc


def _unchanged(job: Rotation) -> str:
    old_id = mask(job.old.access_key_id)
    if job.deleted_other:
        return f"the old key {old_id} is still stored and active"
    return f"nothing changed: the old key {old_id} is still stored and active"


# the other key, when the user already has two -------------------------------------


def check_other_key(job: Rotation, key_id: str, record: Record | None = None) -> None:
    """UsageError unless `key_id` may be deleted: a long-term key id, not ours."""
    if not _LONG_TERM_KEY_ID.match(key_id):
        raise UsageError(
            "the key to delete is not an access key id",
            "give the AKIA... id of the user's other key, from the IAM console",
        )
    ours = {job.old.access_key_id}
    if record is not None:
        ours.add(record.old)
        if record.new:
            ours.add(record.new.access_key_id)
    if key_id in ours:
        raise UsageError(
            f"{mask(key_id)} is the key of profile {job.profile}, which vaultsh "
            "never deletes this way",
            "give the id of the user's other key",
        )


def _delete_other(job: Rotation, user: str, key_id: str) -> None:
    iam = job.iam(job.signer())
    try:
        with aws.calling(f"DeleteAccessKey {mask(key_id)}"):
            iam.delete_access_key(UserName=user, AccessKeyId=key_id)
    except AwsError as exc:
        hint = exc.hint or "check the key id in the IAM console"
        if aws.error_code(exc) == "NoSuchEntity":
            hint = f"IAM user {user} has no such key; check its id in the IAM console"
        raise AwsError(exc.message, hint) from exc
    job.deleted_other = True
    job.report(f"deleted the other key {mask(key_id)} of IAM user {user}")


def _delete_other_first(job: Rotation, user: str, key_id: str) -> None:
    try:
        _delete_other(job, user, key_id)
    except AwsError as exc:
        raise AwsError(f"{exc.message}; {_unchanged(job)}", exc.hint) from exc


def _limit_facts(job: Rotation, user: str, resumed: bool) -> str:
    maybe = " (perhaps made by the interrupted rotation)" if resumed else ""
    return (
        f"IAM user {user} already has two access keys, the stored "
        f"{mask(job.old.access_key_id)} and another{maybe}, often an inactive "
        "one; vaultsh cannot list keys"
    )


def _limit_hint(job: Rotation, user: str, resumed: bool) -> str:
    return (
        f"{_limit_facts(job, user, resumed)}, so find the other key's id in the "
        f"IAM console and run 'vaultsh rotate {job.profile} --delete-other-key "
        "KEYID'"
    )


def _ask_other(job: Rotation, record: Record, resumed: bool) -> str | None:
    if job.choose_other is None:
        return None
    question = (
        f"{_limit_facts(job, record.user, resumed)}; to make room, give the id of "
        "the other key (from the IAM console) and vaultsh deletes it"
    )
    answer = job.choose_other(question)
    if not answer:
        return None
    check_other_key(job, answer.strip(), record)
    return answer.strip()


# create, prove, promote ------------------------------------------------------------


def _from_create(vault: Vault, job: Rotation, record: Record, resumed: bool):
    record.new = _create(vault, job, record, resumed)
    new_id = mask(record.new.access_key_id)
    _keep_new(vault, job, record)
    job.report(f"created new key {new_id}")
    job.pause("create")
    return _from_prove(vault, job, record)


def _create(vault: Vault, job: Rotation, record: Record, resumed: bool) -> Credentials:
    """CreateAccessKey; on failure the record is dropped and nothing changed."""
    try:
        return _create_making_room(job, record, resumed)
    except VaultshError as exc:
        _forget_quietly(vault, job.profile)
        hint = exc.hint
        if aws.error_code(exc) == "LimitExceeded":
            hint = _limit_hint(job, record.user, resumed)
        raise type(exc)(f"{exc.message}; {_unchanged(job)}", hint) from exc


def _create_making_room(job: Rotation, record: Record, resumed: bool) -> Credentials:
    iam = job.iam(job.signer())
    try:
        return _create_key(iam, record.user)
    except AwsError as exc:
        if aws.error_code(exc) != "LimitExceeded":
            raise
        other = _ask_other(job, record, resumed)
        if other is None:
            raise
    _delete_other(job, record.user, other)
    return _create_key(iam, record.user)


def _create_key(iam, user: str) -> Credentials:
    with aws.calling(f"CreateAccessKey for {user}"):
        made = iam.create_access_key(UserName=user)["AccessKey"]
        return Credentials(made["AccessKeyId"], made["SecretAccessKey"])


def _keep_new(vault: Vault, job: Rotation, record: Record) -> None:
    """Put the new key in the record; if the keyring refuses, delete it in IAM."""
    try:
        vault.set_rotation(job.profile, record.to_dict())
    except VaultshError as exc:
        if _undo_create(job, record):
            _forget_quietly(vault, job.profile)
            _rolled_back(job, exc, "fix the keyring, then rotate again")
        new_id = mask(record.new.access_key_id)
        raise VaultError(
            f"{exc.message}; the new key {new_id} could be neither kept nor "
            f"deleted; the old key {mask(job.old.access_key_id)} is still stored "
            "and active",
            f"delete {new_id} in the IAM console, then rotate again",
        ) from exc


def _from_prove(vault: Vault, job: Rotation, record: Record) -> Credentials:
    new_id = mask(record.new.access_key_id)
    try:
        _prove(job, record)
    except VaultshError as exc:
        _roll_back(vault, job, record, exc)
    job.report(f"new key {new_id} works")
    job.pause("prove")

    _clear(vault, job)
    job.pause("clear")

    _promote(vault, job, record)
    job.report(f"stored new key {new_id} in the keyring")
    job.pause("promote")
    return _from_delete(vault, job, record)


def _clear(vault: Vault, job: Rotation) -> None:
    """Drop the sessions made with the old key, while it is still the stored one."""
    try:
        dropped = sum(vault.clear_sessions(name) for name in job.sessions_of)
    except VaultshError as exc:
        raise type(exc)(
            f"{exc.message}; the old key {mask(job.old.access_key_id)} is still "
            "stored and active, and the new key waits in the keyring",
            job.finish_hint(),
        ) from exc
    job.report(f"cleared {dropped} cached session(s) made with the old key")


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


def _prove(job: Rotation, record: Record) -> None:
    sts = job.client("sts", record.new, job.region, job.endpoint_profile)

    def ask() -> str:
        with aws.calling("GetCallerIdentity with the new key"):
            return sts.get_caller_identity()["Arn"]

    arn = str(_retry(job, ask))
    if not arn.endswith(f":user/{record.user}") and f"/{record.user}" not in arn:
        raise AwsError(f"the new key signs as {arn}, not as user {record.user}")


def _promote(vault: Vault, job: Rotation, record: Record) -> None:
    """Store the new key; if that fails, roll back unless it was stored after all."""
    try:
        vault.set_key(job.profile, record.new)
        return
    except VaultshError as exc:
        error = exc
    try:
        stored = vault.get_key(job.profile)
    except VaultshError:
        raise VaultError(
            f"{error.message}; cannot tell whether the new key "
            f"{mask(record.new.access_key_id)} was stored",
            f"fix the keyring, then {job.finish_hint()}",
        ) from error
    if stored is None or stored.access_key_id != record.new.access_key_id:
        _roll_back(vault, job, record, error, "fix the keyring, then rotate again")


def _roll_back(
    vault: Vault,
    job: Rotation,
    record: Record,
    error: VaultshError,
    hint: str | None = None,
) -> NoReturn:
    """Delete the unused new key in IAM; if IAM refuses, keep it for a later finish."""
    if _undo_create(job, record):
        _forget_quietly(vault, job.profile)
        _rolled_back(job, error, hint or f"run 'vaultsh rotate {job.profile}' later")
    raise type(error)(
        f"{error.message}; the old key {mask(job.old.access_key_id)} is still "
        f"stored and active, and the new key {mask(record.new.access_key_id)} "
        "waits in the keyring",
        job.finish_hint(),
    ) from error


def _rolled_back(job: Rotation, error: VaultshError, hint: str) -> NoReturn:
    raise type(error)(
        f"{error.message}; the new key was deleted again and the old key "
        f"{mask(job.old.access_key_id)} is still stored and active",
        hint,
    ) from error


def _undo_create(job: Rotation, record: Record) -> bool:
    """Delete the new key, signed as before it existed; True if it is gone."""
    try:
        iam = job.iam(job.signer())
        with aws.calling("DeleteAccessKey of the unused new key"):
            iam.delete_access_key(
                UserName=record.user, AccessKeyId=record.new.access_key_id
            )
    except VaultshError as exc:
        return aws.error_code(exc) == "NoSuchEntity"
    return True


def _forget_quietly(vault: Vault, profile: str) -> None:
    """Drop the record if the keyring lets us; a leftover record is harmless."""
    with contextlib.suppress(VaultshError):
        vault.forget_rotation(profile)


# delete ---------------------------------------------------------------------


def _from_delete(vault: Vault, job: Rotation, record: Record) -> Credentials:
    old_id, new_id = mask(record.old), mask(record.new.access_key_id)
    still = (
        f"the new key {new_id} is stored and works, but the old key {old_id} is "
        "still active in IAM"
    )
    line = _delete_old(job, record, still)
    job.pause("delete")
    try:
        vault.forget_rotation(job.profile)
    except VaultshError as exc:
        raise type(exc)(
            f"{exc.message}; {line}, but the keyring still notes the rotation",
            job.finish_hint(),
        ) from exc
    job.report(line + "; rotation done")
    return record.new


def _delete_old(job: Rotation, record: Record, still: str) -> str:
    old_id = mask(record.old)
    iam = job.iam(record.new)

    def delete() -> None:
        with aws.calling(f"DeleteAccessKey {old_id}"):
            iam.delete_access_key(UserName=record.user, AccessKeyId=record.old)

    try:
        _retry(job, delete)
    except AwsError as exc:
        if aws.error_code(exc) == "NoSuchEntity":
            return f"old key {old_id} was already deleted"
        raise AwsError(
            f"{exc.message}; {still}",
            f"{job.finish_hint()}, or delete {old_id} in the IAM console",
        ) from exc
    return f"deleted old key {old_id}"


# finishing an interrupted rotation -------------------------------------------------


def _resume(
    vault: Vault, job: Rotation, record: Record, stored: Credentials
) -> Credentials:
    """Go on from the step the record shows was reached."""
    if job.other_key is not None:
        check_other_key(job, job.other_key, record)
    name = job.profile
    if stored.access_key_id == record.old:
        job.old = stored
        if record.new is None:
            job.report(f"finishing the interrupted rotation of profile {name}")
            if job.other_key is not None:
                _delete_other_first(job, record.user, job.other_key)
            return _from_create(vault, job, record, resumed=True)
        job.report(
            f"finishing the interrupted rotation of profile {name}: new key "
            f"{mask(record.new.access_key_id)} is not stored yet"
        )
        return _from_prove(vault, job, record)
    if record.new and stored.access_key_id == record.new.access_key_id:
        job.report(
            f"finishing the interrupted rotation of profile {name}: old key "
            f"{mask(record.old)} is not deleted yet"
        )
        return _from_delete(vault, job, record)
    return _abandon(vault, job, record, stored)


def _abandon(
    vault: Vault, job: Rotation, record: Record, stored: Credentials
) -> Credentials:
    """The stored key was replaced since: drop the old record, rotate afresh."""
    left = [mask(record.old)]
    if record.new:
        left.append(mask(record.new.access_key_id))
    job.report(
        f"the key of profile {job.profile} was replaced since its rotation "
        f"stopped; dropping that rotation (it may have left {', '.join(left)} "
        "in IAM)"
    )
    vault.forget_rotation(job.profile)
    job.old = stored
    return _start(vault, job)
