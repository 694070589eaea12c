"""The prompt segment: which profile's session this shell holds, and for how long.

The shell files compute the same text in the shell itself; this is the
version `vaultsh prompt` prints. It must stay import-light (no boto3, keyring
or prompt_toolkit): a prompt may run it on every line.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

#: the warning colour starts this many seconds before the session ends
WARN_SECONDS = 300
OK, WARN, EXPIRED, UNKNOWN = "ok", "warn", "expired", "unknown"
#: state -> (zsh colour name, ANSI SGR code)
COLOURS = {
    OK: ("green", "32"),
    WARN: ("yellow", "33"),
    EXPIRED: ("red", "31"),
    UNKNOWN: ("magenta", "35"),
}
FORMATS = ("plain", "ansi", "zsh", "bash")

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.[0-9]+)?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)


@dataclass(frozen=True)
class Segment:
    profile: str
    state: str
    #: "1h02m", "11m", "45s", "expired", "?", or "" for credentials without expiry
    left: str

    @property
    def text(self) -> str:
        return f"{self.profile} {self.left}" if self.left else self.profile


def expiration_epoch(text: str) -> int | None:
    """Unix time of an RFC 3339 timestamp; None if invalid or without an offset."""
    found = _RFC3339.fullmatch(text)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in found.groups()[:6])
    sign, off_hours, off_minutes = found.groups()[6:]
    off_hours, off_minutes = int(off_hours or 0), int(off_minutes or 0)
    valid = (
        year >= 1
        and 1 <= month <= 12
        and 1 <= day <= calendar.monthrange(year, month)[1]
        and hour <= 23
        and minute <= 59
        and second <= 60
        and off_hours <= 23
        and off_minutes <= 59
    )
    if not valid:
        return None
    offset = (off_hours * 3600 + off_minutes * 60) * (-1 if sign == "-" else 1)
    return calendar.timegm((year, month, day, hour, minute, second)) - offset


def time_left(seconds: int) -> str:
    """`1h02m` from an hour on, `11m` from a minute on, else `45s`."""
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def segment(environ: Mapping[str, str], now: int | None = None) -> Segment | None:
    """The segment for AWS_VAULT and AWS_CREDENTIAL_EXPIRATION; None outside one."""
    profile = environ.get("AWS_VAULT", "")
    if not profile:
        return None
    raw = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if not raw:
        return Segment(profile, OK, "")
    expires = expiration_epoch(raw)
    if expires is None:
        return Segment(profile, UNKNOWN, "?")
    seconds = expires - (int(time.time()) if now is None else now)
    if seconds <= 0:
        return Segment(profile, EXPIRED, "expired")
    return Segment(profile, WARN if seconds <= WARN_SECONDS else OK, time_left(seconds))


def render(found: Segment | None, fmt: str = "plain") -> str:
    """The segment as text for a prompt; "" outside a session.

    plain is VAULTSH_SEGMENT; zsh and bash are VAULTSH_PROMPT of those shells
    (colour escapes their prompts understand, and a trailing space); ansi is
    the same with raw escape sequences.
    """
    if found is None:
        return ""
    if fmt == "plain":
        return found.text
    name, code = COLOURS[found.state]
    if fmt == "zsh":
        return f"%F{{{name}}}({found.text.replace('%', '%%')})%f "
    if fmt == "bash":
        return f"\x01\x1b[{code}m\x02({found.text})\x01\x1b[0m\x02 "
    return f"\x1b[{code}m({found.text})\x1b[0m "
