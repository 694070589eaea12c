"""Keys and sessions kept in a real keyring backend (the encrypted file)."""

from __future__ import annotations

import json

import keyring.backends.fail
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordSetError

from tests.unit.conftest import session_creds
from vaultsh.credentials import Credentials
from vaultsh.errors import VaultError
from vaultsh.filestore import PASSPHRASE_ENV, EncryptedFileKeyring
from vaultsh.vault import NO_BACKEND_HINT, SERVICE, Vault

KEY = Credentials("AKIAIOSFODNN7LONGKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLONGTERMKEY")
OTHER = Credentials("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbOTHERSECRET")


class ReadRecorder(EncryptedFileKeyring):
    """The file backend, noting which items are read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.reads.append(username)
        return super().get_password(service, username)


class RefusesWrites(KeyringBackend):
    """A backend whose every write fails the way keyring reports it."""

    priority = 1

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        raise PasswordSetError("the disk is full")

    def delete_password(self, service, username):
        raise PasswordSetError("the disk is full")


def test_stored_key_is_read_back(vault):
    vault.set_key("dev", KEY)

    assert vault.get_key("dev") == KEY
    assert vault.get_key("prod") is None


def test_storing_again_replaces_the_key(vault):
    vault.set_key("dev", KEY)
    vault.set_key("dev", OTHER)

    assert vault.get_key("dev") == OTHER
    assert vault.key_profiles() == {"dev": "****MPLE"}


def test_removed_key_is_gone_from_keyring_and_index(vault):
    vault.set_key("dev", KEY)

    assert vault.remove_key("dev") is True
    assert vault.get_key("dev") is None
    assert vault.key_profiles() == {}
    assert vault.remove_key("dev") is False


def test_index_lists_profiles_with_masked_key_ids_only(vault, backend):
    vault.set_key("dev", KEY)
    vault.set_key("ci", OTHER)

    assert vault.key_profiles() == {"ci": "****MPLE", "dev": "****GKEY"}
    index = backend.get_password(SERVICE, "index")
    assert KEY.access_key_id not in index
    assert KEY.secret_access_key not in index


def test_items_live_under_the_vaultsh_service(vault, backend):
    vault.set_key("dev", KEY)

    stored = json.loads(backend.get_password("vaultsh", "key:dev"))
    assert stored["AccessKeyId"] == KEY.access_key_id


def test_session_is_read_back_with_its_expiry(vault):
    creds = session_creds(1800)
    vault.set_session("sts.AssumeRole", "site", "arn:mfa", creds)

    back = vault.get_session("sts.AssumeRole", "site", "arn:mfa")
    assert back.session_token == creds.session_token
    assert back.expiration == creds.expiration.replace(microsecond=0)
    assert vault.get_session("sts.AssumeRole", "site", None) is None


def test_sessions_are_listed_from_the_index_without_reading_secrets(isolated):
    recorder = ReadRecorder()
    vault = Vault(recorder)
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(900))
    recorder.reads.clear()

    entries = vault.sessions()

    assert recorder.reads == ["index"]
    assert [(e.kind, e.profile) for e in entries] == [
        ("sts.GetSessionToken", "dev"),
        ("sts.AssumeRole", "site"),
    ]
    assert 0 < entries[0].seconds_left() <= 900


def test_sessions_of_one_profile(vault):
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(900))

    assert [e.profile for e in vault.sessions("site")] == ["site"]


def test_same_kind_profile_and_serial_replace_one_session(vault):
    vault.set_session("sts.AssumeRole", "site", "a", session_creds(900))
    vault.set_session("sts.AssumeRole", "site", "a", session_creds(1800, "ASIANEWER"))
    vault.set_session("sts.AssumeRole", "site", "b", session_creds(1800))

    assert [e.serial for e in vault.sessions("site")] == ["a", "b"]
    assert vault.get_session("sts.AssumeRole", "site", "a").access_key_id == (
        "ASIANEWER"
    )


def test_clear_sessions_of_one_profile_keeps_the_others(vault):
    vault.set_key("dev", KEY)
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(900))

    assert vault.clear_sessions("site") == 1

    assert vault.get_session("sts.AssumeRole", "site", None) is None
    assert [e.profile for e in vault.sessions()] == ["dev"]
    assert vault.get_key("dev") == KEY


def test_clear_all_sessions_keeps_keys(vault):
    vault.set_key("dev", KEY)
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(900))

    assert vault.clear_sessions() == 2

    assert vault.sessions() == []
    assert vault.get_session("sts.GetSessionToken", "dev", None) is None
    assert vault.get_key("dev") == KEY
    assert vault.clear_sessions() == 0


def test_failed_write_is_one_vault_error_line():
    vault = Vault(RefusesWrites())

    with pytest.raises(VaultError) as caught:
        vault.set_key("dev", KEY)

    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("cannot write to the keyring: the disk is full; ")
    assert KEY.secret_access_key not in text


@pytest.mark.parametrize(
    ("action", "verb"),
    [
        (lambda v: v.get_key("dev"), "read from"),
        (lambda v: v.set_key("dev", OTHER), "write to"),
    ],
    ids=["read", "write"],
)
def test_locked_keyring_is_one_vault_error_line(vault, monkeypatch, action, verb):
    vault.set_key("dev", KEY)
    monkeypatch.setenv(PASSPHRASE_ENV, "not the passphrase")
    other_process = Vault(EncryptedFileKeyring())

    with pytest.raises(VaultError) as caught:
        action(other_process)

    assert isinstance(caught.value.__cause__, KeyringLocked)
    assert "\n" not in str(caught.value)
    assert caught.value.message.startswith(f"cannot {verb} the keyring: it is locked")
    assert "VAULTSH_FILE_PASSPHRASE" in caught.value.hint
    assert vault.get_key("dev") == KEY


def test_no_backend_says_how_to_get_one():
    vault = Vault(keyring.backends.fail.Keyring())

    with pytest.raises(VaultError) as caught:
        vault.key_profiles()

    assert caught.value.message == "no usable keyring backend"
    assert caught.value.hint == NO_BACKEND_HINT
    assert "PYTHON_KEYRING_BACKEND" in str(caught.value)


def test_keyring_choosing_no_backend_is_refused_up_front(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)

    with pytest.raises(VaultError) as caught:
        Vault().key_profiles()

    assert "PYTHON_KEYRING_BACKEND" in caught.value.hint


def test_default_backend_is_the_one_keyring_is_configured_with(backend):
    vault = Vault()
    vault.set_key("dev", KEY)

    assert vault.backend_name == "vaultsh.filestore.EncryptedFileKeyring"
    assert backend.get_password("vaultsh", "key:dev") is not None


def test_storing_a_session_drops_the_ended_ones(vault, backend):
    vault.set_session("sts.AssumeRole", "old", None, session_creds(-60))
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))

    assert [e.profile for e in vault.sessions()] == ["site"]
    assert vault.get_session("sts.AssumeRole", "old", None) is None
