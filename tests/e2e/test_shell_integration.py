"""vaultsh's prompt segment and TAB completion in real zsh, bash and fish.

Each shell runs interactively in a tmux pane of its own tmux server, with a
private HOME whose rc files hold the lines the README gives: the segment from
`vaultsh shell-init SHELL` and the completion from `vaultsh completion SHELL`
(zsh and fish load it from their completion folders, bash evaluates it). The
tests type, press TAB or Enter, and read the screen; on a timeout they show
what they waited for, the screen and the pane's whole history.

Other tests run the shells without a terminal: the prompt segment under strace
(it must start no process) and the shell's state before and after loading it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import helpers

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

SHELLS = ("zsh", "bash", "fish")
WIDTH, HEIGHT = 200, 50
TIMEOUT = 20
#: each shell's own prompt (tmux drops the space after it from the screen)
READY = {"zsh": "zsh>", "bash": "bash>", "fish": "fish>"}
#: TABs that list the candidates when there are several
LIST_TABS = {"zsh": 1, "bash": 2, "fish": 1}
ODD_CONFIG = """\
[default]
region = us-east-1

[profile dev]
region = us-east-1

[profile static.example.com]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/static.example.com

[profile "my profile"]
region = eu-west-1

[profile ops@example.com]
region = us-east-1

[profile team/admin]
region = us-east-1

[profile arn:aws:iam::123456789012:role/ci]
region = us-east-1

[sso-session corp]
sso_region = us-east-1
"""
#: profile name -> what the user types before pressing TAB
ODD_NAMES = {
    "static.example.com": "static.exa",
    "my profile": "my",
    "ops@example.com": "ops@exa",
    "team/admin": "team/ad",
    "arn:aws:iam::123456789012:role/ci": "arn:aws:iam::123456789012:ro",
}
RC = {
    "zsh": """\
PROMPT='zsh> '
fpath=($HOME/.zfunc $fpath)
autoload -Uz compinit && compinit -u -d $HOME/.zcompdump
eval "$(vaultsh shell-init zsh)"
vaultsh_prompt_add
_mytool() { compadd alpha beta }
compdef _mytool mytool
""",
    "bash": """\
PS1='bash> '
eval "$(vaultsh shell-init bash)"
eval "$(vaultsh completion bash)"
vaultsh_prompt_add
_mytool() { COMPREPLY=($(compgen -W 'alpha beta' -- "$2")); }
complete -F _mytool mytool
""",
    "fish": """\
set -g fish_greeting ''
function fish_prompt
    printf 'fish> '
end
vaultsh shell-init fish | source
vaultsh_prompt_add
complete -c mytool -f -a 'alpha beta'
""",
}


def require(tool: str, package: str | None = None) -> str:
    """The path of `tool`; fails the test, naming the package, when it is missing."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed; install the package {package or tool}")
    return path


# a shell in tmux --------------------------------------------------------------


class Pane(helpers.TmuxServer):
    """One interactive command in a tmux pane, on a tmux server of its own."""

    def __init__(self, argv: list[str], env: dict[str, str]):
        super().__init__("vaultsh-test", TIMEOUT)
        self._tmux(
            "new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), *argv, env=env
        )
        self.socket_path = Path(self._tmux("display", "-p", "#{socket_path}").strip())

    def screen(self, escapes: bool = False) -> str:
        return self._tmux("capture-pane", "-p", *(["-e"] if escapes else []))

    def history(self) -> str:
        return self._tmux("capture-pane", "-p", "-S", "-", "-E", "-")

    def wait_for(
        self,
        expected: str | re.Pattern[str],
        escapes: bool = False,
        timeout: float = TIMEOUT,
    ) -> str:
        """Wait until the screen shows `expected` (text or regex); returns it."""

        def found(screen: str) -> bool:
            if isinstance(expected, re.Pattern):
                return expected.search(screen) is not None
            return expected in screen

        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(escapes)
            if found(screen):
                return screen
            if time.monotonic() > deadline:
                wanted = getattr(expected, "pattern", expected)
                pytest.fail(
                    f"waited {timeout}s for {wanted!r} on the screen\n"
                    f"--- screen ---\n{screen}\n--- whole history ---\n{self.history()}"
                )
            time.sleep(0.05)

    def clear(self) -> None:
        """An empty command line on an otherwise empty screen."""
        # C-u rather than C-c: a signal would make the shell drop keys typed next
        self.press("End", "C-u", "C-l")
        deadline = time.monotonic() + TIMEOUT
        while len(self.screen().strip().splitlines()) != 1:
            if time.monotonic() > deadline:
                pytest.fail(f"the screen did not clear\n{self.history()}")
            time.sleep(0.02)

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10
        )
        self.socket_path.unlink(missing_ok=True)


FISH_COMPLETION = ".config/fish/completions/vaultsh.fish"


def user_home(tmp: Path, config: str) -> tuple[Path, dict[str, str]]:
    """A HOME with the rc files of all three shells; returns it and an environment."""
    home = tmp / "home"
    (home / ".zfunc").mkdir(parents=True)
    (home / ".config" / "fish" / "completions").mkdir(parents=True)
    # with this folder present fish does not start generating man-page completions
    (home / ".local" / "share" / "fish" / "generated_completions").mkdir(parents=True)
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(config)
    (home / ".zshrc").write_text(RC["zsh"])
    (home / ".bashrc").write_text(RC["bash"])
    (home / ".config" / "fish" / "config.fish").write_text(RC["fish"])
    env = {
        "HOME": str(home),
        "PATH": f"{helpers.BIN}:/usr/local/bin:/usr/bin:/bin",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
    }
    for shell, path in (("zsh", ".zfunc/_vaultsh"), ("fish", FISH_COMPLETION)):
        script = helpers.assert_ok(helpers.run("completion", shell)).stdout
        (home / path).write_text(script)
    return home, env


def start_shell(shell: str, env: dict[str, str]) -> Pane:
    path = require(shell)
    argv = {"zsh": [path, "-i"], "bash": [path, "--noprofile", "-i"], "fish": [path]}
    pane = Pane(argv[shell], {**env, "SHELL": path})
    try:
        pane.wait_for(READY[shell])
    except BaseException:
        pane.close()
        raise
    return pane


@pytest.fixture(scope="module", params=SHELLS)
def shell(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Pane]]:
    """(name, pane): one interactive shell a module, HOME with ODD_CONFIG."""
    _, env = user_home(tmp_path_factory.mktemp(request.param), ODD_CONFIG)
    pane = start_shell(request.param, env)
    yield request.param, pane
    pane.close()


def run_line(pane: Pane, line: str) -> None:
    pane.clear()
    pane.type(line)
    pane.press("Enter")


def complete(pane: Pane, text: str, tabs: int = 1) -> None:
    pane.clear()
    pane.type(text)
    pane.press(*["Tab"] * tabs)


def rfc3339(seconds_from_now: float, hours: float = 0, zulu: bool = False) -> str:
    zone = dt.timezone(dt.timedelta(hours=hours))
    moment = dt.datetime.now(zone) + dt.timedelta(seconds=seconds_from_now)
    text = moment.replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


# completion -------------------------------------------------------------------


def test_tab_offers_every_command_and_flag_of_the_parser(shell):
    """Each subcommand, and each flag of each subcommand, is on the screen."""
    from vaultsh.cli import build_parser

    name, pane = shell
    commands = _subparsers(build_parser())
    # no profiles, so that the commands alone fill the list
    set_variable(pane, name, "AWS_CONFIG_FILE", "/nonexistent")
    complete(pane, "vaultsh ", tabs=LIST_TABS[name])
    screen = pane.wait_for("shell-init")
    for command in commands:
        assert re.search(rf"(^|\s){re.escape(command)}\s", screen), (command, screen)
    unset_variables(pane, name, "AWS_CONFIG_FILE")
    for command, parser in commands.items():
        complete(pane, f"vaultsh {command} -", tabs=LIST_TABS[name])
        screen = pane.wait_for("--help")
        for flag in _flags(parser):
            assert re.search(rf"(^|\s){re.escape(flag)}\s", screen), (command, flag)


def _subparsers(parser) -> dict:
    import argparse

    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices)


def _flags(parser) -> list[str]:
    return [name for action in parser._actions for name in action.option_strings]


@pytest.mark.parametrize(
    ("typed", "completed"),
    [
        ("vaultsh exe", "exec"),
        ("vaultsh rot", "rotate"),
        ("vaultsh exec --no-s", "--no-session"),
        ("vaultsh export --format=j", "--format=json"),
        ("vaultsh completion fi", "fish"),
    ],
)
def test_tab_completes_commands_flags_and_values(shell, typed, completed):
    _, pane = shell
    complete(pane, typed)
    head = typed.rsplit(" ", 1)[0]
    pane.wait_for(f"{head} {completed}")


@pytest.mark.parametrize("name", ODD_NAMES)
def test_tab_completes_profile_names_intact(shell, name):
    """The completed word reaches the command as the profile name, unchanged."""
    _, pane = shell
    complete(pane, f"vaultsh exec {ODD_NAMES[name]}")
    pane.wait_for(f"vaultsh exec {name.replace(' ', chr(92) + ' ')}")
    run_with_printf(pane)
    pane.wait_for(f"<vaultsh>\n<exec>\n<{name}>")


def run_with_printf(pane: Pane) -> None:
    """Run the command line with printf in front: one <word> a line."""
    pane.press("C-a")
    pane.type("printf '<%s>\\n' ")
    pane.press("End", "Enter")


@pytest.mark.parametrize("quote", ["'", '"'])
def test_tab_completes_a_name_with_a_space_inside_an_open_quote(shell, quote):
    _, pane = shell
    complete(pane, f"vaultsh exec {quote}my p")
    pane.wait_for(f"{quote}my profile{quote}")
    run_with_printf(pane)
    pane.wait_for("<vaultsh>\n<exec>\n<my profile>")


def test_tab_offers_profiles_and_commands_first(shell):
    _, pane = shell
    complete(pane, "vaultsh ", tabs=2)
    screen = pane.wait_for("static.example.com")
    for word in ("exec", "dev", "default", "ops@example.com", "team/admin"):
        assert word in screen, screen
    assert "corp" not in screen, "an sso-session is not a profile"


@pytest.mark.parametrize(
    "typed",
    [
        "vaultsh exec static.example.com -- mytool al",
        "vaultsh exec static.example.com mytool al",
        "vaultsh exec --region us-east-1 static.example.com -- mytool al",
    ],
)
def test_tab_after_exec_profile_completes_the_command_as_the_shell_would(shell, typed):
    """After `vaultsh exec PROFILE --`, mytool's own completion answers."""
    _, pane = shell
    complete(pane, typed)
    pane.wait_for(typed.replace("mytool al", "mytool alpha"))


def test_tab_after_exec_profile_completes_command_names(shell):
    _, pane = shell
    complete(pane, "vaultsh exec static.example.com -- tmu")
    pane.wait_for("static.example.com -- tmux")


# bash: word breaks as bash-completion and users set them ------------------------

BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")
LAZY_COMPLETION = ".local/share/bash-completion/completions/vaultsh"
AT_CONFIG = ODD_CONFIG + "\n[profile me@corp]\n\n[profile me@home]\n"
#: how completion is loaded -> the lines of ~/.bashrc that do it
BASH_LOADERS = {
    "alone": 'eval "$(vaultsh completion bash)"',
    "after-bash-completion": f"source {BASH_COMPLETION}\n"
    'eval "$(vaultsh completion bash)"',
    # bash-completion sources ~/.local/share/bash-completion/completions/vaultsh
    # on the first TAB after `vaultsh`
    "lazily-by-bash-completion": f"source {BASH_COMPLETION}",
}
#: a word-break setting -> the command that makes it
WORD_BREAKS = {
    "as-loaded": "true",
    "hostcomplete-on": "shopt -s hostcomplete",
    "hostcomplete-off": "shopt -u hostcomplete",
    # @ breaks words but readline no longer keeps it in the replaced text
    # (COMP_WORDBREAKS+=@ would leave only @: bash appends to an empty value)
    "at-breaks-with-hostcomplete-off": "shopt -u hostcomplete; "
    "COMP_WORDBREAKS=$COMP_WORDBREAKS@",
    "neither-at-nor-colon-breaks": "COMP_WORDBREAKS=${COMP_WORDBREAKS//[:@]/}",
}


@pytest.fixture(params=BASH_LOADERS)
def bash_loader(request: pytest.FixtureRequest) -> str:
    if request.param != "alone" and not BASH_COMPLETION.exists():
        pytest.fail(
            f"{BASH_COMPLETION} is missing; install the package bash-completion"
        )
    return request.param


@pytest.mark.parametrize("breaks", WORD_BREAKS)
def test_bash_tab_keeps_profile_names_with_at_and_colon_under_any_word_breaks(
    bash_loader, breaks, tmp_path
):
    """A new user's report: with Debian's bash-completion loaded (it turns
    hostcomplete off, so @ no longer splits words) `vaultsh exec me@c<TAB>` gave
    `vaultsh exec @corp` and `me@<TAB>` gave `@`.
    """
    home, env = user_home(tmp_path, AT_CONFIG)
    lazy = home / LAZY_COMPLETION
    lazy.parent.mkdir(parents=True)
    lazy.write_text(helpers.assert_ok(helpers.run("completion", "bash")).stdout)
    (home / ".bashrc").write_text(
        "PS1='bash> '\n"
        f"{BASH_LOADERS[bash_loader]}\n"
        'eval "$(vaultsh shell-init bash)"\n'
        "vaultsh_prompt_add\n"
    )
    pane = start_shell("bash", env)
    try:
        # typed, not in ~/.bashrc: readline puts @ back in or takes it out of
        # COMP_WORDBREAKS to match hostcomplete when it starts
        run_line(pane, WORD_BREAKS[breaks])
        for typed, completed in [
            ("me@c", "me@corp "),
            ("ops@exa", "ops@example.com "),
            ("arn:aws:iam::123456789012:ro", "arn:aws:iam::123456789012:role/ci "),
            ("'me@h", "'me@home' "),
            ("--region us-east-1 me@c", "--region us-east-1 me@corp "),
        ]:
            complete(pane, f"vaultsh exec {typed}")
            pane.wait_for(command_line("bash", f"vaultsh exec {completed}"))
        # two names share `me@`: TAB stops there, the next TABs list both
        complete(pane, "vaultsh exec me")
        pane.wait_for(command_line("bash", "vaultsh exec me@"))
        pane.press("Tab", "Tab")
        pane.wait_for(
            command_line("bash", "vaultsh exec me@", after=r"corp +\S*home\n")
        )
        complete(pane, "vaultsh exec me@c")
        pane.wait_for(command_line("bash", "vaultsh exec me@corp "))
        run_with_printf(pane)
        pane.wait_for("<vaultsh>\n<exec>\n<me@corp>")
    finally:
        pane.close()


def command_line(shell: str, text: str, after: str = "^") -> re.Pattern[str]:
    """A command line holding exactly `text` (trailing spaces aside), after `after`."""
    line = f"{re.escape(READY[shell])} {re.escape(text.rstrip())} *$"
    return re.compile(f"(?m){after}{line}")


# the prompt segment -----------------------------------------------------------


def set_variable(pane: Pane, shell: str, name: str, value: str) -> None:
    if shell == "fish":
        run_line(pane, f"set -gx {name} '{value}'")
    else:
        run_line(pane, f"export {name}='{value}'")


def unset_variables(pane: Pane, shell: str, *names: str) -> None:
    run_line(pane, ("set -e " if shell == "fish" else "unset ") + " ".join(names))


def show_segment(pane: Pane, shell: str, profile: str, expiration: str) -> None:
    set_variable(pane, shell, "AWS_VAULT", profile)
    set_variable(pane, shell, "AWS_CREDENTIAL_EXPIRATION", expiration)


def leave_session(pane: Pane, shell: str) -> None:
    unset_variables(pane, shell, "AWS_VAULT", "AWS_CREDENTIAL_EXPIRATION")


def prompt_with(shell: str, segment: str) -> re.Pattern[str]:
    """A fresh prompt line that starts with the segment `segment` (a regex)."""
    sgr = r"(?:\x1b\[[0-9;]*m)*"
    return re.compile(rf"(?m)^{sgr}\({segment}\){sgr} {re.escape(READY[shell])}")


@pytest.mark.parametrize(
    ("seconds", "left"), [(3725, "1h02m"), (695, "11m"), (45, "4[0-5]s")]
)
def test_prompt_shows_profile_and_time_left(shell, seconds, left):
    name, pane = shell
    show_segment(pane, name, "static.example.com", rfc3339(seconds, zulu=True))
    pane.wait_for(prompt_with(name, rf"static\.example\.com {left}"))
    leave_session(pane, name)


def test_prompt_warns_in_the_last_five_minutes_and_marks_expiry(shell):
    name, pane = shell
    show_segment(pane, name, "p", rfc3339(700, zulu=True))
    screen = pane.wait_for(prompt_with(name, "p 11m"), escapes=True)
    assert colour_of("(p 11m)", screen) == GREEN
    show_segment(pane, name, "p", rfc3339(200, zulu=True))
    screen = pane.wait_for(prompt_with(name, "p 3m"), escapes=True)
    assert colour_of("(p 3m)", screen) == YELLOW, "5 minutes or less are left"
    show_segment(pane, name, "p", rfc3339(-1, zulu=True))
    screen = pane.wait_for(prompt_with(name, "p expired"), escapes=True)
    assert colour_of("(p expired)", screen) == RED
    leave_session(pane, name)


GREEN, YELLOW, RED = "32", "33", "31"
_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_of(text: str, screen: str) -> str | None:
    """The foreground colour code in effect where `text` last starts on `screen`."""
    at = screen.rindex(text)
    colour = None
    for found in _SGR.finditer(screen, 0, at):
        for code in found.group(1).split(";"):
            if code in ("", "0", "39"):
                colour = None
            elif 30 <= int(code) <= 37:
                colour = code
    return colour


def test_prompt_counts_down_to_the_expired_marker(shell):
    """Each new prompt shows less time left, then `expired`."""
    name, pane = shell
    show_segment(pane, name, "p", rfc3339(5, zulu=True))
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while "expired" not in seen and time.monotonic() < deadline:
        run_line(pane, "true")
        screen = pane.wait_for(re.compile(r"true\n\(p (\d+s|expired)\) "))
        seen.append(re.findall(r"true\n\(p (\d+s|expired)\) ", screen)[-1])
        time.sleep(0.4)
    seconds = [int(s[:-1]) for s in seen if s != "expired"]
    assert seen[-1] == "expired", seen
    assert len(set(seconds)) >= 2, f"saw no countdown: {seen}"
    assert seconds == sorted(seconds, reverse=True), seen
    leave_session(pane, name)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_prompt_reads_any_offset_the_same_under_any_time_zone(shell, zone):
    name, pane = shell
    set_variable(pane, name, "TZ", zone)
    for hours in (0, -5, 5.5):
        show_segment(pane, name, "p", rfc3339(690, hours=hours))
        pane.wait_for(prompt_with(name, "p 11m"))
    show_segment(pane, name, "p", rfc3339(690, zulu=True))
    pane.wait_for(prompt_with(name, "p 11m"))
    without_offset = dt.datetime.now().replace(microsecond=0).isoformat()
    show_segment(pane, name, "p", without_offset)
    pane.wait_for(prompt_with(name, r"p \?"))
    leave_session(pane, name)
    set_variable(pane, name, "TZ", "UTC")


def test_prompt_shows_nothing_outside_a_session(shell):
    name, pane = shell
    leave_session(pane, name)
    run_line(pane, "echo outside")
    pane.wait_for(re.compile(rf"(?m)^outside\n{re.escape(READY[name])}"))


#: each shell's rc file, as a path from HOME
RC_FILE = {"zsh": ".zshrc", "bash": ".bashrc", "fish": ".config/fish/config.fish"}
#: prints `unloaded` once vaultsh_unload has removed the segment's functions
UNLOADED = {
    "zsh": "whence vaultsh_prompt_add >/dev/null || echo unloaded",
    "bash": "type vaultsh_prompt_add >/dev/null 2>&1 || echo unloaded",
    "fish": "functions -q vaultsh_prompt_add; or echo unloaded",
}


@pytest.mark.parametrize("name", SHELLS)
def test_sourcing_the_rc_file_again_leaves_one_segment(name, tmp_path):
    """A new user's report: in fish, `source ~/.config/fish/config.fish` a
    second time removed the segment for good; vaultsh_unload afterwards must
    still leave the user's own prompt.
    """
    _, env = user_home(tmp_path, ODD_CONFIG)
    pane = start_shell(name, env)
    try:
        for _ in range(2):
            run_line(pane, f"source ~/{RC_FILE[name]}")
        show_segment(pane, name, "p", rfc3339(695, zulu=True))
        pane.wait_for(prompt_with(name, "p 11m"))
        run_line(pane, "vaultsh_unload")
        run_line(pane, UNLOADED[name])
        pane.wait_for(re.compile(rf"(?m)^unloaded\n{re.escape(READY[name])}"))
    finally:
        pane.close()


#: a prompt that shows $VAULTSH_SEGMENT, with no vaultsh_prompt_add
SEGMENT_IN_PROMPT = {
    "zsh": "setopt prompt_subst\nPROMPT='[${VAULTSH_SEGMENT}] zsh> '\n",
    "bash": "PS1='[${VAULTSH_SEGMENT}] bash> '\n",
    "fish": "set -g fish_greeting ''\n"
    "function fish_prompt\n    printf '[%s] fish> ' \"$VAULTSH_SEGMENT\"\nend\n",
}


@pytest.mark.parametrize("name", SHELLS)
def test_shell_init_alone_sets_the_segment_variable_before_each_prompt(name, tmp_path):
    """In fish too, VAULTSH_SEGMENT is filled without vaultsh_prompt_add."""
    home, env = user_home(tmp_path, ODD_CONFIG)
    init = (
        f"vaultsh shell-init {name} | source"
        if name == "fish"
        else (f'eval "$(vaultsh shell-init {name})"')
    )
    (home / RC_FILE[name]).write_text(SEGMENT_IN_PROMPT[name] + init + "\n")
    pane = start_shell(name, env)
    try:
        show_segment(pane, name, "p", rfc3339(695, zulu=True))
        pane.wait_for(f"[p 11m] {READY[name]}")
        leave_session(pane, name)
        pane.wait_for(re.compile(rf"(?m)^\[\] {re.escape(READY[name])}"))
    finally:
        pane.close()


def test_prompt_segment_inside_vaultsh_exec_against_moto(home, stored_key, shell):
    """`vaultsh exec PROFILE` starts $SHELL; its prompt shows the role's session."""
    name, _ = shell
    _, env = user_home(home.path / "shells", ODD_CONFIG)
    env = {**env, **{k: v for k, v in home.env.items() if k != "HOME"}}
    pane = start_shell(name, env)
    try:
        run_line(pane, "vaultsh exec static.example.com")
        pane.wait_for(re.compile(r"\(static\.example\.com (29|30)m\) "), timeout=60)
        run_line(pane, "exit")
        pane.wait_for(re.compile(r"(?m)^" + re.escape(READY[name]) + r"$"))
    finally:
        pane.close()


def test_zsh_plugin_file_works_as_an_oh_my_zsh_custom_plugin(tmp_path):
    """shell/ linked as $ZSH_CUSTOM/plugins/vaultsh, loaded as oh-my-zsh loads it.

    For plugins=(vaultsh) oh-my-zsh puts the folder on fpath, runs compinit, then
    sources vaultsh.plugin.zsh. The prompt places ${VAULTSH_PROMPT} itself.
    """
    home, env = user_home(tmp_path, ODD_CONFIG)
    plugin = tmp_path / "custom" / "plugins" / "vaultsh"
    plugin.parent.mkdir(parents=True)
    plugin.symlink_to(ROOT / "shell")
    (home / ".zshrc").write_text(
        f"fpath=({plugin} $fpath)\n"
        "autoload -Uz compinit && compinit -u -d $HOME/.zcompdump\n"
        f"source {plugin}/vaultsh.plugin.zsh\n"
        "setopt prompt_subst\n"
        "PROMPT='${VAULTSH_PROMPT}zsh> '\n"
    )
    pane = start_shell("zsh", env)
    try:
        show_segment(pane, "zsh", "static.example.com", rfc3339(695, hours=-5))
        pane.wait_for(prompt_with("zsh", r"static\.example\.com 11m"))
        complete(pane, "vaultsh exec my")
        pane.wait_for("vaultsh exec my\\ profile")
    finally:
        pane.close()


# no process on a prompt -------------------------------------------------------

RENDERS = 300
LOOP = {
    "zsh": "for i in {1..%d}; do %s; done",
    "bash": "for ((i = 0; i < %d; i++)); do %s; done",
    "fish": "for i in (string split ' ' (string repeat -n %d 'x ')); %s; end",
}
#: one render, alternating two expirations so that each render parses anew
RENDER = {
    "zsh": "AWS_CREDENTIAL_EXPIRATION=$A; vaultsh_prompt_update; "
    "AWS_CREDENTIAL_EXPIRATION=$B; vaultsh_prompt_update",
    "bash": "AWS_CREDENTIAL_EXPIRATION=$A; vaultsh_prompt_update; "
    "AWS_CREDENTIAL_EXPIRATION=$B; vaultsh_prompt_update",
    "fish": "set AWS_CREDENTIAL_EXPIRATION $A; vaultsh_prompt_update; "
    "set AWS_CREDENTIAL_EXPIRATION $B; vaultsh_prompt >/dev/null",
}
#: the same loop with one forking command a turn: proves the count sees forks
FORKS = {"zsh": "x=$(true)", "bash": "x=$(true)", "fish": "set x (/bin/true)"}
PRINT = {
    "zsh": 'print -r -- "$VAULTSH_SEGMENT"',
    "bash": 'echo "$VAULTSH_SEGMENT"',
    "fish": "echo $VAULTSH_SEGMENT",
}


def forks_of_shell(name: str, script: str, tmp_path: Path) -> tuple[int, str]:
    """Run `script` in the shell under strace; returns (processes it made, output)."""
    require("strace")
    log = tmp_path / f"{name}.strace"
    init = helpers.assert_ok(helpers.run("shell-init", name)).stdout
    (tmp_path / f"init.{name}").write_text(init)
    argv = {"zsh": ["zsh", "-f", "-c"], "bash": ["bash", "--norc", "-c"]}
    argv["fish"] = ["fish", "--no-config", "-c"]
    source = f"source {tmp_path}/init.{name}; {script}; {PRINT[name]}"
    done = subprocess.run(
        ["strace", "-f", "--seccomp-bpf", "-qq", "-o", str(log)]
        + ["-e", "trace=clone,clone3,fork,vfork"]
        + argv[name]
        + [source],
        env={
            "PATH": "/usr/bin:/bin",
            "AWS_VAULT": "p",
            "A": rfc3339(700, hours=-5),
            "B": rfc3339(1800, zulu=True),
            "HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = log.read_text().splitlines()
    shell_pid = lines[0].split()[0] if lines else ""
    made = [
        line
        for line in lines
        if line.startswith(shell_pid + " ") and "CLONE_THREAD" not in line
    ]
    return len(made), done.stdout


@pytest.mark.parametrize("name", SHELLS)
def test_prompt_segment_starts_no_process(name, tmp_path):
    """300 renders, each parsing its expiration anew, make no child process."""
    made, out = forks_of_shell(name, LOOP[name] % (RENDERS, RENDER[name]), tmp_path)
    assert re.fullmatch(r"p (2\d|30)m", out.strip()), out
    assert made == 0
    control = LOOP[name] % (3, f"{RENDER[name]}; {FORKS[name]}")
    made, _ = forks_of_shell(name, control, tmp_path)
    assert made >= 3, "the strace count must see a forking command"


# the shell before and after ---------------------------------------------------

#: dumps of what a shell holds: variables, functions, options, modules
DUMP = {
    "zsh": "print -rl -- ${(ok)functions}; typeset -p; setopt; zmodload",
    "bash": "declare -p; declare -F; shopt -p; set +o; complete -p; trap -p",
    "fish": "set; functions -an; complete -c vaultsh",
}
VOLATILE = {
    "zsh": r"typeset( -[a-zA-Z0-9]+)* (_|RANDOM|SECONDS|LINENO|EPOCHREALTIME|TTYIDLE|"
    r"funcfiletrace|funcsourcetrace|functrace|funcstack|zsh_eval_context)=",
    "bash": r"declare -[-a-zA-Z]* (_|BASH_COMMAND|BASH_LINENO|BASH_SOURCE|BASH_ARGC|"
    r"BASH_ARGV|FUNCNAME|LINENO|RANDOM|SRANDOM|SECONDS|EPOCHREALTIME|"
    r"EPOCHSECONDS|PIPESTATUS|HISTCMD|BASHPID)=",
    "fish": r"(_|status|pipestatus|CMD_DURATION|status_generation|history|"
    r"fish_kill_signal|last_pid) ",
}
#: what loading the segment may add or change besides its own names
HOOKS = {
    "zsh": r"typeset( -[a-zA-Z0-9]+)* (precmd_functions|EPOCHSECONDS)(=|$)|"
    r"zsh/datetime$",
    "bash": r"declare -[-a-zA-Z]* PROMPT_COMMAND=",
    "fish": r"$^",
}


def shell_states(name: str, tmp_path: Path, steps: list[str]) -> list[list[str]]:
    """Run the interactive shell, dumping its state before each step and at the end."""
    home, env = user_home(tmp_path, ODD_CONFIG)
    for rc in (".zshrc", ".bashrc", ".config/fish/config.fish"):
        (home / rc).write_text("")
    init = tmp_path / f"init.{name}"
    init.write_text(helpers.assert_ok(helpers.run("shell-init", name)).stdout)
    lines = []
    for number, step in enumerate([*steps, ""]):
        group = "begin; {}; end" if name == "fish" else "{{ {}; }}"
        lines.append(group.format(DUMP[name]) + f" > {tmp_path}/dump{number} 2>&1")
        lines.append(step.replace("INIT", str(init)))
    argv = {"zsh": ["zsh", "-i", "-c"], "bash": ["bash", "-i", "-c"]}
    argv["fish"] = ["fish", "-i", "-c"]
    done = subprocess.run(
        argv[name] + ["\n".join(lines)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    volatile = re.compile(VOLATILE[name])
    return [
        [
            line
            for line in (tmp_path / f"dump{n}").read_text().splitlines()
            if not volatile.match(line)
        ]
        for n in range(len(steps) + 1)
    ]


@pytest.mark.parametrize("name", SHELLS)
def test_loading_the_segment_adds_only_its_own_names_and_hook(name, tmp_path):
    before, after = shell_states(name, tmp_path, ["source INIT"])
    added = set(after) - set(before)
    removed = set(before) - set(after)
    ours = re.compile(r"(?i).*vaultsh|" + HOOKS[name])
    assert not removed - {line for line in removed if ours.match(line)}, removed
    assert not {line for line in added if not ours.match(line)}, added
    prompt = re.compile(r"(typeset|declare)? ?-?[-a-z]* ?(PS1|PROMPT)=")
    assert [x for x in before if prompt.match(x)] == [
        x for x in after if prompt.match(x)
    ]


@pytest.mark.parametrize("name", SHELLS)
def test_unloading_the_segment_leaves_the_shell_as_before(name, tmp_path):
    """vaultsh_unload, even after vaultsh_prompt_add, restores every name and hook."""
    before, _, after = shell_states(
        name, tmp_path, ["source INIT", "vaultsh_prompt_add; vaultsh_unload"]
    )
    assert after == before
