"""AWS answers moto never gives, each ending in one clear line that explains it.

Wrong or reused MFA codes, clock skew, expired requests and tokens, a role's
MaxSessionDuration, a key AWS does not know: moto checks none of these, so
`tests.unit.faults` puts AWS's own XML answer on the wire where moto would
have answered. vaultsh runs in this process through `cli.main`; each case
asserts the exit status, the single error line, and that the config file and
the keyring file are byte for byte unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.unit import faults as faults_mod
from tests.unit.conftest import SERIAL, role_arn
from tests.unit.test_cli import one_error_line, run  # noqa: F401 - fixture

CONFIG = f"""\
[profile dev]
region = us-east-1
mfa_serial = {SERIAL}

[profile site]
role_arn = {role_arn("static.example.com")}
role_session_name = dev-work-sts
mfa_serial = {SERIAL}
source_profile = dev
"""
SITE = ("export", "site", "--format", "json", "--mfa-token", "123456")
DEV = ("export", "dev", "--format", "json", "--mfa-token", "123456")


@dataclass(frozen=True)
class Answer:
    """What AWS says to one call, and what the user must read about it."""

    argv: tuple[str, ...]
    action: str
    code: str
    message: str
    mentions: tuple[str, ...]
    status: int = 403
    env: dict[str, str] = field(default_factory=dict)


ANSWERS = {
    "wrong-mfa-code-on-assume-role": Answer(
        SITE,
        "AssumeRole",
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        ("AssumeRole", "invalid MFA one time pass code", "did not accept the MFA"),
    ),
    "wrong-mfa-code-on-get-session-token": Answer(
        DEV,
        "GetSessionToken",
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        ("GetSessionToken", "wait for the next code"),
    ),
    "mfa-code-already-used": Answer(
        SITE,
        "AssumeRole",
        "AccessDenied",
        "MultiFactorAuthentication failed, unable to validate MFA code",
        ("unable to validate MFA code", "already used"),
    ),
    "clock-skew": Answer(
        SITE,
        "AssumeRole",
        "SignatureDoesNotMatch",
        "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z "
        "(20260101T003000Z - 15 min.)",
        ("Signature expired", "clock is more than 15 minutes off"),
    ),
    "request-expired": Answer(
        DEV,
        "GetSessionToken",
        "RequestExpired",
        "Request has expired.",
        ("RequestExpired", "check the computer's clock"),
        status=400,
    ),
    "role-max-session-duration": Answer(
        (*SITE, "--duration", "12h"),
        "AssumeRole",
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for "
        "this role.",
        ("MaxSessionDuration", "ask for less with --duration"),
        status=400,
    ),
    "expired-token": Answer(
        SITE,
        "AssumeRole",
        "ExpiredToken",
        "The security token included in the request is expired",
        ("ExpiredToken", "vaultsh clear"),
    ),
    "key-unknown-to-aws": Answer(
        SITE,
        "AssumeRole",
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        ("InvalidClientTokenId", "vaultsh add"),
    ),
    "wrong-secret": Answer(
        DEV,
        "GetSessionToken",
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you "
        "provided. Check your AWS Secret Access Key and signing method.",
        ("SignatureDoesNotMatch", "store the right one with 'vaultsh add'"),
    ),
    "policy-denies-assume-role": Answer(
        SITE,
        "AssumeRole",
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/dev-work-sts is not authorized to "
        "perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/x",
        ("not authorized to perform: sts:AssumeRole", "policy does not allow"),
    ),
    "get-session-token-with-a-session": Answer(
        DEV,
        "GetSessionToken",
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
        ("session credentials", "long-term key"),
    ),
    "server-error-once-retries-are-spent": Answer(
        DEV,
        "GetSessionToken",
        "InternalFailure",
        "An internal error occurred.\nPlease retry.",
        ("InternalFailure", "An internal error occurred. Please retry"),
        status=500,
        env={"AWS_MAX_ATTEMPTS": "1"},
    ),
}


@pytest.fixture
def snapshot(isolated: Path):
    """The bytes of the config file and the keyring file."""
    files = [isolated / "aws" / "config", isolated / "keyring" / "keyring.bin"]
    return lambda: [path.read_bytes() for path in files]


@pytest.mark.parametrize("name", ANSWERS)
def test_aws_answer_is_one_line_that_explains_it_and_changes_nothing(
    name,
    run,  # noqa: F811 - the fixture imported above
    write_config,
    stored_dev,
    monkeypatch,
    snapshot,
):
    answer = ANSWERS[name]
    write_config(CONFIG)
    for variable, value in answer.env.items():
        monkeypatch.setenv(variable, value)
    faults = faults_mod.install(monkeypatch)
    faults.fail(answer.action, answer.code, answer.message, answer.status)
    before = snapshot()

    status, out, err = run(*answer.argv)

    assert status == 1
    assert out == ""
    line = one_error_line(err)
    for text in answer.mentions:
        assert text in line
    assert stored_dev.access_key_id not in err
    assert snapshot() == before
    assert faults.actions().count(answer.action) == 1
