"""The shell's wiring that needs no terminal: writers, the toolbar's status
choice, and the TAB key on a line whose one completion was put in."""

from __future__ import annotations

from prompt_toolkit.buffer import Buffer, CompletionState
from prompt_toolkit.completion import Completion
from prompt_toolkit.document import Document

from vaultsh.repl import app
from vaultsh.repl.catalog import Catalog
from vaultsh.repl.completer import ShellCompleter
from vaultsh.repl.toolbar import Notices, Status


def test_off_a_terminal_a_status_is_a_plain_line(capsys):
    screen = app.Screen()

    screen.status("invalidation I1: InProgress, 5s so far")
    screen.out("invalidation I1 completed")

    assert capsys.readouterr().out == (
        "invalidation I1: InProgress, 5s so far\ninvalidation I1 completed\n"
    )


def _status_of(notices: Notices, catalog: Catalog, completer: ShellCompleter):
    return app._status(catalog, notices, completer)()


def test_the_toolbar_shows_warnings_then_listings_then_notes():
    notices = Notices()
    catalog = Catalog(lambda prefix: iter(()), lambda: [], bucket="b")
    completer = ShellCompleter(catalog=catalog)
    assert _status_of(notices, catalog, completer) is None

    completer.note = "TAB shows 200 of 20,000 names; type more to narrow"
    assert _status_of(notices, catalog, completer) == Status(completer.note)

    notices.post("session renewed: key ****ABCD, 30m00s left")
    assert _status_of(notices, catalog, completer).text.startswith("session renewed")

    notices.post("renewing the session needs an MFA code", warning=True)
    assert _status_of(notices, catalog, completer).warning


def test_tab_after_a_lone_completion_completes_anew():
    buffer = Buffer(document=Document("s3 get 'docs/with space/'"))
    buffer.complete_state = CompletionState(
        Document("s3 get docs/w"), [Completion("'docs/with space/'", -6)], 0
    )
    started: list[bool] = []
    buffer.start_completion = lambda **kw: started.append(kw["insert_common_part"])

    handler = app._bindings().bindings[0].handler
    handler(type("Event", (), {"current_buffer": buffer})())

    assert buffer.complete_state is None
    assert buffer.text == "s3 get 'docs/with space/'"
    assert started == [True]
