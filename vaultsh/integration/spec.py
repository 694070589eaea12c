"""What shell completion offers, read from vaultsh's own argument parser.

The completion scripts are generated from this description, so a command or
flag added to `vaultsh.cli.build_parser` reaches TAB without further edits.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

#: positional kinds: how a shell finds candidates for it
PROFILE, COMMAND, CHOICE, WORD = "profile", "command", "choice", "word"


@dataclass(frozen=True)
class Flag:
    names: tuple[str, ...]
    help: str
    takes_value: bool
    metavar: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Positional:
    kind: str
    metavar: str
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    flags: tuple[Flag, ...]
    positionals: tuple[Positional, ...]

    @property
    def valued(self) -> tuple[str, ...]:
        """The names of the flags that take a value in the next word."""
        return tuple(name for f in self.flags if f.takes_value for name in f.names)


@dataclass(frozen=True)
class CliSpec:
    """The whole command line: global flags and each subcommand."""

    flags: tuple[Flag, ...]
    commands: tuple[Command, ...]
    #: `vaultsh PROFILE` means this command with PROFILE already given
    shorthand: str = "shell"

    def command(self, name: str) -> Command:
        return next(c for c in self.commands if c.name == name)


def read(parser: argparse.ArgumentParser) -> CliSpec:
    """The flags, subcommands and positionals of `parser`."""
    flags, commands = [], []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands = [_command(n, p) for n, p in action.choices.items()]
        elif action.option_strings and action.help != argparse.SUPPRESS:
            flags.append(_flag(action))
    return CliSpec(tuple(flags), tuple(commands))


def _command(name: str, parser: argparse.ArgumentParser) -> Command:
    options = [a for a in parser._actions if a.help != argparse.SUPPRESS]
    return Command(
        name=name,
        help=parser.description or "",
        flags=tuple(_flag(a) for a in options if a.option_strings),
        positionals=tuple(_positional(a) for a in options if not a.option_strings),
    )


def _flag(action: argparse.Action) -> Flag:
    return Flag(
        names=tuple(action.option_strings),
        help=action.help or "",
        takes_value=action.nargs != 0,
        metavar=str(action.metavar or action.dest.upper()),
        choices=tuple(str(c) for c in action.choices or ()),
    )


def _positional(action: argparse.Action) -> Positional:
    if action.dest == "profile":
        kind = PROFILE
    elif action.dest == "cmd":
        kind = COMMAND
    elif action.choices:
        kind = CHOICE
    else:
        kind = WORD
    return Positional(
        kind=kind,
        metavar=str(action.metavar or action.dest.upper()),
        help=action.help or "",
        choices=tuple(str(c) for c in action.choices or ()),
    )
