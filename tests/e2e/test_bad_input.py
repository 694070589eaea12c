"""Bad input ends cleanly: one `vaultsh: error:` line, a failing exit status, no
traceback, and the user's config file and keyring exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests import helpers
from tests.helpers import assert_one_error
from vaultsh import demo

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"


def reference(account: demo.Account) -> str:
    return account.config_text()


def loop_of(key: str) -> Callable[[demo.Account], str]:
    """Two role profiles that name each other under `key`."""

    def text(account: demo.Account) -> str:
        sections = [
            f"[profile {name}]\nrole_arn = {account.role_arn}\n{key} = {other}\n"
            for name, other in (("first", "second"), ("second", "first"))
        ]
        return reference(account) + "\n" + "\n".join(sections)

    return text


def with_mfa_process(command: str) -> Callable[[demo.Account], str]:
    return lambda account: account.config_text(mfa_process=command)


def with_chained_role(account: demo.Account) -> str:
    chained = f"role_arn = {account.role_arn}\nsource_profile = {ROLE}\n"
    return reference(account) + "\n[profile chained]\n" + chained


@dataclass(frozen=True)
class Case:
    """One bad input: the config, the stored key, the command, what to mention."""

    args: tuple[str, ...]
    mentions: tuple[str, ...]
    config: Callable[[demo.Account], str] = reference
    store_key: bool = True
    env: dict[str, str | None] = field(default_factory=dict)
    status: int | None = None


EXEC_ROLE = ("exec", ROLE, "--", "true")
CASES = {
    "config-does-not-parse": Case(
        EXEC_ROLE, ("cannot read",), config=lambda a: "[profile dev\nregion = x\n"
    ),
    "duplicate-profile-section": Case(
        EXEC_ROLE,
        ("cannot read",),
        config=lambda a: reference(a) + "\n[profile dev]\nregion = eu-west-1\n",
    ),
    "unknown-profile": Case(("exec", "nope", "--", "true"), ("nope",)),
    "source-profile-loop": Case(
        ("exec", "first", "--", "true"), ("loop",), config=loop_of("source_profile")
    ),
    "include-profile-loop": Case(
        ("exec", "first", "--", "true"), ("loop",), config=loop_of("include_profile")
    ),
    "role-whose-source-has-no-stored-key": Case(
        EXEC_ROLE, ("vaultsh add dev",), store_key=False
    ),
    "mfa-process-fails": Case(
        EXEC_ROLE, ("mfa_process", "exit status 1"), config=with_mfa_process("false")
    ),
    "mfa-process-prints-garbage": Case(
        EXEC_ROLE,
        ("mfa_process", "six digits"),
        config=with_mfa_process("echo here is your code"),
    ),
    "mfa-token-not-digits": Case(
        ("exec", "--mfa-token", "abc", ROLE, "--", "true"), ("--mfa-token",)
    ),
    "exec-inside-a-vaultsh-session": Case(
        EXEC_ROLE, ("AWS_VAULT",), env={"AWS_VAULT": "dev"}
    ),
    "duration-over-the-chained-role-limit": Case(
        ("exec", "--duration", "5h", "chained", "--", "true"),
        ("chained",),
        config=with_chained_role,
    ),
    "endpoint-refuses-connections": Case(
        EXEC_ROLE, ("127.0.0.1:1",), env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
    ),
    "add-env-without-the-variables": Case(
        ("add", "--env", "dev"), ("AWS_ACCESS_KEY_ID",), store_key=False
    ),
}


@pytest.fixture
def prepare(home, vaultsh, account, request) -> Callable[[Case], None]:
    """Write the case's config, and store the key first where the case needs it."""

    def setup(case: Case) -> None:
        if case.store_key:
            request.getfixturevalue("stored_key")
        home.write_config(case.config(account))

    return setup


@pytest.mark.parametrize("name", CASES)
def test_bad_input_ends_with_one_error_line_and_changes_nothing(
    name, prepare, vaultsh, snapshot
):
    case = CASES[name]
    prepare(case)
    before = snapshot()

    result = vaultsh(*case.args, env=case.env)

    line = assert_one_error(result)
    if case.status is not None:
        assert result.status == case.status, result.transcript()
    for word in case.mentions:
        assert word in line, result.transcript()
    assert snapshot() == before


def test_exec_of_a_missing_command_exits_127(vaultsh, stored_key):
    result = vaultsh("exec", ROLE, "--", "no-such-command-here")

    line = assert_one_error(result)
    assert result.status == 127
    assert "no-such-command-here" in line


def test_exec_of_a_missing_command_assumes_no_role(
    vaultsh, stored_key, snapshot, recorder
):
    before = snapshot()

    vaultsh("exec", ROLE, "--", "no-such-command-here")

    assert recorder.calls("AssumeRole") == []
    assert snapshot() == before


def test_export_without_a_stored_key_does_not_call_itself(vaultsh, snapshot):
    before = snapshot()

    result = vaultsh("export", "--format=json", "--", "dev")

    line = assert_one_error(result)
    assert "vaultsh add dev" in line
    assert snapshot() == before


def test_aws_cli_on_dev_without_a_stored_key_fails_once(command, home, snapshot):
    before = snapshot()

    result = command("aws", "sts", "get-caller-identity", env={"AWS_PROFILE": "dev"})

    assert result.status != 0, result.transcript()
    assert result.stderr.count(helpers.ERROR_PREFIX) == 1, result.transcript()
    assert snapshot() == before


def test_config_error_names_the_duplicated_profile(home, vaultsh):
    """The error once said only 'cannot read PATH: PATH'."""
    home.write_config(reference(home.account) + "\n[profile dev]\nregion = x\n")

    line = assert_one_error(vaultsh("exec", ROLE, "--", "true"))

    assert "profile dev" in line, line
