"""The CLI side of each command: read the arguments, call the command, print.

Each `do_NAME(args, environ)` returns the exit status. Results go to stdout,
progress and warnings to stderr. Each imports only its own command's module:
exec and export run for every credential lookup and should load little.
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys

from vaultsh import config as config_mod
from vaultsh.errors import Declined, UsageError, VaultshError
from vaultsh.mfa import check_code
from vaultsh.providers import Options, Resolved, chain_of, resolve
from vaultsh.vault import Vault

#: how deep credential_process may nest vaultsh calls before it is a loop
DEPTH_VARIABLE = "VAULTSH_DEPTH"
#: for crash tests: stop this process (SIGSTOP) after the named rotation step
PAUSE_VARIABLE = "VAULTSH_ROTATE_PAUSE_AFTER"


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
    token = getattr(args, "mfa_token", None)
    if token is not None:
        check_code(token, "--mfa-token")
    return Options(
        no_session=getattr(args, "no_session", False),
        duration=None if duration is None else config_mod.parse_duration(duration),
        region=getattr(args, "region", None),
        mfa_token=getattr(args, "mfa_token", None),
        environ=environ,
    )


def _resolve(
    args: argparse.Namespace, environ: dict, brief: bool = True
) -> tuple[Resolved, Vault]:
    """The profile made ready; a brief command's vault reads the index once."""
    _guard_depth(environ)
    vault = Vault(remember_index=brief)
    config = config_mod.load(config_mod.config_path(environ))
    resolved = resolve(config, vault, args.profile, _options(args, environ))
    _warn_pending_rotation(vault, resolved.chain[-1].name)
    return resolved, vault


def _warn_pending_rotation(vault: Vault, base: str) -> None:
    if base in vault.pending_rotations():
        _note(
            f"vaultsh: warning: the rotation of the key of profile {base} was "
            f"interrupted; run 'vaultsh rotate {base}' to finish it"
        )


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
    from vaultsh.commands import add

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
    from vaultsh.commands import remove

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
        raise Declined("nothing was deleted")


def do_clear(args, environ) -> int:
    from vaultsh.commands import clear

    vault = Vault()
    if args.profile:
        config = config_mod.load(config_mod.config_path(environ))
        chain_of(config, vault, args.profile)
    _out(clear.clear(vault, args.profile))
    return 0


def do_list(args, environ) -> int:
    from vaultsh.commands import list as list_cmd

    config = config_mod.load(config_mod.config_path(environ))
    _out(list_cmd.render(list_cmd.rows(config, Vault())))
    return 0


def do_exec(args, environ) -> int:
    from vaultsh.commands import exec

    exec.refuse_nested(environ)
    argv = exec.command_line(args.cmd, environ)
    path = exec.find_command(argv[0], environ)
    resolved, _ = _resolve(args, environ)
    creds = resolved.provider.retrieve()
    env = exec.session_environ(environ, resolved.profile.name, creds, resolved.region)
    sys.stdout.flush()
    exec.replace_process(path, argv, env)
    return 0


def do_export(args, environ) -> int:
    from vaultsh.commands import export

    resolved, _ = _resolve(args, environ)
    creds = resolved.provider.retrieve()
    if creds.session_token is None and _is_terminal(sys.stdout):
        _note(
            "vaultsh: warning: this prints a long-term access key; rotate it if exposed"
        )
    _out(export.render(args.format, resolved.profile.name, creds, resolved.region))
    return 0


def do_rotate(args, environ) -> int:
    from vaultsh.commands import rotate

    _guard_depth(environ)
    pause = _pause_after(environ.get(PAUSE_VARIABLE))
    vault = Vault()
    config = config_mod.load(config_mod.config_path(environ))
    options = _options(args, environ)
    job = rotate.plan(config, vault, args.profile, options, _note)
    job.other_key = args.delete_other_key
    job.choose_other = _ask_other_key if _is_terminal(sys.stdin) else None
    job.pause = pause
    rotate.rotate(vault, job)
    return 0


def _ask_other_key(explanation: str) -> str | None:
    """On a terminal: the id of the other key to delete, or None to stop."""
    _note(f"vaultsh: {explanation}")
    try:
        answer = input("Id of the other key to delete (Enter to stop): ")
    except EOFError:
        return None
    return answer.strip() or None


def _pause_after(step: str | None):
    """The pause hook of a rotation: SIGSTOP after `step`, for crash tests."""
    from vaultsh.commands import rotate

    if not step:
        return rotate.no_pause
    if step not in rotate.STEPS:
        raise UsageError(
            f"{PAUSE_VARIABLE}={step} names no rotation step",
            f"use one of {', '.join(rotate.STEPS)}",
        )

    def pause(reached: str) -> None:
        if reached == step:
            _note(f"vaultsh: paused after rotation step {step} ({PAUSE_VARIABLE})")
            os.kill(os.getpid(), signal.SIGSTOP)

    return pause


def do_shell(args, environ) -> int:
    from vaultsh.repl.app import run_shell
    from vaultsh.session import LiveSession

    resolved, vault = _resolve(args, environ, brief=False)
    session = LiveSession(resolved)
    session.credentials()
    return run_shell(session, vault)


def do_demo(args, environ) -> int:
    from vaultsh.demo import run_demo

    return run_demo(debug=getattr(args, "debug", False))
