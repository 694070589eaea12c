"""Store a profile's long-term access key in the vault."""

from __future__ import annotations

import re
from collections.abc import Mapping

from vaultsh.config import Config
from vaultsh.credentials import Credentials, mask
from vaultsh.errors import UsageError
from vaultsh.providers import built_on
from vaultsh.vault import Vault

_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")


def check_key(key_id: str, secret: str) -> Credentials:
    """A key pair after a sanity check of its form; UsageError otherwise."""
    key_id, secret = key_id.strip(), secret.strip()
    if not _KEY_ID.match(key_id):
        raise UsageError(
            "that access key id does not look like one",
            "it is 16 or more capital letters and digits, such as AKIA...",
        )
    if key_id.startswith("ASIA"):
        raise UsageError(
            "that is a temporary key (ASIA...), not a long-term one",
            "store the IAM user's access key (AKIA...)",
        )
    if len(secret) < 16 or any(c.isspace() for c in secret):
        raise UsageError("that secret access key does not look like one")
    return Credentials(key_id, secret)


def from_environ(env: Mapping[str, str]) -> Credentials:
    key_id = env.get("AWS_ACCESS_KEY_ID", "")
    secret = env.get("AWS_SECRET_ACCESS_KEY", "")
    if not key_id or not secret:
        raise UsageError(
            "--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to be set"
        )
    return check_key(key_id, secret)


def add(vault: Vault, profile: str, creds: Credentials, config: Config) -> str:
    """Store the key, replacing any earlier one; returns a line for the user.

    Sessions made from an earlier key, for this profile and every profile
    built on it, are dropped.
    """
    replaced = profile in vault.key_profiles()
    vault.set_key(profile, creds)
    for name in built_on(config, vault, profile):
        vault.clear_sessions(name)
    verb = "replaced the key" if replaced else "stored key"
    return f"{verb} {mask(creds.access_key_id)} for profile {profile} in the keyring"
