"""The AWS config file, read through botocore's own loader.

vaultsh reads the same ~/.aws/config as every AWS SDK (or the file named by
AWS_CONFIG_FILE). It adds `include_profile` (a profile inherits the keys of
another) and a few keys of its own for the shell: `vaultsh_bucket` and
`vaultsh_distribution_id`.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from collections.abc import Mapping
from pathlib import Path

from vaultsh.errors import ConfigError, ProfileNotFound, UsageError

DEFAULT_DURATION = 3600
CHAINED_ROLE_MAX = 3600


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file: AWS_CONFIG_FILE if set, else ~/.aws/config."""
    env = os.environ if environ is None else environ
    named = env.get("AWS_CONFIG_FILE")
    if named:
        return Path(os.path.expanduser(named))
    return Path.home() / ".aws" / "config"


class Profile(namedtuple("Profile", "name values")):
    """One profile's settings (`values`, a mapping of str to str), with
    `include_profile` already merged in."""

    __slots__ = ()

    def get(self, key: str) -> str | None:
        value = self.values.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    @property
    def role_arn(self) -> str | None:
        return self.get("role_arn")

    @property
    def source_profile(self) -> str | None:
        return self.get("source_profile")

    @property
    def mfa_serial(self) -> str | None:
        return self.get("mfa_serial")

    @property
    def mfa_process(self) -> str | None:
        return self.get("mfa_process")

    @property
    def region(self) -> str | None:
        return self.get("region")

    @property
    def credential_process(self) -> str | None:
        return self.get("credential_process")

    @property
    def role_session_name(self) -> str | None:
        return self.get("role_session_name")

    @property
    def external_id(self) -> str | None:
        return self.get("external_id")

    @property
    def duration_seconds(self) -> int | None:
        raw = self.get("duration_seconds")
        if raw is None:
            return None
        try:
            return parse_duration(raw)
        except UsageError as exc:
            raise ConfigError(
                f"profile {self.name}: duration_seconds = {raw} is not a duration",
                "give a number of seconds, for example 3600",
            ) from exc


class Config:
    """All profiles of one config file."""

    def __init__(self, path: Path, profiles: Mapping[str, Mapping[str, str]]):
        self.path = path
        self._raw = dict(profiles)

    @property
    def names(self) -> list[str]:
        return sorted(self._raw)

    def __contains__(self, name: str) -> bool:
        return name in self._raw

    def profile(self, name: str) -> Profile:
        """The profile `name` with its includes merged; ProfileNotFound if absent."""
        if name not in self._raw:
            raise ProfileNotFound(
                f"profile {name!r} is not in {self.path}",
                "run 'vaultsh list' to see the profiles there",
            )
        return Profile(name, self._merged(name, []))

    def _merged(self, name: str, seen: list[str]) -> dict[str, str]:
        if name in seen:
            loop = " -> ".join([*seen, name])
            raise ConfigError(
                f"include_profile loop in {self.path}: {loop}",
                "remove one of these include_profile lines",
            )
        if name not in self._raw:
            raise ConfigError(
                f"profile {seen[-1]} includes {name!r}, which is not in {self.path}",
                "fix its include_profile line",
            )
        own = dict(self._raw[name])
        parent = own.pop("include_profile", "").strip()
        if not parent:
            return own
        merged = self._merged(parent, [*seen, name])
        merged.update(own)
        return merged

    def chain(self, name: str) -> list[Profile]:
        """The profile and its source_profile ancestors, target first."""
        chain: list[Profile] = []
        current: str | None = name
        while current is not None:
            if current in [p.name for p in chain]:
                loop = " -> ".join([p.name for p in chain] + [current])
                raise ConfigError(
                    f"source_profile loop in {self.path}: {loop}",
                    "point one of these profiles at a profile with a stored key",
                )
            profile = self.profile(current)
            chain.append(profile)
            current = profile.source_profile
            if current == profile.name and profile.role_arn is None:
                break
        return chain


def load(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config."""
    from botocore.configloader import load_config
    from botocore.exceptions import BotoCoreError, ConfigNotFound

    path = path or config_path()
    if path.is_dir():
        raise ConfigError(
            f"cannot read {path}: it is a folder", "point AWS_CONFIG_FILE at a file"
        )
    try:
        parsed = load_config(str(path))
    except ConfigNotFound:
        return Config(path, {})
    except BotoCoreError as exc:
        cause = getattr(exc, "kwargs", {}).get("error") or exc
        raise ConfigError(
            f"cannot read {path}: {_parse_failure(cause)}", "fix the file and try again"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return Config(path, parsed.get("profiles", {}))


def _parse_failure(cause: object) -> str:
    """Why configparser refused the file, on one line and without its path."""
    import configparser

    if isinstance(cause, configparser.MissingSectionHeaderError):
        line = cause.line.strip()
        return f"line {cause.lineno}: {line!r} comes before any [section] header"
    if isinstance(cause, configparser.ParsingError):
        lineno, shown = cause.errors[0]
        try:
            import ast

            line = str(ast.literal_eval(shown)).strip()
        except (ValueError, SyntaxError):
            line = shown
        return f"line {lineno}: cannot parse {line!r}"
    if isinstance(cause, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte {cause.start})"
    reason = " ".join(str(cause).split())
    reason = re.sub(r"^Source contains parsing errors: '.*?' ", "", reason)
    reason = re.sub(r"\[line\s*(\d+)\]: '(.*?)(?:\\n)?'", r"line \1: \2", reason)
    return re.sub(r"^While reading from '.*?' \[line\s*(\d+)\]:", r"line \1:", reason)


_UNITS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """Seconds in `3600`, `1h`, `15m`, `1h30m` or `90s`; UsageError otherwise."""
    raw = text.strip().lower()
    if raw.isdigit():
        return int(raw)
    total, number = 0, ""
    for char in raw:
        if char.isdigit():
            number += char
        elif char in _UNITS and number:
            total += int(number) * _UNITS[char]
            number = ""
        else:
            number = "bad"
            break
    if number or not raw:
        raise UsageError(
            f"{text!r} is not a duration",
            "use seconds or units h, m, s, for example 1h or 15m",
        )
    return total


def env_seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment variable `name`."""
    raw = os.environ.get(name, "").strip()
    try:
        seconds = float(raw) if raw else default
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ConfigError(
            f"{name}={raw} is not a number of seconds",
            "set it to a positive number, or unset it",
        )
    return seconds


def format_duration(seconds: float) -> str:
    """A short human form: `1h02m`, `11m35s`, `45s`."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
