"""The prompt loop of the interactive shell (`vaultsh PROFILE`), and its wiring.

Threads besides the prompt: catalog workers load S3 folders and invalidation
ids for completion, and the renewer keeps the session alive. Both only ever
redraw the prompt (`Application.invalidate` is thread-safe) or schedule work
on its event loop; neither writes to the terminal.
"""

from __future__ import annotations

import contextvars
import shutil
import sys

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit import prompt as ask
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from vaultsh.repl import catalog as catalog_mod
from vaultsh.repl import commands, progress, renewal, toolbar
from vaultsh.repl.catalog import Catalog
from vaultsh.repl.completer import ShellCompleter
from vaultsh.repl.history import open_history
from vaultsh.repl.identity import time_left
from vaultsh.repl.toolbar import Notices, Status
from vaultsh.session import LiveSession
from vaultsh.vault import Vault


def run_shell(session: LiveSession, vault: Vault) -> int:
    """Read and run commands until exit, quit or Ctrl-D; returns the exit status."""
    screen = Screen()
    notices = Notices()
    wakeup = Wakeup()
    catalog = catalog_mod.for_session(session, on_change=wakeup.changed)
    completer = ShellCompleter(catalog=catalog)
    session.ask_code = renewal.ask_code
    shell = commands.Shell(
        session,
        vault,
        out=screen.out,
        err=screen.err,
        status=screen.status,
        confirm=confirm,
        progress=progress.bar if sys.stdout.isatty() else None,
        catalog=catalog,
    )
    prompt = build_prompt(session, completer, _status(catalog, notices, completer))
    wakeup.bind(prompt, completer)
    renewer = renewal.Renewer(session, notices, wake=wakeup.redraw)
    screen.out(_greeting(session))
    catalog.prefetch("")
    renewer.start()
    try:
        _loop(shell, prompt, wakeup)
    finally:
        renewer.stop()
        catalog.close()
    return 0


def _loop(shell: commands.Shell, prompt: PromptSession, wakeup: Wakeup) -> None:
    while not shell.leaving:
        try:
            line = prompt.prompt(pre_run=wakeup.capture)
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt drops the line
        except EOFError:
            break
        commands.run(shell, line)


def build_prompt(
    session: LiveSession,
    completer: ShellCompleter,
    status=lambda: None,
) -> PromptSession:
    """The PromptSession: prompt, toolbar redrawn each second, completion, history."""
    prompt = PromptSession(
        message=toolbar.prompt_message(session.name),
        bottom_toolbar=toolbar.for_session(session, status),
        refresh_interval=1,
        completer=completer,
        complete_while_typing=False,
        history=_history(),
        key_bindings=_bindings(),
        style=toolbar.STYLE,
    )
    buffer = prompt.default_buffer
    buffer.on_text_changed += lambda buf: completer.prefetch(buf.text)
    return prompt


def _bindings() -> KeyBindings:
    keys = KeyBindings()

    @keys.add("tab")
    def _complete(event: KeyPressEvent) -> None:
        """TAB: the next completion; after a lone one was put in, complete anew."""
        buffer = event.current_buffer
        state = buffer.complete_state
        if state and len(state.completions) == 1 and state.complete_index == 0:
            buffer.complete_state = None  # the one completion stays in the line
        if buffer.complete_state:
            buffer.complete_next()
        else:
            buffer.start_completion(insert_common_part=True)

    return keys


def _status(catalog: Catalog, notices: Notices, completer: ShellCompleter):
    """What the toolbar's status shows: warnings, then listings, then notes."""

    def current() -> Status | None:
        note = notices.current()
        if note is not None and note.warning:
            return note
        listing = catalog.status()
        if listing is not None:
            return Status(*listing)
        if note is not None:
            return note
        return Status(completer.note) if completer.note else None

    return current


class Wakeup:
    """Redraws the prompt when a listing grows; completes a waiting TAB again."""

    def __init__(self) -> None:
        self.prompt: PromptSession | None = None
        self.completer: ShellCompleter | None = None
        self._context: contextvars.Context | None = None

    def bind(self, prompt: PromptSession, completer: ShellCompleter) -> None:
        self.prompt, self.completer = prompt, completer

    def capture(self) -> None:
        """Called as each prompt starts, in its event loop: remember its context."""
        self._context = contextvars.copy_context()

    def redraw(self) -> None:
        if self.prompt is not None:
            self.prompt.app.invalidate()

    def changed(self, job: str) -> None:
        """From a catalog worker: a listing grew or ended."""
        app = self.prompt.app if self.prompt else None
        if app is None or not app.is_running or app.loop is None:
            return
        app.invalidate()
        if self.completer.waiting is not None and self._context is not None:
            app.loop.call_soon_threadsafe(self._complete_again, context=self._context)

    def _complete_again(self) -> None:
        buffer = self.prompt.default_buffer
        waiting, self.completer.waiting = self.completer.waiting, None
        if waiting == buffer.document.text_before_cursor and not buffer.complete_state:
            buffer.start_completion(insert_common_part=True)


class Screen:
    """The shell's writers: results, errors in red, and one passing status line."""

    def __init__(self) -> None:
        self._status_shown = False
        self._terminal = sys.stdout.isatty()

    def out(self, text: str) -> None:
        self._end_status()
        print(text, flush=True)

    def err(self, text: str) -> None:
        self._end_status()
        _err(text)

    def status(self, text: str) -> None:
        """Show `text` until the next output replaces it (a plain line off a tty)."""
        if not self._terminal:
            print(text, flush=True)
            return
        width = shutil.get_terminal_size().columns - 1
        sys.stdout.write("\r\x1b[2K" + text[:width])
        sys.stdout.flush()
        self._status_shown = True

    def _end_status(self) -> None:
        if self._status_shown:
            sys.stdout.write("\r\x1b[2K")
            sys.stdout.flush()
            self._status_shown = False


def confirm(question: str) -> bool:
    """Ask a yes/no question at the shell; anything but y or yes is no."""
    try:
        answer = ask(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


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


def _err(text: str) -> None:
    print_formatted_text(FormattedText([("class:error", text)]), style=toolbar.STYLE)
