"""The CLI side of each command: read the arguments, call the command, print.

Each `do_NAME(args, environ)` returns the exit status. Results go to stdout,
progress and warnings to stderr.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from vaultsh import config as config_mod
from vaultsh.commands import add, clear, exec, export, remove, rotate
from vaultsh.commands import list as list_cmd
from vaultsh.errors import UsageError, VaultshError
from vaultsh.providers import Options, Resolved, resolve
from vaultsh.vault import Vault

#: how deep credential_process may nest vaultsh calls before it is a loop
DEPTH_VARIABLE = "VAULTSH_DEPTH"


def _out(text: str) -> None:
    print(text, flush=True)


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _is_terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def _options(args: argparse.Namespace, environ: dict) -> Options:
    duration = getattr(args, "duration", None)
    return Options(
        no_session=getattr(args, "no_session", False),
        duration=config_mod.parse_duration(duration) if duration else None,
        region=getattr(args, "region", None),
        mfa_token=getattr(args, "mfa_token", None),
        environ=environ,
    )


def _resolve(args: argparse.Namespace, environ: dict) -> tuple[Resolved, Vault]:
    _guard_depth(environ)
    vault = Vault()
    config = config_mod.load(config_mod.config_path(environ))
    return resolve(config, vault, args.profile, _options(args, environ)), vault


def _guard_depth(environ: dict) -> None:
    raw = environ.get(DEPTH_VARIABLE, "0")
    depth = int(raw) if raw.isdigit() else 0
    if depth >= 2:
        raise VaultshError(
            "vaultsh is calling itself in a loop through credential_process",
            "store the base profile's key with 'vaultsh add'",
        )
    os.environ[DEPTH_VARIABLE] = str(depth + 1)


def do_add(args, environ) -> int:
    if args.env:
        creds = add.from_environ(environ)
    else:
        creds = add.check_key(*_ask_key())
    config = config_mod.load(config_mod.config_path(environ))
    _out(add.add(Vault(), args.profile, creds, config))
    return 0


def _ask_key() -> tuple[str, str]:
    if not _is_terminal(sys.stdin):
        raise UsageError(
            "no terminal to read the key from",
            "run 'vaultsh add' in a terminal, or use --env",
        )
    try:
        key_id = input("Enter Access Key ID: ")
        secret = getpass.getpass("Enter Secret Access Key: ")
    except EOFError:
        raise UsageError("no key was entered") from None
    return key_id, secret


def do_remove(args, environ) -> int:
    vault = Vault()
    if not args.force:
        _confirm(f"Delete the key of profile {args.profile} from the keyring? [y/N] ")
    config = config_mod.load(config_mod.config_path(environ))
    _out(remove.remove(vault, args.profile, config))
    return 0


def _confirm(question: str) -> None:
    if not _is_terminal(sys.stdin):
        raise UsageError("no terminal to confirm on", "add --force to go ahead")
    if input(question).strip().lower() not in ("y", "yes"):
        raise UsageError("nothing was deleted")


def do_clear(args, environ) -> int:
    _out(clear.clear(Vault(), args.profile))
    return 0


def do_list(args, environ) -> int:
    config = config_mod.load(config_mod.config_path(environ))
    _out(list_cmd.render(list_cmd.rows(config, Vault())))
    return 0


def do_exec(args, environ) -> int:
    exec.refuse_nested(environ)
    given = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    argv = exec.command_line(given, environ)
    path = exec.find_command(argv[0], environ)
    resolved, _ = _resolve(args, environ)
    creds = resolved.provider.retrieve()
    env = exec.session_environ(environ, resolved.profile.name, creds, resolved.region)
    sys.stdout.flush()
    exec.replace_process(path, argv, env)
    return 0


def do_export(args, environ) -> int:
    resolved, _ = _resolve(args, environ)
    creds = resolved.provider.retrieve()
    if creds.session_token is None and _is_terminal(sys.stdout):
        _note(
            "vaultsh: warning: this prints a long-term access key; rotate it if exposed"
        )
    _out(export.render(args.format, resolved.profile.name, creds, resolved.region))
    return 0


def do_rotate(args, environ) -> int:
    _guard_depth(environ)
    vault = Vault()
    config = config_mod.load(config_mod.config_path(environ))
    options = _options(args, environ)
    job = rotate.plan(config, vault, args.profile, options, _note)
    rotate.rotate(vault, job)
    return 0


def do_shell(args, environ) -> int:
    from vaultsh.repl.app import run_shell
    from vaultsh.session import LiveSession

    resolved, vault = _resolve(args, environ)
    session = LiveSession(resolved)
    session.credentials()
    return run_shell(session, vault)


def do_demo(args, environ) -> int:
    from vaultsh.demo import run_demo

    return run_demo()


def do_shell_init(args, environ) -> int:
    from vaultsh.integration import init_script

    sys.stdout.write(init_script(args.shell))
    return 0


def do_completion(args, environ) -> int:
    from vaultsh.integration import completion_script

    sys.stdout.write(completion_script(args.shell))
    return 0


def do_prompt(args, environ) -> int:
    from vaultsh.integration import prompt_text

    text = prompt_text(environ, args.format)
    if text:
        sys.stdout.write(text + "\n")
    return 0
