"""Copies of short-lived items in the Linux kernel's user keyring.

The kernel keeps each item in its memory, never on disk, for processes of
the same user, and drops it by itself when its timeout ends (keyrings(7)).
Reading one is two system calls, where the keyring backend costs a D-Bus
session or a scrypt derivation; vaultsh keeps here a copy of each cached
STS session (with the session's own lifetime) and of its item index.

Every failure (another kernel, a seccomp filter, the per-user quota of
/proc/sys/kernel/keys/maxbytes) makes the copy unavailable, never an error:
callers then use the keyring backend alone.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import sys

log = logging.getLogger(__name__)

#: set to "off" to keep sessions only in the keyring backend
SWITCH_VARIABLE = "VAULTSH_KERNEL_KEYRING"
_ON = ("", "on", "1", "yes", "true")
_OFF = ("off", "0", "no", "false")
#: the share of the user's kernel key quota vaultsh's copies may fill
QUOTA_SHARE = 0.5

# system call numbers of add_key and keyctl, by machine
_SYSCALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}
_KEY_SPEC_USER_KEYRING = -4
_KEYCTL_SEARCH = 10
_KEYCTL_READ = 11
_KEYCTL_SET_TIMEOUT = 15
_KEYCTL_INVALIDATE = 21
#: the kernel's limit on a "user" key's payload
MAX_PAYLOAD = 32767


class KernelKeyring:
    """Items named `PREFIX:NAME` in the user keyring; all methods are best effort."""

    def __init__(self, prefix: str, reading: bool = True) -> None:
        self.prefix = prefix
        #: False: copies are only dropped, never read or stored
        self.reading = reading
        add_key, keyctl = _SYSCALLS[os.uname().machine]
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.syscall.restype = ctypes.c_long
        self._add_key = add_key
        self._keyctl = keyctl

    def get(self, name: str) -> bytes | None:
        """The item's payload, or None when there is none (or it has expired)."""
        if not self.reading:
            return None
        serial = self._search(name)
        if serial is None:
            return None
        size = MAX_PAYLOAD + 1
        buffer = ctypes.create_string_buffer(size)
        got = self._call(self._keyctl, _KEYCTL_READ, serial, buffer, size)
        if got < 0 or got > size:
            return None
        return buffer.raw[:got]

    def put(self, name: str, payload: bytes, seconds: int) -> bool:
        """Store payload for `seconds`; False when the kernel refused it."""
        if not self.reading or seconds <= 0 or not _room_for(len(payload)):
            self.drop(name)
            return False
        serial = self._call(
            self._add_key,
            b"user",
            self._description(name),
            payload,
            len(payload),
            _KEY_SPEC_USER_KEYRING,
        )
        if serial < 0:
            log.debug("kernel keyring refused %s: %s", name, _last_error())
            self.drop(name)
            return False
        if self._call(self._keyctl, _KEYCTL_SET_TIMEOUT, serial, int(seconds)) < 0:
            self._call(self._keyctl, _KEYCTL_INVALIDATE, serial)
            return False
        return True

    def drop(self, name: str) -> None:
        """Remove the item now; nothing happens when there is none."""
        serial = self._search(name)
        if serial is not None:
            self._call(self._keyctl, _KEYCTL_INVALIDATE, serial)

    def _search(self, name: str) -> int | None:
        serial = self._call(
            self._keyctl,
            _KEYCTL_SEARCH,
            _KEY_SPEC_USER_KEYRING,
            b"user",
            self._description(name),
            0,
        )
        return serial if serial >= 0 else None

    def _description(self, name: str) -> bytes:
        return f"{self.prefix}:{name}".encode()

    def _call(self, number: int, *args) -> int:
        converted = [
            ctypes.c_long(a) if isinstance(a, int) else a for a in (number, *args)
        ]
        return self._libc.syscall(*converted)


def _room_for(size: int) -> bool:
    """Whether `size` more bytes keep the user's keys within QUOTA_SHARE.

    The quota (/proc/sys/kernel/keys/maxbytes: 20,000 bytes for users other
    than root) is shared with every other program of the user; vaultsh leaves
    them at least the other half.
    """
    if size > MAX_PAYLOAD:
        return False
    try:
        with open("/proc/key-users", encoding="ascii") as users:
            table = users.read()
    except OSError:
        return True
    return fits(size, table, os.getuid())


def fits(size: int, table: str, uid: int) -> bool:
    """Whether `size` bytes fit in uid's share, by /proc/key-users `table`."""
    for line in table.splitlines():
        owner, _, fields = line.partition(":")
        if owner.strip() != str(uid):
            continue
        try:
            used, limit = (int(n) for n in fields.split()[-1].split("/"))
        except (ValueError, IndexError):
            return True
        return used + size <= limit * QUOTA_SHARE
    return True


def _last_error() -> str:
    code = ctypes.get_errno()
    return errno.errorcode.get(code, str(code))


def switched_off(environ) -> bool:
    """VAULTSH_KERNEL_KEYRING read as on or off; ValueError for anything else."""
    value = environ.get(SWITCH_VARIABLE, "").strip().lower()
    if value in _ON or value in _OFF:
        return value in _OFF
    raise ValueError(
        f"{SWITCH_VARIABLE}={environ.get(SWITCH_VARIABLE)} is neither on nor off"
    )


def open_kernel_keyring(
    prefix: str, environ=None, reading: bool = True
) -> KernelKeyring | None:
    """The user keyring under `prefix`, or None where there is none.

    With VAULTSH_KERNEL_KEYRING=off its copies are neither read nor stored,
    only dropped when the vault changes, so that no other process can be
    left reading a copy this one made stale.
    """
    environ = os.environ if environ is None else environ
    off = switched_off(environ)
    if not sys.platform.startswith("linux") or os.uname().machine not in _SYSCALLS:
        return None
    try:
        return KernelKeyring(prefix, reading=reading and not off)
    except OSError as exc:
        log.debug("no kernel keyring: %s", exc)
        return None
