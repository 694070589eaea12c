"""Start a real Secret Service for tests: a private D-Bus bus and gnome-keyring.

Both daemons run with HOME and the XDG folders inside a directory the caller
owns, so they never touch the developer's own keyrings. Nothing here skips: a
missing binary, or a daemon that does not come up in time, raises
KeyringDaemonError with the reason.

    daemon = start_keyring_daemon(tmp_path)
    try:
        subprocess.run(cmd, env=daemon.child_env())
    finally:
        daemon.stop()
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# binary -> the Debian package that ships it
REQUIRED_BINARIES = {
    "dbus-daemon": "dbus-daemon (pulled in by dbus)",
    "gnome-keyring-daemon": "gnome-keyring",
}
# variables a child inherits from the caller that would point at another keyring
_FOREIGN_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL")
_MAX_SOCKET_PATH = 100
_POLL_SECONDS = 0.02
_LOCKED_REASON = (
    "the login keyring was not unlocked in time; a keyring left under HOME "
    "by an earlier run with another password stays locked"
)


class KeyringDaemonError(RuntimeError):
    """The test Secret Service could not be started."""


@dataclass
class KeyringDaemon:
    """A running bus and gnome-keyring; stop() ends both."""

    env: dict[str, str]
    """HOME, XDG_* and DBUS_SESSION_BUS_ADDRESS for processes that use it."""
    root: Path
    startup_seconds: float
    _processes: list[subprocess.Popen[bytes]] = field(repr=False)

    def child_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Return base (default os.environ) with this daemon's variables on top."""
        merged = dict(os.environ if base is None else base)
        for name in _FOREIGN_VARIABLES:
            merged.pop(name, None)
        merged.update(self.env)
        return merged

    def stop(self) -> None:
        """Terminate gnome-keyring, then the bus; safe to call twice."""
        while self._processes:
            _terminate(self._processes.pop())

    def __enter__(self) -> KeyringDaemon:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_keyring_daemon(
    root: Path, password: str = "vaultsh-tests", timeout: float = 10.0
) -> KeyringDaemon:
    """Start a bus and an unlocked login keyring under root.

    Return a KeyringDaemon whose env holds the variables that reach it; raise
    KeyringDaemonError when a binary is missing or a daemon fails to start.
    """
    _check_binaries()
    env = _isolated_env(Path(root))
    processes: list[subprocess.Popen[bytes]] = []
    daemon = KeyringDaemon(env, Path(root), 0.0, processes)
    started = time.monotonic()
    try:
        env["DBUS_SESSION_BUS_ADDRESS"] = _start_bus(daemon, timeout)
        _start_keyring(daemon, password)
        _wait_until_unlocked(daemon, started + timeout)
    except BaseException:
        daemon.stop()
        raise
    daemon.startup_seconds = time.monotonic() - started
    return daemon


def _check_binaries() -> None:
    missing = [name for name in REQUIRED_BINARIES if shutil.which(name) is None]
    if missing:
        packages = ", ".join(REQUIRED_BINARIES[name] for name in missing)
        raise KeyringDaemonError(
            f"cannot start a test secret service: {', '.join(missing)} not found; "
            f"install the debian packages: {packages}"
        )


def _isolated_env(root: Path) -> dict[str, str]:
    home = root / "home"
    runtime = root / "run"
    for folder in (home, runtime):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
    }


def _spawn(
    daemon: KeyringDaemon, argv: list[str], log_name: str, **kwargs: object
) -> subprocess.Popen[bytes]:
    """Start one daemon in its own session, its stderr going to a log file."""
    with open(daemon.root / log_name, "wb") as log:
        process = subprocess.Popen(
            argv,
            env=daemon.child_env(),
            stderr=log,
            start_new_session=True,
            **kwargs,  # type: ignore[call-overload]
        )
    daemon._processes.append(process)
    return process


def _start_bus(daemon: KeyringDaemon, timeout: float) -> str:
    """Start dbus-daemon on a socket under root; return its address."""
    socket = Path(daemon.env["XDG_RUNTIME_DIR"]) / "bus"
    if len(str(socket)) > _MAX_SOCKET_PATH:
        raise KeyringDaemonError(f"socket path too long for d-bus: {socket}")
    argv = ["dbus-daemon", "--session", "--nofork", "--nopidfile"]
    argv += [f"--address=unix:path={socket}", "--print-address=1"]
    bus = _spawn(daemon, argv, "dbus-daemon.log", stdout=subprocess.PIPE)
    assert bus.stdout is not None
    with bus.stdout:
        address = _read_line(bus.stdout, timeout)
    if not address:
        raise KeyringDaemonError(_failure(daemon, "dbus-daemon printed no address"))
    return address


def _read_line(stream: IO[bytes], timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stream.readline().decode().strip()


def _start_keyring(daemon: KeyringDaemon, password: str) -> None:
    # --unlock reads the login keyring password from stdin until end of file
    argv = ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"]
    keyring = _spawn(
        daemon,
        argv,
        "gnome-keyring.log",
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    assert keyring.stdin is not None
    # a daemon that died at once is reported by the wait that follows
    with contextlib.suppress(BrokenPipeError), keyring.stdin:
        keyring.stdin.write(password.encode())


def _wait_until_unlocked(daemon: KeyringDaemon, deadline: float) -> None:
    """Poll the bus until the default collection exists and is unlocked."""
    while True:
        stopped = [p.args[0] for p in daemon._processes if p.poll() is not None]
        if stopped:
            raise KeyringDaemonError(_failure(daemon, f"{stopped[0]} exited"))
        if _is_unlocked(daemon.env["DBUS_SESSION_BUS_ADDRESS"]):
            return
        if time.monotonic() > deadline:
            raise KeyringDaemonError(_failure(daemon, _LOCKED_REASON))
        time.sleep(_POLL_SECONDS)


def _is_unlocked(address: str) -> bool:
    # asking for the name's owner, not for availability, keeps the bus from
    # activating a second gnome-keyring through its service file
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection
    from secretstorage import Collection
    from secretstorage.exceptions import SecretStorageException

    try:
        with open_dbus_connection(bus=address) as connection:
            query = message_bus.NameHasOwner("org.freedesktop.secrets")
            if not connection.send_and_get_reply(query).body[0]:
                return False
            return not Collection(connection).is_locked()
    except (OSError, SecretStorageException):
        return False


def _failure(daemon: KeyringDaemon, reason: str) -> str:
    logs = []
    for log in sorted(daemon.root.glob("*.log")):
        text = log.read_text(errors="replace").strip()
        logs.append(f"--- {log.name} ---\n{text or '(empty)'}")
    return f"cannot start a test secret service: {reason}\n" + "\n".join(logs)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
