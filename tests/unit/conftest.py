"""Fixtures for the unit tests: real parts, kept inside the test process.

- every test runs with its own HOME, AWS config path, state folder and
  keyring folder, and without the caller's AWS variables;
- the keyring is vaultsh's encrypted-file backend in the test's folder;
- AWS is moto in-process (`aws`), and `sent` records every request botocore
  puts on the wire (action, parameters and the signing key id), so a test can
  assert what vaultsh sent even where moto ignores a parameter.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import botocore.handlers
import keyring.core
import pytest
from moto import mock_aws

from vaultsh import config as config_mod
from vaultsh import stores
from vaultsh.credentials import Credentials, utcnow
from vaultsh.filestore import DIR_ENV, PASSPHRASE_ENV, EncryptedFileKeyring
from vaultsh.vault import Vault

ACCOUNT = "123456789012"
USER = "dev-work-sts"
REGION = "us-east-1"
PASSPHRASE = "unit-test passphrase"
BACKEND_NAME = "vaultsh.filestore.EncryptedFileKeyring"
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/dev-phone"
#: variables of the caller that would change what vaultsh or botocore does
_OUTSIDE = re.compile(r"^(AWS_|VAULTSH_|PYTHON_KEYRING_BACKEND$|XDG_)")


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def session_creds(seconds: float, key_id: str = "ASIAEXAMPLECACHED001") -> Credentials:
    """Temporary credentials that end `seconds` from now."""
    return Credentials(
        key_id,
        "cached-secret-0123456789abcdefghijklmn",
        "cached-session-token-0123456789",
        utcnow() + timedelta(seconds=seconds),
    )


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every file vaultsh, keyring and botocore touch into tmp_path."""
    for name in list(os.environ):
        if _OUTSIDE.match(name):
            monkeypatch.delenv(name)
    # cli.main counts its depth in os.environ itself; undo that after the test
    monkeypatch.setenv("VAULTSH_DEPTH", "0")
    monkeypatch.delenv("VAULTSH_DEPTH")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws" / "creds"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", BACKEND_NAME)
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "keyring"))
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    # kernel keyring copies are shared by every process of the user; the tests
    # that are about them turn them on
    monkeypatch.setenv("VAULTSH_KERNEL_KEYRING", "off")
    return tmp_path


@pytest.fixture(scope="session")
def _keyring_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[EncryptedFileKeyring, bytes]:
    """One unlocked backend and an empty keyring file made with its key.

    Deriving the scrypt key costs about 0.1 s; tests share it by copying the
    empty file (same salt) into their own folder.
    """
    folder = tmp_path_factory.mktemp("keyring-template")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DIR_ENV, str(folder))
        patch.setenv(PASSPHRASE_ENV, PASSPHRASE)
        backend = EncryptedFileKeyring()
        backend.set_password("template", "item", "x")
        backend.delete_password("template", "item")
    return backend, backend.file_path.read_bytes()


@pytest.fixture
def backend(
    _keyring_template: tuple[EncryptedFileKeyring, bytes],
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> EncryptedFileKeyring:
    """The encrypted-file keyring in this test's folder, also keyring's default."""
    shared, blob = _keyring_template
    folder = isolated / "keyring"
    folder.mkdir(mode=0o700)
    (folder / "keyring.bin").write_bytes(blob)
    monkeypatch.setattr(shared, "file_path", folder / "keyring.bin")
    # keyring keeps the backend it chose in a module global; give it ours, and
    # let vaultsh's short way read the same unlocked file (one scrypt a run)
    monkeypatch.setattr(keyring.core, "_keyring_backend", shared)
    monkeypatch.setattr(
        stores,
        "reader_for",
        lambda name: shared.sealed if name == stores.FILE_BACKEND else None,
    )
    return shared


@pytest.fixture
def vault(backend: EncryptedFileKeyring) -> Vault:
    return Vault(backend)


@pytest.fixture
def aws() -> Iterator[None]:
    """moto in this process for every boto3 client made while the test runs."""
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def _admin_client():
    """Made once: building a client costs more than most moto calls."""
    import boto3

    return boto3.client(
        "iam",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def admin(aws: None, _admin_client):
    """An IAM client for setting the account up, as moto's administrator."""
    return _admin_client


@pytest.fixture
def user_key(admin) -> Credentials:
    """The long-term key of IAM user dev-work-sts."""
    admin.create_user(UserName=USER)
    made = admin.create_access_key(UserName=USER)["AccessKey"]
    return Credentials(made["AccessKeyId"], made["SecretAccessKey"])


@pytest.fixture
def stored_dev(vault: Vault, user_key: Credentials) -> Credentials:
    """The user's key stored in the vault as profile dev."""
    vault.set_key("dev", user_key)
    return user_key


@dataclass(frozen=True)
class Sent:
    """One request as it left botocore."""

    service: str
    action: str
    params: dict[str, str]
    key_id: str


_SCOPE = re.compile(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, _admin_client) -> list[Sent]:
    """Every query-protocol request (STS, IAM) of clients made from now on.

    The administrator's client is made before, so its setup calls stay out.
    """
    calls: list[Sent] = []

    def record(request, **_) -> None:
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        scope = _SCOPE.search(auth)
        body = request.body or b""
        body = body.decode() if isinstance(body, bytes) else str(body)
        params = dict(parse_qsl(body))
        key_id, service = scope.groups() if scope else ("", "")
        calls.append(Sent(service, params.pop("Action", ""), params, key_id))

    # moto is imported above, so its own handler is already in this list; ours
    # goes first, so that it sees the request before moto answers it
    spec = ("before-send", record, botocore.handlers.REGISTER_FIRST)
    handlers = [*botocore.handlers.BUILTIN_HANDLERS, spec]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    return calls


def sts_actions(calls: list[Sent]) -> list[str]:
    return [c.action for c in calls if c.service == "sts"]


@pytest.fixture
def write_config(isolated: Path) -> Callable[[str], config_mod.Config]:
    """Write the AWS config file (AWS_CONFIG_FILE) and load it."""
    path = isolated / "aws" / "config"

    def write(text: str) -> config_mod.Config:
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return config_mod.load(path)

    return write


@pytest.fixture
def python_script(tmp_path: Path) -> Callable[[str, str], str]:
    """Write a Python script; returns a shell-safe command that runs it."""
    import shlex

    def make(name: str, body: str) -> str:
        script = tmp_path / name
        script.write_text(textwrap.dedent(body))
        return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"

    return make
