"""Which backend the user named, as keyring itself would read it."""

from __future__ import annotations

import pytest

from vaultsh import stores
from vaultsh.sealedfile import SealedFile

FILE = stores.FILE_BACKEND
SECRET_SERVICE = stores.SECRET_SERVICE_BACKEND


def keyringrc(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return {"XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_the_environment_variable_names_the_backend(tmp_path):
    environ = keyringrc(tmp_path, f"[backend]\ndefault-keyring = {SECRET_SERVICE}\n")
    environ["PYTHON_KEYRING_BACKEND"] = f" {FILE} "

    assert stores.named_backend(environ) == FILE


def test_keyringrc_names_the_backend_when_the_variable_is_unset(tmp_path):
    environ = keyringrc(tmp_path, f"[backend]\ndefault-keyring = {SECRET_SERVICE}\n")

    assert stores.named_backend(environ) == SECRET_SERVICE


@pytest.mark.parametrize(
    "text",
    [
        f"[backend]\ndefault-keyring = {FILE}\nkeyring-path = /opt/keyrings\n",
        "[backend]\n",
        "[other]\ndefault-keyring = x\n",
        "default-keyring = no section\n",
        "[backend\n",
    ],
    ids=["keyring-path", "no-default", "no-backend-section", "no-header", "broken"],
)
def test_keyring_decides_when_keyringrc_names_nothing_plain(tmp_path, text):
    assert stores.named_backend(keyringrc(tmp_path, text)) is None


def test_keyring_decides_when_nothing_is_named(tmp_path):
    assert stores.named_backend({"XDG_CONFIG_HOME": str(tmp_path)}) is None


def test_a_keyring_property_leaves_the_choice_to_keyring(tmp_path):
    environ = {
        "PYTHON_KEYRING_BACKEND": SECRET_SERVICE,
        "KEYRING_PROPERTY_PREFERRED_COLLECTION": "/org/freedesktop/secrets/x",
    }

    assert stores.configured_backend(stores.named_backend(environ), environ) is None


def test_only_the_file_and_secret_service_have_short_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("VAULTSH_FILE_DIR", str(tmp_path))

    assert isinstance(stores.reader_for(FILE), SealedFile)
    assert isinstance(stores.reader_for(SECRET_SERVICE), stores.SecretServiceReader)
    for name in (None, "keyring.backends.kwallet.DBusKeyring", FILE + "X"):
        assert stores.reader_for(name) is None


def test_a_secret_service_that_cannot_be_reached_hands_the_read_to_keyring(
    monkeypatch,
):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")

    with pytest.raises(stores.Fallback):
        stores.SecretServiceReader().get("vaultsh", "index")
