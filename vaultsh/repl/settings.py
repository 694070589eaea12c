"""The shell's own profile keys, and the message when one is missing."""

from __future__ import annotations

import os

from vaultsh.config import config_path, parse_duration
from vaultsh.errors import ConfigError, UsageError
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


WAIT_TIMEOUT_KEY = "vaultsh_wait_timeout"
#: how long `cf wait` and `cf invalidate --wait` poll before giving up
WAIT_TIMEOUT = 600


def wait_timeout(session: LiveSession) -> int:
    """1. the profile's vaultsh_wait_timeout, 2. WAIT_TIMEOUT (10 minutes)."""
    raw = session.setting(WAIT_TIMEOUT_KEY)
    if raw is None:
        return WAIT_TIMEOUT
    try:
        seconds = parse_duration(raw)
    except UsageError:
        seconds = 0
    if seconds <= 0:
        raise ConfigError(
            f"profile {session.name}: {WAIT_TIMEOUT_KEY} = {raw} is not a duration",
            "give seconds or units, for example 600 or 10m",
        )
    return seconds
