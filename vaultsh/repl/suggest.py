"""What may come next at the cursor: a pure function of the text before it.

`suggest` returns small typed suggestions (a command name, a subcommand, a
flag, a local path, an S3 key, ...); it knows nothing of candidates. The
completer maps each type to a matcher that finds them. Nothing here touches
the network or the disk.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from vaultsh.repl import commands
from vaultsh.repl.commands import Spec


@dataclass(frozen=True)
class Command:
    """A top-level command name."""


@dataclass(frozen=True)
class Subcommand:
    """A subcommand of `command` (`s3` -> ls, get, put, rm)."""

    command: str


@dataclass(frozen=True)
class Flag:
    """A flag of the command at `path` (`s3 ls` -> --recursive)."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class LocalPath:
    """A file or folder on this computer."""


@dataclass(frozen=True)
class S3Key:
    """An object key or prefix in the profile's bucket, one folder at a time.

    `folder` is the folder the word being typed is in (`docs/` for `docs/wi`),
    the one listing completion needs.
    """

    folder: str = ""
    folders_only: bool = False


@dataclass(frozen=True)
class Invalidation:
    """An invalidation id of the profile's distribution."""


@dataclass(frozen=True)
class CfPath:
    """A path to invalidate (`/index.html`, `/css/*`), from the bucket's keys.

    `folder` is the key prefix of the folder being typed (`css/` for `/css/s`).
    """

    folder: str = ""


Suggestion = Command | Subcommand | Flag | LocalPath | S3Key | Invalidation | CfPath

#: characters a word may hold and still be inserted without quotes
_PLAIN = re.compile(r"[A-Za-z0-9_@=:,./~-]+")


@dataclass(frozen=True)
class Partial:
    """The line split at the cursor: whole words, and the word being typed.

    `raw` is that word as typed (quotes included), `value` what it means.
    """

    words: tuple[str, ...]
    raw: str
    value: str


def split_partial(text: str) -> Partial:
    """Split `text` like shlex, tolerating an open quote in the last word."""
    start, quote, escaped = 0, None, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char.isspace():
            start = index + 1
    raw = text[start:]
    try:
        words = tuple(shlex.split(text[:start]))
        value = shlex.split((raw[:-1] if escaped else raw) + (quote or ""))
    except ValueError:
        return Partial((), raw, raw)
    return Partial(words, raw, value[0] if value else "")


def suggest(text: str, table: Mapping[str, Spec] | None = None) -> list[Suggestion]:
    """The kinds of things that may complete the word before the cursor."""
    table = commands.COMMANDS if table is None else table
    if text.lstrip().startswith(commands.BANG):
        return []
    partial = split_partial(text)
    words = partial.words
    if not words:
        return [Command()]
    spec = table.get(words[0])
    if spec is None:
        return []
    path: tuple[str, ...] = (words[0],)
    if spec.subcommands:
        if len(words) == 1:
            return [Subcommand(words[0])]
        spec = spec.subcommands.get(words[1])
        if spec is None:
            return []
        path = (words[0], words[1])
    return _for_arguments(spec, path, words[len(path) :], partial.value)


def _for_arguments(
    spec: Spec, path: tuple[str, ...], done: tuple[str, ...], current: str
) -> list[Suggestion]:
    if current.startswith("-") and spec.flags:
        return [Flag(path)]
    found: list[Suggestion] = []
    arg = _arg_at(spec, _positional(done))
    if arg is not None:
        found.append(_for_kind(arg.kind, current))
    if spec.flags and not current:
        found.append(Flag(path))
    return found


def _positional(done: tuple[str, ...]) -> int:
    return len([word for word in done if not word.startswith("-")])


def _arg_at(spec: Spec, index: int) -> commands.Arg | None:
    if index < len(spec.args):
        return spec.args[index]
    if spec.args and spec.args[-1].repeats:
        return spec.args[-1]
    return None


def _for_kind(kind: str, current: str) -> Suggestion:
    if kind in (commands.KEY, commands.PREFIX):
        return S3Key(folder_of(current), folders_only=kind == commands.PREFIX)
    if kind == commands.CF_PATH:
        return CfPath(folder_of(current.lstrip("/")))
    if kind == commands.INVALIDATION:
        return Invalidation()
    return LocalPath()


def folder_of(value: str) -> str:
    """The folder part of a key: `docs/with space/` for `docs/with space/ü`."""
    head, slash, _ = value.rpartition("/")
    return head + slash


def quote(word: str) -> str:
    """`word` as it must be typed for `split_partial` and shlex to read it back.

    Plain words stay as they are; anything else (spaces, quotes, non-ASCII
    letters, `+`, `#`, `%`, `*`, ...) is quoted, in single quotes unless the
    word holds one.
    """
    if _PLAIN.fullmatch(word):
        return word
    if "'" not in word:
        return f"'{word}'"
    escaped = word.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
