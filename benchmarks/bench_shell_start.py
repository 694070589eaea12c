"""`vaultsh static.example.com` to a usable prompt, with the session cached.

    python benchmarks/bench_shell_start.py [--runs 15]
        [--keyring file|secret-service|both]

On each keyring backend the role session is cached first (`vaultsh exec ROLE
-- true`); then the installed `vaultsh static.example.com` is spawned RUNS
times in a pseudo-terminal (pexpect, answering prompt-toolkit's
cursor-position query as a terminal would), timing each from the spawn to its
first prompt; `exit` then ends it. Also prints `python -c pass` (the
interpreter floor).

Target: median <= 0.6 s.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from common import (
    BIN,
    ROLE,
    Bench,
    Result,
    assume_role_calls,
    emit,
    floor,
    machine,
    options,
    report,
    run_benches,
)

ROW = "vaultsh ROLE to a usable prompt (cached)"
TARGET = 0.6
CURSOR_QUERY = re.escape("\x1b[6n")
CURSOR_REPLY = "\x1b[1;1R"
PROMPT = re.escape(ROLE) + r"(?:\x1b\[[0-9;?]*[A-Za-z])*>"


def start_once(bench: Bench) -> float:
    """Seconds from spawning the shell to its first prompt."""
    import pexpect

    began = time.perf_counter()
    child = pexpect.spawn(
        str(BIN / "vaultsh"),
        [ROLE],
        env=dict(bench.env, TERM="xterm"),
        cwd=str(bench.folder),
        dimensions=(30, 120),
        encoding="utf-8",
        codec_errors="replace",
        timeout=60,
    )
    child.delaybeforesend = None
    try:
        while child.expect([CURSOR_QUERY, PROMPT]) == 0:
            child.send(CURSOR_REPLY)
        seconds = time.perf_counter() - began
        child.send("exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return seconds


def measure(bench: Bench, args: argparse.Namespace) -> None:
    bench.vaultsh("exec", ROLE, "--", "true")  # makes and caches the session
    start_once(bench)  # warm: the files vaultsh reads are in the page cache
    before = assume_role_calls()
    times = [start_once(bench) for _ in range(args.runs)]
    print(f"  the shells made {assume_role_calls() - before} AssumeRole call(s)")
    median = statistics.median(times)
    spread = f"min {min(times):.3f} s, max {max(times):.3f} s, n={len(times)}"
    print(f"  spawn to first prompt: {spread}")
    base = floor(bench.env)
    report([(ROW, median), ("python -c pass (interpreter floor)", base)], TARGET)
    value = f"{median:.3f} s"
    peer = f"floor: python {base * 1000:.0f} ms"
    emit(args, Result(ROW, bench.keyring, value, "<= 0.6 s", median <= TARGET, peer))


def main() -> None:
    args = options(__doc__)
    print(f"interactive shell start, session cached ({machine()})")
    run_benches(args, ROW, lambda bench: measure(bench, args))


if __name__ == "__main__":
    main()
