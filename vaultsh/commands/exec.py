"""Run a command with a profile's credentials in its environment."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence

from vaultsh.credentials import Credentials, rfc3339
from vaultsh.errors import CommandFailed, UsageError

#: variables that would let a child use other credentials than ours
STALE = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CREDENTIAL_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_VAULT",
    "VAULTSH_DEPTH",
    # the child gets a session, not the means to open the whole keyring file
    "VAULTSH_FILE_PASSPHRASE",
)


def refuse_nested(environ: Mapping[str, str]) -> None:
    current = environ.get("AWS_VAULT")
    if current:
        raise UsageError(
            f"this shell already holds a vaultsh session for profile {current}",
            "leave it (exit) before starting another, or unset AWS_VAULT",
        )


def session_environ(
    base: Mapping[str, str], profile: str, creds: Credentials, region: str | None
) -> dict[str, str]:
    """`base` without stale AWS variables, plus the session's."""
    env = {k: v for k, v in base.items() if k not in STALE}
    env["AWS_VAULT"] = profile
    env["AWS_ACCESS_KEY_ID"] = creds.access_key_id
    env["AWS_SECRET_ACCESS_KEY"] = creds.secret_access_key
    if creds.session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    if creds.expiration:
        env["AWS_CREDENTIAL_EXPIRATION"] = rfc3339(creds.expiration)
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    return env


def command_line(command: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """The command to run: the one given, else $SHELL, else /bin/sh."""
    if command:
        return list(command)
    return [environ.get("SHELL") or "/bin/sh"]


def find_command(name: str, environ: Mapping[str, str]) -> str:
    """The path of the program `name`; CommandFailed if there is none."""
    path = shutil.which(name, path=environ.get("PATH"))
    if path is None and os.sep in name and os.path.exists(name):
        raise CommandFailed(
            f"{name} is not an executable program", "check its mode (chmod +x)"
        )
    if path is None:
        raise CommandFailed(f"command not found: {name}", "check its name and PATH")
    return path


def replace_process(path: str, argv: list[str], env: dict[str, str]) -> None:
    """Become the command (its exit status is then ours); raises if it cannot start."""
    try:
        os.execve(path, argv, env)
    except OSError as exc:
        raise CommandFailed(f"cannot run {argv[0]}: {exc.strerror}") from None
