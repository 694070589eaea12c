"""Who the session is, a new session now, and rotation of the base key."""

from __future__ import annotations

import os
from collections.abc import Callable

from vaultsh import aws
from vaultsh import config as config_mod
from vaultsh.commands import rotate
from vaultsh.config import format_duration
from vaultsh.credentials import mask
from vaultsh.providers import Options
from vaultsh.session import LiveSession
from vaultsh.vault import Vault


def time_left(seconds: float | None) -> str:
    """The session's remaining time in words: `29m58s left`, `expired`."""
    if seconds is None:
        return "no expiry (long-term key)"
    if seconds <= 0:
        return "expired"
    return f"{format_duration(seconds)} left"


def whoami(session: LiveSession) -> str:
    """Account, ARN, masked key id and time left of the session's identity."""
    creds = session.credentials()
    with aws.calling("GetCallerIdentity"):
        who = session.client("sts").get_caller_identity()
    rows = [
        ("account", who["Account"]),
        ("arn", who["Arn"]),
        ("key", mask(creds.access_key_id)),
        ("session", time_left(session.seconds_left())),
    ]
    return "\n".join(f"{label:<8} {value}" for label, value in rows)


def refresh(session: LiveSession) -> str:
    """Start a new session now, even if the current one is still good."""
    creds = session.refresh()
    return f"new session {mask(creds.access_key_id)}, {time_left(creds.seconds_left())}"


def rotate_key(
    session: LiveSession, vault: Vault, report: Callable[[str], None]
) -> str:
    """Replace the base profile's long-term key; each step goes to `report`.

    The key is used directly (no GetSessionToken), so no MFA is asked; the
    session this shell holds was made before and stays valid until it ends.
    """
    config = config_mod.load(config_mod.config_path(os.environ))
    options = Options(no_session=True, environ=dict(os.environ))
    job = rotate.plan(config, vault, session.name, options, report)
    new = rotate.rotate(vault, job)
    return (
        f"profile {job.profile} now uses key {mask(new.access_key_id)}; "
        f"this shell's session goes on ({time_left(session.seconds_left())})"
    )
