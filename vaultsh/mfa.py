"""MFA codes: from the command line, from `mfa_process`, or asked for.

The order is fixed: 1. the `--mfa-token` flag, 2. the profile's
`mfa_process`, 3. a prompt on the controlling terminal (so that it works while
stdout is a pipe, as under credential_process).
"""

from __future__ import annotations

import logging
import re

from vaultsh.errors import MfaError

log = logging.getLogger(__name__)

_CODE = re.compile(r"^\d{6}$")


def check_code(code: str, origin: str) -> str:
    """The code if it is six digits; MfaError naming where it came from otherwise."""
    code = code.strip()
    if not _CODE.match(code):
        raise MfaError(
            f"the MFA code from {origin} is not six digits",
            "give the current code of the MFA device",
        )
    return code


def from_process(command: str, profile: str) -> str:
    """Run `mfa_process` through the shell and read the code it prints."""
    import subprocess

    from vaultsh.children import process_timeout, run_for_output

    origin = f"mfa_process of profile {profile}"
    timeout = process_timeout()
    try:
        done = run_for_output(command, timeout, shell=True)
    except subprocess.TimeoutExpired:
        raise MfaError(
            f"{origin} gave no code within {timeout:g}s",
            "check the command, or pass --mfa-token",
        ) from None
    except OSError as exc:
        raise MfaError(f"{origin} cannot run: {exc.strerror}") from None
    if done.returncode != 0:
        why = {126: " (cannot be run)", 127: " (command not found)"}
        raise MfaError(
            f"{origin} failed with exit status {done.returncode}"
            + why.get(done.returncode, ""),
            "run it by hand to see why, or pass --mfa-token",
        )
    lines = done.stdout.strip().splitlines()
    return check_code(lines[-1] if lines else "", origin)


def from_terminal(serial: str) -> str:
    """Ask on /dev/tty; MfaError when there is no terminal to ask on."""
    try:
        # a terminal cannot seek, so it is opened once for each direction
        reader = open("/dev/tty")  # noqa: SIM115 - closed below
        writer = open("/dev/tty", "w")  # noqa: SIM115 - closed below
    except OSError:
        raise MfaError(
            f"an MFA code for {serial} is needed and there is no terminal to ask on",
            "pass --mfa-token or set mfa_process in the profile",
        ) from None
    with reader, writer:
        writer.write(f"Enter MFA code for {serial}: ")
        writer.flush()
        answer = reader.readline()
    if not answer:
        raise MfaError("no MFA code was entered")
    return check_code(answer, "the terminal")


class MfaSource:
    """Gives at most one code per process for a profile's MFA device."""

    def __init__(self, token: str | None = None, prompt=from_terminal) -> None:
        self._token = token
        self._prompt = prompt
        self._codes: dict[str, str] = {}

    def code(self, serial: str, profile: str, process: str | None) -> str:
        if serial in self._codes:
            return self._codes[serial]
        if self._token:
            code = check_code(self._token, "--mfa-token")
            log.debug("profile %s: MFA code from --mfa-token", profile)
        elif process:
            log.debug("profile %s: MFA code from mfa_process", profile)
            code = from_process(process, profile)
        else:
            log.debug("profile %s: asking for an MFA code", profile)
            code = self._prompt(serial)
        self._codes[serial] = code
        return code
