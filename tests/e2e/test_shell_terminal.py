"""The installed `vaultsh PROFILE` shell in a real terminal (pexpect), against moto.

conftest's `home` gives each test a moto server seeded like the reference
account and a HOME with the reference config; `stored_key` stores the user's
key with `vaultsh add --env dev`. The shell runs in a pseudo-terminal of fixed
size. On a timeout the failure shows what was expected, the last output and
the whole transcript.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pexpect
import pytest

from vaultsh import demo

pytestmark = pytest.mark.e2e

PROFILE = "static.example.com"
ROWS, COLUMNS = 30, 120
TIMEOUT = 20
#: any escape sequence prompt_toolkit may put between styled pieces
ESC = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
#: the prompt as drawn (its trailing space is a cursor move, not a character)
PROMPT = re.escape(PROFILE) + ESC + ">"
#: prompt_toolkit asks where the cursor is (and draws the toolbar only once told)
CURSOR_QUERY = re.escape("\x1b[6n")
#: what a terminal answers; row 1 leaves the whole window below the prompt
CURSOR_REPLY = "\x1b[1;1R"


class Terminal:
    """A running shell; `expect` fails with the expected text and the transcript.

    pexpect is no terminal emulator, so `expect` answers prompt_toolkit's
    cursor-position queries the way any terminal would.
    """

    def __init__(self, environ: dict[str, str], cwd: Path) -> None:
        self.transcript = io.StringIO()
        self.child = pexpect.spawn(
            "vaultsh",
            [PROFILE],
            env=environ,
            cwd=str(cwd),
            dimensions=(ROWS, COLUMNS),
            encoding="utf-8",
            codec_errors="replace",
            timeout=TIMEOUT,
        )
        self.child.logfile_read = self.transcript

    def expect(self, pattern: str | type, timeout: float = TIMEOUT) -> re.Match | None:
        try:
            while self.child.expect([CURSOR_QUERY, pattern], timeout=timeout) == 0:
                self.child.send(CURSOR_REPLY)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            shown = pattern if isinstance(pattern, str) else pattern.__name__
            raise AssertionError(
                f"expected {shown!r} ({type(exc).__name__})\n"
                f"--- last output ---\n{self.child.before!r}\n"
                f"--- whole transcript ---\n{self.transcript.getvalue()}"
            ) from None
        return self.child.match

    def command(self, line: str) -> None:
        """Type `line` at a fresh prompt and press Enter."""
        self.expect(PROMPT)
        self.child.sendline(line)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()


@pytest.fixture
def term(home, stored_key, tmp_path):
    """The shell on the role, started in an empty working folder."""
    work = tmp_path / "work"
    work.mkdir()
    terminal = Terminal({**home.env, "TERM": "xterm"}, work)
    yield terminal
    terminal.close()
    assert "Traceback" not in terminal.transcript.getvalue()


def test_toolbar_shows_the_profile_and_the_time_left(term):
    term.expect(r"\x1b\[[0-9;]*m " + re.escape(PROFILE) + " ")
    term.expect("session " + ESC + r" \d+m\d\ds left")


def test_tab_completes_a_command_name(term):
    term.expect(PROMPT)
    term.child.send("whoa\t")
    term.expect("mi")  # what completion adds to the line
    term.child.send("\r")

    term.expect("account  123456789012")
    term.expect(
        r"arn      arn:aws:sts::123456789012:assumed-role/static\.example\.com/"
    )


def test_s3_ls_lists_a_prefix_like_the_aws_cli(term):
    term.command("s3 ls security/")
    term.expect(" {27}PRE keys/")
    term.expect(r"\d\d:\d\d:\d\d {9}18 index\.html")
    term.expect(r"\d\d:\d\d:\d\d {9}38 policy\.txt")

    term.command("s3 ls --recursive security/")
    term.expect(r" security/index\.html")
    term.expect(r" security/keys/pgp\.txt")


def test_s3_get_of_a_key_with_a_space_and_unicode(term, tmp_path):
    term.command('s3 get "docs/with space/ü.txt"')
    term.expect("download: s3://static.example.com/docs/with space/ü.txt to ")
    term.expect(PROMPT)

    text = (tmp_path / "work" / "ü.txt").read_text()
    assert text == demo.OBJECTS["docs/with space/ü.txt"]


def test_cf_invalidate_then_get_shows_the_status(term):
    term.command('cf invalidate /foo "/bar/*"')
    created = term.expect(
        r"created invalidation ([A-Z0-9]+)  COMPLETED  .*/foo /bar/\*"
    )
    ident = created.group(1)

    term.command(f"cf get {ident}")
    term.expect(f"invalidation {ident}  COMPLETED  " + r".*/foo /bar/\*")


def test_bang_runs_the_aws_cli_with_the_session(term):
    term.command("!aws s3 ls s3://static.example.com/security/")
    term.expect(" {27}PRE keys/")
    term.expect(r" policy\.txt")
    term.expect(PROMPT)


def test_a_bad_command_is_one_line_and_the_shell_goes_on(term):
    term.command("frobnicate --now")
    line = term.expect(r"error: unknown command 'frobnicate'[^\r\n]*\r+\n")
    assert "Traceback" not in term.transcript.getvalue()
    assert "help" in line.group(0)

    term.command("whoami")
    term.expect("account  123456789012")


def test_ctrl_c_stops_a_running_command_and_the_shell_goes_on(term):
    term.command("!printf 'run%s\\n' ning; sleep 60")
    term.expect("running\r")  # the output, not the echo: sleep has started
    term.child.sendintr()
    term.expect("error: !printf 'run%s.n' ning; sleep 60 was interrupted")

    term.command("whoami")
    term.expect("account  123456789012")


def test_exit_ends_with_status_zero_and_keeps_no_secret_in_history(term, home):
    term.command("!echo AWS_SECRET_ACCESS_KEY=not-for-history | tr a-z A-Z")
    term.expect("NOT-FOR-HISTORY")
    term.command("whoami")
    term.expect("account  123456789012")
    term.command("exit")
    term.expect(pexpect.EOF)
    term.child.close()

    assert term.child.exitstatus == 0
    history = Path(home.env["XDG_STATE_HOME"]) / "vaultsh" / "history"
    kept = history.read_text()
    assert "+whoami" in kept
    assert "not-for-history" not in kept


def test_ctrl_d_leaves_with_status_zero(term):
    term.expect(PROMPT)
    term.child.sendeof()
    term.expect(pexpect.EOF)
    term.child.close()

    assert term.child.exitstatus == 0
