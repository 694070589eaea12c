"""The shell's session lives: the toolbar counts it down, and the shell
renews it before it ends, in a real terminal (tmux) against moto.

moto's sessions never expire, and a test cannot wait 25 minutes; the profile
key `vaultsh_renew_before = 1795` makes a 1800s session due for renewal 5s
after it starts, which is what a user would set to see it happen. moto's
request recorder shows each AssumeRole and which key signed each call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.shell_screen import ShellScreen, open_shell, set_profile_keys

pytestmark = pytest.mark.e2e

RENEW_BEFORE = "1795"
COUNTDOWN = r"session\s+(\d+m\d\ds) left"


@pytest.fixture
def shell(home, stored_key, tmp_path) -> Iterator[ShellScreen]:
    with open_shell(home, tmp_path / "work") as opened:
        yield opened


def test_the_toolbar_counts_the_session_down(shell):
    first = shell.wait_for(COUNTDOWN, "toolbar").group(1)

    later = shell.wait_for(rf"session\s+(?!{first})(\d+m\d\ds) left", "toolbar")

    assert later.group(1) < first  # 29m57s < 29m58s, as text too


def test_a_due_session_is_renewed_in_the_background_through_mfa_process(
    home, stored_key, recorder, tmp_path
):
    set_profile_keys(home, vaultsh_renew_before=RENEW_BEFORE)
    with open_shell(home, tmp_path / "work") as shell:
        shell.command("whoami")
        before = shell.wait_for(r"key      \*{4}(\w{4})").group(1)

        renewed = shell.wait_for(
            rf"session renewed: key \*{{4}}(?!{before})(\w{{4}}), 29m\d\ds left",
            "toolbar",
        ).group(1)
        shell.command("whoami")
        after = shell.wait_for(rf"key      \*{{4}}(?!{before})(\w{{4}})").group(1)

    assume = recorder.calls("AssumeRole")
    assert len(assume) >= 2
    assert all(call.params["RoleSessionName"] == "dev-work-sts" for call in assume)
    # the whoami after the renewal was signed with a key from a later AssumeRole
    signers = [call.signed_by for call in recorder.calls("GetCallerIdentity")]
    assert [key[-4:] for key in signers] == [before, after]
    assert renewed != before


def test_a_renewal_that_needs_a_typed_code_asks_before_the_next_command(
    home, stored_key, recorder, tmp_path, account
):
    set_profile_keys(home, vaultsh_renew_before=RENEW_BEFORE, mfa_process=None)
    start = ["shell", "--mfa-token", account.totp()]
    with open_shell(home, tmp_path / "work", start) as shell:
        shell.command("whoami")
        before = shell.wait_for(r"key      \*{4}(\w{4})").group(1)

        # no code can be typed in the background: the toolbar says what happens
        shell.wait_for("renewing the session needs an MFA code", "toolbar")
        shell.command("whoami")
        shell.wait_for(re.escape(f"MFA code for {account.mfa_serial} (to renew"))
        code = account.totp()
        shell.type(code)
        shell.press("Enter")
        after = shell.wait_for(rf"key      \*{{4}}(?!{before})(\w{{4}})").group(1)
        shell.command("exit")

    assume = recorder.calls("AssumeRole")
    assert len(assume) == 2
    assert assume[1].params["TokenCode"] == code
    signers = [call.signed_by[-4:] for call in recorder.calls("GetCallerIdentity")]
    assert signers == [before, after]
    history = Path(home.env["XDG_STATE_HOME"]) / "vaultsh" / "history"
    assert "+whoami" in history.read_text()
    assert code not in history.read_text()


def test_refresh_renews_on_demand(recorder, shell):
    shell.command("whoami")
    before = shell.wait_for(r"key      \*{4}(\w{4})").group(1)

    shell.command("refresh")

    shell.wait_for(rf"new session \*{{4}}(?!{before})\w{{4}}, 29m\d\ds left")
    assert len(recorder.calls("AssumeRole")) == 2
