"""Shell integration: the prompt segment and TAB completion for zsh, bash and fish.

The shell code lives here, in one module a shell, so that `vaultsh shell-init`
and `vaultsh completion` print it from any install (wheel or editable); the
completion is generated from `vaultsh.cli.build_parser`. The files in the
repository's shell/ and completions/ folders are that same output, committed
for source checkouts and plugin managers; regenerate them with
`python -m vaultsh.integration` (a test fails while they differ).

Everything here is import-light: `vaultsh prompt` may run on every prompt.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

SHELLS = ("zsh", "bash", "fish")
#: repository path -> (shell, what); see `generated_files`
FILES = {
    "shell/vaultsh.zsh": ("zsh", "init"),
    "shell/vaultsh.plugin.zsh": ("zsh", "plugin"),
    "shell/vaultsh.bash": ("bash", "init"),
    "shell/vaultsh.fish": ("fish", "init"),
    "completions/_vaultsh": ("zsh", "completion"),
    "completions/vaultsh.bash": ("bash", "completion"),
    "completions/vaultsh.fish": ("fish", "completion"),
}


def _module(shell: str):
    if shell not in SHELLS:
        raise ValueError(f"unknown shell {shell!r}")
    return importlib.import_module(f"vaultsh.integration.{shell}")


def init_script(shell: str) -> str:
    """The prompt segment script `vaultsh shell-init SHELL` prints."""
    return _module(shell).INIT


def completion_script(shell: str) -> str:
    """The completion script for SHELL, generated from vaultsh's parser."""
    from vaultsh.cli import build_parser
    from vaultsh.integration import spec

    return _module(shell).completion(spec.read(build_parser()))


def prompt_text(environ: Mapping[str, str], fmt: str = "plain") -> str:
    """What `vaultsh prompt` prints: the segment for this environment, or ""."""
    from vaultsh.integration import segment

    return segment.render(segment.segment(environ), fmt)


def generated_files() -> dict[str, str]:
    """Repository path -> the text that file must hold."""
    texts = {}
    for path, (shell, what) in FILES.items():
        if what == "completion":
            texts[path] = completion_script(shell)
        elif what == "plugin":
            texts[path] = _module(shell).PLUGIN
        else:
            texts[path] = init_script(shell)
    return texts


def write_files(root: Path) -> list[str]:
    """Write the generated files under `root`; returns the paths that changed."""
    changed = []
    for path, text in generated_files().items():
        target = root / path
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            changed.append(path)
    return changed
