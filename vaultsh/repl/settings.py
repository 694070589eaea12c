"""The shell's own profile keys, and the message when one is missing."""

from __future__ import annotations

import os

from vaultsh.config import config_path
from vaultsh.errors import ConfigError
from vaultsh.session import LiveSession

BUCKET_KEY = "vaultsh_bucket"
DISTRIBUTION_KEY = "vaultsh_distribution_id"


def required(session: LiveSession, key: str, example: str) -> str:
    """The profile's value for `key`; ConfigError naming the line to add if unset."""
    value = session.setting(key)
    if value:
        return value
    raise ConfigError(
        f"profile {session.name} has no {key}",
        f"add '{key} = {example}' to [profile {session.name}] in "
        f"{config_path(os.environ)}",
    )


def bucket(session: LiveSession) -> str:
    return required(session, BUCKET_KEY, "BUCKET-NAME")


def distribution(session: LiveSession) -> str:
    return required(session, DISTRIBUTION_KEY, "DISTRIBUTION-ID")
