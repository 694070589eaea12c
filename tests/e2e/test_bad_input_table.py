"""Every bad input: one clear line, a non-zero exit status, nothing changed.

Each case runs the installed vaultsh against the moto server as the reference
user, with the key stored first where the case needs it, and asserts:
- stderr is exactly one `vaultsh: error:` line, holding the words listed;
- the exit status is the one listed (2 for usage, 127 for a missing command,
  1 for everything else);
- the config file (byte for byte), the items of the encrypted keyring and the
  user's keys in IAM are what they were.
Where AWS must refuse a call, IAM policy enforcement is switched on in moto for
that one command. Answers moto cannot give (a wrong MFA code, clock skew) are
in tests/unit/test_aws_answers.py.
"""

from __future__ import annotations

import http.server
import json
import shlex
import socket
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from tests import helpers
from vaultsh import demo

pytestmark = pytest.mark.e2e

ROLE = "static.example.com"
EXEC_ROLE = ("exec", ROLE, "--", "true")
EXPORT_DEV = ("export", "--format=json", "--", "dev")
ROTATE = ("rotate", "--no-session", "dev")
OTHER = ("export", "--format=json", "--", "other")


def python(code: str) -> str:
    """A shell command that runs `code` with this interpreter."""
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def reference(account: demo.Account) -> str:
    return account.config_text()


def plus(text: str) -> Callable[[demo.Account], str]:
    """The reference config with more sections; {role} is the role's ARN."""
    return lambda account: (
        reference(account) + "\n" + text.format(role=account.role_arn)
    )


def with_mfa_process(command: str) -> Callable[[demo.Account], str]:
    return lambda account: account.config_text(mfa_process=command)


def credential_process(code: str) -> Callable[[demo.Account], str]:
    """Profile `other`, whose credential_process runs `code`."""
    section = f"[profile other]\ncredential_process = {python(code)}\n"
    return lambda account: reference(account) + "\n" + section


def loop_of(key: str) -> Callable[[demo.Account], str]:
    return plus(
        f"[profile first]\nrole_arn = {{role}}\n{key} = second\n\n"
        f"[profile second]\nrole_arn = {{role}}\n{key} = first\n"
    )


CHAINED = plus(f"[profile chained]\nrole_arn = {{role}}\nsource_profile = {ROLE}\n")
PRINT = "import json; print(json.dumps({}))"


@dataclass(frozen=True)
class Case:
    """One bad input and what the user must be told."""

    args: tuple[str, ...]
    status: int
    mentions: tuple[str, ...]
    config: Callable[[demo.Account], str] = reference
    store_key: bool = True
    #: changes to the environment; "{silent}" and "{html}" name test servers
    env: dict[str, str | None] = field(default_factory=dict)
    #: run with IAM policy enforcement on in moto
    enforce: bool = False
    #: an inline policy (actions allowed on any resource) for the user
    allow: tuple[str, ...] = ()
    #: run with a file size limit of 0: every write to a file fails
    no_writes: bool = False
    #: something to do to the user's HOME before the command
    setup: Callable[[object], None] | None = None
    #: lines on stderr before the error: rotate's progress, a helper's own words
    lines_before: int = 0


def damage_keyring(ctx) -> None:
    ctx.home.keyring_file.write_bytes(b"this is not a keyring")


def second_key(account_admin) -> None:
    account_admin("iam").create_access_key(UserName=demo.USER)


CASES: dict[str, Case] = {
    # the config file -----------------------------------------------------------
    "config-does-not-parse": Case(
        EXEC_ROLE,
        1,
        ("cannot read", "line 1: '[profile dev' comes before any [section] header"),
        config=lambda a: "[profile dev\n",
    ),
    "config-duplicate-profile": Case(
        EXEC_ROLE, 1, ("cannot read", "profile dev"), config=plus("[profile dev]\n")
    ),
    "config-is-a-folder": Case(
        EXEC_ROLE,
        1,
        ("cannot read /tmp: it is a folder",),
        env={"AWS_CONFIG_FILE": "/tmp"},
    ),
    "unknown-profile-exec": Case(
        ("exec", "nope", "--", "true"), 1, ("profile 'nope' is not in",)
    ),
    "unknown-profile-export": Case(
        ("export", "nope"), 1, ("profile 'nope' is not in", "vaultsh list")
    ),
    "unknown-profile-rotate": Case(("rotate", "nope"), 1, ("profile 'nope'",)),
    "source-profile-loop": Case(
        ("exec", "first", "--", "true"),
        1,
        ("source_profile loop", "first -> second -> first"),
        config=loop_of("source_profile"),
    ),
    "include-profile-loop": Case(
        ("exec", "first", "--", "true"),
        1,
        ("include_profile loop", "first -> second -> first"),
        config=loop_of("include_profile"),
    ),
    "include-of-a-missing-profile": Case(
        ("exec", "odd", "--", "true"),
        1,
        ("profile odd includes 'gone'",),
        config=plus("[profile odd]\ninclude_profile = gone\n"),
    ),
    "source-profile-missing": Case(
        ("exec", "odd", "--", "true"),
        1,
        ("profile 'gone' is not in",),
        config=plus("[profile odd]\nrole_arn = {role}\nsource_profile = gone\n"),
    ),
    "source-profile-without-role-arn": Case(
        ("exec", "odd", "--", "true"),
        1,
        ("profile odd has source_profile but no role_arn",),
        config=plus("[profile odd]\nsource_profile = dev\n"),
    ),
    "role-whose-source-has-no-stored-key": Case(
        EXEC_ROLE,
        1,
        ("no key is stored for profile dev", "vaultsh add dev"),
        store_key=False,
    ),
    "duration-seconds-not-a-duration": Case(
        ("exec", "odd", "--", "true"),
        1,
        ("duration_seconds = an hour is not a duration",),
        config=plus(
            "[profile odd]\nrole_arn = {role}\nsource_profile = dev\n"
            "duration_seconds = an hour\n"
        ),
    ),
    # durations -------------------------------------------------------------------
    "duration-with-unknown-units": Case(
        ("exec", "--duration", "5x", ROLE, "--", "true"),
        2,
        ("'5x' is not a duration", "1h or 15m"),
    ),
    "duration-empty": Case(
        ("exec", "--duration=", ROLE, "--", "true"), 2, ("'' is not a duration",)
    ),
    "duration-below-the-sts-minimum": Case(
        ("exec", "--duration", "10m", ROLE, "--", "true"),
        2,
        ("--duration asks for a session of 10m (600s)", "AssumeRole allows 900"),
    ),
    "duration-over-the-role-maximum": Case(
        ("exec", "--duration", "13h", ROLE, "--", "true"),
        2,
        ("13h (46800s)", "AssumeRole allows 900 to 43200 seconds (15m to 12h)"),
    ),
    "duration-over-the-session-token-maximum": Case(
        ("export", "--duration", "37h", "dev"),
        2,
        ("37h (133200s)", "GetSessionToken allows 900 to 129600 seconds"),
    ),
    "duration-over-the-chained-role-cap": Case(
        ("exec", "--duration", "2h", "chained", "--", "true"),
        2,
        (
            "profile chained is a role assumed from another role",
            "2h (7200s)",
            "at most 3600s (1h) for a chained role",
        ),
        config=CHAINED,
    ),
    "duration-seconds-over-the-chained-role-cap": Case(
        ("exec", "chained", "--", "true"),
        1,
        ("2h (7200s)", "chained role"),
        config=lambda a: CHAINED(a) + "duration_seconds = 7200\n",
    ),
    # MFA ---------------------------------------------------------------------------
    "mfa-token-not-digits": Case(
        ("exec", "--mfa-token", "abcdef", ROLE, "--", "true"),
        1,
        ("the MFA code from --mfa-token is not six digits",),
    ),
    "mfa-token-five-digits": Case(
        ("exec", "--mfa-token", "12345", ROLE, "--", "true"), 1, ("six digits",)
    ),
    "mfa-process-fails": Case(
        EXEC_ROLE,
        1,
        ("mfa_process of profile static.example.com failed with exit status 3",),
        config=with_mfa_process("exit 3"),
    ),
    "mfa-process-not-found": Case(
        EXEC_ROLE,
        1,
        ("mfa_process", "exit status 127 (command not found)"),
        config=with_mfa_process("no-such-otp-tool --now"),
        lines_before=1,
    ),
    "mfa-process-prints-garbage": Case(
        EXEC_ROLE,
        1,
        ("mfa_process of profile static.example.com is not six digits",),
        config=with_mfa_process("echo here is your code"),
    ),
    "mfa-process-prints-nothing": Case(
        EXEC_ROLE, 1, ("is not six digits",), config=with_mfa_process("true")
    ),
    "mfa-process-prints-bytes": Case(
        EXEC_ROLE,
        1,
        ("is not six digits",),
        config=with_mfa_process(
            python("import sys; sys.stdout.buffer.write(b'\\xff\\xfe1')")
        ),
    ),
    "mfa-process-hangs": Case(
        EXEC_ROLE,
        1,
        ("mfa_process of profile static.example.com gave no code within 1s",),
        config=with_mfa_process("sleep 30"),
        env={"VAULTSH_PROCESS_TIMEOUT": "1"},
    ),
    # credential_process ------------------------------------------------------------
    "credential-process-invalid-json": Case(
        OTHER,
        1,
        (
            "credential_process of profile other printed no valid credentials",
            "not JSON",
        ),
        config=credential_process("print('{not json')"),
    ),
    "credential-process-json-list": Case(
        OTHER, 1, ("not a JSON object",), config=credential_process("print('[1]')")
    ),
    "credential-process-without-secret": Case(
        OTHER,
        1,
        ("SecretAccessKey is missing", "Version 1, AccessKeyId and SecretAccessKey"),
        config=credential_process(
            PRINT.replace("{}", "{'Version': 1, 'AccessKeyId': 'AKIAEXAMPLEEXAMPLE1'}")
        ),
    ),
    "credential-process-version-2": Case(
        OTHER,
        1,
        ("Version is not 1",),
        config=credential_process(PRINT.replace("{}", "{'Version': 2}")),
    ),
    "credential-process-expired": Case(
        OTHER,
        1,
        ("printed credentials that have expired",),
        config=credential_process(
            PRINT.replace(
                "{}",
                "{'Version': 1, 'AccessKeyId': 'ASIAEXAMPLEEXAMPLE1', "
                "'SecretAccessKey': 'x' * 40, 'SessionToken': 't', "
                "'Expiration': '2020-01-01T00:00:00Z'}",
            )
        ),
    ),
    "credential-process-fails": Case(
        OTHER,
        1,
        ("credential_process of profile other failed with exit status 4",),
        config=credential_process("raise SystemExit(4)"),
    ),
    "credential-process-hangs": Case(
        OTHER,
        1,
        ("credential_process of profile other gave nothing within 1s",),
        config=credential_process("import time; time.sleep(30)"),
        env={"VAULTSH_PROCESS_TIMEOUT": "1"},
    ),
    "credential-process-not-found": Case(
        OTHER,
        1,
        ("credential_process of profile other cannot run",),
        config=plus("[profile other]\ncredential_process = no-such-helper --json\n"),
    ),
    "credential-process-unbalanced-quote": Case(
        OTHER,
        1,
        ("credential_process of profile other cannot run",),
        config=plus("[profile other]\ncredential_process = helper 'open\n"),
    ),
    # the keyring -------------------------------------------------------------------
    "keyring-wrong-passphrase": Case(
        EXEC_ROLE,
        1,
        ("it is locked", "wrong passphrase", "VAULTSH_FILE_PASSPHRASE"),
        env={"VAULTSH_FILE_PASSPHRASE": "not the passphrase"},
    ),
    "keyring-missing": Case(
        EXEC_ROLE,
        1,
        ("no usable keyring backend", "PYTHON_KEYRING_BACKEND"),
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    ),
    "keyring-backend-that-does-not-exist": Case(
        ("list",),
        1,
        ("keyring",),
        env={"PYTHON_KEYRING_BACKEND": "no.such.module.Keyring"},
    ),
    "keyring-file-damaged": Case(
        EXEC_ROLE, 1, ("is not a vaultsh file keyring",), setup=damage_keyring
    ),
    "keyring-refuses-writes-on-add": Case(
        ("add", "--env", "dev"),
        1,
        ("cannot write to the keyring", "file too large", "free space"),
        env={
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
        no_writes=True,
    ),
    "keyring-refuses-writes-on-rotate": Case(
        ROTATE,
        1,
        ("cannot write to the keyring", "nothing changed"),
        no_writes=True,
        lines_before=1,
    ),
    "lock-timeout-not-a-number": Case(
        EXEC_ROLE,
        1,
        ("VAULTSH_LOCK_TIMEOUT=soon is not a number of seconds",),
        env={"VAULTSH_LOCK_TIMEOUT": "soon"},
    ),
    "process-timeout-negative": Case(
        EXEC_ROLE,
        1,
        ("VAULTSH_PROCESS_TIMEOUT=-5 is not a number of seconds",),
        env={"VAULTSH_PROCESS_TIMEOUT": "-5"},
    ),
    # the AWS endpoint ----------------------------------------------------------------
    "endpoint-refuses-connections": Case(
        EXEC_ROLE,
        1,
        ("cannot reach http://127.0.0.1:1", "AWS_ENDPOINT_URL"),
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
    ),
    "endpoint-times-out": Case(
        EXEC_ROLE,
        1,
        ("did not answer in time", "VAULTSH_AWS_TIMEOUT"),
        env={
            "AWS_ENDPOINT_URL": "{silent}",
            "VAULTSH_AWS_TIMEOUT": "1",
            "AWS_MAX_ATTEMPTS": "1",
        },
    ),
    "endpoint-is-not-aws": Case(
        EXEC_ROLE,
        1,
        ("for profile static.example.com", "AWS_ENDPOINT_URL"),
        env={"AWS_ENDPOINT_URL": "{html}", "AWS_MAX_ATTEMPTS": "1"},
    ),
    "endpoint-is-not-a-url": Case(
        EXEC_ROLE,
        1,
        ("cannot make an AWS sts client", "Invalid endpoint"),
        env={"AWS_ENDPOINT_URL": "not a url"},
    ),
    "region-that-is-no-region": Case(
        ("exec", "--region", "moon base", ROLE, "--", "true"),
        1,
        ("cannot make an AWS sts client", "moon base"),
    ),
    # AWS says no (IAM policy enforcement on) ----------------------------------------
    "access-denied-on-assume-role": Case(
        EXEC_ROLE,
        1,
        ("AssumeRole", "AccessDenied", "the policy does not allow this"),
        enforce=True,
    ),
    "access-denied-on-get-session-token": Case(
        EXPORT_DEV,
        1,
        ("GetSessionToken for profile dev failed: AccessDenied",),
        enforce=True,
    ),
    "access-denied-on-get-user": Case(
        ROTATE,
        1,
        ("GetUser failed: AccessDenied", "nothing changed"),
        enforce=True,
    ),
    "access-denied-on-create-access-key": Case(
        ROTATE,
        1,
        ("CreateAccessKey for dev-work-sts failed: AccessDenied", "nothing changed"),
        enforce=True,
        allow=("iam:GetUser",),
        lines_before=1,
    ),
    # rotate ---------------------------------------------------------------------------
    "rotate-without-a-stored-key": Case(
        ROTATE, 1, ("no key is stored for profile dev",), store_key=False
    ),
    "rotate-two-key-limit": Case(
        ROTATE,
        1,
        ("LimitExceeded", "nothing changed", "--delete-other-key KEYID"),
        setup=lambda ctx: second_key(ctx.admin),
        lines_before=1,
    ),
    "rotate-delete-other-key-that-is-the-stored-key": Case(
        (*ROTATE, "--delete-other-key", "{stored}"),
        2,
        ("never deletes this way",),
    ),
    "rotate-delete-other-key-malformed": Case(
        (*ROTATE, "--delete-other-key", "key-two"), 2, ("not an access key id",)
    ),
    "rotate-delete-other-key-unknown": Case(
        (*ROTATE, "--delete-other-key", "AKIAIOSFODNN7NOSUCHK"),
        1,
        ("NoSuchEntity", "nothing changed", "has no such key"),
        lines_before=1,
    ),
    "rotate-pause-after-no-such-step": Case(
        ROTATE,
        2,
        ("VAULTSH_ROTATE_PAUSE_AFTER=later names no rotation step",),
        env={"VAULTSH_ROTATE_PAUSE_AFTER": "later"},
    ),
    # the command line -----------------------------------------------------------------
    "exec-inside-a-vaultsh-session": Case(
        EXEC_ROLE, 2, ("already holds a vaultsh session",), env={"AWS_VAULT": "dev"}
    ),
    "exec-of-a-missing-command": Case(
        ("exec", ROLE, "--", "no-such-command-here"),
        127,
        ("command not found: no-such-command-here",),
    ),
    "add-env-without-the-variables": Case(
        ("add", "--env", "dev"), 2, ("AWS_ACCESS_KEY_ID",), store_key=False
    ),
    "add-a-temporary-key": Case(
        ("add", "--env", "dev"),
        2,
        ("temporary key (ASIA...)",),
        env={
            "AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
    ),
    "add-a-key-id-that-is-no-key-id": Case(
        ("add", "--env", "dev"),
        2,
        ("does not look like one",),
        env={
            "AWS_ACCESS_KEY_ID": "my-key",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
    ),
    "export-unknown-format": Case(
        ("export", "--format", "yaml", "dev"), 2, ("invalid choice: 'yaml'",)
    ),
    "unknown-flag": Case(("list", "--colour"), 2, ("unrecognized arguments",)),
    "remove-without-a-stored-key": Case(
        ("remove", "--force", "dev"), 1, ("no key is stored",), store_key=False
    ),
    "remove-without-a-terminal": Case(
        ("remove", "dev"), 2, ("no terminal to confirm on", "--force")
    ),
    "credential-process-loop": Case(
        EXPORT_DEV, 1, ("vaultsh add dev",), store_key=False
    ),
}


# fixtures ---------------------------------------------------------------------


@pytest.fixture
def silent() -> Iterator[str]:
    """An endpoint that takes connections and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


class _Html(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = b"<html><body>captive portal: please log in</body></html>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def html() -> Iterator[str]:
    """An endpoint that answers every request with a web page."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def set_auth(endpoint: str, count: str) -> None:
    """moto's IAM enforcement: "0" checks every request from now, "inf" none."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def enforcement(moto_endpoint: str) -> Iterator[Callable[[bool], None]]:
    """Switch moto's IAM enforcement on and off; always off at the end."""
    yield lambda on: set_auth(moto_endpoint, "0" if on else "inf")
    set_auth(moto_endpoint, "inf")


@dataclass(frozen=True)
class Context:
    home: object
    admin: Callable[[str], object]
    account: demo.Account


def allow(admin, actions: tuple[str, ...]) -> None:
    import json

    statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    admin("iam").put_user_policy(
        UserName=demo.USER, PolicyName="only", PolicyDocument=document
    )


def keyring_items(home) -> dict | None:
    """What the encrypted keyring file holds, decrypted: service -> user -> value.

    Compared instead of the file's bytes: a command may write an item and
    remove it again (rotate's record), which leaves the same items in a file
    encrypted afresh.
    """
    from vaultsh.filestore import DIR_ENV, PASSPHRASE_ENV, EncryptedFileKeyring

    if not home.keyring_file.exists():
        return None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DIR_ENV, home.env[DIR_ENV])
        patch.setenv(PASSPHRASE_ENV, home.env[PASSPHRASE_ENV])
        backend = EncryptedFileKeyring()
        try:
            loaded = backend.sealed._load()
        except Exception as exc:  # a case that damages the file on purpose
            return {"unreadable": {type(exc).__name__: home.keyring_file.read_bytes()}}
    return loaded[1] if loaded else None


def snapshot(home, admin) -> tuple:
    """The config file's bytes, the keyring's items, the user's keys in IAM."""
    config = helpers.read_bytes(home.config_file)
    return config, keyring_items(home), iam_keys(admin)


def iam_keys(admin) -> list[tuple[str, str]]:
    listed = admin("iam").list_access_keys(UserName=demo.USER)["AccessKeyMetadata"]
    return sorted((k["AccessKeyId"], k["Status"]) for k in listed)


@pytest.fixture
def prepare(request, home, account, admin) -> Callable[[Case], dict[str, str]]:
    """Set the case up; returns the values its placeholders stand for."""

    def setup(case: Case) -> dict[str, str]:
        if case.store_key:
            request.getfixturevalue("stored_key")
        home.write_config(case.config(account))
        if case.allow:
            allow(admin, case.allow)
        if case.setup:
            case.setup(Context(home, admin, account))
        values = {"stored": account.access_key_id}
        for name in ("silent", "html"):
            if any(f"{{{name}}}" in str(v) for v in case.env.values()):
                values[name] = request.getfixturevalue(name)
        return values

    return setup


def run_case(case: Case, values: dict[str, str], home) -> helpers.Result:
    args = [arg.format(**values) for arg in case.args]
    changes = {
        k: None if v is None else v.format(**values) for k, v in case.env.items()
    }
    env = helpers.merged_environ(home.env, changes)
    if case.no_writes:
        limit = 'ulimit -f 0; exec vaultsh "$@"'
        return helpers.run_command(["sh", "-c", limit, "sh", *args], env=env)
    return helpers.run(*args, env=env)


def the_error_line(result: helpers.Result, lines_before: int) -> str:
    """The one `vaultsh: error:` line, last, after exactly `lines_before` others."""
    lines = result.error_lines
    assert result.status != 0, result.transcript()
    assert len(lines) == lines_before + 1, result.transcript()
    assert lines[-1].startswith(helpers.ERROR_PREFIX), result.transcript()
    assert not any(x.startswith("vaultsh:") for x in lines[:-1]), result.transcript()
    return lines[-1]


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_one_line_with_a_status_and_changes_nothing(
    name, prepare, home, admin, enforcement
):
    case = CASES[name]
    values = prepare(case)
    before = snapshot(home, admin)

    enforcement(case.enforce)
    result = run_case(case, values, home)
    enforcement(False)

    line = the_error_line(result, case.lines_before)
    assert result.status == case.status, result.transcript()
    for words in case.mentions:
        assert words in line, result.transcript()
    assert values["stored"] not in result.stderr
    assert snapshot(home, admin) == before


def test_credential_process_without_the_optional_fields_is_used(
    home, account, vaultsh, recorder
):
    """SessionToken and Expiration are optional in credential_process output."""
    key = {
        "Version": 1,
        "AccessKeyId": account.access_key_id,
        "SecretAccessKey": account.secret_access_key,
    }
    code = f"import json; print(json.dumps({key!r}))"
    section = (
        f"[profile other]\ncredential_process = {python(code)}\n\n"
        f"[profile other-role]\nrole_arn = {account.role_arn}\n"
        "role_session_name = dev-work-sts\nsource_profile = other\n"
    )
    home.write_config(reference(account) + "\n" + section)

    exported = helpers.assert_ok(vaultsh("export", "--format=json", "other"))
    assumed = helpers.assert_ok(vaultsh("exec", "other-role", "--", "true"))

    assert json.loads(exported.stdout) == key
    assert assumed.stderr == ""
    [call] = recorder.calls("AssumeRole")
    assert call.signed_by == account.access_key_id
