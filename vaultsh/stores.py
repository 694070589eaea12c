"""Short ways to the vault's items for the backends users name most.

Loading the keyring library and letting it pick a backend costs more than
everything else a cached `vaultsh exec` does. When the user has named the
backend (PYTHON_KEYRING_BACKEND, or default-keyring in keyring's
keyringrc.cfg) and it is one of these two, the vault reads it without keyring:

- vaultsh's encrypted file, read with vaultsh.sealedfile; changes go through
  the keyring backend built around the same unlocked file, so the passphrase
  is derived once a process;
- a Secret Service (gnome-keyring, KeePassXC), read with secretstorage over
  one D-Bus connection for the whole process, from the collection and with
  the attributes keyring's own backend uses. Anything unusual (a locked
  collection, no default collection, a D-Bus error) hands the read back to
  keyring, which can unlock or explain.

Writes always go through keyring. Any KEYRING_PROPERTY_* variable, or a
keyring-path in keyringrc.cfg, changes how keyring builds a backend, so
either turns the short ways off.
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

FILE_BACKEND = "vaultsh.filestore.EncryptedFileKeyring"
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"


class Fallback(Exception):
    """The short way cannot answer this read; keyring should."""


def configured_backend(named: str | None, environ=None) -> str | None:
    """`named` (see named_backend), or None where keyring builds it its own way."""
    environ = os.environ if environ is None else environ
    if any(name.startswith("KEYRING_PROPERTY_") for name in environ):
        return None
    return named


def named_backend(environ=None) -> str | None:
    """The backend PYTHON_KEYRING_BACKEND or keyringrc.cfg names, if any."""
    environ = os.environ if environ is None else environ
    named = environ.get("PYTHON_KEYRING_BACKEND")
    if named is not None:
        return named.strip()
    return _from_keyringrc(environ)


def keyringrc_path(environ) -> Path:
    """keyringrc.cfg where keyring looks for it on Linux."""
    root = environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(root) / "python_keyring" / "keyringrc.cfg"


def _from_keyringrc(environ) -> str | None:
    if not sys.platform.startswith("linux"):
        return None
    path = keyringrc_path(environ)
    if not path.exists():
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        if parser.has_option("backend", "keyring-path"):
            return None
        return parser.get("backend", "default-keyring").strip()
    except (configparser.Error, OSError, UnicodeDecodeError):
        # keyring reports a broken file itself
        return None


def reader_for(name: str | None):
    """A short-way reader for the named backend, or None to use keyring."""
    if name == FILE_BACKEND:
        from vaultsh.sealedfile import SealedFile, fcntl

        return SealedFile() if fcntl is not None else None
    if name == SECRET_SERVICE_BACKEND and sys.platform.startswith("linux"):
        return SecretServiceReader()
    return None


def writer_for(reader):
    """The keyring backend that changes what `reader` reads, or None."""
    from vaultsh.sealedfile import SealedFile

    if isinstance(reader, SealedFile):
        from vaultsh.filestore import EncryptedFileKeyring

        return EncryptedFileKeyring(sealed=reader)
    return None


class SecretServiceReader:
    """Reads keyring's Secret Service items over one connection and session."""

    def __init__(self) -> None:
        self._collection = None

    def get(self, service: str, username: str) -> str | None:
        collection = self._open()
        try:
            for item in collection.search_items(
                {"username": username, "service": service}
            ):
                if item.is_locked():
                    raise Fallback("the item is locked")
                return item.get_secret().decode("utf-8")
        except Fallback:
            raise
        except Exception as exc:  # D-Bus and Secret Service errors alike
            raise Fallback(f"secret service read failed: {exc}") from exc
        return None

    def _open(self):
        if self._collection is not None:
            return self._collection
        try:
            import secretstorage
            from secretstorage.util import open_session

            connection = secretstorage.dbus_init()
        except Exception as exc:  # no module, no bus, no service
            raise Fallback(f"no secret service connection: {exc}") from exc
        try:
            collection = secretstorage.Collection(
                connection, session=open_session(connection)
            )
            locked = collection.is_locked()
        except Exception as exc:  # no default collection: keyring makes one
            connection.close()
            raise Fallback(f"no usable default collection: {exc}") from exc
        if locked:
            connection.close()
            raise Fallback("the default collection is locked")
        self._collection = collection
        return collection
