"""A profile's `credential_process`, run the way AWS SDKs run it."""

from __future__ import annotations

import json
import os
import shlex

from vaultsh.credentials import Credentials, parse_time
from vaultsh.errors import ConfigError, NoStoredKey
from vaultsh.providers.base import Provider


def calls_vaultsh(command: str) -> bool:
    """Whether a credential_process command would run vaultsh itself."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return bool(words) and os.path.basename(words[0]) in ("vaultsh", "aws-vault")


class CredentialProcess(Provider):
    kind = "credential_process"

    def __init__(self, profile: str, command: str) -> None:
        self.profile = profile
        self.command = command

    def retrieve(self) -> Credentials:
        if calls_vaultsh(self.command):
            raise NoStoredKey(
                f"no key is stored for profile {self.profile}, and its "
                "credential_process runs vaultsh itself",
                f"store the key with 'vaultsh add {self.profile}'",
            )
        import subprocess

        from vaultsh.children import process_timeout, run_for_output

        where = f"credential_process of profile {self.profile}"
        timeout = process_timeout()
        try:
            done = run_for_output(shlex.split(self.command), timeout)
        except OSError as exc:
            raise ConfigError(f"{where} cannot run: {exc.strerror}") from None
        except ValueError as exc:
            raise ConfigError(f"{where} cannot run: {exc}") from None
        except subprocess.TimeoutExpired:
            raise ConfigError(
                f"{where} gave nothing within {timeout:g}s", "check the command"
            ) from None
        if done.returncode != 0:
            raise ConfigError(
                f"{where} failed with exit status {done.returncode}",
                "run it by hand to see why",
            )
        return _parse(done.stdout, where)


def _parse(output: str, where: str) -> Credentials:
    """The credentials in `output`; SessionToken and Expiration are optional."""
    try:
        creds = _credentials(json.loads(output))
    except (ValueError, KeyError) as exc:
        reason = _reason(exc)
        raise ConfigError(
            f"{where} printed no valid credentials ({reason})",
            "it must print JSON with Version 1, AccessKeyId and SecretAccessKey",
        ) from None
    left = creds.seconds_left()
    if left is not None and left <= 0:
        raise ConfigError(
            f"{where} printed credentials that have expired", "check the command"
        )
    return creds


def _credentials(data: object) -> Credentials:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("Version") != 1:
        raise ValueError("Version is not 1")
    key_id, secret = data["AccessKeyId"], data["SecretAccessKey"]
    if not (isinstance(key_id, str) and key_id and isinstance(secret, str) and secret):
        raise ValueError("AccessKeyId and SecretAccessKey must be non-empty text")
    token, expiration = data.get("SessionToken"), data.get("Expiration")
    if token is not None and not isinstance(token, str):
        raise ValueError("SessionToken is not text")
    if expiration is not None and not isinstance(expiration, str):
        raise ValueError("Expiration is not an RFC 3339 time")
    return Credentials(
        access_key_id=key_id,
        secret_access_key=secret,
        session_token=token or None,
        expiration=parse_time(expiration) if expiration else None,
    )


def _reason(exc: Exception) -> str:
    """Why the output was refused, without echoing any of it."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, KeyError):
        return f"{exc.args[0]} is missing"
    return str(exc)
