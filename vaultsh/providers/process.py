"""A profile's `credential_process`, run the way AWS SDKs run it."""

from __future__ import annotations

import json
import os
import shlex
import subprocess

from vaultsh.children import run_for_output
from vaultsh.credentials import Credentials, parse_time
from vaultsh.errors import ConfigError, NoStoredKey

TIMEOUT = 60


def calls_vaultsh(command: str) -> bool:
    """Whether a credential_process command would run vaultsh itself."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return bool(words) and os.path.basename(words[0]) in ("vaultsh", "aws-vault")


class CredentialProcess:
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
        where = f"credential_process of profile {self.profile}"
        try:
            done = run_for_output(shlex.split(self.command), TIMEOUT)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{where} cannot run: {exc}") from None
        except subprocess.TimeoutExpired:
            raise ConfigError(f"{where} gave nothing within {TIMEOUT}s") from None
        if done.returncode != 0:
            raise ConfigError(
                f"{where} failed with exit status {done.returncode}",
                "run it by hand to see why",
            )
        return _parse(done.stdout, where)


def _parse(output: str, where: str) -> Credentials:
    try:
        data = json.loads(output)
        if data.get("Version") != 1:
            raise ValueError("Version is not 1")
        expiration = data.get("Expiration")
        return Credentials(
            access_key_id=data["AccessKeyId"],
            secret_access_key=data["SecretAccessKey"],
            session_token=data.get("SessionToken") or None,
            expiration=parse_time(expiration) if expiration else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{where} printed no valid credentials ({type(exc).__name__}: {exc})",
            "it must print JSON with Version 1, AccessKeyId and SecretAccessKey",
        ) from None
