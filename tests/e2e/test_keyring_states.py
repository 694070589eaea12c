"""The desktop keyring locked: one line that says so, and nothing changed.

gnome-keyring runs on a private D-Bus (tests/keyring_daemon.py); the test
locks its login collection through the Secret Service API, as a screen lock
or `secret-tool lock` would. Sessions cached before the lock stay usable from
their kernel keyring copies until they expire; with those copies turned off
(VAULTSH_KERNEL_KEYRING=off) every command meets the lock.
"""

from __future__ import annotations

import pytest

from tests.helpers import assert_ok, assert_one_error

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"


def vaultsh_items(daemon) -> tuple[bool, list[str]]:
    """Whether the login collection is locked, and vaultsh's item labels in it."""
    from jeepney.io.blocking import open_dbus_connection
    from secretstorage import get_default_collection

    address = daemon.env["DBUS_SESSION_BUS_ADDRESS"]
    with open_dbus_connection(bus=address) as connection:
        collection = get_default_collection(connection)
        found = collection.search_items({"service": "vaultsh"})
        labels = sorted(item.get_label() for item in found)
        return collection.is_locked(), labels


def lock(daemon) -> None:
    from jeepney.io.blocking import open_dbus_connection
    from secretstorage import get_default_collection

    address = daemon.env["DBUS_SESSION_BUS_ADDRESS"]
    with open_dbus_connection(bus=address) as connection:
        get_default_collection(connection).lock()


@pytest.mark.parametrize("keyring_kind", ["secret-service"])
@pytest.mark.parametrize(
    "args",
    [
        ("exec", ROLE, "--", "true"),
        ("export", "--format=json", "--", "dev"),
        ("list",),
        ("add", "--env", "dev"),
        ("rotate", "dev"),
    ],
    ids=["exec", "export", "list", "add", "rotate"],
)
def test_locked_secret_service_is_one_line_and_changes_nothing(
    vaultsh, account, gnome_keyring, args
):
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    assert_ok(vaultsh("add", "--env", "dev", env=keys))
    assert_ok(vaultsh("exec", ROLE, "--", "true"))
    lock(gnome_keyring)
    before = vaultsh_items(gnome_keyring)

    result = vaultsh(*args, env={**keys, "VAULTSH_KERNEL_KEYRING": "off"})

    line = assert_one_error(result)
    assert result.status == 1
    assert "the keyring: it is locked" in line, result.transcript()
    assert "unlock it" in line
    assert vaultsh_items(gnome_keyring) == before
    assert before[0] is True


@pytest.mark.parametrize("keyring_kind", ["secret-service"])
def test_a_session_cached_before_the_lock_serves_until_it_ends(
    vaultsh, account, gnome_keyring
):
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    assert_ok(vaultsh("add", "--env", "dev", env=keys))
    cached = assert_ok(vaultsh("export", "--format=json", ROLE)).stdout
    lock(gnome_keyring)

    assert assert_ok(vaultsh("export", "--format=json", ROLE)).stdout == cached
    assert_ok(vaultsh("exec", ROLE, "--", "true"))
    # what is not a cached session still needs the keyring unlocked
    line = assert_one_error(vaultsh("export", "--no-session", "--format=json", "dev"))
    assert "the keyring: it is locked" in line
    # clear ends the cached sessions' copies even while it cannot reach the rest
    assert "it is locked" in assert_one_error(vaultsh("clear"))
    line = assert_one_error(vaultsh("export", "--format=json", ROLE))
    assert "the keyring: it is locked" in line
