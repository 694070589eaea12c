"""A keyring backend that keeps every item in one passphrase-encrypted file.

It is meant for headless machines without a desktop keyring. Select it with
``PYTHON_KEYRING_BACKEND=vaultsh.filestore.EncryptedFileKeyring`` or with
``default-keyring`` in keyringrc.cfg; its negative priority keeps keyring from
choosing it on its own. The file's format lives in `vaultsh.sealedfile`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import (
    KeyringError,
    KeyringLocked,
    PasswordDeleteError,
    PasswordSetError,
)

from vaultsh import sealedfile
from vaultsh.sealedfile import (  # noqa: F401 (the backend's settings, re-exported)
    DIR_ENV,
    FILE_NAME,
    FORMAT_VERSION,
    LOCK_NAME,
    PASSPHRASE_ENV,
    SCRYPT_LOG2_N,
    SCRYPT_R,
    SealedFile,
    default_path,
)


@contextlib.contextmanager
def _as_keyring_errors(failed: type[KeyringError]) -> Iterator[None]:
    """Raise the file's errors as the keyring errors callers expect."""
    try:
        yield
    except sealedfile.Locked as exc:
        raise KeyringLocked(str(exc)) from exc.__cause__
    except (sealedfile.NotStored, sealedfile.UpdateFailed) as exc:
        raise failed(str(exc)) from exc.__cause__
    except sealedfile.SealedFileError as exc:
        raise KeyringError(str(exc)) from exc.__cause__


class EncryptedFileKeyring(KeyringBackend):
    """Keyring items in one AES-GCM file keyed by a scrypt passphrase.

    The passphrase comes from ``VAULTSH_FILE_PASSPHRASE`` or a hidden prompt
    on the terminal, and is asked once an instance. Without either, and on a
    wrong passphrase, operations raise ``keyring.errors.KeyringLocked``.
    """

    @properties.classproperty
    def priority(cls) -> float:
        if sealedfile.fcntl is None:
            raise RuntimeError("the vaultsh file keyring needs fcntl (posix only)")
        # below fail.Keyring's 0: keyring never picks this backend by itself and
        # its chainer (backends above 0) never mixes it with a Secret Service
        return -0.5

    def __init__(self, sealed: SealedFile | None = None) -> None:
        super().__init__()
        self.sealed = sealed or SealedFile()

    @property
    def file_path(self) -> Path:
        return self.sealed.path

    @file_path.setter
    def file_path(self, path: Path) -> None:
        self.sealed.path = path

    def get_password(self, service: str, username: str) -> str | None:
        """Return the stored password, or None when there is none."""
        with _as_keyring_errors(KeyringError):
            return self.sealed.get(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store password, replacing any earlier one; raise PasswordSetError."""
        with _as_keyring_errors(PasswordSetError):
            self.sealed.set(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        """Remove an item; raise PasswordDeleteError when there is none."""
        with _as_keyring_errors(PasswordDeleteError):
            self.sealed.delete(service, username)
