"""The shell's held session: when and how it renews, and the renewal thread.

AWS is moto in this process and the providers are the real ones; `sent`
records each STS request as it left botocore. moto's sessions never end and a
test cannot wait half an hour, so each session reads the time from a `Clock`
the test moves forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.unit.conftest import SERIAL, role_arn, session_creds, sts_actions
from vaultsh import config
from vaultsh.credentials import utcnow
from vaultsh.errors import ConfigError, MfaError
from vaultsh.providers import Options, resolve
from vaultsh.repl import renewal
from vaultsh.repl.toolbar import Notices
from vaultsh.session import CodeNeeded, LiveSession, SessionExpired

SITE = f"""\
[profile dev]
region = us-east-1

[profile site]
role_arn = {role_arn("static.example.com")}
role_session_name = dev-work-sts
duration_seconds = 1800
source_profile = dev
mfa_serial = {SERIAL}
"""


class Clock:
    """The time as a session sees it: now, plus however far the test moved it."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.ahead

    def advance(self, seconds: float) -> None:
        self.ahead += timedelta(seconds=seconds)


#: how far to move a 1800s session so that it is due (fewer than 300s left)
NEARLY_OVER = 1600


def live(vault, clock: Clock | None = None, **options) -> LiveSession:
    resolved = resolve(config.load(), vault, "site", Options(**options))
    return LiveSession(resolved, clock=clock or Clock())


@pytest.fixture
def site(write_config, stored_dev):
    """The role profile, with its MFA code from an mfa_process that counts runs."""

    def write(extra: str = "", process: bool = True) -> None:
        text = SITE + ("mfa_process = echo 135790\n" if process else "") + extra
        write_config(text)

    return write


def assume_calls(sent) -> list:
    return [call for call in sent if call.action == "AssumeRole"]


def test_a_session_far_from_its_end_is_reused(site, vault, sent):
    site()
    session = live(vault)

    first = session.credentials()
    again = session.credentials()

    assert again == first
    assert sts_actions(sent) == ["AssumeRole"]


def test_a_due_session_is_renewed_before_credentials_are_given(site, vault, sent):
    site()
    clock = Clock()
    session = live(vault, clock)
    first = session.credentials()
    clock.advance(NEARLY_OVER)
    assert session.due()

    second = session.credentials()

    assert second.access_key_id != first.access_key_id
    assert len(assume_calls(sent)) == 2
    assert [call.params["TokenCode"] for call in assume_calls(sent)] == ["135790"] * 2


def test_renewal_asks_for_a_new_code_each_time_and_never_reuses_one(site, vault, sent):
    site(process=False)
    codes = iter(["111111", "222222", "333333"])
    asked: list[str] = []

    def ask(serial: str) -> str:
        asked.append(serial)
        return next(codes)

    clock = Clock()
    session = live(vault, clock, mfa_token="000000")
    session.ask_code = ask
    for _ in range(3):
        session.credentials()
        clock.advance(NEARLY_OVER)

    assert [call.params["TokenCode"] for call in assume_calls(sent)] == [
        "000000",
        "111111",
        "222222",
    ]
    assert asked == [SERIAL, SERIAL]


def test_renewal_takes_a_session_another_process_cached(site, vault, sent):
    site()
    clock = Clock()
    held = live(vault, clock)
    held.credentials()
    clock.advance(NEARLY_OVER)
    # meanwhile `vaultsh exec site` in another terminal cached a newer session
    provider = held.resolved.provider
    fresh = session_creds(3600 + NEARLY_OVER, key_id="ASIAEXAMPLEOTHER0001")
    vault.set_session(provider.kind, provider.profile, provider.serial, fresh)
    sent.clear()

    renewed = held.credentials()

    assert renewed.access_key_id == fresh.access_key_id
    assert sts_actions(sent) == []


def test_a_background_renewal_refuses_to_ask_and_changes_nothing(site, vault, sent):
    site(process=False)
    clock = Clock()
    session = live(vault, clock, mfa_token="000000")
    before = session.credentials()
    clock.advance(NEARLY_OVER)

    with pytest.raises(CodeNeeded, match=f"needs a code of MFA device {SERIAL}"):
        session.renew(ask=None)

    assert session.held() == before
    assert len(assume_calls(sent)) == 1


def test_refresh_makes_a_new_session_with_a_new_code(site, vault, sent):
    site()
    session = live(vault)
    first = session.credentials()

    second = session.refresh()

    assert second.access_key_id != first.access_key_id
    assert len(assume_calls(sent)) == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "vaultsh_renew_before = soon is not a duration"),
        ("1800", "vaultsh_renew_before = 1800s does not fit a session of 1800s"),
        ("2h", "does not fit a session of 1800s"),
    ],
)
def test_a_renew_before_the_session_cannot_use_is_refused(site, vault, value, message):
    site(f"vaultsh_renew_before = {value}\n")

    with pytest.raises(ConfigError, match=message):
        live(vault)


def test_renew_before_comes_from_the_profile_and_takes_units(site, vault):
    site()
    assert live(vault).renew_before == 300

    site("vaultsh_renew_before = 10m\n")
    assert live(vault).renew_before == 600

    site("vaultsh_renew_before = 1790\n")
    assert live(vault).renew_before == 1790


def test_an_ended_session_is_not_lent_to_background_work(site, vault, sent):
    site()
    clock = Clock()
    session = live(vault, clock)
    session.credentials()
    clock.advance(1801)

    with pytest.raises(SessionExpired, match="has expired; run any command"):
        session.client("s3", renew=False)

    assert len(assume_calls(sent)) == 1


# the renewal thread's step ---------------------------------------------------


def test_the_renewer_renews_a_due_session_through_mfa_process(site, vault, sent):
    site()
    clock = Clock()
    session = live(vault, clock)
    first = session.credentials()
    clock.advance(NEARLY_OVER)
    notices = Notices()
    woken: list[bool] = []

    renewal.Renewer(session, notices, wake=lambda: woken.append(True)).tick()

    assert session.held().access_key_id != first.access_key_id
    assert notices.current().text.startswith("session renewed: key ****")
    assert woken == [True]


def test_the_renewer_leaves_a_typed_code_to_the_next_command(site, vault, sent):
    site(process=False)
    clock = Clock()
    session = live(vault, clock, mfa_token="000000")
    first = session.credentials()
    clock.advance(NEARLY_OVER)
    notices = Notices()
    renewer = renewal.Renewer(session, notices)

    renewer.tick()
    renewer.tick()

    assert session.held() == first
    assert len(assume_calls(sent)) == 1
    assert notices.current().text == renewal.CODE_NEEDED
    assert notices.current().warning

    session.ask_code = lambda serial: "246810"
    session.credentials()  # what the next command does first
    clock.ahead = timedelta(0)  # the test's shortcut through time ends here
    renewer.tick()
    assert notices.current() is None
    assert assume_calls(sent)[-1].params["TokenCode"] == "246810"


def test_a_failed_background_renewal_is_shown_and_retried_later(
    write_config, stored_dev, vault
):
    write_config(SITE + "mfa_process = exit 3\n")
    clock = Clock()
    session = live(vault, clock, mfa_token="000000")
    session.credentials()
    clock.advance(NEARLY_OVER)
    now = [0.0]
    notices = Notices(clock=lambda: now[0])
    renewer = renewal.Renewer(session, notices, clock=lambda: now[0])

    renewer.tick()

    shown = notices.current()
    assert shown.warning
    assert "could not renew the session (mfa_process of profile site failed" in (
        shown.text
    )
    assert shown.text.endswith("trying again in 60s")
    assert notices.current() is shown  # nothing tried again at once
    renewer.tick()
    assert notices.current() is shown


def test_an_inline_code_prompt_refuses_a_bad_code(monkeypatch):
    import prompt_toolkit

    monkeypatch.setattr(prompt_toolkit, "prompt", lambda message: "12ab56")

    with pytest.raises(MfaError, match="the MFA code from the prompt is not six"):
        renewal.ask_code(SERIAL)
