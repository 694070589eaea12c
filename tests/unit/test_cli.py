"""`vaultsh.cli.main` run in this process, as a user's command line would run it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable

import botocore.configloader
import keyring.core
import pytest

from tests.unit.conftest import SERIAL
from tests.unit.test_vault import KEY
from vaultsh import __version__
from vaultsh.cli import main

ERROR = "vaultsh: error: "
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capfd: pytest.CaptureFixture[str]) -> Run:
    """Run main(argv); returns (status, stdout, stderr), failing on a traceback.

    Pass traceback_ok=True where --debug is expected to print one.
    """

    def run_main(*argv: str, traceback_ok: bool = False) -> tuple[int, str, str]:
        capfd.readouterr()
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse's --help and --version
            status = exc.code
        out, err = capfd.readouterr()
        if not traceback_ok:
            assert "Traceback (most recent call last)" not in err, err
        return status, out, err

    return run_main


def one_error_line(err: str) -> str:
    """The single `vaultsh: error:` line stderr must consist of."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(ERROR), err
    return lines[0][len(ERROR) :]


# the command line ------------------------------------------------------------------


def test_profile_alone_means_the_shell_command(run):
    status, out, _ = run("static.example.com", "--help")

    assert status == 0
    assert out.startswith("usage: vaultsh shell ")


def test_flags_after_a_profile_belong_to_the_shell_command(run):
    status, _, err = run("static.example.com", "--region")

    assert status == 2
    assert one_error_line(err) == (
        "argument --region: expected one argument; see 'vaultsh shell --help'"
    )


def test_version(run):
    assert run("--version") == (0, f"vaultsh {__version__}\n", "")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["export"], "the following arguments are required: PROFILE"),
        (["export", "dev", "--format", "yaml"], "invalid choice: 'yaml'"),
        (["export", "dev", "--duration", "5 hours"], "'5 hours' is not a duration"),
        (["export", "dev", "--duration", "-1"], "-1"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["remove"], "the following arguments are required: PROFILE"),
    ],
)
def test_usage_errors_exit_2_with_one_line(run, backend, argv, says):
    status, out, err = run(*argv)

    assert status == 2
    assert out == ""
    assert says in one_error_line(err)


def test_no_command_shows_usage_and_exits_2(run):
    status, _, err = run()

    assert status == 2
    assert err.startswith("usage: vaultsh")
    assert [line for line in err.splitlines() if line.startswith(ERROR)] == [
        f"{ERROR}no command or profile given; "
        "try 'vaultsh PROFILE', 'vaultsh --help' or 'vaultsh demo'"
    ]


# commands through main -------------------------------------------------------------


def test_add_from_environment_then_list(run, backend, write_config, monkeypatch):
    write_config("[profile dev]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv(
        "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )

    added = run("add", "--env", "dev")
    listed = run("list")

    assert added == (0, "stored key ****MPLE for profile dev in the keyring\n", "")
    status, out, _ = listed
    assert status == 0
    assert out.splitlines()[2].split() == ["dev", "dev", "****MPLE", "-"]


def test_add_without_a_terminal_points_to_env(run, backend, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115

    status, _, err = run("add", "dev")

    assert status == 2
    assert one_error_line(err) == (
        "no terminal to read the key from; "
        "run 'vaultsh add' in a terminal, or use --env"
    )


def test_remove_without_a_terminal_needs_force(run, vault, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # noqa: SIM115
    vault.set_key("dev", KEY)

    refused = run("remove", "dev")
    forced = run("remove", "--force", "dev")

    assert refused[0] == 2
    assert "add --force to go ahead" in one_error_line(refused[2])
    assert forced[0] == 0
    assert vault.get_key("dev") is None


def test_export_without_a_stored_key_says_how_to_add_one(run, backend, write_config):
    write_config("[profile dev]\nregion = us-east-1\n")

    status, out, err = run("export", "dev")

    assert status == 1
    assert out == ""
    assert one_error_line(err) == (
        "no key is stored for profile dev; store one with 'vaultsh add dev'"
    )


def test_unknown_profile_names_the_config_file(run, backend, write_config):
    loaded = write_config("[profile dev]\n")

    status, _, err = run("export", "prod")

    assert status == 1
    assert f"profile 'prod' is not in {loaded.path}" in one_error_line(err)


def test_exec_inside_a_vaultsh_session_is_refused(run, backend, monkeypatch):
    monkeypatch.setenv("AWS_VAULT", "site")

    status, _, err = run("exec", "dev", "--", "/no/such/command")

    assert status == 2
    assert one_error_line(err).startswith(
        "this shell already holds a vaultsh session for profile site"
    )


def test_missing_keyring_is_one_line_with_the_hint(run, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)

    status, _, err = run("list")

    assert status == 1
    assert "PYTHON_KEYRING_BACKEND=vaultsh.filestore" in one_error_line(err)


# debug output and the last line of defence -----------------------------------------


def test_debug_output_never_shows_session_secrets(run, write_config, stored_dev, aws):
    write_config("[profile dev]\nregion = us-east-1\n")

    status, out, err = run("--debug", "export", "dev", "--format", "json")

    assert status == 0
    session = json.loads(out)
    assert "vaultsh: debug: " in err
    assert "GetSessionToken" in err
    for secret in (
        session["SecretAccessKey"],
        session["SessionToken"],
        stored_dev.secret_access_key,
        stored_dev.access_key_id,
    ):
        assert secret not in err


def test_debug_output_never_shows_the_long_term_key(run, write_config, stored_dev):
    write_config("[profile dev]\nregion = us-east-1\n")

    status, out, err = run("export", "--debug", "--no-session", "dev")

    assert status == 0
    assert f"AWS_SECRET_ACCESS_KEY={stored_dev.secret_access_key}" in out
    assert "vaultsh: debug: " in err
    assert stored_dev.secret_access_key not in err
    assert stored_dev.access_key_id not in err


def test_debug_output_never_shows_the_mfa_code(run, write_config, stored_dev, aws):
    write_config(f"[profile dev]\nregion = us-east-1\nmfa_serial = {SERIAL}\n")

    status, _, err = run("--debug", "export", "dev", "--mfa-token", "864209")

    assert status == 0
    assert "864209" not in err


def test_unexpected_exception_is_one_line_with_status_70(run, backend, monkeypatch):
    def broken(path):
        raise RuntimeError("the loader broke")

    monkeypatch.setattr(botocore.configloader, "load_config", broken)

    status, out, err = run("list")

    assert status == 70
    assert out == ""
    assert one_error_line(err) == (
        "unexpected RuntimeError: the loader broke; "
        "run again with --debug and report it"
    )


def test_unexpected_exception_with_debug_shows_the_traceback(run, backend, monkeypatch):
    def broken(path):
        raise RuntimeError("the loader broke")

    monkeypatch.setattr(botocore.configloader, "load_config", broken)

    status, _, err = run("--debug", "list", traceback_ok=True)

    assert status == 70
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith(f"{ERROR}unexpected RuntimeError")


def test_mfa_token_that_is_not_six_digits_is_refused_even_without_mfa_serial(run):
    """A profile without mfa_serial sends no code; a bad --mfa-token still says so."""
    status, out, err = run("export", "--mfa-token", "abc", "dev")

    assert status == 1
    assert out == ""
    assert one_error_line(err) == (
        "the MFA code from --mfa-token is not six digits; "
        "give the current code of the MFA device"
    )
