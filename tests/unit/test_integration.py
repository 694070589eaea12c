"""Shell integration without a terminal: the segment, the scripts, the readers.

`vaultsh prompt` is checked in this process. The zsh, bash and fish versions of
the segment and of the profile reader run in the real shells (no terminal) and
must give what Python gives. The committed shell/ and completions/ files must be
what vaultsh prints today.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vaultsh import config as config_mod
from vaultsh.cli import build_parser, main
from vaultsh.integration import (
    SHELLS,
    completion_script,
    generated_files,
    init_script,
    segment,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_796_300_000  # 2026-12-03T12:53:20Z


def shell_path(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; install the package {name}")
    return path


def at(seconds: int, hours: float = 0, zulu: bool = False) -> str:
    """RFC 3339 for NOW + seconds, written with a UTC offset of `hours`."""
    zone = dt.timezone(dt.timedelta(hours=hours))
    text = dt.datetime.fromtimestamp(NOW + seconds, zone).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


def segment_at(expiration: str, now: int = NOW) -> segment.Segment | None:
    environ = {"AWS_VAULT": "p", "AWS_CREDENTIAL_EXPIRATION": expiration}
    return segment.segment(environ, now)


# the segment in Python ----------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(3725, "1h02m"), (3600, "1h00m"), (695, "11m"), (60, "1m"), (59, "59s")],
)
def test_time_left_shows_hours_and_minutes_then_minutes_then_seconds(seconds, text):
    assert segment.time_left(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "state", "text"),
    [
        (3725, "ok", "p 1h02m"),
        (301, "ok", "p 5m"),
        (300, "warn", "p 5m"),
        (45, "warn", "p 45s"),
        (1, "warn", "p 1s"),
        (0, "expired", "p expired"),
        (-3600, "expired", "p expired"),
    ],
)
def test_segment_warns_in_the_last_five_minutes_and_marks_expiry(seconds, state, text):
    found = segment_at(at(seconds, zulu=True))
    assert (found.state, found.text) == (state, text)


@pytest.mark.parametrize(
    "expiration",
    [
        at(695, zulu=True),
        at(695),
        at(695, hours=-5),
        at(695, hours=5.5),
        at(695, zulu=True).replace("T", "t").replace("Z", "z"),
        at(695, zulu=True).replace("T", " "),
        at(695, zulu=True).replace("Z", ".999Z"),
    ],
)
def test_the_same_instant_gives_the_same_time_left_with_any_offset(expiration):
    assert segment_at(expiration).text == "p 11m"


@pytest.mark.parametrize(
    "expiration",
    [
        at(695, zulu=True)[:-1],  # no offset: local time of which zone?
        "2026-02-29T12:00:00Z",
        "2026-13-01T12:00:00Z",
        "2026-12-03T24:00:00Z",
        "2026-12-03T12:00Z",
        "2026-12-03T12:00:00+5:00",
        "tomorrow",
    ],
)
def test_a_time_without_offset_or_invalid_is_shown_as_unknown(expiration):
    found = segment_at(expiration)
    assert (found.state, found.text) == ("unknown", "p ?")


def test_leap_day_is_a_valid_date():
    assert segment.expiration_epoch("2028-02-29T00:00:00Z") == 1835395200


def test_no_segment_outside_a_session_and_no_time_for_a_long_term_key():
    assert segment.segment({}, NOW) is None
    assert segment.segment({"AWS_VAULT": "dev"}, NOW).text == "dev"


def test_zsh_format_escapes_percent_signs_of_the_profile():
    found = segment.Segment("100%", "warn", "4m")
    assert segment.render(found, "zsh") == "%F{yellow}(100%% 4m)%f "


def test_bash_format_marks_colour_codes_as_taking_no_room():
    found = segment.Segment("p", "expired", "expired")
    assert segment.render(found, "bash") == (
        "\x01\x1b[31m\x02(p expired)\x01\x1b[0m\x02 "
    )


# vaultsh prompt, shell-init, completion -------------------------------------------


def run_main(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capfd.readouterr()
    status = main(list(argv))
    out, err = capfd.readouterr()
    assert "Traceback" not in err, err
    return status, out, err


def test_vaultsh_prompt_prints_the_segment_of_this_environment(capfd, monkeypatch):
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=3725)
    monkeypatch.setenv("AWS_VAULT", "static.example.com")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", expires.isoformat())
    status, out, _ = run_main(capfd, "prompt")
    assert (status, out) == (0, "static.example.com 1h02m\n")
    status, out, _ = run_main(capfd, "prompt", "--format", "zsh")
    assert out == "%F{green}(static.example.com 1h02m)%f \n"


def test_vaultsh_prompt_prints_nothing_outside_a_session(capfd):
    assert run_main(capfd, "prompt") == (0, "", "")


def test_vaultsh_prompt_imports_neither_boto3_nor_keyring_nor_prompt_toolkit():
    code = (
        "import sys\n"
        "from vaultsh.cli import main\n"
        "main(['prompt'])\n"
        "heavy = {'boto3', 'botocore', 'keyring', 'prompt_toolkit'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "AWS_VAULT": "p"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["p", "[]"]


@pytest.mark.parametrize("name", SHELLS)
def test_shell_init_and_completion_print_the_scripts(capfd, name):
    assert run_main(capfd, "shell-init", name) == (0, init_script(name), "")
    assert run_main(capfd, "completion", name) == (0, completion_script(name), "")


def test_prompt_formats_of_the_parser_are_those_the_segment_renders():
    sub = build_parser()._subparsers._group_actions[0].choices["prompt"]
    formats = next(a.choices for a in sub._actions if a.dest == "format")
    assert tuple(formats) == segment.FORMATS


def test_committed_shell_files_are_what_vaultsh_generates():
    """shell/ and completions/ cannot drift from the code and the parser."""
    for path, text in generated_files().items():
        committed = ROOT / path
        assert committed.exists(), (
            f"{path} is missing; run python -m vaultsh.integration"
        )
        assert committed.read_text() == text, (
            f"{path} differs from what vaultsh generates; "
            "run python -m vaultsh.integration"
        )


@pytest.mark.parametrize("path", sorted(generated_files()))
def test_generated_scripts_are_valid_shell(path, tmp_path):
    name = {"_vaultsh": "zsh", "vaultsh.plugin.zsh": "zsh"}.get(
        Path(path).name, Path(path).suffix.lstrip(".")
    )
    script = tmp_path / Path(path).name
    script.write_text(generated_files()[path])
    done = subprocess.run([shell_path(name), "-n", str(script)], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


# the same answers from zsh, bash and fish ------------------------------------------

SEGMENT_LOOP = {
    "zsh": 'for e in "$@"; do AWS_CREDENTIAL_EXPIRATION=$e; vaultsh_prompt_update; '
    'print -r -- "$VAULTSH_SEGMENT_STATE|$VAULTSH_SEGMENT"; done',
    "bash": 'for e in "$@"; do AWS_CREDENTIAL_EXPIRATION=$e; vaultsh_prompt_update; '
    'printf "%s\\n" "$VAULTSH_SEGMENT_STATE|$VAULTSH_SEGMENT"; done',
    "fish": "for e in $argv; set AWS_CREDENTIAL_EXPIRATION $e; vaultsh_prompt_update; "
    'printf "%s\\n" "$VAULTSH_SEGMENT_STATE|$VAULTSH_SEGMENT"; end',
}


def run_shell(name: str, script: str, args: list[str], env: dict) -> list[str]:
    argv = {
        "zsh": ["-f", "-c"],
        "bash": ["--norc", "-c"],
        "fish": ["--no-config", "-c"],
    }
    extra = [name] if name != "fish" else []
    done = subprocess.run(
        [shell_path(name), *argv[name], script, *extra, *args],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("name", SHELLS)
def test_shell_segments_match_vaultsh_prompt(name, zone, tmp_path):
    now = int(time.time())
    expirations = [
        *(_from(now, s, h) for s in (7325, 695, 200, -5) for h in (0, -5, 5.5)),
        _from(now, 695, 0)[:-6],
        "2026-02-29T12:00:00Z",
        "garbage",
    ]
    init = tmp_path / f"init.{name}"
    init.write_text(init_script(name))
    script = f"source {init}; {SEGMENT_LOOP[name]}"
    got = run_shell(name, script, expirations, {"AWS_VAULT": "p.x", "TZ": zone})
    for later in (0, 1, 2):  # the shell reads the clock a moment after us
        found = [segment_at(e, now + later) for e in expirations]
        if got == [f"{f.state}|{f.text.replace('p', 'p.x', 1)}" for f in found]:
            return
    pytest.fail(f"{name} under TZ={zone} gave {got} for {expirations}")


def _from(now: int, seconds: int, hours: float) -> str:
    zone = dt.timezone(dt.timedelta(hours=hours))
    return dt.datetime.fromtimestamp(now + seconds, zone).isoformat()


TRICKY_CONFIG = """\
[default]
region = us-east-1
[profile dev]
[profile static.example.com]
[profile "my profile"]
[profile 'single quoted']
[profile ops@example.com]
[profile team/admin]
[profile arn:aws:iam::123456789012:role/ci]
[profile  spaced.out  ]
[profile two words]
[ profile leading-space]
[profiles]
[sso-session corp]
[services local]
; [profile commented]
# [profile commented-too]
[profile crlf]\r
key = [profile not-a-header]
"""

READERS = {
    "zsh": "source {script} 2>/dev/null; _wanted() {{ print -rl -- $names }}; "
    "_vaultsh_profiles",
    "bash": "source {script}; f() {{ local -a profiles; _vaultsh_profiles; "
    'printf "%s\\n" "${{profiles[@]}}"; }}; f',
    "fish": "source {script}; __vaultsh_profiles",
}


@pytest.mark.parametrize("name", SHELLS)
def test_shell_profile_readers_find_the_names_botocore_finds(name, tmp_path):
    """Names with dots, spaces, @, / and : come out of the file intact."""
    config = tmp_path / "config"
    config.write_bytes(TRICKY_CONFIG.encode())
    script = tmp_path / f"completion.{name}"
    script.write_text(completion_script(name))
    # zsh's reader hands its names to _wanted; here _wanted prints them
    reader = READERS[name].format(script=script)
    got = run_shell(name, reader, [], {"AWS_CONFIG_FILE": str(config)})
    expected = config_mod.load(config).names
    assert sorted(set(got)) == expected
    assert "my profile" in expected and "arn:aws:iam::123456789012:role/ci" in expected


@pytest.mark.parametrize("name", SHELLS)
def test_shell_profile_readers_follow_a_tilde_in_aws_config_file(name, tmp_path):
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws" / "config").write_text("[profile from.tilde]\n")
    script = tmp_path / f"completion.{name}"
    script.write_text(completion_script(name))
    env = {"AWS_CONFIG_FILE": "~/aws/config", "HOME": str(tmp_path)}
    got = run_shell(name, READERS[name].format(script=script), [], env)
    assert got == ["from.tilde"]


#: bash setting, the word before the cursor -> the reply, which readline puts in
#: place of the text after the last word break (keeping @ while hostcomplete is on)
WORD_BREAK_REPLIES = [
    ("true", "me@c", "@corp"),
    ("shopt -u hostcomplete", "me@c", "me@corp"),
    ("shopt -u hostcomplete; COMP_WORDBREAKS=$COMP_WORDBREAKS@", "me@c", "corp"),
    ("COMP_WORDBREAKS=${COMP_WORDBREAKS//@/}", "me@c", "me@corp"),
    ("true", "arn:aws:iam::1:ro", "role/ci"),
    (
        "COMP_WORDBREAKS=${COMP_WORDBREAKS//:/}",
        "arn:aws:iam::1:ro",
        "arn:aws:iam::1:role/ci",
    ),
]


@pytest.mark.parametrize(("setting", "word", "reply"), WORD_BREAK_REPLIES)
def test_bash_completion_replies_with_what_readline_replaces(
    setting, word, reply, tmp_path
):
    """bash-completion turns hostcomplete off; then @ does not break words."""
    config = tmp_path / "config"
    config.write_text("[profile me@corp]\n[profile arn:aws:iam::1:role/ci]\n")
    script = tmp_path / "completion.bash"
    script.write_text(completion_script("bash"))
    line = f"vaultsh exec {word}"
    code = (
        f"source {script}; {setting}; COMP_LINE='{line}' COMP_POINT={len(line)}; "
        '_vaultsh; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    got = run_shell("bash", code, [], {"AWS_CONFIG_FILE": str(config)})
    assert got == [reply]
