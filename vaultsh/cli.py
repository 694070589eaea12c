"""The command line: the parser, dispatch, and the one error handler."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from vaultsh import __version__
from vaultsh.errors import Declined, UsageError, VaultshError

log = logging.getLogger("vaultsh")

COMMANDS = {
    "add": "store a profile's long-term access key in the keyring",
    "remove": "delete a profile's stored key and its cached sessions",
    "list": "show profiles, stored keys and live cached sessions",
    "exec": "run a command with a profile's credentials in its environment",
    "export": "print a profile's credentials (env, export-env, json, ini)",
    "rotate": "replace a profile's long-term key with a new one",
    "clear": "delete cached sessions",
    "shell": "open the interactive shell on a profile (same as 'vaultsh PROFILE')",
    "demo": "open the shell on a local moto account seeded like the reference one",
    "shell-init": "print the prompt segment script for zsh, bash or fish",
    "completion": "print the TAB completion script for zsh, bash or fish",
    "prompt": "print the prompt segment of the session in this environment",
}


#: commands that shells run on start-up or each prompt: they skip vaultsh.actions
LIGHT_COMMANDS = ("shell-init", "completion", "prompt")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        if self.prog.endswith(" exec") and message.startswith("unrecognized"):
            raise UsageError(message, "put -- before the command: exec PROFILE -- CMD")
        raise UsageError(message, f"see '{self.prog} --help'")


def _session_flags(parser: argparse.ArgumentParser, chooses_session=True) -> None:
    if chooses_session:
        parser.add_argument(
            "--no-session",
            action="store_true",
            help="use the stored long-term key, without GetSessionToken",
        )
    parser.add_argument(
        "--duration", metavar="DURATION", help="session length: 3600, 1h, 15m"
    )
    parser.add_argument("--region", metavar="REGION", help="AWS region to use")
    parser.add_argument(
        "--mfa-token", metavar="CODE", help="the current six-digit MFA code"
    )


def _profile_arg(parser: argparse.ArgumentParser, optional=False) -> None:
    parser.add_argument(
        "profile",
        metavar="PROFILE",
        nargs="?" if optional else None,
        help="a profile of the AWS config file",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, just that command's (for a faster start)."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log each decision to stderr",
    )
    parser = _Parser(
        prog="vaultsh",
        description="Keep an AWS access key in the keyring; work with STS sessions.",
        epilog="'vaultsh PROFILE' opens the interactive shell on PROFILE.",
    )
    parser.add_argument("--debug", action="store_true", help=common._actions[0].help)
    parser.add_argument("--version", action="version", version=f"vaultsh {__version__}")
    subs = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    for name, text in COMMANDS.items():
        if only is None or name == only:
            sub = subs.add_parser(name, help=text, description=text, parents=[common])
            _ARGUMENTS[name](sub)
    return parser


def _add_arguments(sub: argparse.ArgumentParser) -> None:
    _profile_arg(sub)
    sub.add_argument(
        "--env",
        action="store_true",
        help="read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment",
    )


def _remove_arguments(sub: argparse.ArgumentParser) -> None:
    _profile_arg(sub)
    sub.add_argument(
        "-f", "--force", action="store_true", help="do not ask for confirmation"
    )


def _export_arguments(sub: argparse.ArgumentParser) -> None:
    _session_flags(sub)
    _profile_arg(sub)
    sub.add_argument(
        "--format",
        default="env",
        choices=("env", "export-env", "json", "ini"),
        help="output format (default: env)",
    )


def _rotate_arguments(sub: argparse.ArgumentParser) -> None:
    _session_flags(sub)
    _profile_arg(sub)
    sub.add_argument(
        "--delete-other-key",
        metavar="KEYID",
        help="first delete this other access key of the IAM user (never the "
        "stored one), when it already has the two keys IAM allows",
    )


def _shell_arguments(sub: argparse.ArgumentParser) -> None:
    _session_flags(sub)
    _profile_arg(sub)


def _exec_arguments(sub: argparse.ArgumentParser) -> None:
    _session_flags(sub)
    _profile_arg(sub)
    sub.add_argument(
        "cmd",
        nargs="*",
        metavar="-- COMMAND",
        help="the command and its arguments (default: $SHELL)",
    )


def _shell_name_argument(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "shell", choices=("zsh", "bash", "fish"), help="the shell to print it for"
    )


def _prompt_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--format",
        default="plain",
        choices=("plain", "ansi", "zsh", "bash"),
        help="plain text, or coloured for a terminal, zsh's or bash's prompt",
    )


_ARGUMENTS = {
    "add": _add_arguments,
    "remove": _remove_arguments,
    "list": lambda sub: None,
    "exec": _exec_arguments,
    "export": _export_arguments,
    "rotate": _rotate_arguments,
    "clear": lambda sub: _profile_arg(sub, optional=True),
    "shell": _shell_arguments,
    "demo": lambda sub: None,
    "shell-init": _shell_name_argument,
    "completion": _shell_name_argument,
    "prompt": _prompt_arguments,
}


def _normalise(argv: list[str]) -> list[str]:
    """`vaultsh PROFILE [flags]` means `vaultsh shell PROFILE [flags]`."""
    for index, word in enumerate(argv):
        if word == "--":
            return argv
        if word.startswith("-"):
            continue
        if word in COMMANDS:
            return argv
        return [*argv[:index], "shell", *argv[index:]]
    return argv


def _parse(argv: list[str]) -> argparse.Namespace:
    """Parse; for `exec`, everything after the first `--` is the command."""
    words = [i for i, word in enumerate(argv) if not word.startswith("-")]
    start = words[0] if words else len(argv)
    command = argv[start] if start < len(argv) else None
    # flags before the command (--help, --version) need the whole parser
    only = (
        command if command in COMMANDS and argv[:start] in ([], ["--debug"]) else None
    )
    if command != "exec" or "--" not in argv[start:]:
        return build_parser(only).parse_args(argv)
    cut = argv.index("--", start)
    args = build_parser(only).parse_args(argv[:cut])
    if args.cmd:
        raise UsageError(
            f"unexpected {' '.join(args.cmd)!r} before --",
            "write vaultsh exec PROFILE [flags] -- COMMAND [ARGS...]",
        )
    args.cmd = argv[cut + 1 :]
    return args


#: commands that start no threads and leave nothing to clean up: the console
#: script ends them without Python's interpreter teardown (a tenth of a cached
#: lookup's time)
QUICK_EXIT = frozenset({"exec", "export", "list", "prompt"})
_dispatched: list[str] = []


def run() -> None:
    """The console script: main(), then exit (it never returns)."""
    status = main()
    if _dispatched and _dispatched[-1] in QUICK_EXIT:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            pass  # let the normal exit report what became of the output
        else:
            os._exit(status)
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list[: _dash_index(args_list)]
    _configure_logging(debug)
    try:
        args = _parse(_normalise(args_list))
        return _dispatch(args)
    except Declined as exc:
        print(f"vaultsh: {exc.message}", file=sys.stderr)
        return exc.exit_status
    except VaultshError as exc:
        log.debug("failed", exc_info=debug)
        _error(str(exc), _did_you_mean(args_list))
        return exc.exit_status
    except KeyboardInterrupt:
        if sys.stdin is not None and sys.stdin.isatty():
            print(file=sys.stderr)
        _error("interrupted")
        return 130
    except OSError as exc:
        log.debug("failed", exc_info=debug)
        where = f": {exc.filename}" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}", "free the resource and try again")
        return 74
    except Exception as exc:  # the last line of defence: one line, no traceback
        if debug:
            log.exception("unexpected error")
        _error(
            f"unexpected {type(exc).__name__}: {exc}",
            "run again with --debug and report it",
        )
        return 70


def _did_you_mean(argv: list[str]) -> str | None:
    """A hint when the first word, taken as a profile, looks like a command."""
    import difflib

    words = [w for w in argv[: _dash_index(argv)] if not w.startswith("-")]
    if not words or words[0] in COMMANDS:
        return None
    close = difflib.get_close_matches(words[0], list(COMMANDS), n=1, cutoff=0.75)
    return f"did you mean 'vaultsh {close[0]}'?" if close else None


def _dash_index(argv: list[str]) -> int:
    return argv.index("--") if "--" in argv else len(argv)


def _error(message: str, hint: str | None = None) -> None:
    text = f"{message}; {hint}" if hint else message
    print(f"vaultsh: error: {text}", file=sys.stderr)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class _Formatter(logging.Formatter):
    """Warnings are plain `vaultsh: warning:` lines; the rest name their module."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno == logging.WARNING:
            return f"vaultsh: warning: {record.getMessage()}"
        return super().format(record)


def _configure_logging(debug: bool) -> None:
    handler = _StderrHandler()
    handler.setFormatter(_Formatter("vaultsh: debug: %(name)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if debug else logging.WARNING)
    log.propagate = False


def _dispatch(args: argparse.Namespace) -> int:
    if not args.command:
        build_parser().print_usage(sys.stderr)
        raise UsageError(
            "no command or profile given",
            "try 'vaultsh PROFILE', 'vaultsh --help' or 'vaultsh demo'",
        )
    if args.command in LIGHT_COMMANDS:
        from vaultsh.integration import actions as module
    else:
        from vaultsh import actions as module
    handler = getattr(module, "do_" + args.command.replace("-", "_"))
    _dispatched.append(args.command)
    return handler(args, dict(os.environ))
