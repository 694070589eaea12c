"""TAB completion: each suggestion type from `suggest` has one matcher.

Matchers read the command table, the local disk and the `Catalog` (S3 folder
listings and invalidation ids loaded in the background); none of them waits
on the network. When an explicit TAB finds a listing still loading, the
completer remembers the line (`waiting`) so the shell can complete it again
once the listing arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime

from prompt_toolkit.completion import (
    CompleteEvent,
    Completer,
    Completion,
    PathCompleter,
)
from prompt_toolkit.document import Document

from vaultsh.repl import commands
from vaultsh.repl.catalog import Catalog, Folder, matches
from vaultsh.repl.commands import Spec
from vaultsh.repl.suggest import (
    CfPath,
    Command,
    Flag,
    Invalidation,
    LocalPath,
    Partial,
    S3Key,
    Subcommand,
    Suggestion,
    quote,
    split_partial,
    suggest,
)

#: how many keys one TAB offers; type more of the name to narrow the rest
SHOWN = 200

Matcher = Callable[[Suggestion, Partial], Iterable[Completion]]


class ShellCompleter(Completer):
    """Completes commands, flags, local paths, S3 keys, CloudFront paths and ids."""

    def __init__(
        self,
        table: Mapping[str, Spec] | None = None,
        catalog: Catalog | None = None,
        shown: int = SHOWN,
    ) -> None:
        self.table = commands.COMMANDS if table is None else table
        self.catalog = catalog
        self.shown = shown
        self.paths = PathCompleter(expanduser=True)
        #: the line an explicit TAB left waiting for a listing to load
        self.waiting: str | None = None
        #: a word for the toolbar about the last completion (`200 of 20,000 ...`)
        self.note: str | None = None
        self._loading = False
        self.matchers: dict[type, Matcher] = {
            Command: self._commands,
            Subcommand: self._subcommands,
            Flag: self._flags,
            LocalPath: self._local_paths,
            S3Key: self._s3_keys,
            CfPath: self._cf_paths,
            Invalidation: self._invalidations,
        }

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        text = document.text_before_cursor
        partial = split_partial(text)
        self.note, self._loading, found = None, False, 0
        for suggestion in suggest(text, self.table):
            for completion in self.matchers[type(suggestion)](suggestion, partial):
                found += 1
                yield completion
        if complete_event.completion_requested:
            self.waiting = text if self._loading and not found else None

    def prefetch(self, text: str) -> None:
        """Start loading what TAB would need after `text`; never waits."""
        if self.catalog is None:
            return
        for suggestion in suggest(text, self.table):
            if isinstance(suggestion, (S3Key, CfPath)):
                self.catalog.prefetch(suggestion.folder)
            elif isinstance(suggestion, Invalidation):
                self.catalog.prefetch_invalidations()

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
                quote(partial.value + found.text),
                start_position=-len(partial.raw),
                display=found.display,
            )

    def _s3_keys(self, suggestion: S3Key, partial: Partial) -> Iterator[Completion]:
        if self.catalog is None:
            return
        folder = self._folder(suggestion.folder)
        found = self._matches(folder, partial.value, suggestion.folders_only)
        for name, size in found:
            yield Completion(
                quote(name),
                start_position=-len(partial.raw),
                display=name[len(folder.prefix) :],
                display_meta=_meta(size),
            )

    def _cf_paths(self, suggestion: CfPath, partial: Partial) -> Iterator[Completion]:
        if self.catalog is None:
            return
        folder = self._folder(suggestion.folder)
        typed = partial.value.lstrip("/")
        everything = "/" + folder.prefix + "*"
        if everything.startswith("/" + typed):
            yield Completion(
                quote(everything),
                start_position=-len(partial.raw),
                display=everything[len(folder.prefix) + 1 :],
                display_meta="everything here",
            )
        for name, size in self._matches(folder, typed, False):
            yield Completion(
                quote("/" + name),
                start_position=-len(partial.raw),
                display=name[len(folder.prefix) :],
                display_meta=_meta(size),
            )

    def _invalidations(
        self, suggestion: Invalidation, partial: Partial
    ) -> Iterator[Completion]:
        if self.catalog is None:
            return
        known = self.catalog.invalidations()
        if not known.complete and known.problem is None:
            self._loading = True
        typed = partial.value.upper()
        for item in known.items:
            if item.ident.upper().startswith(typed):
                yield Completion(
                    item.ident,
                    start_position=-len(partial.raw),
                    display_meta=f"{item.status} {_when(item.created)}".strip(),
                )

    def _folder(self, prefix: str) -> Folder:
        folder = self.catalog.folder(prefix)
        if not folder.complete and folder.problem is None:
            self._loading = True
        return folder

    def _matches(
        self, folder: Folder, typed: str, folders_only: bool
    ) -> tuple[tuple[str, int | None], ...]:
        found = matches(folder, typed, folders_only, self.shown)
        if found.total > len(found.shown):
            self.note = (
                f"TAB shows {len(found.shown)} of {found.total:,} names; "
                "type more to narrow"
            )
        return found.shown


def _words(choices: Mapping[str, str], partial: Partial) -> Iterator[Completion]:
    for word, meta in choices.items():
        if word.startswith(partial.value):
            yield Completion(word, start_position=-len(partial.raw), display_meta=meta)


def _meta(size: int | None) -> str:
    """`folder`, or a size in the units `ls -h` would use."""
    if size is None:
        return "folder"
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"


def _when(moment: datetime | None) -> str:
    if not isinstance(moment, datetime):
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
