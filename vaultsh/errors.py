"""The small exception tree every part of vaultsh raises.

Each error carries what failed and, where there is one, what to do next; the
CLI prints them as one line and maps the class to an exit status.
"""

from __future__ import annotations


class VaultshError(Exception):
    """Base class: a failure the user can act on."""

    exit_status = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}; {self.hint}"
        return self.message


class UsageError(VaultshError):
    """The command line itself is wrong."""

    exit_status = 2


class ConfigError(VaultshError):
    """The AWS config file cannot be read or a profile in it is inconsistent."""


class ProfileNotFound(ConfigError):
    """A profile that the config file does not define."""


class VaultError(VaultshError):
    """The keyring cannot be used or does not hold what was asked for."""


class NoStoredKey(VaultError):
    """No long-term key is stored for a profile."""


class MfaError(VaultshError):
    """No usable MFA code could be had."""


class AwsError(VaultshError):
    """An AWS call failed."""


class CommandFailed(VaultshError):
    """A child command could not be started."""

    exit_status = 127


class Interrupted(VaultshError):
    """The user stopped a command (Ctrl-C) in a state worth describing."""

    exit_status = 130


class Declined(VaultshError):
    """The user answered no; nothing was done, and that is no failure of ours."""
