"""The prompt loop of the interactive shell (`vaultsh PROFILE`)."""

from __future__ import annotations

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import History, InMemoryHistory

from vaultsh.repl import commands, toolbar
from vaultsh.repl.completer import ShellCompleter
from vaultsh.repl.history import open_history
from vaultsh.repl.identity import time_left
from vaultsh.session import LiveSession
from vaultsh.vault import Vault


def run_shell(session: LiveSession, vault: Vault) -> int:
    """Read and run commands until exit, quit or Ctrl-D; returns the exit status."""
    shell = commands.Shell(session, vault, out=_out, err=_err)
    prompt = build_prompt(session)
    _out(_greeting(session))
    while not shell.leaving:
        try:
            line = prompt.prompt()
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt drops the line
        except EOFError:
            break
        commands.run(shell, line)
    return 0


def build_prompt(session: LiveSession) -> PromptSession:
    """The PromptSession: prompt, toolbar redrawn each second, completion, history."""
    return PromptSession(
        message=toolbar.prompt_message(session.name),
        bottom_toolbar=toolbar.for_session(session),
        refresh_interval=1,
        completer=ShellCompleter(),
        complete_while_typing=False,
        history=_history(),
        style=toolbar.STYLE,
    )


def _history() -> History:
    try:
        return open_history()
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        _err(f"warning: cannot keep a history file ({reason}); it lasts this session")
        return InMemoryHistory()


def _greeting(session: LiveSession) -> str:
    left = time_left(session.seconds_left())
    return (
        f"vaultsh shell on profile {session.name} (session: {left}); "
        "type help for the commands, Ctrl-D to leave"
    )


def _out(text: str) -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print_formatted_text(FormattedText([("class:error", text)]), style=toolbar.STYLE)
