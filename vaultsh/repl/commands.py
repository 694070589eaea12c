"""The shell's commands: one table, argument parsing, dispatch, one-line errors.

`COMMANDS` maps each name to a `Spec`: a summary, a handler, the arguments it
takes and, for `s3` and `cf`, its subcommands. Help, usage lines, argument
checks and completion are all derived from this table. Handlers are thin:
they call functions of `s3`, `cloudfront`, `identity` and `child` and print
what those return.
"""

from __future__ import annotations

import difflib
import logging
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from vaultsh.errors import UsageError, VaultshError
from vaultsh.repl import catalog as catalog_mod
from vaultsh.repl import child, cloudfront, identity, s3, settings
from vaultsh.repl.catalog import Catalog, Invalidation
from vaultsh.session import LiveSession
from vaultsh.vault import Vault

log = logging.getLogger(__name__)

# what an argument holds; completion offers candidates by kind
PREFIX = "s3-prefix"
KEY = "s3-key"
LOCAL = "local-path"
CF_PATH = "cf-path"
INVALIDATION = "invalidation"

BANG = "!"


def _refuse(question: str) -> bool:
    return False


@dataclass
class Shell:
    """What a handler works with: the session, the vault, writers and helpers.

    `status` shows a line that the next output replaces (default: `out`),
    `confirm` answers a yes/no question (default: no), `progress` draws a
    transfer's progress (default: none), `catalog` is what completion knows.
    """

    session: LiveSession
    vault: Vault
    out: Callable[[str], None] = print
    err: Callable[[str], None] = print
    status: Callable[[str], None] | None = None
    confirm: Callable[[str], bool] = _refuse
    progress: s3.Progress | None = None
    catalog: Catalog | None = None
    leaving: bool = False

    def __post_init__(self) -> None:
        if self.status is None:
            self.status = self.out
        if self.catalog is None:
            self.catalog = catalog_mod.for_session(self.session)


@dataclass(frozen=True)
class Arg:
    """One positional argument: its name in usage lines and what it holds."""

    name: str
    kind: str
    optional: bool = False
    repeats: bool = False

    @property
    def usage(self) -> str:
        text = f"{self.name}..." if self.repeats else self.name
        return f"[{text}]" if self.optional else text


@dataclass(frozen=True)
class Args:
    """A command's arguments once checked against its Spec."""

    words: tuple[str, ...]
    flags: frozenset[str] = frozenset()

    def get(self, index: int) -> str | None:
        return self.words[index] if index < len(self.words) else None


Handler = Callable[[Shell, Args], None]


@dataclass(frozen=True)
class Spec:
    """A command (or a group of subcommands) as the table declares it."""

    summary: str
    run: Handler | None = None
    args: tuple[Arg, ...] = ()
    flags: tuple[str, ...] = ()
    subcommands: Mapping[str, Spec] = field(default_factory=dict)
    #: renew the session first if it is close to its end
    needs_session: bool = True


# dispatch ------------------------------------------------------------------


def run(shell: Shell, line: str) -> None:
    """Run one typed line; every failure is written as one `error:` line."""
    try:
        execute(shell, line)
    except VaultshError as exc:
        shell.err(_one_line(str(exc)))
    except OSError as exc:
        shell.err(_one_line(_os_message(exc)))
    except KeyboardInterrupt:
        shell.err("error: interrupted")
    except Exception as exc:  # the shell must go on; the details go to --debug
        log.debug("unexpected error", exc_info=True)
        shell.err(
            _one_line(
                f"unexpected {type(exc).__name__}: {exc}; "
                "run 'vaultsh --debug PROFILE' to see more, and report it"
            )
        )


def _one_line(text: str) -> str:
    return "error: " + " ".join(text.split())


def _os_message(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename:
        return f"cannot use {exc.filename}: {reason.lower()}"
    return reason.lower()


def execute(shell: Shell, line: str) -> None:
    """Run one typed line; raises VaultshError or OSError."""
    text = line.strip()
    if not text:
        return
    if text.startswith(BANG):
        _bang(shell, text[len(BANG) :].strip())
        return
    path, spec, words = find(split(text))
    args = parse(path, spec, words)
    if spec.needs_session:
        shell.session.credentials()
    spec.run(shell, args)


def split(text: str) -> list[str]:
    """The words of a line, with shell quoting; UsageError on a bad quote."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError(
            f"cannot read the line: {str(exc).lower()}",
            "close the quote, or escape it with a backslash",
        ) from None


def find(
    words: Sequence[str], table: Mapping[str, Spec] | None = None
) -> tuple[str, Spec, list[str]]:
    """The command a line names: its path (`s3 ls`), Spec and the other words."""
    table = COMMANDS if table is None else table
    name = words[0]
    spec = table.get(name)
    if spec is None:
        raise UsageError(f"unknown command {name!r}", _did_you_mean(name, table))
    if not spec.subcommands:
        return name, spec, list(words[1:])
    choices = ", ".join(spec.subcommands)
    if len(words) < 2:
        raise UsageError(f"{name} needs a subcommand: {choices}", "see 'help'")
    sub = spec.subcommands.get(words[1])
    if sub is None:
        raise UsageError(
            f"unknown command '{name} {words[1]}'", f"{name} has {choices}"
        )
    return f"{name} {words[1]}", sub, list(words[2:])


def _did_you_mean(name: str, table: Mapping[str, Spec]) -> str:
    close = difflib.get_close_matches(name, list(table), n=1, cutoff=0.75)
    if close:
        return f"did you mean '{close[0]}'? type 'help' to see the commands"
    return f"type 'help' to see the commands, or '!{name}' to run it as a program"


def parse(path: str, spec: Spec, words: Sequence[str]) -> Args:
    """Split flags from positional words and check their number."""
    flags, positional, only_words = set(), [], False
    for word in words:
        if word == "--" and not only_words:
            only_words = True
        elif word.startswith("-") and len(word) > 1 and not only_words:
            if word not in spec.flags:
                raise UsageError(
                    f"{path} has no option {word}", f"usage: {usage(path, spec)}"
                )
            flags.add(word)
        else:
            positional.append(word)
    _check_count(path, spec, positional)
    return Args(tuple(positional), frozenset(flags))


def _check_count(path: str, spec: Spec, words: list[str]) -> None:
    needed = [arg for arg in spec.args if not arg.optional]
    if len(words) < len(needed):
        missing = needed[len(words)].name
        raise UsageError(f"{path} needs {missing}", f"usage: {usage(path, spec)}")
    repeats = bool(spec.args) and spec.args[-1].repeats
    if not repeats and len(words) > len(spec.args):
        raise UsageError(
            f"too many arguments for {path}",
            f"usage: {usage(path, spec)}; quote a name that has spaces",
        )


def usage(path: str, spec: Spec) -> str:
    """`s3 get KEY [LOCAL]`, from the Spec."""
    parts = [path, *(f"[{flag}]" for flag in spec.flags)]
    return " ".join(parts + [arg.usage for arg in spec.args])


def help_text(table: Mapping[str, Spec] | None = None) -> str:
    """Every command with its usage and one-line description."""
    table = COMMANDS if table is None else table
    rows = []
    for name, spec in table.items():
        if not spec.subcommands:
            rows.append((usage(name, spec), spec.summary))
            continue
        for sub, inner in spec.subcommands.items():
            rows.append((usage(f"{name} {sub}", inner), inner.summary))
    rows.append((f"{BANG}COMMAND [ARGS...]", BANG_SUMMARY))
    width = max(len(left) for left, _ in rows) + 2
    lines = [f"  {left:<{width}}{right}" for left, right in rows]
    return "\n".join(["commands:", *lines, FOOTER])


# handlers --------------------------------------------------------------------


def _s3_ls(shell: Shell, args: Args) -> None:
    recursive = "--recursive" in args.flags
    prefix = args.get(0) or ""
    if "--json" in args.flags:
        shell.out(s3.listing_json(shell.session, prefix, recursive))
        return
    for chunk in s3.listing_chunks(shell.session, prefix, recursive):
        shell.out(chunk)


def _s3_get(shell: Shell, args: Args) -> None:
    done = s3.download(shell.session, args.words[0], args.get(1), shell.progress)
    shell.catalog.saw_key(done.key, done.size)
    shell.out(done.message)


def _s3_put(shell: Shell, args: Args) -> None:
    done = s3.upload(shell.session, args.words[0], args.get(1), shell.progress)
    shell.catalog.added_key(done.key, done.size)
    shell.out(done.message)


def _s3_rm(shell: Shell, args: Args) -> None:
    keys = s3.object_keys(shell.session, args.words)
    if len(keys) > 1:
        where = f"s3://{settings.bucket(shell.session)}"
        if not shell.confirm(f"delete {len(keys)} objects from {where}? [y/N] "):
            shell.out("nothing was deleted")
            return
    shell.out(s3.remove(shell.session, keys))
    for key in keys:
        shell.catalog.removed_key(key)


def _cf_invalidate(shell: Shell, args: Args) -> None:
    item = cloudfront.invalidate(shell.session, args.words)
    _saw(shell, item)
    shell.out("created " + cloudfront.describe(item))
    if "--wait" in args.flags and not cloudfront.completed(item["Status"]):
        _wait(shell, item["Id"])


def _cf_get(shell: Shell, args: Args) -> None:
    item = cloudfront.get(shell.session, args.words[0])
    _saw(shell, item)
    shell.out(cloudfront.describe(item))


def _saw(shell: Shell, item: dict) -> None:
    seen = Invalidation(item["Id"], item.get("Status", ""), item.get("CreateTime"))
    shell.catalog.saw_invalidation(seen)


def _cf_list(shell: Shell, args: Args) -> None:
    shell.out(cloudfront.listing(shell.session))


def _cf_wait(shell: Shell, args: Args) -> None:
    _wait(shell, args.words[0])


def _wait(shell: Shell, ident: str) -> None:
    timeout = settings.wait_timeout(shell.session)
    try:
        shell.out(cloudfront.wait(shell.session, ident, shell.status, timeout))
    except KeyboardInterrupt:
        shell.out(f"stopped waiting; check it later with 'cf get {ident}'")


def _whoami(shell: Shell, args: Args) -> None:
    shell.out(identity.whoami(shell.session))


def _refresh(shell: Shell, args: Args) -> None:
    shell.out(identity.refresh(shell.session))


def _rotate(shell: Shell, args: Args) -> None:
    shell.out(identity.rotate_key(shell.session, shell.vault, shell.out))


def _help(shell: Shell, args: Args) -> None:
    shell.out(help_text())


def _leave(shell: Shell, args: Args) -> None:
    shell.leaving = True


def _bang(shell: Shell, line: str) -> None:
    child.check_status(line, child.run(shell.session, line))


BANG_SUMMARY = "run a program with the session's credentials (!aws s3 ls ...)"
FOOTER = (
    "TAB completes, Ctrl-C cancels a line or a command, Ctrl-D or exit leaves; "
    "quote names with spaces"
)

COMMANDS: dict[str, Spec] = {
    "s3": Spec(
        "objects in the profile's bucket (vaultsh_bucket)",
        subcommands={
            "ls": Spec(
                "list folders and objects under PREFIX, like aws s3 ls",
                _s3_ls,
                (Arg("PREFIX", PREFIX, optional=True),),
                flags=("--recursive", "--json"),
            ),
            "get": Spec(
                "download KEY to LOCAL (default: its name, here)",
                _s3_get,
                (Arg("KEY", KEY), Arg("LOCAL", LOCAL, optional=True)),
            ),
            "put": Spec(
                "upload the file LOCAL to KEY (default: its name; a KEY/ folder)",
                _s3_put,
                (Arg("LOCAL", LOCAL), Arg("KEY", KEY, optional=True)),
            ),
            "rm": Spec(
                "delete objects (asks first when there are several)",
                _s3_rm,
                (Arg("KEY", KEY, repeats=True),),
            ),
        },
    ),
    "cf": Spec(
        "invalidations of the profile's distribution (vaultsh_distribution_id)",
        subcommands={
            "invalidate": Spec(
                'invalidate paths such as /index.html "/css/*"',
                _cf_invalidate,
                (Arg("PATH", CF_PATH, repeats=True),),
                flags=("--wait",),
            ),
            "get": Spec(
                "show an invalidation's status and paths",
                _cf_get,
                (Arg("ID", INVALIDATION),),
            ),
            "list": Spec("list the distribution's invalidations", _cf_list),
            "wait": Spec(
                "wait until an invalidation has completed",
                _cf_wait,
                (Arg("ID", INVALIDATION),),
            ),
        },
    ),
    "whoami": Spec("show the account, ARN, key and time left", _whoami),
    "refresh": Spec("start a new session now", _refresh, needs_session=False),
    "rotate": Spec(
        "replace the base profile's long-term key (the session goes on)",
        _rotate,
        needs_session=False,
    ),
    "help": Spec("list the commands", _help, needs_session=False),
    "exit": Spec("leave the shell", _leave, needs_session=False),
    "quit": Spec("leave the shell", _leave, needs_session=False),
}
