"""TAB completion: each suggestion type from `suggest` has one matcher.

Matchers read only the command table and the local disk. Types without a
matcher (S3 keys, invalidation ids) complete nothing yet: they would need a
listing loaded in the background, never a network call on TAB.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping

from prompt_toolkit.completion import (
    CompleteEvent,
    Completer,
    Completion,
    PathCompleter,
)
from prompt_toolkit.document import Document

from vaultsh.repl import commands
from vaultsh.repl.commands import Spec
from vaultsh.repl.suggest import (
    Command,
    Flag,
    LocalPath,
    Partial,
    Subcommand,
    Suggestion,
    split_partial,
    suggest,
)

Matcher = Callable[[Suggestion, Partial], Iterable[Completion]]


class ShellCompleter(Completer):
    """Completes command names, subcommands, flags and local paths."""

    def __init__(self, table: Mapping[str, Spec] | None = None) -> None:
        self.table = commands.COMMANDS if table is None else table
        self.paths = PathCompleter(expanduser=True)
        self.matchers: dict[type, Matcher] = {
            Command: self._commands,
            Subcommand: self._subcommands,
            Flag: self._flags,
            LocalPath: self._local_paths,
        }

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        text = document.text_before_cursor
        partial = split_partial(text)
        for suggestion in suggest(text, self.table):
            matcher = self.matchers.get(type(suggestion))
            if matcher is not None:
                yield from matcher(suggestion, partial)

    def _commands(self, suggestion: Command, partial: Partial) -> Iterator[Completion]:
        summaries = {name: spec.summary for name, spec in self.table.items()}
        return _words(summaries, partial)

    def _subcommands(
        self, suggestion: Subcommand, partial: Partial
    ) -> Iterator[Completion]:
        subs = self.table[suggestion.command].subcommands
        return _words({name: spec.summary for name, spec in subs.items()}, partial)

    def _flags(self, suggestion: Flag, partial: Partial) -> Iterator[Completion]:
        spec = self.table[suggestion.path[0]]
        for word in suggestion.path[1:]:
            spec = spec.subcommands[word]
        return _words({flag: "" for flag in spec.flags}, partial)

    def _local_paths(
        self, suggestion: LocalPath, partial: Partial
    ) -> Iterator[Completion]:
        typed = Document(partial.value)
        for found in self.paths.get_completions(typed, CompleteEvent()):
            yield Completion(
                _quoted(partial.value + found.text),
                start_position=-len(partial.raw),
                display=found.display,
            )


def _words(choices: Mapping[str, str], partial: Partial) -> Iterator[Completion]:
    for word, meta in choices.items():
        if word.startswith(partial.value):
            yield Completion(word, start_position=-len(partial.raw), display_meta=meta)


def _quoted(text: str) -> str:
    """The word as it must be typed: quoted only where it has to be."""
    home = "~/" if text.startswith("~/") else ""
    rest = text[len(home) :]
    return home + shlex.quote(rest) if rest else text
