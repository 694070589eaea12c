"""One contract for the vault on every storage backend it runs on.

The same tests run against the encrypted-file backend and against the Secret
Service of a real gnome-keyring on a private D-Bus (tests/keyring_daemon.py;
CI installs gnome-keyring). Each test uses a service name of its own, since
the Secret Service outlives a test.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from keyring.backends import SecretService

from tests.unit.conftest import session_creds
from tests.unit.test_keyring_backends import secret_service  # noqa: F401 - fixture
from vaultsh.credentials import Credentials, mask, utcnow
from vaultsh.filestore import EncryptedFileKeyring
from vaultsh.vault import Vault

KEY = Credentials("AKIAIOSFODNN7CONTRACT", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCONTRACTKEY")
PROFILES = ["dev", "prod.eu-west-1", "team lead", "ops@example.com", "Ünïcödé-用户 🚀"]


class Reading:
    """A backend that notes which items are read, passing everything on."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.reads: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.reads.append(username)
        return self.inner.get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.inner.set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self.inner.delete_password(service, username)


@pytest.fixture
def file_backend(isolated) -> EncryptedFileKeyring:
    return EncryptedFileKeyring()


@pytest.fixture
def secret_service_backend(secret_service) -> SecretService.Keyring:  # noqa: F811
    return SecretService.Keyring()


@pytest.fixture(params=["file_backend", "secret_service_backend"])
def store(request, isolated) -> Reading:
    """Each storage backend, behind a recorder of the items read."""
    return Reading(request.getfixturevalue(request.param))


@pytest.fixture
def vault(store: Reading) -> Vault:
    return Vault(store, service=f"vaultsh-contract-{uuid.uuid4().hex}")


def test_stored_key_comes_back(vault):
    vault.set_key("dev", KEY)

    assert vault.get_key("dev") == KEY
    assert vault.key_profiles() == {"dev": mask(KEY.access_key_id)}


def test_missing_key_is_none(vault):
    assert vault.get_key("never-stored") is None
    assert vault.key_profiles() == {}


@pytest.mark.parametrize("profile", PROFILES)
def test_any_profile_name_round_trips(vault, profile):
    vault.set_key(profile, KEY)
    vault.set_session("sts.AssumeRole", profile, None, session_creds(1800))

    assert vault.get_key(profile) == KEY
    assert list(vault.key_profiles()) == [profile]
    assert [e.profile for e in vault.sessions(profile)] == [profile]


def test_removed_key_is_gone(vault):
    vault.set_key("dev", KEY)
    vault.set_key("other", KEY)

    assert vault.remove_key("dev") is True
    assert vault.get_key("dev") is None
    assert list(vault.key_profiles()) == ["other"]
    assert vault.remove_key("dev") is False


def test_sessions_are_listed_without_reading_a_secret(vault, store):
    vault.set_key("dev", KEY)
    vault.set_session("sts.GetSessionToken", "dev", None, session_creds(900))
    vault.set_session("sts.AssumeRole", "site", "arn:mfa", session_creds(1800))
    store.reads.clear()

    listed = vault.sessions()
    keys = vault.key_profiles()

    assert set(store.reads) == {"index"}
    assert [(e.kind, e.profile) for e in listed] == [
        ("sts.GetSessionToken", "dev"),
        ("sts.AssumeRole", "site"),
    ]
    assert keys == {"dev": mask(KEY.access_key_id)}


def test_session_comes_back_with_its_expiry(vault):
    creds = session_creds(1800)
    vault.set_session("sts.AssumeRole", "site", "arn:mfa", creds)

    back = vault.get_session("sts.AssumeRole", "site", "arn:mfa")

    assert back.session_token == creds.session_token
    assert abs(back.expiration - creds.expiration) < timedelta(seconds=1)
    assert vault.get_session("sts.AssumeRole", "site", None) is None


def test_clearing_sessions_keeps_keys(vault):
    vault.set_key("dev", KEY)
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))

    assert vault.clear_sessions() == 1
    assert vault.sessions() == []
    assert vault.get_session("sts.AssumeRole", "site", None) is None
    assert vault.get_key("dev") == KEY


def test_rotation_record_comes_back_and_is_listed_until_forgotten(vault, store):
    record = {"user": "u", "old": KEY.access_key_id, "started": "2026-01-01T00:00:00Z"}
    vault.set_rotation("dev", record)
    store.reads.clear()

    assert vault.pending_rotations() == {"dev": "2026-01-01T00:00:00Z"}
    assert store.reads == ["index"]
    assert vault.get_rotation("dev") == record

    vault.forget_rotation("dev")
    assert vault.get_rotation("dev") is None
    assert vault.pending_rotations() == {}


def test_ended_sessions_are_dropped_when_a_new_one_is_stored(vault):
    ended = Credentials("ASIAENDED", "s" * 40, "t", utcnow() - timedelta(minutes=1))
    vault.set_session("sts.AssumeRole", "old", None, ended)
    vault.set_session("sts.AssumeRole", "site", None, session_creds(1800))

    assert [e.profile for e in vault.sessions()] == ["site"]
    assert vault.get_session("sts.AssumeRole", "old", None) is None
