"""The CLI side of `shell-init`, `completion` and `prompt`.

Kept apart from vaultsh.actions so that these commands, which shells run at
start-up and on every prompt, import nothing they do not use.
"""

from __future__ import annotations

import sys

from vaultsh.integration import completion_script, init_script, prompt_text


def do_shell_init(args, environ) -> int:
    sys.stdout.write(init_script(args.shell))
    return 0


def do_completion(args, environ) -> int:
    sys.stdout.write(completion_script(args.shell))
    return 0


def do_prompt(args, environ) -> int:
    text = prompt_text(environ, args.format)
    if text:
        sys.stdout.write(text + "\n")
    return 0
