"""The vaultsh file keyring's format and storage, without the keyring library.

One file holds a header (magic, format version, scrypt parameters, salt), a
nonce and the AES-GCM encryption of a JSON mapping service -> username ->
password. The header is authenticated as associated data, so a changed KDF
parameter is caught like a wrong passphrase.

`SealedFile` reads and changes that file. `vaultsh.filestore` wraps it as a
keyring backend; vaultsh's own reads use it directly, which spares them the
cost of loading keyring.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import struct
import unicodedata
import warnings
from collections import namedtuple
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: the backend reports itself not viable
    fcntl = None  # type: ignore[assignment]

DIR_ENV = "VAULTSH_FILE_DIR"
PASSPHRASE_ENV = "VAULTSH_FILE_PASSPHRASE"
FILE_NAME = "keyring.bin"
LOCK_NAME = "keyring.bin.lock"
FORMAT_VERSION = 1

# scrypt cost: about 32 MiB and 0.1 s, paid once a process
SCRYPT_LOG2_N = 15
SCRYPT_R = 8
SCRYPT_P = 1
_MAX_SCRYPT_MEMORY = 1 << 30

_MAGIC = b"VSKR"
_HEADER = struct.Struct(">4sBBBB16s")  # magic, version, log2(n), r, p, salt
_NONCE_SIZE = 12
_TAG_SIZE = 16

Items = dict[str, dict[str, str]]


class SealedFileError(Exception):
    """The file keyring cannot be used; the message says why."""


class Locked(SealedFileError):
    """No passphrase, or not the one the file was sealed with."""


class NotStored(SealedFileError):
    """A deletion found nothing to delete."""


class UpdateFailed(SealedFileError):
    """A change could not be made (no new passphrase, or a failed write)."""


Unusable = SealedFileError


def default_path() -> Path:
    """Return the keyring file path, from the first of these that is set.

    1. ``$VAULTSH_FILE_DIR/keyring.bin``
    2. ``$XDG_DATA_HOME/vaultsh/keyring.bin`` (an absolute XDG_DATA_HOME only)
    3. ``~/.local/share/vaultsh/keyring.bin``
    """
    folder = os.environ.get(DIR_ENV)
    if folder:
        return Path(folder).expanduser() / FILE_NAME
    data_home = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(data_home):
        data_home = os.path.expanduser("~/.local/share")
    return Path(data_home) / "vaultsh" / FILE_NAME


class _Header(
    namedtuple(
        "_Header",
        "salt log2_n r p version",
        defaults=(SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, FORMAT_VERSION),
    )
):
    """The clear-text start of the file: what is needed to derive the key."""

    __slots__ = ()

    def pack(self) -> bytes:
        fields = (_MAGIC, self.version, self.log2_n, self.r, self.p, self.salt)
        return _HEADER.pack(*fields)

    @classmethod
    def parse(cls, blob: bytes, path: Path) -> _Header:
        """Read the header at the start of blob; raise Unusable if it cannot be used."""
        if not blob.startswith(_MAGIC):
            raise Unusable(f"{path} is not a vaultsh file keyring")
        if len(blob) < _HEADER.size + _NONCE_SIZE + _TAG_SIZE:
            raise Unusable(f"the vaultsh file keyring at {path} is truncated")
        _, version, log2_n, r, p, salt = _HEADER.unpack_from(blob)
        if version != FORMAT_VERSION:
            raise Unusable(
                f"the vaultsh file keyring at {path} has format version {version}; "
                "upgrade vaultsh to read it"
            )
        header = cls(salt=salt, log2_n=log2_n, r=r, p=p, version=version)
        header.check_cost(path)
        return header

    def check_cost(self, path: Path) -> None:
        """Refuse KDF parameters that would exhaust memory before the tag check."""
        memory = 128 * self.r * (1 << self.log2_n)
        sane = self.log2_n >= 1 and self.r >= 1 and 1 <= self.p <= 16
        if not sane or memory > _MAX_SCRYPT_MEMORY:
            raise Unusable(
                f"the vaultsh file keyring at {path} has unsupported kdf parameters"
            )


def _derive_key(passphrase: str, header: _Header) -> bytes:
    # cryptography is imported here: keyring loads this module through its
    # entry point in every process that auto-detects a backend
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = Scrypt(
        salt=header.salt, length=32, n=1 << header.log2_n, r=header.r, p=header.p
    )
    return kdf.derive(unicodedata.normalize("NFC", passphrase).encode("utf-8"))


def _seal(key: bytes, header: _Header, items: Items) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    associated = header.pack()
    nonce = os.urandom(_NONCE_SIZE)
    plaintext = json.dumps(items, sort_keys=True).encode("ascii")
    return associated + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def _unseal(key: bytes, blob: bytes, path: Path) -> Items:
    """Decrypt a whole file; raise Locked when the key does not fit."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    start = _HEADER.size + _NONCE_SIZE
    associated, nonce = blob[: _HEADER.size], blob[_HEADER.size : start]
    try:
        plaintext = AESGCM(key).decrypt(nonce, blob[start:], associated)
    except InvalidTag:
        raise Locked(
            f"wrong passphrase for the vaultsh file keyring at {path} "
            "(or the file is damaged)"
        ) from None
    return _parse_items(plaintext, path)


def _parse_items(plaintext: bytes, path: Path) -> Items:
    try:
        items = json.loads(plaintext)
    except ValueError:
        items = None
    if not isinstance(items, dict) or not all(
        isinstance(users, dict) for users in items.values()
    ):
        raise Unusable(f"the vaultsh file keyring at {path} is damaged")
    return items


def _ask(prompt: str) -> str:
    """Read a hidden line from the terminal; raise GetPassWarning without one."""
    with warnings.catch_warnings():
        # getpass falls back to an echoing stdin with only a warning
        warnings.simplefilter("error", getpass.GetPassWarning)
        return getpass.getpass(prompt)


def _ask_new(path: Path) -> str:
    passphrase = _ask(f"new passphrase for the vaultsh file keyring at {path}: ")
    if not passphrase:
        raise UpdateFailed("the passphrase is empty; choose a non-empty one")
    if _ask("repeat the passphrase: ") != passphrase:
        raise UpdateFailed("the passphrases do not match; try again")
    return passphrase


def _read_passphrase(path: Path, new: bool) -> str:
    """Return the passphrase from the environment or the terminal.

    Raise Locked when neither can give one.
    """
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return passphrase
    try:
        if new:
            return _ask_new(path)
        return _ask(f"passphrase for the vaultsh file keyring at {path}: ")
    except (getpass.GetPassWarning, EOFError):
        raise Locked(
            f"no passphrase for the vaultsh file keyring at {path}; "
            f"set {PASSPHRASE_ENV} or run in a terminal"
        ) from None


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace path with data so a crash leaves either the old or the new file."""
    import tempfile

    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SealedFile:
    """The items of one file keyring; the passphrase is asked once an instance.

    The passphrase comes from ``VAULTSH_FILE_PASSPHRASE`` or a hidden prompt
    on the terminal. Without either, and on a wrong passphrase, reads and
    changes raise `Locked`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._unlocked: tuple[_Header, bytes] | None = None

    def get(self, service: str, username: str) -> str | None:
        """Return the stored password, or None when there is none."""
        loaded = self._load()
        if loaded is None:
            return None
        return loaded[1].get(service, {}).get(username)

    def set(self, service: str, username: str, password: str) -> None:
        """Store password, replacing any earlier one; raise UpdateFailed."""

        def put(items: Items) -> None:
            items.setdefault(service, {})[username] = password

        self.update(put, create=True)

    def delete(self, service: str, username: str) -> None:
        """Remove an item; raise NotStored when there is none."""

        def remove(items: Items) -> None:
            users = items.get(service, {})
            if username not in users:
                raise NotStored(f"no password for {username} in {service}")
            del users[username]
            if not users:
                del items[service]

        self.update(remove, create=False)

    def update(self, change: Callable[[Items], None], create: bool) -> None:
        """Read, change and write the items while holding the lock file."""
        self._unlock_ahead(create)
        with self._locked():
            header, items = self._load() or self._new_contents(create)
            change(items)
            blob = _seal(self._key(header), header, items)
            try:
                _write_atomically(self.path, blob)
            except OSError as exc:
                raise UpdateFailed(self._os_failure("write", exc)) from exc

    def _unlock_ahead(self, create: bool) -> None:
        """Ask for the passphrase before locking, so a prompt never holds the lock."""
        blob = self._read()
        if blob is not None:
            self._key(_Header.parse(blob, self.path))
        else:
            self._new_contents(create)

    def _new_contents(self, create: bool) -> tuple[_Header, Items]:
        if not create:
            raise NotStored(f"no vaultsh file keyring at {self.path}")
        return self._new_header(), {}

    def _new_header(self) -> _Header:
        if self._unlocked is None:
            header = _Header(salt=os.urandom(16))
            passphrase = _read_passphrase(self.path, new=True)
            self._unlocked = (header, _derive_key(passphrase, header))
        return self._unlocked[0]

    def _key(self, header: _Header) -> bytes:
        """Return the key for header, deriving it at most once per salt."""
        if self._unlocked is None or self._unlocked[0] != header:
            passphrase = _read_passphrase(self.path, new=False)
            self._unlocked = (header, _derive_key(passphrase, header))
        return self._unlocked[1]

    def _load(self) -> tuple[_Header, Items] | None:
        """Return the header and items, or None when there is no file yet."""
        blob = self._read()
        if blob is None:
            return None
        header = _Header.parse(blob, self.path)
        try:
            return header, _unseal(self._key(header), blob, self.path)
        except Locked:
            self._unlocked = None
            raise

    def _read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Unusable(self._os_failure("read", exc)) from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the lock file beside the keyring file."""
        try:
            self._make_folder()
            lock_path = self.path.with_name(LOCK_NAME)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise UpdateFailed(self._os_failure("lock", exc)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _make_folder(self) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            return
        # mkdir's mode is filtered by the umask
        folder.chmod(0o700)

    def _os_failure(self, action: str, exc: OSError) -> str:
        reason = (exc.strerror or str(exc)).lower()
        return f"cannot {action} the vaultsh file keyring at {self.path}: {reason}"
