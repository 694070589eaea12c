"""One contract every keyring storage backend passes, plus file-backend details.

The contract runs against the encrypted file backend and against keyring's
Secret Service backend talking to a real gnome-keyring on a private bus.
"""

from __future__ import annotations

import getpass
import os
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService
from keyring.errors import (
    KeyringError,
    KeyringLocked,
    PasswordDeleteError,
    PasswordSetError,
)

from tests.keyring_daemon import KeyringDaemon, start_keyring_daemon
from vaultsh import filestore, sealedfile
from vaultsh.filestore import DIR_ENV, PASSPHRASE_ENV, EncryptedFileKeyring

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"
BACKEND_NAME = "vaultsh.filestore.EncryptedFileKeyring"

ODD_USERNAMES = [
    "prod.eu-west-1",
    "team lead",
    "ops@example.com",
    "org/unit/admin",
    "arn:aws:iam::123456789012:user/ci",
    "deploy 🚀 key",
    "Ünïcödé-用户",
]
ODD_PASSWORDS = {
    "json": '{"AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "a/b+c=="}',
    "newlines": "first line\nsecond line\r\n\tindented\n",
    "unicode": "pässwörd-🔑-密码",
    "quotes": 'it\'s "quoted" \\ backslashed',
    "empty": "",
}


# fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyringDaemon]:
    """A gnome-keyring on a private bus, reachable from this process while it runs."""
    daemon = start_keyring_daemon(tmp_path_factory.mktemp("secret-service"))
    address = daemon.env["DBUS_SESSION_BUS_ADDRESS"]
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
            yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def file_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the file backend at a fresh folder with a known passphrase."""
    env = {DIR_ENV: str(tmp_path / "vault"), PASSPHRASE_ENV: PASSPHRASE}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def file_keyring(file_env: dict[str, str]) -> EncryptedFileKeyring:
    return EncryptedFileKeyring()


@pytest.fixture
def keyring_file(file_env: dict[str, str]) -> Path:
    return Path(file_env[DIR_ENV]) / filestore.FILE_NAME


@pytest.fixture
def secret_service_keyring(secret_service: KeyringDaemon) -> SecretService.Keyring:
    return SecretService.Keyring()


@pytest.fixture(params=["file_keyring", "secret_service_keyring"])
def backend(request: pytest.FixtureRequest) -> KeyringBackend:
    """Every storage backend the contract below applies to."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def service() -> str:
    """A service name no other test uses, as the Secret Service outlives tests."""
    return f"vaultsh-test-{uuid.uuid4().hex}"


# the contract -----------------------------------------------------------------


def test_stored_password_is_returned(backend: KeyringBackend, service: str) -> None:
    backend.set_password(service, "alice", "s3cret")
    assert backend.get_password(service, "alice") == "s3cret"


def test_missing_item_returns_none(backend: KeyringBackend, service: str) -> None:
    assert backend.get_password(service, "nobody") is None


def test_missing_user_of_known_service_returns_none(
    backend: KeyringBackend, service: str
) -> None:
    backend.set_password(service, "alice", "s3cret")
    assert backend.get_password(service, "bob") is None


def test_set_overwrites_earlier_password(backend: KeyringBackend, service: str) -> None:
    backend.set_password(service, "alice", "old")
    backend.set_password(service, "alice", "new")
    assert backend.get_password(service, "alice") == "new"


@pytest.mark.parametrize("username", ODD_USERNAMES)
def test_odd_usernames_round_trip(
    backend: KeyringBackend, service: str, username: str
) -> None:
    backend.set_password(service, username, f"secret of {username}")
    assert backend.get_password(service, username) == f"secret of {username}"


@pytest.mark.parametrize("password", ODD_PASSWORDS.values(), ids=ODD_PASSWORDS)
def test_odd_passwords_round_trip(
    backend: KeyringBackend, service: str, password: str
) -> None:
    backend.set_password(service, "alice", password)
    assert backend.get_password(service, "alice") == password


def test_items_are_kept_apart(backend: KeyringBackend, service: str) -> None:
    other = f"{service}-other"
    backend.set_password(service, "alice", "a1")
    backend.set_password(service, "bob", "b1")
    backend.set_password(other, "alice", "a2")
    found = [
        backend.get_password(service, "alice"),
        backend.get_password(service, "bob"),
        backend.get_password(other, "alice"),
    ]
    assert found == ["a1", "b1", "a2"]


def test_delete_removes_only_that_item(backend: KeyringBackend, service: str) -> None:
    backend.set_password(service, "alice", "a")
    backend.set_password(service, "bob", "b")
    backend.delete_password(service, "alice")
    assert backend.get_password(service, "alice") is None
    assert backend.get_password(service, "bob") == "b"


def test_delete_missing_raises_password_delete_error(
    backend: KeyringBackend, service: str
) -> None:
    with pytest.raises(PasswordDeleteError):
        backend.delete_password(service, "nobody")


def test_delete_twice_raises_password_delete_error(
    backend: KeyringBackend, service: str
) -> None:
    backend.set_password(service, "alice", "a")
    backend.delete_password(service, "alice")
    with pytest.raises(PasswordDeleteError):
        backend.delete_password(service, "alice")


# the file backend -------------------------------------------------------------


def run_python(code: str, env: dict[str, str], **kwargs: object) -> str:
    """Run code in a fresh interpreter; return stdout, failing on a non-zero exit."""
    env = {**env, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,  # type: ignore[call-overload]
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of this process without keyring selection, plus extra."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    return {**env, **extra}


def test_priority_keeps_auto_detection_away(file_env: dict[str, str]) -> None:
    assert EncryptedFileKeyring.viable
    assert EncryptedFileKeyring.priority <= 0


def test_path_follows_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert filestore.default_path() == tmp_path / "vaultsh" / "keyring.bin"


def test_path_defaults_to_local_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DIR_ENV, raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".local" / "share" / "vaultsh" / "keyring.bin"
    assert filestore.default_path() == expected


def test_file_and_folder_are_private(
    file_keyring: EncryptedFileKeyring, keyring_file: Path
) -> None:
    file_keyring.set_password("svc", "alice", "s3cret")
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in (
            keyring_file.parent,
            keyring_file,
            keyring_file.with_name(filestore.LOCK_NAME),
        )
    }
    assert modes == {"vault": 0o700, "keyring.bin": 0o600, "keyring.bin.lock": 0o600}


def test_file_shows_no_secret_service_or_username(
    file_keyring: EncryptedFileKeyring, keyring_file: Path
) -> None:
    file_keyring.set_password("aws-vault-service", "alice.prod", "AKIAPLAINTEXTCHECK")
    raw = keyring_file.read_bytes()
    for text in ("aws-vault-service", "alice.prod", "AKIAPLAINTEXTCHECK"):
        assert text.encode() not in raw


def test_header_records_format_and_kdf_parameters(
    file_keyring: EncryptedFileKeyring, keyring_file: Path
) -> None:
    file_keyring.set_password("svc", "alice", "s3cret")
    magic, version, log2_n, r, p, salt = sealedfile._HEADER.unpack_from(
        keyring_file.read_bytes()
    )
    assert (magic, version) == (b"VSKR", filestore.FORMAT_VERSION)
    assert (log2_n, r, p) == (filestore.SCRYPT_LOG2_N, filestore.SCRYPT_R, 1)
    assert len(salt) == 16


def test_each_file_gets_its_own_salt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    salts = set()
    for name in ("one", "two"):
        monkeypatch.setenv(DIR_ENV, str(tmp_path / name))
        EncryptedFileKeyring().set_password("svc", "alice", "s3cret")
        raw = (tmp_path / name / "keyring.bin").read_bytes()
        salts.add(sealedfile._HEADER.unpack_from(raw)[-1])
    assert len(salts) == 2


def test_wrong_passphrase_is_locked_and_keeps_file(
    file_keyring: EncryptedFileKeyring,
    keyring_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file_keyring.set_password("svc", "alice", "s3cret")
    before = keyring_file.read_bytes()
    monkeypatch.setenv(PASSPHRASE_ENV, "not the passphrase")
    intruder = EncryptedFileKeyring()

    for attempt in (
        lambda: intruder.get_password("svc", "alice"),
        lambda: intruder.set_password("svc", "alice", "overwritten"),
        lambda: intruder.delete_password("svc", "alice"),
    ):
        with pytest.raises(KeyringLocked) as caught:
            attempt()
        assert str(caught.value) == (
            f"wrong passphrase for the vaultsh file keyring at {keyring_file} "
            "(or the file is damaged)"
        )
        assert caught.value.__cause__ is None
    assert keyring_file.read_bytes() == before


def test_changed_kdf_parameter_reads_as_wrong_passphrase(
    file_keyring: EncryptedFileKeyring, keyring_file: Path
) -> None:
    file_keyring.set_password("svc", "alice", "s3cret")
    raw = bytearray(keyring_file.read_bytes())
    raw[6] += 1  # scrypt r, which the header authenticates
    keyring_file.write_bytes(bytes(raw))
    with pytest.raises(KeyringLocked, match="wrong passphrase"):
        EncryptedFileKeyring().get_password("svc", "alice")


def test_foreign_file_is_refused(file_env: dict[str, str], keyring_file: Path) -> None:
    keyring_file.parent.mkdir(mode=0o700)
    keyring_file.write_text('{"svc": {"alice": "not encrypted at all"}}')
    with pytest.raises(KeyringError, match="is not a vaultsh file keyring"):
        EncryptedFileKeyring().get_password("svc", "alice")


def test_right_passphrase_works_after_a_wrong_one(
    file_keyring: EncryptedFileKeyring,
    keyring_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file_keyring.set_password("svc", "alice", "s3cret")
    monkeypatch.setenv(PASSPHRASE_ENV, "not the passphrase")
    ring = EncryptedFileKeyring()
    with pytest.raises(KeyringLocked):
        ring.get_password("svc", "alice")
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    assert ring.get_password("svc", "alice") == "s3cret"


def test_new_file_asks_passphrase_twice_then_never_again(
    file_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = fake_prompt(monkeypatch, ["typed", "typed"])
    ring = EncryptedFileKeyring()
    ring.set_password("svc", "alice", "a")
    ring.set_password("svc", "bob", "b")
    assert ring.get_password("svc", "alice") == "a"
    assert len(prompts) == 2

    prompts = fake_prompt(monkeypatch, ["typed"])
    assert EncryptedFileKeyring().get_password("svc", "bob") == "b"
    assert len(prompts) == 1


def test_mismatched_new_passphrases_store_nothing(
    file_env: dict[str, str], keyring_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_prompt(monkeypatch, ["typed", "mistyped"])
    with pytest.raises(PasswordSetError, match="do not match"):
        EncryptedFileKeyring().set_password("svc", "alice", "a")
    assert not keyring_file.exists()


def fake_prompt(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """Answer getpass from answers, without the environment; return the prompts."""
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    prompts: list[str] = []

    def answer(prompt: str = "") -> str:
        prompts.append(prompt)
        return answers[len(prompts) - 1]

    monkeypatch.setattr(getpass, "getpass", answer)
    return prompts


NO_TTY_SCRIPT = """
from keyring.errors import KeyringLocked
from vaultsh.filestore import EncryptedFileKeyring
ring = EncryptedFileKeyring()
try:
    ring.{call}
except KeyringLocked as exc:
    print(exc)
"""


@pytest.mark.parametrize(
    "call",
    ['set_password("svc", "alice", "a")', 'get_password("svc", "alice")'],
    ids=["set-new-file", "get-existing-file"],
)
def test_no_passphrase_and_no_tty_is_locked(
    file_env: dict[str, str], file_keyring: EncryptedFileKeyring, call: str
) -> None:
    if call.startswith("get"):
        file_keyring.set_password("svc", "alice", "a")
    env = child_env({DIR_ENV: file_env[DIR_ENV]})
    del env[PASSPHRASE_ENV]
    # a new session has no controlling terminal, so /dev/tty cannot be opened
    output = run_python(
        NO_TTY_SCRIPT.format(call=call),
        env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert output.startswith("no passphrase for the vaultsh file keyring at ")
    assert PASSPHRASE_ENV in output


def test_failed_write_keeps_old_file(
    file_keyring: EncryptedFileKeyring,
    keyring_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file_keyring.set_password("svc", "alice", "old")
    before = keyring_file.read_bytes()

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", disk_full)
        with pytest.raises(PasswordSetError, match="no space left on device"):
            file_keyring.set_password("svc", "alice", "new")
    assert keyring_file.read_bytes() == before
    assert sorted(p.name for p in keyring_file.parent.iterdir()) == [
        "keyring.bin",
        "keyring.bin.lock",
    ]
    assert file_keyring.get_password("svc", "alice") == "old"


WRITER_SCRIPT = """
import sys, time
from pathlib import Path
from vaultsh.filestore import EncryptedFileKeyring
name, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ring = EncryptedFileKeyring()
ring.get_password("warm-up", "key")
ready.touch()
while not go.exists():
    time.sleep(0.005)
for i in range(20):
    ring.set_password("svc", f"{name}-{i}", f"secret-{name}-{i}")
"""


def test_concurrent_writers_lose_nothing(
    file_env: dict[str, str], file_keyring: EncryptedFileKeyring, tmp_path: Path
) -> None:
    file_keyring.set_password("warm-up", "key", "x")
    go = tmp_path / "go"
    writers = {
        name: start_writer(name, tmp_path / f"ready-{name}", go, file_env)
        for name in ("one", "two")
    }
    wait_for(lambda: all((tmp_path / f"ready-{n}").exists() for n in writers))
    go.touch()
    for process in writers.values():
        assert process.wait(timeout=60) == 0, process.stderr.read()

    for name in writers:
        for i in range(20):
            found = file_keyring.get_password("svc", f"{name}-{i}")
            assert found == f"secret-{name}-{i}"


def start_writer(
    name: str, ready: Path, go: Path, file_env: dict[str, str]
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, name, str(ready), str(go)],
        env=child_env({**file_env, "PYTHONPATH": str(REPO_ROOT)}),
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "writers did not get ready in time"
        time.sleep(0.01)


SHOW_BACKEND = "import keyring; print(type(keyring.get_keyring()).__name__)"
AUTO_DETECTED = """
import keyring
import vaultsh.filestore
ring = type(keyring.get_keyring())
print(f"{ring.__module__}.{ring.__name__}")
"""


def test_environment_variable_selects_file_backend(file_env: dict[str, str]) -> None:
    env = child_env({**file_env, "PYTHON_KEYRING_BACKEND": BACKEND_NAME})
    assert run_python(SHOW_BACKEND, env) == "EncryptedFileKeyring"


def test_keyringrc_selects_file_backend(
    file_env: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text(f"[backend]\ndefault-keyring = {BACKEND_NAME}\n")
    env = child_env({**file_env, "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert run_python(SHOW_BACKEND, env) == "EncryptedFileKeyring"


def test_auto_detection_prefers_secret_service(secret_service: KeyringDaemon) -> None:
    """With the file backend registered, keyring still picks the Secret Service.

    A positive priority would make keyring pick its chainer instead.
    """
    env = secret_service.child_env(child_env({}))
    assert run_python(AUTO_DETECTED, env) == "keyring.backends.SecretService.Keyring"
