"""Long-term keys and cached sessions, kept in a keyring backend.

Every item lives under the keyring service `vaultsh`:
- `key:PROFILE` holds a profile's long-term access key;
- `session:["KIND","PROFILE","SERIAL"]` holds one cached STS session;
- `rotation:PROFILE` records a key rotation under way (see commands.rotate);
- `index` lists which keys, sessions and rotations exist, with each session's
  expiry, so that `list` and the prompt never need to read a secret.
Sessions and the index (never a long-term key) are also copied into the
kernel's user keyring (vaultsh.keyctl) for their lifetime, so that a cached
lookup reads neither D-Bus nor the encrypted file. Copies are made and
dropped only under the vault lock, the same lock every change takes, so a
copy never outlives the item it copies.
The backend is whatever keyring picks: PYTHON_KEYRING_BACKEND, keyringrc.cfg,
or its own detection. Reads of a named file or Secret Service backend take the
short ways of vaultsh.stores.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections import namedtuple
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from vaultsh import keyctl, stores
from vaultsh.config import env_seconds
from vaultsh.credentials import Credentials, mask, parse_time, rfc3339, utcnow
from vaultsh.errors import VaultError

log = logging.getLogger(__name__)

SERVICE = "vaultsh"
INDEX = "index"
LOCK_TIMEOUT_VARIABLE = "VAULTSH_LOCK_TIMEOUT"
LOCK_WAIT = 120.0
#: how long the kernel keeps its copy of the index without a change
INDEX_COPY_SECONDS = 3600
NO_BACKEND_HINT = (
    "start a Secret Service (gnome-keyring) or use the encrypted file: "
    "PYTHON_KEYRING_BACKEND=vaultsh.filestore.EncryptedFileKeyring"
)


class SessionEntry(namedtuple("SessionEntry", "kind profile serial expiration")):
    """A cached session as the index describes it (strings, and an aware
    datetime); holds no secret."""

    __slots__ = ()

    def seconds_left(self, now: datetime | None = None) -> float:
        return (self.expiration - (now or utcnow())).total_seconds()


def state_dir() -> Path:
    """Where vaultsh keeps lock files and history: $XDG_STATE_HOME/vaultsh.

    An XDG_STATE_HOME that is not an absolute path is ignored, as the XDG
    specification asks; the default is ~/.local/state.
    """
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.expanduser("~/.local/state")
    path = Path(base) / "vaultsh"
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise VaultError(
            f"cannot make the folder {path}: {(exc.strerror or str(exc)).lower()}",
            "point XDG_STATE_HOME at a folder you can write to",
        ) from None
    return path


def _open_lock(name: str) -> int:
    path = state_dir() / f"{name}.lock"
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise VaultError(
            f"cannot open the lock file {path}: {(exc.strerror or str(exc)).lower()}",
            "check the folder's permissions (XDG_STATE_HOME)",
        ) from None


def lock_wait() -> float:
    """How long to wait for a lock: VAULTSH_LOCK_TIMEOUT seconds, else 120."""
    return env_seconds(LOCK_TIMEOUT_VARIABLE, LOCK_WAIT)


@contextlib.contextmanager
def file_lock(name: str, what: str | None = None) -> Iterator[None]:
    """An exclusive lock between vaultsh processes, released on exit or death.

    The kernel drops the lock of a process that dies, so a killed holder never
    blocks anyone; a holder that hangs makes others give up after lock_wait()
    seconds with a VaultError naming its process id.
    """
    fd = _open_lock(name)
    try:
        _acquire(fd, what or name)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def try_lock(name: str, optional: bool = False) -> Iterator[bool]:
    """Like file_lock, but yields False at once when another process holds it.

    With optional, a lock file that cannot be opened (no state folder) also
    yields False instead of raising: for callers that can go on without it.
    """
    try:
        fd = _open_lock(name)
    except VaultError:
        if not optional:
            raise
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _acquire(fd: int, what: str) -> None:
    wait = lock_wait()
    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            raise VaultError(
                f"waited {wait:g}s for vaultsh process {_holder(fd)}, which holds "
                f"the lock on {what}",
                "end that process or let it finish, then try again",
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _holder(fd: int) -> str:
    """The process id the lock file names, or `?`."""
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return text if text.isdigit() else "?"


def _session_user(kind: str, profile: str, serial: str | None) -> str:
    return "session:" + json.dumps([kind, profile, serial or ""])


class Vault:
    """Keys and sessions in a keyring backend; all keyring errors become VaultError."""

    def __init__(
        self, backend=None, service: str = SERVICE, remember_index: bool = False
    ) -> None:
        """A vault on `backend`, else on the backend keyring would pick.

        With remember_index, the index is read once and then kept, apart from
        this vault's own changes: for commands that end within seconds.
        """
        self._backend = backend
        self._reader = None
        self._copies = None
        self.service = service
        if backend is None:
            named = stores.named_backend()
            self._reader = stores.reader_for(stores.configured_backend(named))
            store = self._reader
        else:
            kind = type(backend)
            named = f"{kind.__module__}.{kind.__name__}"
            store = getattr(backend, "sealed", None)
        space = _copy_space(service, named, store)
        if space is not None:
            try:
                # a vault read without the short ways only drops copies: the
                # store it changes may be the one they copy
                self._copies = keyctl.open_kernel_keyring(
                    space, reading=store is not None
                )
            except ValueError as exc:
                raise VaultError(str(exc), "set it to on or off, or unset it") from None
        self._remember_index = remember_index
        self._remembered: dict | None = None

    @property
    def backend(self):
        if self._backend is None:
            self._backend = stores.writer_for(self._reader) or _load_backend()
        return self._backend

    @property
    def backend_name(self) -> str:
        kind = type(self.backend)
        return f"{kind.__module__}.{kind.__name__}"

    # raw items -------------------------------------------------------------

    def _get(self, user: str) -> str | None:
        if self._reader is not None:
            try:
                with _translated("read from"):
                    return self._reader.get(self.service, user)
            except stores.Fallback as exc:
                log.debug("reading through keyring: %s", exc)
                self._reader = None
        with _translated("read from"):
            return self.backend.get_password(self.service, user)

    def _get_copied(self, user: str, lifetime: Callable[[str], float]) -> str | None:
        """An item from its kernel copy, else from the backend.

        The copy is made (for lifetime(value) seconds) only when the vault
        lock is free: a change under way may be about to make the value stale.
        """
        copies = self._copies
        if copies is None or not copies.reading:
            return self._get(user)
        copy = copies.get(user)
        if copy is not None:
            try:
                text = copy.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                log.debug("%s: read from its kernel keyring copy", user)
                return text
        with try_lock("vault", optional=True) as locked:
            value = self._get(user)
            if locked and value is not None:
                copies.put(user, value.encode("utf-8"), int(lifetime(value)))
            return value

    def _copy(self, user: str, value: str | None, seconds: float = 0) -> None:
        """Replace or drop (value None) a kernel copy; only under the vault lock."""
        if self._copies is None:
            return
        if value is None:
            self._copies.drop(user)
        else:
            self._copies.put(user, value.encode("utf-8"), int(seconds))

    def _set(self, user: str, value: str) -> None:
        with _translated("write to"):
            self.backend.set_password(self.service, user, value)

    def _delete(self, user: str) -> bool:
        import keyring.errors

        try:
            with _translated("delete from"):
                self.backend.delete_password(self.service, user)
        except VaultError as exc:
            if isinstance(exc.__cause__, keyring.errors.PasswordDeleteError):
                return False
            raise
        return True

    def _index(self) -> dict:
        if self._remembered is None:
            index = self._read_index(self._get_copied(INDEX, _index_lifetime))
            if not self._remember_index:
                return index
            self._remembered = index
        return self._remembered

    def _read_index(self, raw: str | None) -> dict:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            log.warning(
                "the index of vaultsh's keyring items is damaged; run 'vaultsh add' "
                "again for each profile to rebuild it"
            )
            data = {}
        data.setdefault("keys", {})
        data.setdefault("sessions", [])
        data.setdefault("rotations", {})
        return data

    @contextlib.contextmanager
    def _editing_index(self) -> Iterator[dict]:
        with file_lock("vault", "the keyring index"):
            self._copy(INDEX, None)
            index = self._read_index(self._get(INDEX))
            yield index
            if not index["rotations"]:
                del index["rotations"]
            text = json.dumps(index, sort_keys=True)
            self._set(INDEX, text)
            self._copy(INDEX, text, INDEX_COPY_SECONDS)
            index["rotations"] = index.get("rotations", {})
            if self._remember_index:
                self._remembered = index

    # long-term keys --------------------------------------------------------

    def key_profiles(self) -> dict[str, str]:
        """Profiles with a stored key, each with its masked key id."""
        return dict(self._index()["keys"])

    def get_key(self, profile: str) -> Credentials | None:
        raw = self._get(f"key:{profile}")
        return Credentials.from_json(raw) if raw else None

    def set_key(self, profile: str, creds: Credentials) -> None:
        """Store a long-term key; the index follows only once the item is written."""
        self._set(f"key:{profile}", creds.to_json())
        with self._editing_index() as index:
            index["keys"][profile] = mask(creds.access_key_id)
        log.debug("profile %s: stored key %s", profile, mask(creds.access_key_id))

    def remove_key(self, profile: str) -> bool:
        found = self._delete(f"key:{profile}")
        with self._editing_index() as index:
            found = index["keys"].pop(profile, None) is not None or found
        return found

    # rotations under way ---------------------------------------------------

    def pending_rotations(self) -> dict[str, str]:
        """Profiles whose key rotation is under way, each with when it began."""
        return dict(self._index()["rotations"])

    def get_rotation(self, profile: str) -> dict | None:
        raw = self._get(f"rotation:{profile}")
        return json.loads(raw) if raw else None

    def set_rotation(self, profile: str, record: dict) -> None:
        """Write the record first, the index after: a crash leaves the record."""
        self._set(f"rotation:{profile}", json.dumps(record, sort_keys=True))
        with self._editing_index() as index:
            index["rotations"][profile] = record.get("started", "")

    def forget_rotation(self, profile: str) -> None:
        self._delete(f"rotation:{profile}")
        with self._editing_index() as index:
            index["rotations"].pop(profile, None)

    # sessions --------------------------------------------------------------

    def sessions(self, profile: str | None = None) -> list[SessionEntry]:
        """Cached sessions from the index, soonest to expire first."""
        entries = [
            SessionEntry(e["kind"], e["profile"], e["serial"], parse_time(e["expires"]))
            for e in self._index()["sessions"]
            if profile is None or e["profile"] == profile
        ]
        return sorted(entries, key=lambda e: e.expiration)

    def get_session(self, kind: str, profile: str, serial: str | None):
        raw = self._get_copied(_session_user(kind, profile, serial), _session_lifetime)
        return Credentials.from_json(raw) if raw else None

    def set_session(
        self, kind: str, profile: str, serial: str | None, creds: Credentials
    ) -> None:
        user = _session_user(kind, profile, serial)
        text = creds.to_json()
        self._set(user, text)
        entry = {
            "kind": kind,
            "profile": profile,
            "serial": serial or "",
            "expires": rfc3339(creds.expiration or utcnow()),
        }
        with self._editing_index() as index:
            keep = [e for e in index["sessions"] if not _same_session(e, entry)]
            index["sessions"] = self._drop_expired(keep) + [entry]
            self._copy(user, text, creds.seconds_left() or 0)

    def _drop_expired(self, entries: list[dict]) -> list[dict]:
        """Delete sessions that have ended; returns the live ones."""
        now = utcnow()
        live = []
        for entry in entries:
            if parse_time(entry["expires"]) > now:
                live.append(entry)
            else:
                self._delete_session(entry)
        return live

    def _drop_copies(self, profile: str | None) -> None:
        copies = self._copies
        raw = copies.get(INDEX) if copies is not None and copies.reading else None
        if raw is None:
            return
        try:
            entries = json.loads(raw).get("sessions", [])
            for entry in entries:
                if profile is None or entry["profile"] == profile:
                    user = _session_user(
                        entry["kind"], entry["profile"], entry["serial"]
                    )
                    copies.drop(user)
        except (ValueError, KeyError, TypeError, AttributeError):
            copies.drop(INDEX)

    def _delete_session(self, entry: dict) -> None:
        user = _session_user(entry["kind"], entry["profile"], entry["serial"])
        self._copy(user, None)
        self._delete(user)

    def clear_sessions(self, profile: str | None = None) -> int:
        """Delete cached sessions (of one profile, or all); returns how many.

        Their kernel copies go first, from the copied index: they end even
        when the keyring backend then refuses (locked, unreachable).
        """
        self._drop_copies(profile)
        with self._editing_index() as index:
            keep, drop = [], []
            for entry in index["sessions"]:
                mine = profile is None or entry["profile"] == profile
                (drop if mine else keep).append(entry)
            for entry in drop:
                self._delete_session(entry)
            index["sessions"] = keep
        return len(drop)


def _copy_space(service: str, named: str | None, store) -> str | None:
    """The name space of one store's kernel copies, or None for none.

    A file keyring is named by its real path; anything else by the D-Bus
    session bus, whose Secret Service keyring most likely uses.
    """
    path = getattr(store, "path", None)
    if path is None and named == stores.FILE_BACKEND:
        from vaultsh.sealedfile import default_path

        path = default_path()
    if path is not None:
        return f"vaultsh:{service}:file:{os.path.realpath(path)}"
    bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if bus:
        return f"vaultsh:{service}:secret-service:{bus}"
    return None


def _index_lifetime(value: str) -> float:
    return INDEX_COPY_SECONDS


def _session_lifetime(value: str) -> float:
    try:
        return Credentials.from_json(value).seconds_left() or 0
    except (ValueError, KeyError, TypeError, AttributeError):
        return 0


def _same_session(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in ("kind", "profile", "serial"))


@contextlib.contextmanager
def _translated(action: str) -> Iterator[None]:
    """Turn keyring and backend failures into one VaultError line."""
    try:
        yield
    except (VaultError, stores.Fallback):
        raise
    except Exception as exc:  # any backend: D-Bus, files, third-party packages
        raise _vault_error(action, exc) from exc


def _vault_error(action: str, exc: Exception) -> VaultError:
    # keyring is imported only once something failed: reads that take the
    # short ways of vaultsh.stores never load it
    import keyring.errors

    from vaultsh import sealedfile

    if isinstance(exc, (keyring.errors.KeyringLocked, sealedfile.Locked)):
        hint = "unlock it (log in to the desktop session) and try again"
        if "vaultsh file keyring" in str(exc):
            hint = "check VAULTSH_FILE_PASSPHRASE, or run in a terminal to be asked"
        return VaultError(f"cannot {action} the keyring: it is locked ({exc})", hint)
    if isinstance(exc, keyring.errors.NoKeyringError):
        return VaultError("no usable keyring backend", NO_BACKEND_HINT)
    if isinstance(exc, keyring.errors.PasswordDeleteError):
        return VaultError(f"nothing to delete ({exc})")
    if isinstance(exc, keyring.errors.PasswordSetError):
        hint = "check that it can be written (free space, permissions)"
        if "passphrase" in str(exc):
            hint = None
        return VaultError(f"cannot {action} the keyring: {exc}", hint)
    reason = " ".join(str(exc).split()) or type(exc).__name__
    hint = "check that the keyring service is running and unlocked"
    if "vaultsh file keyring" in reason:
        hint = "check VAULTSH_FILE_DIR and the permissions of its folder"
    return VaultError(f"cannot {action} the keyring: {reason}", hint)


def _load_backend():
    import configparser

    import keyring
    import keyring.backends.fail

    named = os.environ.get("PYTHON_KEYRING_BACKEND")
    where = "PYTHON_KEYRING_BACKEND"
    if named is None:
        named, where = stores.named_backend(), "keyringrc.cfg"
    try:
        with _translated("open"):
            backend = keyring.get_keyring()
    except VaultError as exc:
        cause = exc.__cause__
        if named is not None and isinstance(
            cause, (ImportError, AttributeError, ValueError)
        ):
            raise VaultError(
                f"the keyring backend {named!r} in {where} cannot be loaded",
                "check its spelling, for example "
                "vaultsh.filestore.EncryptedFileKeyring",
            ) from exc
        if isinstance(cause, configparser.Error):
            path = stores.keyringrc_path(os.environ)
            raise VaultError(
                f"keyring's config file {path} cannot be read",
                "fix its [backend] section, or remove the file",
            ) from exc
        raise
    if isinstance(backend, keyring.backends.fail.Keyring):
        raise VaultError("no usable keyring backend", NO_BACKEND_HINT)
    log.debug("keyring backend: %s", type(backend).__name__)
    return backend
