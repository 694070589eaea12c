"""Session and index copies in the kernel's user keyring.

Every test uses its own name space (the file keyring's path is part of it),
so parallel runs and earlier runs never meet.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest

from tests.unit.test_vault import KEY, ReadRecorder, session_creds
from vaultsh import keyctl
from vaultsh.errors import VaultError
from vaultsh.vault import Vault, file_lock

ROLE = ("sts.AssumeRole", "site", "arn:aws:iam::123456789012:mfa/dev")


@pytest.fixture
def copies_on(isolated, monkeypatch):
    monkeypatch.setenv(keyctl.SWITCH_VARIABLE, "on")


@pytest.fixture
def kernel() -> keyctl.KernelKeyring:
    ring = keyctl.open_kernel_keyring(f"vaultsh-tests:{uuid.uuid4()}", environ={})
    assert ring is not None, "this machine's kernel keyring is not usable"
    return ring


def test_a_copy_is_read_back_until_its_time_ends(kernel):
    assert kernel.put("item", b"payload", 1)
    assert kernel.get("item") == b"payload"

    time.sleep(1.5)

    assert kernel.get("item") is None


def test_a_copy_is_replaced_and_dropped(kernel):
    kernel.put("item", b"first", 60)
    kernel.put("item", b"second", 60)
    assert kernel.get("item") == b"second"

    kernel.drop("item")

    assert kernel.get("item") is None
    kernel.drop("item")  # dropping nothing is fine


def test_what_the_kernel_cannot_hold_is_not_kept(kernel):
    kernel.put("item", b"old", 60)

    assert not kernel.put("item", b"x" * (keyctl.MAX_PAYLOAD + 1), 60)
    assert kernel.get("item") is None
    assert not kernel.put("ended", b"payload", 0)


def test_switched_off_the_copies_are_only_dropped(kernel, monkeypatch):
    kernel.put("item", b"payload", 60)
    monkeypatch.setenv(keyctl.SWITCH_VARIABLE, "off")
    off = keyctl.open_kernel_keyring(kernel.prefix)

    assert off.get("item") is None
    assert not off.put("other", b"payload", 60)
    off.drop("item")
    assert kernel.get("item") is None


def test_a_cached_session_is_read_from_its_copy(copies_on):
    writer = Vault(ReadRecorder())
    writer.set_key("dev", KEY)
    writer.set_session(*ROLE, session_creds(1800))
    recorder = ReadRecorder()
    reader = Vault(recorder)

    creds = reader.get_session(*ROLE)

    assert creds is not None and 1790 < creds.seconds_left() <= 1800
    assert [e.profile for e in reader.sessions()] == ["site"]
    assert reader.key_profiles() == {"dev": "****GKEY"}
    assert recorder.reads == []


def test_a_vault_with_copies_off_still_ends_them(copies_on, monkeypatch):
    Vault(ReadRecorder()).set_session(*ROLE, session_creds(1800))
    monkeypatch.setenv(keyctl.SWITCH_VARIABLE, "off")
    assert Vault(ReadRecorder()).clear_sessions() == 1
    monkeypatch.setenv(keyctl.SWITCH_VARIABLE, "on")

    recorder = ReadRecorder()
    assert Vault(recorder).get_session(*ROLE) is None
    assert recorder.reads  # the backend was asked: there was no copy


def test_a_read_during_a_change_makes_no_copy(copies_on, monkeypatch):
    monkeypatch.setenv(keyctl.SWITCH_VARIABLE, "off")
    Vault(ReadRecorder()).set_session(*ROLE, session_creds(1800))
    monkeypatch.setenv(keyctl.SWITCH_VARIABLE, "on")

    with file_lock("vault"):  # another process changing the vault
        during = ReadRecorder()
        assert [e.profile for e in Vault(during).sessions()] == ["site"]
    after, again = ReadRecorder(), ReadRecorder()
    Vault(after).sessions()
    Vault(again).sessions()

    assert during.reads == ["index"]
    assert after.reads == ["index"]  # the read under the lock copied nothing
    assert again.reads == []  # the read after it did


def test_a_store_reached_through_a_link_shares_its_copies(copies_on, monkeypatch):
    real = os.environ["VAULTSH_FILE_DIR"]
    link = real + "-link"
    os.symlink(real, link)
    Vault(ReadRecorder()).set_session(*ROLE, session_creds(1800))
    monkeypatch.setenv("VAULTSH_FILE_DIR", link)

    through_link = ReadRecorder()
    assert Vault(through_link).get_session(*ROLE) is not None
    assert through_link.reads == []  # the copy the real path made
    Vault(ReadRecorder()).clear_sessions()
    monkeypatch.setenv("VAULTSH_FILE_DIR", real)
    assert Vault(ReadRecorder()).get_session(*ROLE) is None


def test_a_vault_keyring_builds_its_own_way_reads_no_copies_but_ends_them(
    copies_on, backend, monkeypatch
):
    Vault(ReadRecorder()).set_session(*ROLE, session_creds(1800))
    monkeypatch.setenv("KEYRING_PROPERTY_SOMETHING", "1")

    through_keyring = Vault()  # keyring's configured backend: the same file
    assert through_keyring.get_session(*ROLE) is not None
    through_keyring.clear_sessions()
    monkeypatch.delenv("KEYRING_PROPERTY_SOMETHING")

    assert Vault(ReadRecorder()).get_session(*ROLE) is None


def test_an_unknown_switch_value_is_refused(isolated, monkeypatch):
    monkeypatch.setenv(keyctl.SWITCH_VARIABLE, "garbage")

    with pytest.raises(VaultError) as caught:
        Vault(ReadRecorder())

    assert "VAULTSH_KERNEL_KEYRING=garbage is neither on nor off" in str(caught.value)
    assert caught.value.hint == "set it to on or off, or unset it"


@pytest.mark.parametrize(
    ("used", "size", "fits"),
    [(9000, 1000, True), (9000, 1001, False), (0, 10001, False)],
)
def test_copies_leave_half_of_the_users_quota_to_other_programs(used, size, fits):
    table = (
        "    0:     5 5/5 5/1000000 45/25000000\n"
        f" 1000:    12 12/12 9/200 {used}/20000\n"
    )

    assert keyctl.fits(size, table, 1000) is fits
    assert keyctl.fits(size, table, 0)
    assert keyctl.fits(size, table, 4242)  # no line: the kernel decides
